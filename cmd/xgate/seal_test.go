package main

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
)

// sealFiles is a PKI on disk for the seal and open commands.
type sealFiles struct {
	dir               string
	msg               string
	ca, crl           string
	signCert, signKey string
	encCert, encKey   string // the receiver's current pair
	nextCert, nextKey string // the receiver's next pair (rollover)
	weakCert, weakKey string
	revCert, revKey   string
	otherCA           string
	caCA              *certstest.CA // the CA of all but otherCA
}

func newSealFiles(t *testing.T) *sealFiles {
	t.Helper()
	dir := t.TempDir()
	ca := certstest.NewCA(t, "xgate cli test root")
	f := &sealFiles{dir: dir, msg: vectors + "090004/valid/gesamtauskunft-duldung.xml", caCA: ca}
	// The message is the AZR's (autor dbs:499990020000) to the ABH: the
	// signer's certificate names the autor.
	sign := ca.Issue(t, certstest.Spec{Purpose: certs.Signing, Subject: pkix.Name{CommonName: "AZR Signatur", SerialNumber: "dbs:499990020000"}})
	f.signCert, f.signKey = certstest.WriteKeyPair(t, dir, "sign", sign)
	f.encCert, f.encKey = certstest.WriteKeyPair(t, dir, "enc", ca.Issue(t, certstest.Spec{Purpose: certs.Encryption, NotBefore: ca.Now.AddDate(0, 0, -2)}))
	f.nextCert, f.nextKey = certstest.WriteKeyPair(t, dir, "next", ca.Good(t, certs.Encryption))
	f.weakCert, f.weakKey = certstest.WriteKeyPair(t, dir, "weak", ca.Weak(t, certs.Signing))
	f.revCert, f.revKey = certstest.WriteKeyPair(t, dir, "revoked", ca.Revoked(t, certs.Signing))
	f.ca = filepath.Join(dir, "ca.pem")
	certstest.WriteFile(t, f.ca, certs.EncodeCertificates(ca.Cert), 0o644)
	f.crl = filepath.Join(dir, "ca.crl")
	certstest.WriteFile(t, f.crl, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: ca.CRL(t).Raw}), 0o644)
	f.otherCA = filepath.Join(dir, "other-ca.pem")
	certstest.WriteFile(t, f.otherCA, certs.EncodeCertificates(certstest.NewCA(t, "another root").Cert), 0o644)
	return f
}

