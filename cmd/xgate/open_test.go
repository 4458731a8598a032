package main

import (
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
)

// twoTier is a two-tier PKI on disk: root → sub-CA → the sender's signing
// certificate; the receiver's encryption certificate comes from the root.
type twoTier struct {
	dir                        string
	root, sub, rootCRL, subCRL string
	rootCRLRevokingSub         string
	encCert, encKey            string
	sealed                     string // the 090004 message signed by the sub-CA's leaf
}

func newTwoTier(t *testing.T) *twoTier {
	t.Helper()
	dir := t.TempDir()
	root := certstest.NewCA(t, "xgate cli test root")
	sub := root.Intermediate(t, "xgate cli test sub-CA")
	tt := &twoTier{dir: dir}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		certstest.WriteFile(t, p, data, 0o644)
		return p
	}
	tt.root = write("root.pem", certs.EncodeCertificates(root.Cert))
	tt.sub = write("sub.pem", certs.EncodeCertificates(sub.Cert))
	tt.rootCRL = write("root.crl", certs.EncodeCRL(root.CRL(t).Raw))
	tt.subCRL = write("sub.crl", certs.EncodeCRL(sub.CRL(t).Raw))
	root.Revoke(sub.Cert)
	tt.rootCRLRevokingSub = write("root-revoking-sub.crl", certs.EncodeCRL(root.CRL(t).Raw))
	sign := sub.Issue(t, certstest.Spec{Purpose: certs.Signing, Subject: pkix.Name{CommonName: "AZR Signatur", SerialNumber: "dbs:499990020000"}})
	signCert, signKey := certstest.WriteKeyPair(t, dir, "sign", certs.KeyPair{Cert: sign.Cert, Key: sign.Key}) // the leaf alone
	tt.encCert, tt.encKey = certstest.WriteKeyPair(t, dir, "enc", root.Good(t, certs.Encryption))
	code, sealed, errs := runXgate(t, "", "seal", "--signing-key", signKey, "--signing-cert", signCert, "--recipient-cert", tt.encCert,
		"--trust", tt.root, "--crl", tt.rootCRL, vectors+"090004/valid/gesamtauskunft-duldung.xml")
	if code != 0 {
		t.Fatalf("seal: %s", errs)
	}
	tt.sealed = write("sealed.xml", []byte(sealed))
	return tt
}

