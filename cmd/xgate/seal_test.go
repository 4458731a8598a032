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
	dir                  string
	msg                  string
	ca, crl              string
	signCert, signKey    string
	encCert, encKey      string // the receiver's current pair
	nextCert, nextKey    string // the receiver's next pair (rollover)
	weakCert, weakKey    string
	revCert, revKey      string
	otherCA              string
	sealedDefault, clean string
	caCA                 *certstest.CA // the CA of all but otherCA
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
		return append([]string{"seal", "--key", f.signKey, "--cert", f.signCert, "--to", f.encCert}, extra...)
	}
	openArgs := func(in string, extra ...string) []string {
		return append(append([]string{"open", "--key", f.encKey, "--cert", f.encCert, "--trust", f.ca, "--crl", f.crl}, extra...), in)
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
		{"rollover receiver", []string{"open", "--key", f.nextKey, "--key", f.encKey, "--trust", f.ca, "--crl", f.crl, sealedFile}, "", 0, []string{"type: 090004"}},
		{"wrong key", []string{"open", "--key", f.nextKey, "--trust", f.ca, sealedFile}, "", 1, []string{"T020", "cannot be decrypted"}},
		{"tampered", openArgs(tampered), "", 1, []string{"open refused: T020"}},
		{"untrusted signer", []string{"open", "--key", f.encKey, "--trust", f.otherCA, sealedFile}, "", 1, []string{"T002", "does not chain to a trusted root"}},
		{"not sealed", openArgs(f.msg), "", 1, []string{"T020", "not an XML-Enc EncryptedData"}},
		{"revoked signer", nil, "", 1, []string{"T001"}},
		{"seal with weak key", []string{"seal", "--key", f.weakKey, "--cert", f.weakCert, "--to", f.encCert, f.msg}, "", 1, []string{"seal refused: T010", "2048 bits"}},
		{"seal key readable by others", []string{"seal", "--key", loose, "--cert", f.signCert, "--to", f.encCert, f.msg}, "", 1, []string{"chmod 600"}},
		{"open key readable by others", []string{"open", "--key", loose, "--trust", f.ca, sealedFile}, "", 1, []string{"chmod 600"}},
		{"seal to a signing cert", []string{"seal", "--key", f.signKey, "--cert", f.signCert, "--to", f.signCert, "--trust", f.ca, f.msg}, "", 1, []string{"T002"}},
		{"seal hostile message", sealArgs(vectors + "900001/invalid/X000-doctype-entity.xml"), "", 1, []string{"X000"}},
		{"seal without --to", []string{"seal", "--key", f.signKey, "--cert", f.signCert, f.msg}, "", 2, []string{"--to is required"}},
		{"bad profile", sealArgs("--profile", "cbc", f.msg), "", 2, []string{"--profile"}},
		{"seal missing file", sealArgs("no-such.xml"), "", 2, []string{"no such file"}},
		{"open without --trust", []string{"open", "--key", f.encKey, sealedFile}, "", 2, []string{"--trust is required"}},
		{"open without file", []string{"open", "--key", f.encKey, "--trust", f.ca}, "", 2, nil},
		{"open key of no --cert", []string{"open", "--key", f.nextKey, "--cert", f.encCert, "--trust", f.ca, sealedFile}, "", 2, []string{"matches none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "revoked signer" {
				_, s, errs := runXgate(t, "", "seal", "--key", f.revKey, "--cert", f.revCert, "--to", f.encCert, f.msg)
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
	code, out, errs := runXgate(t, "", "seal", "--key", f.signKey, "--cert", f.signCert, "--to", f.encCert, f.msg)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !bytes.HasPrefix([]byte(out), []byte(`<?xml version="1.0" encoding="UTF-8"?><xenc:EncryptedData`)) {
		t.Errorf("output starts %.80q", out)
	}
}
