package secure

import (
	"crypto/x509"
	"strings"
)

// KennungFromCert returns the directory key (kennung, "prefix:key") that a
// certificate names in its subject serialNumber, the scheme of the certs
// package's PKI ("serialNumber=azr:abh-musterstadt"). It returns "" if the
// serialNumber is not of that form.
func KennungFromCert(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	sn := cert.Subject.SerialNumber
	if i := strings.IndexByte(sn, ':'); i <= 0 || i == len(sn)-1 {
		return ""
	}
	return sn
}
