package certstest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/internal/clock"
)

// CA is a test certificate authority: a root (NewCA) or an intermediate
// (Intermediate). It issues certificates relative to Now and keeps a
// revocation list. Its methods are safe for concurrent use.
type CA struct {
	Cert   *x509.Certificate
	Key    *rsa.PrivateKey
	Parent *CA        // nil for a root
	Now    time.Time  // the reference time of everything it issues; its Verifier's clock
	Keys   *KeySource // keys of what it issues; shared with its intermediates

	mu      sync.Mutex
	revoked []x509.RevocationListEntry
	number  int64
}

// NewCA returns a root CA named name (RSA-3072, valid from an hour before
// now for ten years) with Now = the current time, whole seconds.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	keys := NewKeySource()
	key := keys.Key(t, 3072)
	tmpl := &x509.Certificate{
		Subject:            pkix.Name{Organization: []string{"xgate Test-PKI"}, CommonName: name},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.AddDate(10, 0, 0),
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	certs.CA.SetUsage(tmpl)
	return &CA{Cert: create(t, tmpl, tmpl, &key.PublicKey, key), Key: key, Now: now, Keys: keys}
}

// Intermediate returns a CA named name issued by ca, with ca's Now.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	return ca.IssueCA(t, Spec{Subject: pkix.Name{Organization: []string{"xgate Test-PKI"}, CommonName: name}})
}

// IssueCA issues an intermediate CA from spec (Purpose is forced to CA).
func (ca *CA) IssueCA(t testing.TB, spec Spec) *CA {
	t.Helper()
	spec.Purpose = certs.CA
	kp := ca.Issue(t, spec)
	return &CA{Cert: kp.Cert, Key: kp.Key, Parent: ca, Now: ca.Now, Keys: ca.Keys}
}

// Spec describes a certificate to issue. Zero fields take defaults.
type Spec struct {
	// Purpose sets KeyUsage/ExtKeyUsage/policies through
	// certs.Purpose.SetUsage. Defaults to certs.Signing.
	Purpose certs.Purpose
	// Subject defaults to CN "xgate test <purpose>", O "xgate Test-PKI".
	Subject pkix.Name
	// NotBefore defaults to Now - 1h, NotAfter to Now + 1 year.
	NotBefore, NotAfter time.Time
	// Bits is 3072 (default) or 2048: a key of that size from the CA's
	// KeySource.
	Bits int
	// Key, if set, is used instead of a pool key.
	Key *rsa.PrivateKey
	// SignatureAlgorithm defaults to SHA256WithRSA; SHA1WithRSA makes a
	// weak certificate.
	SignatureAlgorithm x509.SignatureAlgorithm
	// Customize, if set, may change the template last.
	Customize func(*x509.Certificate)
}

// Issue signs a certificate from spec and returns it with its key; the
// chain holds the intermediates between it and the root.
func (ca *CA) Issue(t testing.TB, spec Spec) certs.KeyPair {
	t.Helper()
	if spec.Purpose == 0 {
		spec.Purpose = certs.Signing
	}
	if spec.Subject.CommonName == "" && len(spec.Subject.Organization) == 0 {
		spec.Subject = pkix.Name{Organization: []string{"xgate Test-PKI"}, CommonName: "xgate test " + spec.Purpose.String()}
	}
	if spec.NotBefore.IsZero() {
		spec.NotBefore = ca.Now.Add(-time.Hour)
	}
	if spec.NotAfter.IsZero() {
		spec.NotAfter = ca.Now.AddDate(1, 0, 0)
	}
	if spec.Bits == 0 {
		spec.Bits = 3072
	}
	if spec.SignatureAlgorithm == 0 {
		spec.SignatureAlgorithm = x509.SHA256WithRSA
	}
	key := spec.Key
	if key == nil {
		key = ca.Keys.Key(t, spec.Bits)
	}
	tmpl := &x509.Certificate{
		Subject:            spec.Subject,
		NotBefore:          spec.NotBefore,
		NotAfter:           spec.NotAfter,
		SignatureAlgorithm: spec.SignatureAlgorithm,
	}
	spec.Purpose.SetUsage(tmpl)
	if spec.Purpose == certs.TLSServer || spec.Purpose == certs.TLSClient {
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	if spec.Customize != nil {
		spec.Customize(tmpl)
	}
	c := create(t, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	var chain []*x509.Certificate
	for p := ca; p.Parent != nil; p = p.Parent {
		chain = append(chain, p.Cert)
	}
	return certs.KeyPair{Cert: c, Chain: chain, Key: key}
}

// Good issues a certificate for p, valid at Now.
func (ca *CA) Good(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	return ca.Issue(t, Spec{Purpose: p})
}

// Expired issues a certificate for p that expired a day before Now.
func (ca *CA) Expired(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	return ca.Issue(t, Spec{Purpose: p, NotBefore: ca.Now.AddDate(-1, 0, 0), NotAfter: ca.Now.Add(-24 * time.Hour)})
}

// NotYetValid issues a certificate for p that becomes valid a day after
// Now.
func (ca *CA) NotYetValid(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	return ca.Issue(t, Spec{Purpose: p, NotBefore: ca.Now.Add(24 * time.Hour), NotAfter: ca.Now.AddDate(1, 0, 0)})
}

// Revoked issues a certificate for p and revokes it: the next CRL lists
// it.
func (ca *CA) Revoked(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	kp := ca.Good(t, p)
	ca.Revoke(kp.Cert)
	return kp
}

// WrongUsage issues a certificate valid at Now whose usage fits another
// purpose than p: signing ↔ encryption, tls-server ↔ tls-client (EKU
// of the other side only), directory without the directory policy, and a
// signing leaf for ca.
func (ca *CA) WrongUsage(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	spec := Spec{Purpose: certs.Signing}
	switch p {
	case certs.Signing:
		spec.Purpose = certs.Encryption
	case certs.TLSServer:
		spec.Purpose = certs.TLSClient
		spec.Customize = func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }
	case certs.TLSClient:
		spec.Purpose = certs.TLSServer
		spec.Customize = func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }
	}
	return ca.Issue(t, spec)
}

