package certs

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xgate/xgate/xml/errcode"
)

// PEM block types.
const (
	pemCertificate = "CERTIFICATE"
	pemCRL         = "X509 CRL"
	pemPKCS1       = "RSA PRIVATE KEY"
	pemPKCS8       = "PRIVATE KEY"
)

// certExts are the file name extensions LoadRoots, LoadCRLs and Check read
// in a directory.
var certExts = []string{".pem", ".crt", ".cer", ".der", ".crl"}

// CheckKeyPermissions returns a *KeyPermissionError if group or others
// have any access to the file at path (mode & 0o077 != 0).
func CheckKeyPermissions(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return &KeyPermissionError{Path: path, Mode: st.Mode().Perm()}
	}
	return nil
}

// LoadPrivateKey reads an RSA private key from a PEM file (PKCS#1 "RSA
// PRIVATE KEY" or PKCS#8 "PRIVATE KEY"). It refuses a file that group or
// others can access with a *KeyPermissionError, before reading it.
func LoadPrivateKey(path string) (*rsa.PrivateKey, error) {
	if err := CheckKeyPermissions(path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	k, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParsePrivateKeyPEM parses the first private key block of data: PKCS#1
// or PKCS#8, RSA only, unencrypted.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("%w (want %q or %q)", ErrNoPEM, pemPKCS1, pemPKCS8)
		}
		switch b.Type {
		case pemPKCS1:
			if _, enc := b.Headers["DEK-Info"]; enc {
				return nil, errors.New("certs: encrypted PEM private keys are not supported")
			}
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certs: PKCS#1 key: %w", err)
			}
			return k, nil
		case pemPKCS8:
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certs: PKCS#8 key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("%w: PKCS#8 key is %T", ErrNotRSA, k)
			}
			return rk, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("certs: encrypted PEM private keys are not supported")
		}
	}
}

// ParseCertificates parses every CERTIFICATE block of PEM data, in order.
// Data without any PEM block is tried as one DER certificate.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	return parsePEMOrDER(data, pemCertificate, "certificate", x509.ParseCertificate)
}

// parsePEMOrDER parses every PEM block of type typ in data with parse, in
// order; data without any PEM block is tried as one DER object.
func parsePEMOrDER[T any](data []byte, typ, what string, parse func([]byte) (T, error)) ([]T, error) {
	var out []T
	rest := data
	sawPEM := false
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		sawPEM = true
		if b.Type != typ {
			continue
		}
		v, err := parse(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certs: %s %d: %w", what, len(out)+1, err)
		}
		out = append(out, v)
	}
	if !sawPEM {
		if v, err := parse(data); err == nil {
			return []T{v}, nil
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w (want %q)", ErrNoPEM, typ)
	}
	return out, nil
}

// LoadCertificates reads one or more certificates from a PEM (or DER)
// file. A missing file or one without certificates is T003 (certificate
// missing).
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.load", Detail: "cannot read certificate file " + path, Err: err}
	}
	cs, err := ParseCertificates(data)
	if err != nil {
		if errors.Is(err, ErrNoPEM) {
			return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.load", Detail: "no certificate in " + path}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// LoadCertificate reads a file that must hold exactly one certificate.
func LoadCertificate(path string) (*x509.Certificate, error) {
	cs, err := LoadCertificates(path)
	if err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, fmt.Errorf("certs: %s holds %d certificates, want 1", path, len(cs))
	}
	return cs[0], nil
}

// LoadRoots reads trust roots from a file, or from every *.pem, *.crt,
// *.cer and *.der file directly inside a directory (files without a
// certificate are skipped). It fails if it finds none.
func LoadRoots(path string) ([]*x509.Certificate, error) {
	files, err := filesAt(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, f := range files {
		if strings.HasSuffix(f, ".crl") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
		cs, err := ParseCertificates(data)
		if errors.Is(err, ErrNoPEM) && len(files) > 1 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, cs...)
	}
	if len(out) == 0 {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.load", Detail: "no trust root in " + path}
	}
	return out, nil
}

// LoadIntermediates reads intermediate (sub-) CA certificates for
// Config.Intermediates from a file or a folder, as LoadRoots does, and
// refuses a certificate that is not a CA (basic constraints) with an
// error naming it: a leaf among the intermediates is a configuration
// mistake, not a sub-CA.
func LoadIntermediates(path string) ([]*x509.Certificate, error) {
	cs, err := LoadRoots(path)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if !c.BasicConstraintsValid || !c.IsCA {
			return nil, fmt.Errorf("certs: %s: %s is not a CA certificate; only sub-CAs belong among the intermediates", path, Label(c))
		}
	}
	return cs, nil
}

