package secure_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// validVectors returns the valid conformance vectors.
func validVectors(t testing.TB) []conformance.Vector {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var out []conformance.Vector
	for _, v := range vs {
		if v.Valid {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatal("no valid conformance vectors")
	}
	return out
}

// sampleMessage returns a realistic message of about 5 KB: the 090004
// Gesamtauskunft vector if present, else the largest valid vector.
func sampleMessage(t testing.TB) []byte {
	t.Helper()
	var best conformance.Vector
	for _, v := range validVectors(t) {
		if v.Path == "090004/valid/gesamtauskunft-duldung.xml" {
			return v.Data
		}
		if len(v.Data) > len(best.Data) {
			best = v
		}
	}
	return best.Data
}

// excC14N returns the exclusive canonical form of a message, computed
// independently of package secure.
func excC14N(t testing.TB, msg []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(msg); err != nil {
		t.Fatal(err)
	}
	b, err := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("").Canonicalize(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func codeOf(t testing.TB, err error) errcode.Code {
	t.Helper()
	var e *errcode.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an *errcode.Error", err, err)
	}
	return e.Code
}

func TestSealOpenRoundTrip(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	for _, prof := range []secure.Profile{secure.ProfileDefault, secure.ProfileCompat} {
		for _, v := range validVectors(t) {
			t.Run(prof.String()+"/"+v.Path, func(t *testing.T) {
				orig := bytes.Clone(v.Data)
				sealed, err := secure.Seal(ctx, v.Data, p.sealOpts(prof))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(orig, v.Data) {
					t.Fatal("Seal modified its input")
				}
				if bytes.Contains(sealed, []byte("nachrichtenkopf")) {
					t.Fatal("sealed output contains plaintext")
				}
				op, err := secure.Open(ctx, sealed, p.openOpts())
				if err != nil {
					t.Fatal(err)
				}
				if want := excC14N(t, v.Data); !bytes.Equal(op.Canonical, want) {
					t.Errorf("opened canonical bytes differ from the original's exclusive c14n\n got %.200s\nwant %.200s", op.Canonical, want)
				}
				if op.Type != v.Type {
					t.Errorf("type %q, want %q", op.Type, v.Type)
				}
				if op.Profile != prof {
					t.Errorf("profile %v, want %v", op.Profile, prof)
				}
				if op.Sender.Kennung != "azr:abh-musterstadt" || !op.Sender.Certificate.Equal(p.Sender.Cert) {
					t.Errorf("sender %q %q", op.Sender.Kennung, op.Sender.Subject)
				}
				if op.Element.FindElement(".//Signature") != nil {
					t.Error("the opened element still holds the Signature")
				}
			})
		}
	}
}

// TestSealEnvelopeShape compares the structure of the envelope and of the
// signed plaintext with golden files (random values masked).
func TestSealEnvelopeShape(t *testing.T) {
	p := getPKI(t)
	for _, prof := range []secure.Profile{secure.ProfileDefault, secure.ProfileCompat} {
		t.Run(prof.String(), func(t *testing.T) {
			sealed, err := secure.Seal(context.Background(), sampleMessage(t), p.sealOpts(prof))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", "envelope-"+prof.String()+".golden"), maskBase64(sealed))
		})
	}
	t.Run("signed", func(t *testing.T) {
		plain, err := secure.SignForTest(sampleMessage(t), p.Sender.Key, p.Sender.Cert)
		if err != nil {
			t.Fatal(err)
		}
		sig := plain[bytes.Index(plain, []byte("<ds:Signature")):]
		golden(t, filepath.Join("testdata", "golden", "signature.golden"), maskBase64(sig))
		// Signature is the last child of the root, nothing is indented after it.
		if !bytes.HasSuffix(plain, []byte("</ds:Signature></xaus:VonAZR.AZRGesamtauskunft.090004>")) &&
			!regexp.MustCompile(`</ds:Signature></xaus:[A-Za-z.]+\.\d{6}>$`).Match(plain) {
			t.Errorf("signed element does not end with the Signature: %q", plain[len(plain)-80:])
		}
	})
}

var b64run = regexp.MustCompile(`>[A-Za-z0-9+/=\s]{40,}<`)

func maskBase64(b []byte) []byte { return b64run.ReplaceAll(b, []byte(">…<")) }

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n got %s\nwant %s", path, got, want)
	}
}

func TestSealRefusesWeakSigningKey(t *testing.T) {
	p := getPKI(t)
	o := p.sealOpts(secure.ProfileDefault)
	o.SigningKey, o.SigningCert = p.Weak.Key, p.Weak.Cert
	_, err := secure.Seal(context.Background(), sampleMessage(t), o)
	if c := codeOf(t, err); c != errcode.SignatureWeak {
		t.Fatalf("code %s, want T010: %v", c, err)
	}
}

