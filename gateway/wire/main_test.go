package wire_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/xml/kennung"
)

// site is one participant of the development PKI with its key pairs.
type site struct {
	kennung.Identity
	Signing, Encryption, TLS certs.KeyPair
}

// signer returns the site as the author of answers.
func (s site) signer() wire.Signer {
	return wire.Signer{Key: s.Signing.Key, Cert: s.Signing.Cert, Self: s.Identity}
}

// testEnv is the development PKI of the test binary, written once by
// devpki.Init (with certstest's pre-generated keys) in TestMain.
type testEnv struct {
	m        *devpki.Manifest
	verifier *certs.Verifier
	roots    *x509.CertPool
	abh      site // the sender in the tests
	azr      site // the recipient
	mb       site // a third, trusted participant
}

var env *testEnv

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wire-pki-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	env, err = newEnv(dir)
	code := 2
	if err != nil {
		fmt.Fprintln(os.Stderr, "test PKI:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func newEnv(dir string) (*testEnv, error) {
	res, err := devpki.Init(context.Background(), dir, devpki.Options{GenerateKey: certstest.KeyGenerator()})
	if err != nil {
		return nil, err
	}
	m := res.Manifest
	e := &testEnv{m: m}
	if e.verifier, err = m.Verifier(nil); err != nil {
		return nil, err
	}
	root, err := m.Certificate(m.Root)
	if err != nil {
		return nil, err
	}
	e.roots = x509.NewCertPool()
	e.roots.AddCert(root)
	load := func(id string) (site, error) {
		p, ok := m.ByID(id)
		if !ok {
			return site{}, fmt.Errorf("no participant %s", id)
		}
		s := site{Identity: p.Identity}
		for _, f := range []struct {
			files devpki.Files
			kp    *certs.KeyPair
		}{{p.Signing, &s.Signing}, {p.Encryption, &s.Encryption}, {p.TLS, &s.TLS}} {
			kp, err := m.KeyPair(f.files)
			if err != nil {
				return site{}, err
			}
			*f.kp = kp
		}
		return s, nil
	}
	for id, dst := range map[string]*site{"abh": &e.abh, "azr": &e.azr, "mb": &e.mb} {
		if *dst, err = load(id); err != nil {
			return nil, err
		}
	}
	return e, nil
}
