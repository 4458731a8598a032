package secure_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// party is a key and its certificate.
type party struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// testPKI is a small PKI minted for the tests: a CA, a CRL, the sender's
// and another participant's signing certificates, the receiver's two
// encryption certificates (current and next), and the bad certificates
// of the attack corpus. Certificates are valid around the real time, so
// that xmlsec1 (which checks with the wall clock) agrees.
type testPKI struct {
	Now        time.Time
	CA         party
	CAPEM      []byte
	CRL        *x509.RevocationList
	CRLPEM     []byte
	Sender     party // signing, kennung azr:abh-musterstadt
	Other      party // signing, another trusted participant
	RecvA      party // encryption, current
	RecvB      party // encryption, next (newer NotBefore)
	EvilCA     party // a CA nobody trusts
	Untrusted  party // signing, issued by EvilCA
	SelfSigned party // signing, self-signed
	Expired    party
	NotYet     party
	Revoked    party
	WrongUsage party // an encryption certificate (keyEncipherment) used to sign
	Weak       party // 2048-bit signing certificate
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
)

// getPKI returns the process-wide test PKI.
func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

// key loads testdata/keys/<name>.pem, generating and writing it once when
// it is missing (RSA key generation is slow; the keys are test-only).
func key(name string, bits int) (*rsa.PrivateKey, error) {
	path := filepath.Join("testdata", "keys", name+".pem")
	if data, err := os.ReadFile(path); err == nil {
		b, _ := pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("%s: no PEM", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok || rk.N.BitLen() != bits {
			return nil, fmt.Errorf("%s: not an RSA-%d key", path, bits)
		}
		return rk, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return k, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

type certSpec struct {
	cn, kennung         string
	usage               x509.KeyUsage
	isCA                bool
	notBefore, notAfter time.Time
	serial              int64
}

func issue(s certSpec, pub *rsa.PublicKey, parent *x509.Certificate, parentKey *rsa.PrivateKey) (*x509.Certificate, error) {
	t := &x509.Certificate{
		SerialNumber:          big.NewInt(s.serial),
		Subject:               pkix.Name{CommonName: s.cn, Organization: []string{"xgate test"}, SerialNumber: s.kennung},
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		KeyUsage:              s.usage,
		BasicConstraintsValid: true,
		IsCA:                  s.isCA,
	}
	if parent == nil {
		parent = t
	}
	der, err := x509.CreateCertificate(rand.Reader, t, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func newTestPKI() (*testPKI, error) {
	p := &testPKI{Now: time.Now().UTC().Truncate(time.Second)}
	keys := map[string]int{"ca": 3072, "sender": 3072, "other": 3072, "recv-a": 3072, "recv-b": 3072, "evil": 3072, "weak": 2048}
	k := map[string]*rsa.PrivateKey{}
	for name, bits := range keys {
		kk, err := key(name, bits)
		if err != nil {
			return nil, err
		}
		k[name] = kk
	}
	from, until := p.Now.Add(-time.Hour), p.Now.Add(365*24*time.Hour)
	sig := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	enc := x509.KeyUsageKeyEncipherment
	var err error
	mk := func(dst *party, keyName string, s certSpec, parent *party) {
		if err != nil {
			return
		}
		if s.notBefore.IsZero() {
			s.notBefore, s.notAfter = from, until
		}
		dst.Key = k[keyName]
		if parent == nil {
			dst.Cert, err = issue(s, &dst.Key.PublicKey, nil, dst.Key)
		} else {
			dst.Cert, err = issue(s, &dst.Key.PublicKey, parent.Cert, parent.Key)
		}
	}
	mk(&p.CA, "ca", certSpec{cn: "xgate test CA", usage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, isCA: true, serial: 1,
		notBefore: p.Now.Add(-48 * time.Hour), notAfter: p.Now.Add(2 * 365 * 24 * time.Hour)}, nil)
	mk(&p.Sender, "sender", certSpec{cn: "ABH Musterstadt signing", kennung: "azr:abh-musterstadt", usage: sig, serial: 10}, &p.CA)
	mk(&p.Other, "other", certSpec{cn: "Meldebehoerde Musterstadt signing", kennung: "ags:08999001", usage: sig, serial: 11}, &p.CA)
	mk(&p.RecvA, "recv-a", certSpec{cn: "AZR encryption 1", kennung: "dbs:azr", usage: enc, serial: 20,
		notBefore: from.Add(-24 * time.Hour), notAfter: until}, &p.CA)
	mk(&p.RecvB, "recv-b", certSpec{cn: "AZR encryption 2", kennung: "dbs:azr", usage: enc, serial: 21}, &p.CA)
	mk(&p.EvilCA, "evil", certSpec{cn: "xgate test CA", usage: x509.KeyUsageCertSign, isCA: true, serial: 1}, nil)
	mk(&p.Untrusted, "sender", certSpec{cn: "ABH Musterstadt signing", kennung: "azr:abh-musterstadt", usage: sig, serial: 10}, &p.EvilCA)
	mk(&p.SelfSigned, "evil", certSpec{cn: "ABH Musterstadt signing", kennung: "azr:abh-musterstadt", usage: sig, serial: 30}, nil)
	mk(&p.Expired, "sender", certSpec{cn: "ABH Musterstadt signing (old)", kennung: "azr:abh-musterstadt", usage: sig, serial: 31,
		notBefore: p.Now.Add(-2 * 365 * 24 * time.Hour), notAfter: p.Now.Add(-24 * time.Hour)}, &p.CA)
	mk(&p.NotYet, "sender", certSpec{cn: "ABH Musterstadt signing (future)", kennung: "azr:abh-musterstadt", usage: sig, serial: 32,
		notBefore: p.Now.Add(24 * time.Hour), notAfter: until}, &p.CA)
	mk(&p.Revoked, "sender", certSpec{cn: "ABH Musterstadt signing (revoked)", kennung: "azr:abh-musterstadt", usage: sig, serial: 33}, &p.CA)
	mk(&p.WrongUsage, "recv-a", certSpec{cn: "AZR encryption 1", kennung: "dbs:azr", usage: enc, serial: 34}, &p.CA)
	mk(&p.Weak, "weak", certSpec{cn: "ABH Musterstadt signing (2048)", kennung: "azr:abh-musterstadt", usage: sig, serial: 35}, &p.CA)
	if err != nil {
		return nil, err
	}
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: p.Now.Add(-time.Hour),
		NextUpdate: p.Now.Add(30 * 24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{
			{SerialNumber: big.NewInt(33), RevocationTime: p.Now.Add(-time.Hour)},
		},
	}, p.CA.Cert, p.CA.Key)
	if err != nil {
		return nil, err
	}
	if p.CRL, err = x509.ParseRevocationList(crlDER); err != nil {
		return nil, err
	}
	p.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.CA.Cert.Raw})
	p.CRLPEM = pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})
	return p, nil
}

