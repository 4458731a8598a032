package audit_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/outbox/audit"
)

func TestNewRSASignerRefuses(t *testing.T) {
	gw, other := keys(t)
	small, err := newTestKey("small", 2048, x509.KeyUsageDigitalSignature)
	if err != nil {
		t.Fatal(err)
	}
	encOnly, err := certFor(gw.key, "encryption only", x509.KeyUsageKeyEncipherment)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecTmpl := &x509.Certificate{SerialNumber: gw.cert.SerialNumber, Subject: gw.cert.Subject,
		NotBefore: gw.cert.NotBefore, NotAfter: gw.cert.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	ecDER, err := x509.CreateCertificate(rand.Reader, ecTmpl, ecTmpl, &ecKey.PublicKey, ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecCert, _ := x509.ParseCertificate(ecDER)

	for _, tc := range []struct {
		name string
		key  testKey
		cert *x509.Certificate
		want error
	}{
		{"RSA-2048", small, small.cert, audit.ErrWeakKey},
		{"ECDSA", testKey{key: gw.key}, ecCert, audit.ErrWeakKey},
		{"key of another certificate", gw, other.cert, audit.ErrKeyMismatch},
		{"certificate not for signatures", gw, encOnly.cert, audit.ErrKeyUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := audit.NewRSASigner(tc.key.key, tc.cert); !errors.Is(err, tc.want) {
				t.Errorf("NewRSASigner: got %v, want %v", err, tc.want)
			}
			if tc.want != audit.ErrKeyMismatch {
				if _, err := audit.NewCertVerifier(tc.cert); !errors.Is(err, tc.want) {
					t.Errorf("NewCertVerifier: got %v, want %v", err, tc.want)
				}
			}
		})
	}
	if _, err := audit.NewRSASigner(nil, gw.cert); err == nil {
		t.Error("nil key accepted")
	}
	if _, err := audit.NewCertVerifier(); err == nil {
		t.Error("verifier without certificates accepted")
	}
	if _, err := signer(t, gw).Sign([]byte("short")); err == nil {
		t.Error("signed a digest of the wrong length")
	}
}

func TestCertVerifier(t *testing.T) {
	gw, other := keys(t)
	es := chain(3)
	c := seal(t, signer(t, gw), es, 3)[0]
	d := c.Digest()

	v := verifierFor(t, gw)
	if err := v.Verify(c.KeyID, d[:], c.Signature); err != nil {
		t.Fatalf("genuine checkpoint: %v", err)
	}
	if c.KeyID != audit.KeyID(gw.cert) || len(c.KeyID) != 64 {
		t.Errorf("KeyID %q", c.KeyID)
	}
	bad := append([]byte(nil), c.Signature...)
	bad[0] ^= 1
	if err := v.Verify(c.KeyID, d[:], bad); !errors.Is(err, audit.ErrBadSignature) {
		t.Errorf("altered signature: %v", err)
	}
	d2 := d
	d2[0] ^= 1
	if err := v.Verify(c.KeyID, d2[:], c.Signature); !errors.Is(err, audit.ErrBadSignature) {
		t.Errorf("other digest: %v", err)
	}
	if err := v.Verify(audit.KeyID(other.cert), d[:], c.Signature); !errors.Is(err, audit.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	// A rollover: old and new certificate both trusted.
	c2 := seal(t, signer(t, other), es, 3)[0]
	both := verifierFor(t, gw, other)
	for _, cp := range []audit.Checkpoint{c, c2} {
		d := cp.Digest()
		if err := both.Verify(cp.KeyID, d[:], cp.Signature); err != nil {
			t.Errorf("rollover: %v", err)
		}
	}
	if n := len(both.KeyIDs()); n != 2 {
		t.Errorf("KeyIDs: %d", n)
	}
}

// TestOpenSSLInterop checks the documented algorithm with a second
// implementation: the key id is openssl's SHA-256 fingerprint, and openssl
// verifies a checkpoint signature over the text doc.go describes.
func TestOpenSSLInterop(t *testing.T) {
	openssl := tool(t, "openssl", "openssl")
	gw, _ := keys(t)
	dir := t.TempDir()
	certPEM := filepath.Join(dir, "cert.pem")
	writeFile(t, certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: gw.cert.Raw}))

	out := runCmd(t, openssl, "x509", "-in", certPEM, "-noout", "-fingerprint", "-sha256")
	fp := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(out[strings.Index(out, "=")+1:]), ":", ""))
	if fp != audit.KeyID(gw.cert) {
		t.Fatalf("openssl fingerprint %s, KeyID %s", fp, audit.KeyID(gw.cert))
	}

	es := chain(7)
	c := seal(t, signer(t, gw), es, 7)[0]
	text := fmt.Sprintf("xgate-audit-checkpoint-v1\n%d\n%s\n%s\n%s\n", c.Seq, c.Head, c.Time.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"), c.KeyID)
	if sha256.Sum256([]byte(text)) != c.Digest() {
		t.Fatal("doc.go's checkpoint text does not give Digest")
	}
	pub := filepath.Join(dir, "pub.pem")
	writeFile(t, pub, []byte(runCmd(t, openssl, "x509", "-in", certPEM, "-pubkey", "-noout")))
	writeFile(t, filepath.Join(dir, "cp.txt"), []byte(text))
	writeFile(t, filepath.Join(dir, "sig.bin"), c.Signature)
	verify := func(file string) error {
		return exec.Command(openssl, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
			"-verify", pub, "-signature", filepath.Join(dir, "sig.bin"), file).Run()
	}
	if err := verify(filepath.Join(dir, "cp.txt")); err != nil {
		t.Fatalf("openssl does not verify the checkpoint: %v", err)
	}
	writeFile(t, filepath.Join(dir, "forged.txt"), []byte(strings.Replace(text, "\n7\n", "\n6\n", 1)))
	if err := verify(filepath.Join(dir, "forged.txt")); err == nil {
		t.Fatal("openssl verifies an altered checkpoint text: the test proves nothing")
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// BenchmarkNewCheckpoint measures one checkpoint signature with the
// gateway's key size (RSA-3072, PSS) and its verification.
func BenchmarkNewCheckpoint(b *testing.B) {
	gw, _ := keys(b)
	s := signer(b, gw)
	v := verifierFor(b, gw)
	head := chain(1)[0]
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := audit.NewCheckpoint(s, head, t0); err != nil {
				b.Fatal(err)
			}
		}
	})
	c, _ := audit.NewCheckpoint(s, head, t0)
	d := c.Digest()
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			if err := v.Verify(c.KeyID, d[:], c.Signature); err != nil {
				b.Fatal(err)
			}
		}
	})
}
