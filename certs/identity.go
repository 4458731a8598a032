package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

// ErrNoKennung is returned by KennungFromCert for a certificate whose
// subject has no serialNumber attribute: it names no participant.
var ErrNoKennung = errors.New("certs: the certificate subject names no kennung (no serialNumber attribute)")

// oidSerialNumber is the subject attribute serialNumber (X.520, 2.5.4.5),
// where xgate's certificates carry the owner's kennung.
var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// KennungFromCert returns the directory key (kennung) that cert names as
// its owner: the value of the subject's one serialNumber attribute, parsed
// exactly by kennung.Parse (nothing trimmed, nothing normalised).
//
// A subject without serialNumber yields ErrNoKennung. A subject that is
// ambiguous — two or more serialNumber attributes (crypto/x509 would keep
// only the last), or one whose value is not a valid kennung — is refused
// with a T002 *errcode.Error: whose certificate it is must be certain.
func KennungFromCert(cert *x509.Certificate) (kennung.Kennung, error) {
	if cert == nil {
		return "", &errcode.Error{Code: errcode.CertMissing, Op: opIdentity, Detail: "no certificate"}
	}
	var values []string
	for _, atv := range cert.Subject.Names {
		if atv.Type.Equal(oidSerialNumber) {
			s, ok := atv.Value.(string)
			if !ok {
				return "", verrOp(opIdentity, errcode.CertInvalid, cert, "the subject serialNumber is not a string")
			}
			values = append(values, s)
		}
	}
	switch len(values) {
	case 0:
		return "", ErrNoKennung
	case 1:
	default:
		return "", verrOp(opIdentity, errcode.CertInvalid, cert,
			"the subject has %d serialNumber attributes; the owner's kennung must be named exactly once", len(values))
	}
	k, err := kennung.Parse(values[0])
	if err != nil {
		return "", &errcode.Error{Code: errcode.CertInvalid, Op: opIdentity,
			Detail: Label(cert) + ": the subject serialNumber is not a kennung", Err: err}
	}
	return k, nil
}

// SubjectString returns the subject of c as written in the certificate,
// RFC 4514 style, every attribute in order: unlike c.Subject.String(),
// which rebuilds the name from pkix.Name's fields and so shows only one of
// two serialNumber (or CN, …) attributes.
func SubjectString(c *x509.Certificate) string { return rawNameString(c.RawSubject, c.Subject) }

// IssuerString is SubjectString for the issuer.
func IssuerString(c *x509.Certificate) string { return rawNameString(c.RawIssuer, c.Issuer) }

func rawNameString(raw []byte, parsed pkix.Name) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) != 0 {
		return parsed.String()
	}
	return seq.String()
}

// opIdentity is the Op of KennungFromCert's errors.
const opIdentity = "certs.kennung"

func verrOp(op string, code errcode.Code, c *x509.Certificate, format string, args ...any) *errcode.Error {
	e := verr(code, c, format, args...)
	e.Op = op
	return e
}