// Verifier is a CertVerifier over the test PKI: validity (T000), key size
// (T010), chain to the CA (T002), usage (T002), CRL (T001).
func (p *testPKI) Verifier() secure.CertVerifier {
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Cert)
	return secure.CertVerifierFunc(func(_ context.Context, c *x509.Certificate, purpose secure.Purpose, now time.Time) error {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return errcode.New(errcode.CertExpired, "test.verify", "outside validity")
		}
		if pub, ok := c.PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() < 3072 {
			return errcode.New(errcode.SignatureWeak, "test.verify", "weak key")
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return errcode.Wrap(errcode.CertInvalid, "test.verify", err)
		}
		switch purpose {
		case secure.PurposeSigning:
			if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 || c.KeyUsage&x509.KeyUsageKeyEncipherment != 0 {
				return errcode.New(errcode.CertInvalid, "test.verify", "not a signing certificate")
			}
		case secure.PurposeEncryption:
			if c.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
				return errcode.New(errcode.CertInvalid, "test.verify", "not an encryption certificate")
			}
		}
		for _, r := range p.CRL.RevokedCertificateEntries {
			if r.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return errcode.New(errcode.CertRevoked, "test.verify", "revoked")
			}
		}
		return nil
	})
}

// sealOpts are the options of the sender sealing for the receiver.
func (p *testPKI) sealOpts(prof secure.Profile) secure.SealOptions {
	return secure.SealOptions{
		SigningKey:     p.Sender.Key,
		SigningCert:    p.Sender.Cert,
		RecipientCerts: []*x509.Certificate{p.RecvA.Cert},
		Profile:        prof,
	}
}

// openOpts are the options of the receiver holding RecvA's key.
func (p *testPKI) openOpts() secure.OpenOptions {
	return secure.OpenOptions{
		DecryptionKeys: []crypto.Decrypter{p.RecvA.Key},
		Verifier:       p.Verifier(),
	}
}