// Pool returns a CertPool holding cs (for tls.Config RootCAs/ClientCAs).
func Pool(cs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

// LoadCertPool is LoadRoots followed by Pool.
func LoadCertPool(path string) (*x509.CertPool, error) {
	cs, err := LoadRoots(path)
	if err != nil {
		return nil, err
	}
	return Pool(cs...), nil
}

// ParseCRLs parses every "X509 CRL" block of PEM data; data without any
// PEM block is tried as one DER CRL. The signatures are not checked here:
// NewVerifier checks them against their issuers.
func ParseCRLs(data []byte) ([]*x509.RevocationList, error) {
	return parsePEMOrDER(data, pemCRL, "CRL", x509.ParseRevocationList)
}

// LoadCRLs reads CRLs from a file, or from every *.crl and *.pem file
// directly inside a directory (files without a CRL are skipped).
func LoadCRLs(path string) ([]*x509.RevocationList, error) {
	files, err := filesAt(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.RevocationList
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
		crls, err := ParseCRLs(data)
		if errors.Is(err, ErrNoPEM) && len(files) > 1 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, crls...)
	}
	return out, nil
}

// filesAt returns path itself if it is a file, else the certificate-like
// files directly inside it, sorted.
func filesAt(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && slices.Contains(certExts, strings.ToLower(filepath.Ext(e.Name()))) && !isKeyName(e.Name()) {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	return out, nil
}

// isKeyName reports file names that by xgate's convention hold private
// keys; directory scans leave them alone.
func isKeyName(name string) bool {
	return strings.HasSuffix(name, "-key.pem") || strings.HasSuffix(name, ".key")
}

// KeyPair is a private key with its certificate (and any chain
// certificates that travel with it).
type KeyPair struct {
	Cert  *x509.Certificate
	Chain []*x509.Certificate // intermediates after Cert, may be nil
	Key   *rsa.PrivateKey
}

// NewKeyPair pairs key with the first of certs; the rest become the chain.
// It returns ErrKeyMismatch if the key is not the certificate's.
func NewKeyPair(certs []*x509.Certificate, key *rsa.PrivateKey) (KeyPair, error) {
	if len(certs) == 0 {
		return KeyPair{}, &errcode.Error{Code: errcode.CertMissing, Op: "certs.keypair", Detail: "no certificate for the key"}
	}
	pub, ok := certs[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		return KeyPair{}, fmt.Errorf("%w: certificate key is %T", ErrNotRSA, certs[0].PublicKey)
	}
	if key == nil || !pub.Equal(&key.PublicKey) {
		return KeyPair{}, fmt.Errorf("%w: %s", ErrKeyMismatch, Label(certs[0]))
	}
	return KeyPair{Cert: certs[0], Chain: certs[1:], Key: key}, nil
}

// LoadKeyPair reads a certificate file (leaf first, then any chain) and
// its private key file (permission-checked) and checks that they match.
func LoadKeyPair(certFile, keyFile string) (KeyPair, error) {
	cs, err := LoadCertificates(certFile)
	if err != nil {
		return KeyPair{}, err
	}
	k, err := LoadPrivateKey(keyFile)
	if err != nil {
		return KeyPair{}, err
	}
	kp, err := NewKeyPair(cs, k)
	if err != nil {
		return KeyPair{}, fmt.Errorf("%s and %s: %w", certFile, keyFile, err)
	}
	return kp, nil
}

// TLSCertificate returns kp in the form crypto/tls wants.
func (kp KeyPair) TLSCertificate() tls.Certificate {
	der := [][]byte{kp.Cert.Raw}
	for _, c := range kp.Chain {
		der = append(der, c.Raw)
	}
	return tls.Certificate{Certificate: der, PrivateKey: kp.Key, Leaf: kp.Cert}
}

// EncodeCertificates returns cs as PEM.
func EncodeCertificates(cs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range cs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: c.Raw})...)
	}
	return out
}

// EncodePrivateKey returns k as a PKCS#8 PEM block.
func EncodePrivateKey(k *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPKCS8, Bytes: der}), nil
}

// EncodeCRL returns a DER CRL as PEM.
func EncodeCRL(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCRL, Bytes: der})
}