func (f *sealFiles) write(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSealOpenCommands(t *testing.T) {
	f := newSealFiles(t)
	sealArgs := func(extra ...string) []string {
		return append([]string{"seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.encCert,
			"--trust", f.ca, "--crl", f.crl}, extra...)
	}
	openArgs := func(in string, extra ...string) []string {
		return append(append([]string{"open", "--encryption-key", f.encKey, "--encryption-cert", f.encCert, "--trust", f.ca, "--crl", f.crl}, extra...), in)
	}
	msg, err := os.ReadFile(f.msg)
	if err != nil {
		t.Fatal(err)
	}

	for _, prof := range []string{"default", "compat"} {
		t.Run("round trip "+prof, func(t *testing.T) {
			code, sealed, errs := runXgate(t, "", sealArgs("--profile", prof, f.msg)...)
			if code != 0 {
				t.Fatalf("seal exit %d: %s", code, errs)
			}
			if !strings.Contains(sealed, "xenc:EncryptedData") || strings.Contains(sealed, "nachrichtenkopf") {
				t.Fatalf("not a sealed document: %.200s", sealed)
			}
			code, out, errs := runXgate(t, "", openArgs(f.write(t, "sealed-"+prof+".xml", sealed))...)
			if code != 0 {
				t.Fatalf("open exit %d: %s", code, errs)
			}
			for _, want := range []string{"sender: SERIALNUMBER=dbs:499990020000,CN=AZR Signatur", "kennung: dbs:499990020000",
				"autor: dbs:499990020000 Bundesverwaltungsamt", "leser: azr:999901 Ausländerbehörde Musterstadt",
				"type: 090004 (VonAZR.AZRGesamtauskunft.090004)", "profile: " + prof} {
				if !strings.Contains(errs, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errs)
				}
			}
			if !strings.HasPrefix(out, "<xaus:VonAZR.AZRGesamtauskunft.090004 ") || strings.Contains(out, "Signature") ||
				!strings.Contains(out, "<nachrichtenUUID>") {
				t.Errorf("stdout is not the verified message: %.200s", out)
			}
			// The opened message is the original, canonicalised.
			if !strings.Contains(string(msg), out[strings.Index(out, "<nachrichtenkopf.g2g>"):strings.Index(out, "</nachrichtenkopf.g2g>")]) {
				t.Error("opened header differs from the original")
			}
		})
	}

	_, sealed, _ := runXgate(t, "", sealArgs(f.msg)...)
	sealedFile := f.write(t, "sealed.xml", sealed)
	// Change one base64 character inside the content ciphertext.
	i := strings.LastIndex(sealed, "<xenc:CipherValue>") + len("<xenc:CipherValue>") + 40
	c := byte('A')
	if sealed[i] == 'A' {
		c = 'B'
	}
	tampered := f.write(t, "tampered.xml", sealed[:i]+string(c)+sealed[i+1:])
	loose := filepath.Join(f.dir, "loose-key.pem")
	data, _ := os.ReadFile(f.signKey)
	certstest.WriteFile(t, loose, data, 0o644)

	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr []string
	}{
		{"open from stdin", openArgs("-"), sealed, 0, []string{"type: 090004"}},
		{"rollover receiver", []string{"open", "--encryption-key", f.nextKey, "--encryption-key", f.encKey, "--trust", f.ca, "--crl", f.crl, sealedFile}, "", 0, []string{"type: 090004"}},
		{"wrong key", []string{"open", "--encryption-key", f.nextKey, "--trust", f.ca, sealedFile}, "", 3, []string{"T020", "cannot be decrypted"}},
		{"tampered", openArgs(tampered), "", 3, []string{"open refused: T020"}},
		{"untrusted signer", []string{"open", "--encryption-key", f.encKey, "--trust", f.otherCA, sealedFile}, "", 3, []string{"T002", "does not chain to a trusted root"}},
		{"not sealed", openArgs(f.msg), "", 3, []string{"T020", "not an XML-Enc EncryptedData"}},
		{"revoked signer", nil, "", 3, []string{"T001"}},
		{"seal with weak key", []string{"seal", "--signing-key", f.weakKey, "--signing-cert", f.weakCert, "--recipient-cert", f.encCert, "--trust", f.ca, f.msg}, "", 3, []string{"seal refused: T010", "2048 bits"}},
		{"seal key readable by others", []string{"seal", "--signing-key", loose, "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.ca, f.msg}, "", 1, []string{"chmod 600"}},
		{"open key readable by others", []string{"open", "--encryption-key", loose, "--trust", f.ca, sealedFile}, "", 1, []string{"chmod 600"}},
		{"seal to a signing cert", []string{"seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.signCert, "--trust", f.ca, f.msg}, "", 3, []string{"T002"}},
		{"seal hostile message", sealArgs(vectors + "900001/invalid/X000-doctype-entity.xml"), "", 3, []string{"X000"}},
		{"seal too large", sealArgs("--max-bytes", "100", f.msg), "", 3, []string{"X000", "limit"}},
		{"seal without --recipient-cert", []string{"seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--trust", f.ca, f.msg}, "", 2, []string{"--recipient-cert is required"}},
		{"seal without --signing-key", []string{"seal", "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.ca, f.msg}, "", 2, []string{"--signing-key is required"}},
		{"bad profile", sealArgs("--profile", "cbc", f.msg), "", 2, []string{"--profile must be default or compat"}},
		{"seal missing file", sealArgs("no-such.xml"), "", 2, []string{"no such file"}},
		{"seal missing trust file", []string{"seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.dir + "/nope.pem", f.msg}, "", 2, []string{"--trust"}},
		{"open without --trust", []string{"open", "--encryption-key", f.encKey, sealedFile}, "", 2, []string{"--trust is required"}},
		{"open without --encryption-key", []string{"open", "--trust", f.ca, sealedFile}, "", 2, []string{"--encryption-key is required"}},
		{"open without file", []string{"open", "--encryption-key", f.encKey, "--trust", f.ca}, "", 2, []string{"accepts 1 arg"}},
		{"open key of no --encryption-cert", []string{"open", "--encryption-key", f.nextKey, "--encryption-cert", f.encCert, "--trust", f.ca, sealedFile}, "", 2, []string{"matches none"}},
		{"old flag names are gone", []string{"seal", "--key", f.signKey, "--cert", f.signCert, "--to", f.encCert, f.msg}, "", 2, []string{"unknown flag: --key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "revoked signer" {
				_, s, errs := runXgate(t, "", "seal", "--signing-key", f.revKey, "--signing-cert", f.revCert, "--recipient-cert", f.encCert, "--trust", f.ca, "--crl", f.crl, f.msg)
				if s == "" {
					t.Fatalf("sealing with the revoked key failed: %s", errs)
				}
				tc.args = openArgs(f.write(t, "revoked.xml", s))
			}
			code, out, errs := runXgate(t, tc.stdin, tc.args...)
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

// TestSealCommandOutputIsSealed: seal writes only the envelope to stdout
// (nothing of the message in clear, nothing else).
func TestSealCommandOutputIsSealed(t *testing.T) {
	f := newSealFiles(t)
	code, out, errs := runXgate(t, "", "seal", "--signing-key", f.signKey, "--signing-cert", f.signCert, "--recipient-cert", f.encCert, "--trust", f.ca, "--crl", f.crl, f.msg)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !bytes.HasPrefix([]byte(out), []byte(`<?xml version="1.0" encoding="UTF-8"?><xenc:EncryptedData`)) {
		t.Errorf("output starts %.80q", out)
	}
}

// TestSealNoSilentTrust: seal verifies the recipient certificate before
// it encrypts anything for it. A certificate of an unrelated PKI, one
// whose CA is not trusted, one revoked by the CRL and an expired one are
// refused (exit 3, nothing on stdout); sealing without --trust is a usage
// error; --insecure-skip-verify seals to any of them but warns.
func TestSealNoSilentTrust(t *testing.T) {
	f := newSealFiles(t)
	ca := certstest.NewCA(t, "xgate cli test root") // a second, unrelated PKI of the same name
	strangerCert, _ := certstest.WriteKeyPair(t, f.dir, "stranger", ca.Good(t, certs.Encryption))
	own := certstest.NewCA(t, "own root")
	ownCA := filepath.Join(f.dir, "own-ca.pem")
	certstest.WriteFile(t, ownCA, certs.EncodeCertificates(own.Cert), 0o644)
	revokedCert, _ := certstest.WriteKeyPair(t, f.dir, "rev-enc", own.Revoked(t, certs.Encryption))
	ownCRL := filepath.Join(f.dir, "own.crl")
	certstest.WriteFile(t, ownCRL, certs.EncodeCRL(own.CRL(t).Raw), 0o644)
	expiredCert, _ := certstest.WriteKeyPair(t, f.dir, "old-enc", own.Issue(t, certstest.Spec{Purpose: certs.Encryption,
		NotBefore: own.Now.AddDate(-2, 0, 0), NotAfter: own.Now.AddDate(0, 0, -1)}))
	seal := func(extra ...string) []string {
		return append([]string{"seal", "--signing-key", f.signKey, "--signing-cert", f.signCert}, append(extra, f.msg)...)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unrelated PKI", seal("--recipient-cert", strangerCert, "--trust", f.ca, "--crl", f.crl), 3, "seal refused: T002"},
		{"CA not trusted", seal("--recipient-cert", f.encCert, "--trust", ownCA, "--crl", ownCRL), 3, "seal refused: T002"},
		{"revoked", seal("--recipient-cert", revokedCert, "--trust", ownCA, "--crl", ownCRL), 3, "T001 Zertifikat gesperrt"},
		{"expired", seal("--recipient-cert", expiredCert, "--trust", ownCA, "--crl", ownCRL), 3, "T000"},
		{"no CRL (require)", seal("--recipient-cert", f.encCert, "--trust", f.ca), 3, "revocation status unknown"},
		{"no CRL, if-present", seal("--recipient-cert", f.encCert, "--trust", f.ca, "--crl-policy", "if-present"), 0,
			`warning: --crl-policy if-present: no --crl for "CN=xgate cli test root`},
		{"revoked, if-present", seal("--recipient-cert", revokedCert, "--trust", ownCA, "--crl", ownCRL, "--crl-policy", "if-present"), 3, "T001"},
		{"bad --crl-policy", seal("--recipient-cert", f.encCert, "--trust", f.ca, "--crl-policy", "off"), 2, "must be require or if-present"},
		{"--crl and --insecure-skip-verify", seal("--recipient-cert", strangerCert, "--crl", f.crl, "--insecure-skip-verify"), 2, "not both"},
		{"--intermediate and --insecure-skip-verify", seal("--recipient-cert", strangerCert, "--intermediate", ownCA, "--insecure-skip-verify"), 2, "not both"},
		{"--crl-policy and --insecure-skip-verify", seal("--recipient-cert", strangerCert, "--crl-policy", "if-present", "--insecure-skip-verify"), 2, "not both"},
		{"no --trust", seal("--recipient-cert", strangerCert), 2, "--trust is required"},
		{"--trust and --insecure-skip-verify", seal("--recipient-cert", strangerCert, "--trust", f.ca, "--insecure-skip-verify"), 2, "not both"},
		{"verified", seal("--recipient-cert", f.encCert, "--trust", f.ca, "--crl", f.crl), 0, ""},
		{"insecure", seal("--recipient-cert", strangerCert, "--insecure-skip-verify"), 0, "WARNING: --insecure-skip-verify: the recipient certificate is NOT verified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runXgate(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errs)
			}
			if (code == 0) != strings.Contains(out, "xenc:EncryptedData") {
				t.Errorf("exit %d with output %.80q", code, out)
			}
			if !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errs)
			}
		})
	}
	// The trust settings come from the environment too, and a flag wins.
	t.Setenv("XGATE_TRUST", f.ca)
	t.Setenv("XGATE_CRL", f.crl)
	if code, _, errs := runXgate(t, "", seal("--recipient-cert", strangerCert)...); code != 3 || !strings.Contains(errs, "T002") {
		t.Errorf("XGATE_TRUST: exit %d\n%s", code, errs)
	}
	if code, _, errs := runXgate(t, "", seal("--recipient-cert", f.encCert)...); code != 0 {
		t.Errorf("XGATE_TRUST, trusted recipient: exit %d\n%s", code, errs)
	}
	if code, _, errs := runXgate(t, "", seal("--recipient-cert", f.encCert, "--trust", ownCA, "--crl", ownCRL)...); code != 3 {
		t.Errorf("--trust over XGATE_TRUST: exit %d\n%s", code, errs)
	}
	// --crl-policy is never read from the environment: if-present there
	// does not weaken the check.
	t.Setenv("XGATE_CRL", "")
	t.Setenv("XGATE_CRL_POLICY", "if-present")
	if code, _, errs := runXgate(t, "", seal("--recipient-cert", f.encCert)...); code != 3 || !strings.Contains(errs, "revocation status unknown") {
		t.Errorf("XGATE_CRL_POLICY=if-present was read: exit %d\n%s", code, errs)
	}
	t.Setenv("XGATE_CRL", f.crl)
	// --insecure-skip-verify is explicit, so it overrides trust settings from the environment; it is never read from it.
	if code, _, errs := runXgate(t, "", seal("--recipient-cert", strangerCert, "--insecure-skip-verify")...); code != 0 || !strings.Contains(errs, "WARNING") {
		t.Errorf("XGATE_TRUST and --insecure-skip-verify: exit %d\n%s", code, errs)
	}
}