func TestSealOptionErrors(t *testing.T) {
	p := getPKI(t)
	msg := sampleMessage(t)
	tests := []struct {
		name string
		mod  func(*secure.SealOptions)
		code errcode.Code
	}{
		{"no key", func(o *secure.SealOptions) { o.SigningKey = nil }, errcode.Other},
		{"no cert", func(o *secure.SealOptions) { o.SigningCert = nil }, errcode.CertMissing},
		{"cert of another key", func(o *secure.SealOptions) { o.SigningCert = p.Other.Cert }, errcode.CertInvalid},
		{"no recipient", func(o *secure.SealOptions) { o.RecipientCerts = nil }, errcode.CertMissing},
		{"recipient expired", func(o *secure.SealOptions) { o.RecipientCerts = []*x509.Certificate{p.Expired.Cert} }, errcode.CertExpired},
		{"recipient 2048", func(o *secure.SealOptions) { o.RecipientCerts = []*x509.Certificate{p.Weak.Cert} }, errcode.CertInvalid},
		{"recipient is a signing cert", func(o *secure.SealOptions) { o.RecipientCerts = []*x509.Certificate{p.Other.Cert} }, errcode.CertInvalid},
		{"recipient refused by verifier", func(o *secure.SealOptions) {
			o.RecipientCerts = []*x509.Certificate{p.RecvA.Cert}
			o.Verifier = secure.CertVerifierFunc(func(context.Context, *x509.Certificate, certs.Purpose, time.Time) error {
				return errcode.New(errcode.CertRevoked, "test", "revoked")
			})
		}, errcode.CertInvalid},
		{"unknown profile", func(o *secure.SealOptions) { o.Profile = 7 }, errcode.Other},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := p.sealOpts(secure.ProfileDefault)
			tc.mod(&o)
			_, err := secure.Seal(context.Background(), msg, o)
			if err == nil {
				t.Fatal("accepted")
			}
			if c := codeOf(t, err); c != tc.code {
				t.Errorf("code %s, want %s: %v", c, tc.code, err)
			}
		})
	}
	t.Run("bad message", func(t *testing.T) {
		_, err := secure.Seal(context.Background(), []byte(`<!DOCTYPE x><x/>`), p.sealOpts(secure.ProfileDefault))
		if c := codeOf(t, err); c != errcode.NotWellFormed {
			t.Errorf("code %s, want X000", c)
		}
	})
}

// TestRollover: the sender uses the newest valid recipient certificate;
// the receiver tries each of its keys.
func TestRollover(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	msg := sampleMessage(t)
	o := p.sealOpts(secure.ProfileDefault)
	o.RecipientCerts = []*x509.Certificate{p.RecvA.Cert, p.RecvB.Cert} // B is newer
	sealed, err := secure.Seal(ctx, msg, o)
	if err != nil {
		t.Fatal(err)
	}
	onlyA := p.openOpts()
	if _, err := secure.Open(ctx, sealed, onlyA); codeOf(t, err) != errcode.DecryptFailed {
		t.Fatalf("opened with the old key only: %v", err)
	}
	both := p.openOpts()
	var ops atomic.Int64
	both.DecryptionKeys = []crypto.Decrypter{countingKey{p.RecvA.Key, &ops}, countingKey{p.RecvB.Key, &ops}}
	if _, err := secure.Open(ctx, sealed, both); err != nil {
		t.Fatalf("receiver with both keys: %v", err)
	}
	// The EncryptedKey names B's certificate: B is tried first, A never.
	if ops.Load() != 1 {
		t.Errorf("%d private-key operations, want 1", ops.Load())
	}
	// When the newer certificate is not valid yet, the older one is used.
	o.Clock = clock.Fixed(p.RecvB.Cert.NotBefore.Add(-time.Minute))
	sealed, err = secure.Seal(ctx, msg, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secure.Open(ctx, sealed, onlyA); err != nil {
		t.Fatalf("sealed before B was valid, A should open it: %v", err)
	}
}

func TestOpenOptionErrors(t *testing.T) {
	p := getPKI(t)
	sealed, err := secure.Seal(context.Background(), sampleMessage(t), p.sealOpts(secure.ProfileDefault))
	if err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*secure.OpenOptions){
		"no keys":     func(o *secure.OpenOptions) { o.DecryptionKeys = nil },
		"nil key":     func(o *secure.OpenOptions) { o.DecryptionKeys = []crypto.Decrypter{nil} },
		"no verifier": func(o *secure.OpenOptions) { o.Verifier = nil },
	} {
		t.Run(name, func(t *testing.T) {
			o := p.openOpts()
			mod(&o)
			_, err := secure.Open(context.Background(), sealed, o)
			if !errors.Is(err, secure.ErrInvalidOptions) || codeOf(t, err) != errcode.Other {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// TestOpenKeepsCarriageReturn: a character reference survives sealing
// (c14n escaping on write), and the bytes stay verifiable.
func TestOpenKeepsCarriageReturn(t *testing.T) {
	p := getPKI(t)
	msg := strings.Replace(string(sampleMessage(t)), "</nachrichtenUUID>", "</nachrichtenUUID>", 1)
	msg = strings.Replace(msg, "<nachrichtenkopf.g2g>", "<nachrichtenkopf.g2g a=\"x&#9;y&#10;&#13;z\">&#13;", 1)
	sealed, err := secure.Seal(context.Background(), []byte(msg), p.sealOpts(secure.ProfileDefault))
	if err != nil {
		t.Fatal(err)
	}
	op, err := secure.Open(context.Background(), sealed, p.openOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(op.Canonical, []byte(`a="x&#x9;y&#xA;&#xD;z">&#xD;`)) {
		t.Errorf("canonical bytes lost the character references: %.300s", op.Canonical)
	}
}

// TestOpenAtTheLimit: a message exactly at the size limit that Seal
// accepts also opens with the same limit; the signature has room.
func TestOpenAtTheLimit(t *testing.T) {
	p := getPKI(t)
	msg := sampleMessage(t)
	so := p.sealOpts(secure.ProfileDefault)
	so.Limits.MaxBytes = len(msg)
	sealed, err := secure.Seal(context.Background(), msg, so)
	if err != nil {
		t.Fatal(err)
	}
	oo := p.openOpts()
	oo.Limits.Message.MaxBytes = len(msg)
	if _, err := secure.Open(context.Background(), sealed, oo); err != nil {
		t.Fatal(err)
	}
	so.Limits.MaxBytes = len(msg) - 1
	if _, err := secure.Seal(context.Background(), msg, so); codeOf(t, err) != errcode.NotWellFormed {
		t.Fatalf("one byte over the limit: %v", err)
	}
}
