package wire

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"

	"github.com/xgate/xgate/certs"
)

// ServerTLSConfig returns the TLS configuration of the transport listener:
// TLS 1.3 only, this gateway's TLS key pair (certs.TLSServer), and a client
// certificate required and verified against roots (chain, validity,
// ExtKeyUsage clientAuth). Which participant the certificate belongs to
// is the handler's question: ClientCert, then the directory entry's TLS
// certificates (exact bytes).
func ServerTLSConfig(kp certs.KeyPair, roots *x509.CertPool) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{kp.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    roots,
		NextProtos:   []string{"http/1.1"},
	}
}

// ClientCert returns the verified client certificate of a request on the
// transport listener, or nil if there is none (not TLS, or no
// certificate).
func ClientCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0]
}
