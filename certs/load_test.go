package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/xml/errcode"
)

func TestLoadPrivateKeyPermissions(t *testing.T) {
	t.Parallel()
	key := certstest.Key(t, 3072)
	data, err := certs.EncodePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o640, false},
		{0o604, false},
		{0o644, false},
		{0o660, false},
		{0o610, false},
		{0o601, false},
	}
	for _, tc := range tests {
		t.Run(tc.mode.String(), func(t *testing.T) {
			name := filepath.Join(dir, "k"+tc.mode.String()+"-key.pem")
			certstest.WriteFile(t, name, data, tc.mode)
			got, err := certs.LoadPrivateKey(name)
			if tc.ok {
				if err != nil || !got.Equal(key) {
					t.Fatalf("LoadPrivateKey = %v", err)
				}
				return
			}
			var pe *certs.KeyPermissionError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *KeyPermissionError", err)
			}
			if pe.Path != name || pe.Mode != tc.mode {
				t.Errorf("error says %s %v", pe.Path, pe.Mode)
			}
			if msg := err.Error(); !strings.Contains(msg, name) || !strings.Contains(msg, "chmod 600 "+name) {
				t.Errorf("message %q does not name the file and the fix", msg)
			}
		})
	}
}

func TestParsePrivateKeyFormats(t *testing.T) {
	t.Parallel()
	key := certstest.Key(t, 2048)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"PKCS#1", enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)), nil},
		{"PKCS#8", enc("PRIVATE KEY", pkcs8), nil},
		{"PKCS#8 after a certificate", append(certs.EncodeCertificates(certstest.SelfSigned(t, certs.Signing).Cert), enc("PRIVATE KEY", pkcs8)...), nil},
		{"ECDSA", enc("PRIVATE KEY", ecDER), certs.ErrNotRSA},
		{"no key", []byte("hello"), certs.ErrNoPEM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := certs.ParsePrivateKeyPEM(tc.data)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(key) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestLoadCertificatesAndRoots(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root A")
	ca2 := certstest.NewCA(t, "Root B")
	sub := ca.Intermediate(t, "Sub A")
	leaf := sub.Good(t, certs.Signing)
	dir := t.TempDir()

	bundle, _ := certstest.WriteKeyPair(t, dir, "leaf", leaf) // leaf + Sub A
	certstest.WriteFile(t, filepath.Join(dir, "roots", "a.pem"), certs.EncodeCertificates(ca.Cert), 0o644)
	certstest.WriteFile(t, filepath.Join(dir, "roots", "b.crt"), ca2.Cert.Raw, 0o644) // DER
	certstest.WriteFile(t, filepath.Join(dir, "roots", "notes.txt"), []byte("ignored"), 0o644)
	certstest.WriteFile(t, filepath.Join(dir, "roots", "a.crl"), certs.EncodeCRL(ca.CRL(t).Raw), 0o644)

	cs, err := certs.LoadCertificates(bundle)
	if err != nil || len(cs) != 2 || !cs[0].Equal(leaf.Cert) || !cs[1].Equal(sub.Cert) {
		t.Fatalf("LoadCertificates = %d certs, %v", len(cs), err)
	}
	roots, err := certs.LoadRoots(filepath.Join(dir, "roots"))
	if err != nil || len(roots) != 2 {
		t.Fatalf("LoadRoots = %d, %v", len(roots), err)
	}
	crls, err := certs.LoadCRLs(filepath.Join(dir, "roots"))
	if err != nil || len(crls) != 1 {
		t.Fatalf("LoadCRLs = %d, %v", len(crls), err)
	}
	// What was loaded works: the bundle verifies against the loaded roots
	// and CRL (Sub A's CRL cannot be configured without Sub A as an
	// intermediate, so its revocation status stays unknown: if-present).
	v, err := certs.NewVerifier(certs.Config{Roots: roots, CRLs: crls, CRLPolicy: certs.CRLIfPresent})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(cs[0], certs.Signing, ca.Now, cs[1:]...); err != nil {
		t.Fatal(err)
	}

	t.Run("intermediates", func(t *testing.T) {
		sub := filepath.Join(dir, "sub.pem")
		certstest.WriteFile(t, sub, certs.EncodeCertificates(sub2(t, ca)), 0o644)
		if cs, err := certs.LoadIntermediates(sub); err != nil || len(cs) != 1 {
			t.Fatalf("LoadIntermediates = %d, %v", len(cs), err)
		}
		// The bundle holds the leaf: not an intermediate.
		if _, err := certs.LoadIntermediates(bundle); err == nil || !strings.Contains(err.Error(), "not a CA") {
			t.Fatalf("a leaf among the intermediates: %v", err)
		}
	})
	t.Run("missing file is T003", func(t *testing.T) {
		_, err := certs.LoadCertificates(filepath.Join(dir, "nope.pem"))
		if c, _ := errcode.Of(err); c != errcode.CertMissing {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("file without certificate is T003", func(t *testing.T) {
		_, err := certs.LoadCertificates(filepath.Join(dir, "roots", "notes.txt"))
		if c, _ := errcode.Of(err); c != errcode.CertMissing {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLoadKeyPair(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root")
	a, b := ca.Good(t, certs.Signing), ca.Good(t, certs.Signing)
	dir := t.TempDir()
	aCert, aKey := certstest.WriteKeyPair(t, dir, "a", a)
	_, bKey := certstest.WriteKeyPair(t, dir, "b", b)

	kp, err := certs.LoadKeyPair(aCert, aKey)
	if err != nil || !kp.Cert.Equal(a.Cert) || !kp.Key.Equal(a.Key) {
		t.Fatalf("LoadKeyPair = %v", err)
	}
	if tc := kp.TLSCertificate(); len(tc.Certificate) != 1 || tc.Leaf != kp.Cert {
		t.Error("TLSCertificate does not carry the leaf")
	}
	if _, err := certs.LoadKeyPair(aCert, bKey); !errors.Is(err, certs.ErrKeyMismatch) {
		t.Errorf("mismatched pair: err = %v", err)
	}
	if err := os.Chmod(aKey, 0o644); err != nil {
		t.Fatal(err)
	}
	var pe *certs.KeyPermissionError
	if _, err := certs.LoadKeyPair(aCert, aKey); !errors.As(err, &pe) {
		t.Errorf("open key file: err = %v", err)
	}
}

func sub2(t *testing.T, ca *certstest.CA) *x509.Certificate {
	return ca.Intermediate(t, "Sub 2").Cert
}