// TestOpenIntermediatesAndRevocation: the sub-CA completes the chain as an
// intermediate, revocation is checked along the whole chain, and a
// missing CRL refuses by default.
func TestOpenIntermediatesAndRevocation(t *testing.T) {
	tt := newTwoTier(t)
	open := func(extra ...string) []string {
		return append(append([]string{"open", "--encryption-key", tt.encKey, "--trust", tt.root}, extra...), tt.sealed)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"sub-CA as intermediate, both CRLs", open("--intermediate", tt.sub, "--crl", tt.rootCRL, "--crl", tt.subCRL), 0, []string{"kennung: dbs:499990020000"}},
		{"no intermediate: no chain", open("--crl", tt.rootCRL), 3, []string{"T002", "does not chain to a trusted root"}},
		{"root's CRL revokes the sub-CA", open("--intermediate", tt.sub, "--crl", tt.rootCRLRevokingSub, "--crl", tt.subCRL), 3, []string{"T001", "sub-CA"}},
		{"sub-CA's CRL missing, default policy", open("--intermediate", tt.sub, "--crl", tt.rootCRL), 3, []string{"T002", "revocation status unknown", "sub-CA"}},
		{"no CRL at all, default policy", open("--intermediate", tt.sub), 3, []string{"T002", "revocation status unknown"}},
		{"sub-CA's CRL missing, if-present", open("--intermediate", tt.sub, "--crl", tt.rootCRL, "--crl-policy", "if-present"), 0,
			[]string{"warning: --crl-policy if-present: no --crl for", "sub-CA", "kennung: dbs:499990020000"}},
		{"revoked sub-CA, if-present", open("--intermediate", tt.sub, "--crl", tt.rootCRLRevokingSub, "--crl-policy", "if-present"), 3, []string{"T001"}},
		{"unknown policy", open("--crl-policy", "off"), 2, []string{"--crl-policy", "must be require or if-present"}},
		{"a leaf as intermediate", open("--intermediate", tt.encCert, "--crl", tt.rootCRL), 2, []string{"not a CA certificate"}},
		{"the sub-CA's CRL without the sub-CA", open("--crl", tt.rootCRL, "--crl", tt.subCRL), 2, []string{"issuer is not among the trust roots and intermediates"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runXgate(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, errs)
			}
			if code != 0 && out != "" {
				t.Errorf("stdout not empty on failure: %.100s", out)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
	t.Run("seal checks the recipient's chain the same way", func(t *testing.T) {
		// The encryption certificate is the root's: the root's CRL is enough.
		f := newSealFiles(t)
		code, _, errs := runXgate(t, "", "seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.ca, f.msg)
		if code != 3 || !strings.Contains(errs, "revocation status unknown") {
			t.Fatalf("without --crl: exit %d, %s", code, errs)
		}
		code, _, errs = runXgate(t, "", "seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.ca, "--crl", f.crl, f.msg)
		if code != 0 {
			t.Fatalf("with --crl: exit %d, %s", code, errs)
		}
	})
}

// TestOpenParties: open ties the header's autor to the signer and checks
// autor and leser against --expect-sender and --expect-recipient.
func TestOpenParties(t *testing.T) {
	f := newSealFiles(t)
	sealedFile := func(t *testing.T, name, msg, key, cert string) string {
		code, sealed, errs := runXgate(t, "", "seal", "--signing-key", key, "--signing-cert", cert, "--recipient-cert", f.encCert, "--trust", f.ca, "--crl", f.crl, msg)
		if code != 0 {
			t.Fatalf("seal: %s", errs)
		}
		return f.write(t, name, sealed)
	}
	good := sealedFile(t, "good.xml", f.msg, f.signKey, f.signCert)
	open := func(in string, extra ...string) []string {
		return append(append([]string{"open", "--encryption-key", f.encKey, "--trust", f.ca, "--crl", f.crl}, extra...), in)
	}
	// Signed by another authority than the header's autor.
	spoofKey, spoofCert := f.otherSigner(t, "dbs:499990030000")
	spoofed := sealedFile(t, "spoofed.xml", f.msg, spoofKey, spoofCert)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"expected parties", open(good, "--expect-sender", "dbs:499990020000", "--expect-recipient", "azr:999901"), 0,
			[]string{"autor: dbs:499990020000", "leser: azr:999901"}},
		{"another sender expected", open(good, "--expect-sender", "dbs:499990030000"), 3, []string{"T070", `is not the expected sender "dbs:499990030000"`}},
		{"another recipient expected", open(good, "--expect-recipient", "azr:999902"), 3, []string{"T080", `for "azr:999901", not for "azr:999902"`}},
		{"autor is not the signer", open(spoofed), 3, []string{"T070", `autor "dbs:499990020000" is not the signer "dbs:499990030000"`}},
		{"expected sender with a no-break space", open(good, "--expect-sender", "dbs:499990020000\u00a0"), 2, []string{"--expect-sender"}},
		{"expected recipient not a kennung", open(good, "--expect-recipient", "ABH"), 2, []string{"--expect-recipient"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runXgate(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, errs)
			}
			if code != 0 && out != "" {
				t.Errorf("stdout not empty on failure: %.100s", out)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
		})
	}
}

// TestOpenEscapesReport: values from the message and the sender's
// certificate cannot forge lines of open's report.
func TestOpenEscapesReport(t *testing.T) {
	f := newSealFiles(t)
	msg, err := os.ReadFile(f.msg)
	if err != nil {
		t.Fatal(err)
	}
	// U+2028 and U+0085 are XML characters that some terminals and
	// editors break lines at; U+202E reverses what follows.
	s := strings.Replace(string(msg), "<name>Ausländerbehörde Musterstadt</name>",
		"<name>Musterstadt\u2028kennung: dbs:1\u0085type: 000000\u202eevil</name>", 1)
	if s == string(msg) {
		t.Fatal("leser name not found")
	}
	// A signer whose certificate CN holds a line feed.
	key, cert := f.signerWithCN(t, "AZR Signatur\nkennung: dbs:499990030000", "dbs:499990020000")
	code, sealed, errs := runXgate(t, "", "seal", "--signing-key", key, "--signing-cert", cert, "--recipient-cert", f.encCert,
		"--trust", f.ca, "--crl", f.crl, f.write(t, "msg.xml", s))
	if code != 0 {
		t.Fatalf("seal: %s", errs)
	}
	code, _, errs = runXgate(t, "", "open", "--encryption-key", f.encKey, "--trust", f.ca, "--crl", f.crl, f.write(t, "sealed.xml", sealed))
	if code != 0 {
		t.Fatalf("open: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	if len(lines) != 7 {
		t.Errorf("report has %d lines, want 7:\n%s", len(lines), errs)
	}
	for _, want := range []string{`leser: azr:999901 Musterstadt\u2028kennung: dbs:1\x85type: 000000\u202eevil`, `CN=AZR Signatur\nkennung: dbs:499990030000`} {
		if !strings.Contains(errs, want) {
			t.Errorf("report lacks %q:\n%s", want, errs)
		}
	}
	if strings.ContainsAny(errs, "\u2028\u0085\u202e") {
		t.Errorf("report carries raw control characters: %q", errs)
	}
}

// otherSigner issues a signing certificate of the CLI test CA for kennung
// k and writes it to disk.
func (f *sealFiles) otherSigner(t *testing.T, k string) (key, cert string) {
	return f.signerWithCN(t, "Signatur "+k, k)
}

func (f *sealFiles) signerWithCN(t *testing.T, cn, k string) (key, cert string) {
	t.Helper()
	kp := f.caCA.Issue(t, certstest.Spec{Purpose: certs.Signing, Subject: pkix.Name{CommonName: cn, SerialNumber: k}})
	cert, key = certstest.WriteKeyPair(t, f.dir, "signer-"+strings.NewReplacer(":", "-", "\n", "-", " ", "-").Replace(cn), kp)
	return key, cert
}