// Weak issues a certificate for p with a 2048-bit key (T010).
func (ca *CA) Weak(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	return ca.Issue(t, Spec{Purpose: p, Bits: 2048})
}

// SHA1 issues a certificate for p signed with SHA-1 (T010).
func (ca *CA) SHA1(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	return ca.Issue(t, Spec{Purpose: p, SignatureAlgorithm: x509.SHA1WithRSA})
}

// SelfSigned returns a self-signed certificate for p, valid now, that no
// CA vouches for (T002).
func SelfSigned(t testing.TB, p certs.Purpose) certs.KeyPair {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	key := Key(t, 3072)
	tmpl := &x509.Certificate{
		Subject:            pkix.Name{Organization: []string{"xgate Test-PKI"}, CommonName: "xgate self-signed " + p.String()},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.AddDate(1, 0, 0),
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	p.SetUsage(tmpl)
	return certs.KeyPair{Cert: create(t, tmpl, tmpl, &key.PublicKey, key), Key: key}
}

// Revoke adds c to the CA's revocation list (reason keyCompromise,
// revoked an hour before Now).
func (ca *CA) Revoke(c *x509.Certificate) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked = append(ca.revoked, x509.RevocationListEntry{
		SerialNumber: new(big.Int).Set(c.SerialNumber), RevocationTime: ca.Now.Add(-time.Hour), ReasonCode: 1,
	})
}

// CRL returns a CRL of everything revoked so far, valid from an hour
// before Now for 30 days.
func (ca *CA) CRL(t testing.TB) *x509.RevocationList {
	t.Helper()
	return ca.CRLAt(t, ca.Now.Add(-time.Hour), ca.Now.AddDate(0, 0, 30))
}

// CRLAt returns a CRL with the given thisUpdate and nextUpdate (a past
// nextUpdate makes a stale CRL).
func (ca *CA) CRLAt(t testing.TB, thisUpdate, nextUpdate time.Time) *x509.RevocationList {
	t.Helper()
	ca.mu.Lock()
	ca.number++
	tmpl := &x509.RevocationList{
		Number:                    big.NewInt(ca.number),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		RevokedCertificateEntries: append([]x509.RevocationListEntry(nil), ca.revoked...),
	}
	ca.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	if err != nil {
		t.Fatalf("certstest: create CRL: %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("certstest: parse CRL: %v", err)
	}
	return crl
}

// Root returns the root CA above ca (ca itself for a root).
func (ca *CA) Root() *CA {
	r := ca
	for r.Parent != nil {
		r = r.Parent
	}
	return r
}

// Verifier returns a certs.Verifier that trusts ca's root, knows ca's
// intermediates, holds a current CRL of ca and of each CA above it, and
// whose clock stands at Now.
func (ca *CA) Verifier(t testing.TB) *certs.Verifier {
	t.Helper()
	cfg := certs.Config{Roots: []*x509.Certificate{ca.Root().Cert}, Clock: clock.Fixed(ca.Now)}
	for p := ca; p != nil; p = p.Parent {
		if p.Parent != nil {
			cfg.Intermediates = append(cfg.Intermediates, p.Cert)
		}
		cfg.CRLs = append(cfg.CRLs, p.CRL(t))
	}
	v, err := certs.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return v
}

// WriteKeyPair writes kp to dir as name.pem (certificate, then chain,
// 0644) and name-key.pem (PKCS#8, 0600) and returns both paths.
func WriteKeyPair(t testing.TB, dir, name string, kp certs.KeyPair) (certFile, keyFile string) {
	t.Helper()
	certFile = filepath.Join(dir, name+".pem")
	keyFile = filepath.Join(dir, name+"-key.pem")
	WriteFile(t, certFile, certs.EncodeCertificates(append([]*x509.Certificate{kp.Cert}, kp.Chain...)...), 0o644)
	k, err := certs.EncodePrivateKey(kp.Key)
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, keyFile, k, 0o600)
	return certFile, keyFile
}

// WriteFile writes data to name with exactly the mode perm (git keeps no
// modes, and the umask may narrow them).
func WriteFile(t testing.TB, name string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, perm); err != nil {
		t.Fatal(err)
	}
}

// PKI writes the default development PKI (devpki.Init) into a fresh
// t.TempDir() with pool keys, in milliseconds, and returns its manifest.
func PKI(t testing.TB) *devpki.Manifest {
	t.Helper()
	res, err := devpki.Init(context.Background(), t.TempDir(), devpki.Options{GenerateKey: KeyGenerator()})
	if err != nil {
		t.Fatalf("certstest: %v", err)
	}
	return res.Manifest
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub *rsa.PublicKey, signer *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("certstest: create certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("certstest: parse certificate: %v", err)
	}
	return c
}
