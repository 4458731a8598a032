package main

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
)

// runCerts runs the command line through run, as main does.
func runCerts(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), newApp(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestCertsCommands makes one development PKI with `certs init` (real key
// generation: about 4 s on an idle 2-core machine) and runs show and check
// on it. With -short the PKI comes from devpki.Init with pool keys instead.
func TestCertsCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if testing.Short() {
		if _, err := devpki.Init(context.Background(), dir, devpki.Options{GenerateKey: certstest.KeyGenerator()}); err != nil {
			t.Fatal(err)
		}
	} else {
		start := time.Now()
		code, out, errOut := runCerts("certs", "init", dir)
		if code != 0 {
			t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
		}
		t.Logf("certs init took %v", time.Since(start).Round(time.Millisecond))
		for _, want := range []string{
			"Development PKI written to " + dir, "23 RSA-3072 keys generated in",
			"├── abh/", "azr:999901", "Ausländerbehörde Musterstadt", "│   ├── signing-key.pem",
			"ca/", "root.crl", "directory/", "pki.json", "└── test/", "dbs:499990990000",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("init output lacks %q:\n%s", want, out)
			}
		}
		if !strings.Contains(errOut, "generated 23 of 23 RSA-3072 keys") {
			t.Errorf("no progress on stderr: %q", errOut)
		}
	}
	m, err := devpki.LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("init again", func(t *testing.T) {
		code, _, errOut := runCerts("certs", "init", dir)
		if code != 1 || !strings.Contains(errOut, "--force") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})

	abh, _ := m.ByID("abh")
	signing, err := certs.LoadCertificate(m.Path(abh.Signing.Cert))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("show text", func(t *testing.T) {
		code, out, errOut := runCerts("certs", "show", m.Path(abh.Signing.Cert))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{
			"certificate 1 of 1", "CN=Ausländerbehörde Musterstadt Signatur", "CN=xgate Entwicklungs-Wurzel-CA",
			"Serial:", certs.SerialHex(signing.SerialNumber), "(valid, 7", "RSA 3072 bits", "SHA256-RSA",
			"digitalSignature, contentCommitment", "documentSigning", certs.Fingerprint(signing),
			"Purposes:", "signing", "Participant:", "azr:999901 Ausländerbehörde Musterstadt (abh)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("show lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("show json", func(t *testing.T) {
		code, out, _ := runCerts("certs", "show", "--format", "json", m.Path(abh.TLS.Cert), m.Path(m.CRL))
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		var got []certs.FileDescription
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || len(got[0].Certificates) != 1 || len(got[1].CRLs) != 1 {
			t.Fatalf("json: %s", out)
		}
		d := got[0].Certificates[0]
		if d.Kennung != "azr:999901" || d.KeyBits != 3072 || strings.Join(d.SANs, " ") != "DNS:localhost IP:127.0.0.1 IP:::1" {
			t.Errorf("description: %+v", d)
		}
	})
	t.Run("check fresh PKI", func(t *testing.T) {
		code, out, _ := runCerts("certs", "check", dir)
		if code != 0 || !strings.Contains(out, "23 certificate(s), 1 CRL(s), 23 private key file(s) (0 too open)") || !strings.Contains(out, ": 0 problem(s)") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("check finds an open key", func(t *testing.T) {
		key := m.Path(abh.TLS.Key)
		if err := os.Chmod(key, 0o640); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(key, 0o600)
		code, out, _ := runCerts("certs", "check", dir)
		if code != 3 || !strings.Contains(out, "too-open") || !strings.Contains(out, "chmod 600 "+key) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}

func TestCertsCheckCommand(t *testing.T) {
	ca := certstest.NewCA(t, "Root")
	dir := t.TempDir()
	certstest.WriteFile(t, filepath.Join(dir, "root.pem"), certs.EncodeCertificates(ca.Cert), 0o644)
	certstest.WriteKeyPair(t, dir, "good", ca.Good(t, certs.Signing))
	// Ten days left, counted from the real clock: the command checks at time.Now().
	certstest.WriteKeyPair(t, dir, "short", ca.Issue(t, certstest.Spec{NotAfter: time.Now().Add(10 * 24 * time.Hour)}))

	revDir := t.TempDir()
	certstest.WriteFile(t, filepath.Join(revDir, "root.pem"), certs.EncodeCertificates(ca.Cert), 0o644)
	certstest.WriteKeyPair(t, revDir, "revoked", ca.Revoked(t, certs.Encryption))
	certstest.WriteFile(t, filepath.Join(revDir, "root.crl"), certs.EncodeCRL(ca.CRL(t).Raw), 0o644)

	expDir := t.TempDir()
	certstest.WriteKeyPair(t, expDir, "old", ca.Issue(t, certstest.Spec{NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().Add(-time.Hour)}))

	tests := []struct {
		name string
		args []string
		code int
		out  []string
		err  string
	}{
		{"window shorter than the rest", []string{dir, "--within", "5d"}, 0, []string{"ok", "short.pem", ": 0 problem(s)", "window of 5d"}, ""},
		{"window longer than the rest", []string{dir, "--within", "30d"}, 3, []string{"expiring", "short.pem", "in 9d 23h", ": 1 problem(s)"}, ""},
		{"weeks", []string{dir, "--within", "2w"}, 3, []string{"expiring"}, ""},
		{"hours", []string{dir, "--within", "12h"}, 0, nil, ""},
		{"default window is 30 days", []string{dir}, 3, []string{"expiring", "window of 30d"}, ""},
		{"revoked", []string{revDir}, 3, []string{"revoked", "revoked.pem", "CRL of Root, 1 revoked"}, ""},
		{"expired", []string{expDir, "--within", "0"}, 3, []string{"expired", "old.pem"}, ""},
		{"bad window", []string{dir, "--within", "30 days"}, 2, nil, "--within"},
		{"negative window", []string{dir, "--within", "-1d"}, 2, nil, "--within"},
		{"bad format", []string{dir, "--format", "xml"}, 2, nil, "--format"},
		{"missing dir", []string{filepath.Join(dir, "nope")}, 2, nil, "no such file"},
		{"file, not dir", []string{filepath.Join(dir, "root.pem")}, 2, nil, "not a directory"},
		{"no dir", nil, 2, nil, "accepts 1 arg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCerts(append([]string{"certs", "check"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr %q lacks %q", errOut, tc.err)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		code, out, _ := runCerts("certs", "check", "--format", "json", "--within", "30d", revDir)
		var rep certs.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if code != 3 || rep.Problems != 1 || rep.WithinText != "720h0m0s" {
			t.Errorf("exit %d, report %+v", code, rep)
		}
		for _, c := range rep.Certificates {
			if c.File == "revoked.pem" && c.Status != certs.CheckRevoked {
				t.Errorf("revoked.pem: %s", c.Status)
			}
		}
	})
}

func TestCertsShowErrors(t *testing.T) {
	dir := t.TempDir()
	ca := certstest.NewCA(t, "Root")
	_, keyFile := certstest.WriteKeyPair(t, dir, "leaf", ca.Good(t, certs.Signing))
	certstest.WriteFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"key file", []string{keyFile}, 1, "private key"},
		{"no certificate", []string{filepath.Join(dir, "notes.txt")}, 1, "T003"},
		{"missing file", []string{filepath.Join(dir, "nope.pem")}, 2, "no such file"},
		{"bad format", []string{"--format", "yaml", keyFile}, 2, "--format"},
		{"no file", nil, 2, "requires at least 1 arg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCerts(append([]string{"certs", "show"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errOut, tc.err)
			}
		})
	}
}

func TestCertsInitUsage(t *testing.T) {
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"certs", "init"}, "accepts 1 arg"},
		{[]string{"certs", "init", t.TempDir(), "extra"}, "accepts 1 arg"},
		{[]string{"certs", "init", t.TempDir(), "--workers", "-1"}, "--workers"},
		{[]string{"certs", "init", "--dir", t.TempDir()}, "unknown flag: --dir"},
		{[]string{"certs", "init", "--bogus"}, "unknown flag"},
	}
	for _, tc := range tests {
		code, _, errOut := runCerts(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
}

func TestParseLongDuration(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"30d", 30 * day, false},
		{"2w", 14 * day, false},
		{"12h", 12 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"1w2d3h4m5s", 9*day + 3*time.Hour + 4*time.Minute + 5*time.Second, false},
		{"1.5d", 36 * time.Hour, false},
		{"1y", 365 * day, false},
		{"90m", 90 * time.Minute, false},
		{"0", 0, false},
		{"", 0, true},
		{"30", 0, true},
		{"d", 0, true},
		{"-1d", 0, true},
		{"30 d", 0, true},
		{"3x", 0, true},
		{"99999999999y", 0, true},
	}
	for _, tc := range tests {
		got, err := parseLongDuration(tc.in)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("parseLongDuration(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestCertsShowEscapes: a certificate's names cannot forge rows of the
// text output.
func TestCertsShowEscapes(t *testing.T) {
	ca := certstest.NewCA(t, "Root")
	kp := ca.Issue(t, certstest.Spec{Purpose: certs.Signing, Subject: pkix.Name{CommonName: "Evil\nSHA-256: 00:00", SerialNumber: "azr:999901"}})
	file, _ := certstest.WriteKeyPair(t, t.TempDir(), "evil", kp)
	code, out, errs := runXgate(t, "", "certs", "show", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Count(out, "\n  SHA-256:") != 1 || !strings.Contains(out, `CN=Evil\nSHA-256: 00:00`) {
		t.Errorf("the subject forges a row:\n%s", out)
	}
}
