package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
)

// directoryFiles is a development PKI with a signed directory and its
// broken variants, for the directory verbs.
type directoryFiles struct {
	pki       string
	endpoints []string // --endpoint flags for every participant
	trust     []string // --trust and --crl of the PKI
	signed    string   // signed by the PKI's authority
	unsigned  string
	tampered  string // signed, then an endpoint changed
	authKey   string
	authCert  string
	abhKey    string // a participant's signing key pair
	abhCert   string
	looseKey  string // the authority's key, mode 0644
}

// newDirectoryFiles writes the files; at is the time of the PKI and of
// the directory (zero: now).
func newDirectoryFiles(t *testing.T, at time.Time) *directoryFiles {
	t.Helper()
	dir := t.TempDir()
	f := &directoryFiles{pki: filepath.Join(dir, "pki")}
	res, err := devpki.Init(context.Background(), f.pki, devpki.Options{Now: at, GenerateKey: certstest.KeyGenerator()})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	for i, p := range m.Participants {
		f.endpoints = append(f.endpoints, "--endpoint", fmt.Sprintf("%s=https://127.0.0.1:%d", p.ID, 8443+i))
	}
	f.trust = []string{"--trust", m.Path(m.Root.Cert), "--crl", m.Path(m.CRL)}
	f.authKey, f.authCert = m.Path(m.Directory.Key), m.Path(m.Directory.Cert)
	abh, _ := m.ByID("abh")
	f.abhKey, f.abhCert = m.Path(abh.Signing.Key), m.Path(abh.Signing.Cert)
	a := newApp()
	if !at.IsZero() {
		a.now = func() time.Time { return at }
	}
	f.signed, f.unsigned = filepath.Join(dir, "directory.xml"), filepath.Join(dir, "directory.unsigned.xml")
	for _, args := range [][]string{
		append([]string{"directory", "init", "--pki", f.pki, "--out", f.signed}, f.endpoints...),
		append([]string{"directory", "init", "--pki", f.pki, "--unsigned", "--out", f.unsigned}, f.endpoints...),
	} {
		var out bytes.Buffer
		if code, errOut := runCLI(context.Background(), a, &out, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
	}
	data, err := os.ReadFile(f.signed)
	if err != nil {
		t.Fatal(err)
	}
	f.tampered = filepath.Join(dir, "tampered.xml")
	certstest.WriteFile(t, f.tampered, bytes.Replace(data, []byte("127.0.0.1:8444"), []byte("127.0.0.2:8444"), 1), 0o644)
	key, err := os.ReadFile(f.authKey)
	if err != nil {
		t.Fatal(err)
	}
	f.looseKey = filepath.Join(dir, "loose-key.pem")
	certstest.WriteFile(t, f.looseKey, key, 0o644)
	return f
}

// TestDirectoryCommands: init makes a signed directory that verify and
// show accept; show prints it (golden, at a fixed time) and as JSON; sign
// signs the unsigned edition; the broken files are refused with their
// codes.
func TestDirectoryCommands(t *testing.T) {
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	f := newDirectoryFiles(t, at)
	a := newApp()
	a.now = func() time.Time { return at.Add(time.Hour) }
	runAt := func(args ...string) (int, string, string) {
		var out bytes.Buffer
		code, errOut := runCLI(context.Background(), a, &out, args...)
		return code, out.String(), errOut
	}
	serials := regexp.MustCompile(`serial [0-9A-F]{2}(:[0-9A-F]{2})+`)
	scrub := func(s string) string {
		return serials.ReplaceAllString(strings.ReplaceAll(s, filepath.Dir(f.pki), "$DIR"), "serial XX")
	}

	code, out, errOut := runAt(append([]string{"directory", "verify"}, append(f.trust, f.signed)...)...)
	if code != 0 {
		t.Fatalf("verify: exit %d %s", code, errOut)
	}
	show := scrub(out)
	code, out, errOut = runAt(append([]string{"directory", "show"}, append(f.trust, f.signed)...)...)
	if code != 0 {
		t.Fatalf("show: exit %d %s", code, errOut)
	}
	show += "\n" + scrub(out)
	code, out, errOut = runAt("directory", "show", "--insecure", f.unsigned)
	if code != 0 || !strings.Contains(errOut, "NOT verified") {
		t.Fatalf("show --insecure: exit %d %s", code, errOut)
	}
	show += "\n" + scrub(out)
	golden(t, "directory_show.golden", show)

	code, out, _ = runAt(append([]string{"directory", "show", "--format", "json"}, append(f.trust, f.signed)...)...)
	var j struct {
		Serial       uint64
		Verified     bool
		Authority    struct{ Subject string }
		Participants []struct {
			Kennung, Role, Endpoint string
			Signing                 []struct{ FingerprintSHA256 string }
			Sends                   []struct{ Types, To []string }
		}
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 {
		t.Fatalf("json: exit %d %v\n%s", code, err, out)
	}
	if j.Serial != uint64(at.Unix()) || !j.Verified || !strings.Contains(j.Authority.Subject, "Verzeichnisdienst") ||
		len(j.Participants) != 7 || j.Participants[2].Role != "azr" || j.Participants[2].Endpoint != "https://127.0.0.1:8445" ||
		len(j.Participants[0].Signing) != 1 || len(j.Participants[0].Signing[0].FingerprintSHA256) != 95 || len(j.Participants[6].Sends) != 1 {
		t.Errorf("json: %+v", j)
	}

	// sign the unsigned edition: the result verifies and equals init's
	// signed one in content.
	signed := filepath.Join(t.TempDir(), "signed.xml")
	code, _, errOut = runAt("directory", "sign", "--key", f.authKey, "--cert", f.authCert, "--out", signed, f.unsigned)
	if code != 0 || !strings.Contains(errOut, fmt.Sprintf("signed directory serial %d: 7 participants", at.Unix())) {
		t.Fatalf("sign: exit %d %s", code, errOut)
	}
	if code, _, errOut = runAt(append([]string{"directory", "verify"}, append(f.trust, signed)...)...); code != 0 {
		t.Fatalf("verify signed: exit %d %s", code, errOut)
	}
	// from standard input to standard output
	unsigned, _ := os.ReadFile(f.unsigned)
	var outb, errb bytes.Buffer
	if code := run(context.Background(), a, []string{"directory", "sign", "--key", f.authKey, "--cert", f.authCert, "-"},
		bytes.NewReader(unsigned), &outb, &errb); code != 0 || !bytes.Contains(outb.Bytes(), []byte("<ds:Signature")) {
		t.Fatalf("sign -: exit %d %s", code, errb.String())
	}

	// refusals and what they say
	var httpJC []string
	for _, e := range f.endpoints {
		if strings.HasPrefix(e, "jc=") {
			e = "jc=http://127.0.0.1:8448"
		}
		httpJC = append(httpJC, e)
	}
	var refusals strings.Builder
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"unsigned", append([]string{"directory", "verify"}, append(f.trust, f.unsigned)...), exitFailed},
		{"tampered", append([]string{"directory", "verify"}, append(f.trust, f.tampered)...), exitFailed},
		{"expired", append([]string{"directory", "verify"}, append(f.trust, f.signed)...), exitFailed},
		{"no crl", []string{"directory", "verify", "--trust", f.trust[1], f.signed}, exitFailed},
		{"participant key", []string{"directory", "sign", "--key", f.abhKey, "--cert", f.abhCert, f.unsigned}, exitError},
		{"signed twice", []string{"directory", "sign", "--key", f.authKey, "--cert", f.authCert, f.signed}, exitFailed},
		{"key and cert apart", []string{"directory", "sign", "--key", f.abhKey, "--cert", f.authCert, f.unsigned}, exitUsage},
		{"insecure and trust", append([]string{"directory", "show", "--insecure"}, append(f.trust, f.signed)...), exitUsage},
		{"endpoint not https", append([]string{"directory", "init", "--pki", f.pki}, httpJC...), exitUsage},
		{"endpoint twice", append([]string{"directory", "init", "--pki", f.pki, "--endpoint", "jc=https://127.0.0.1:1"}, f.endpoints...), exitUsage},
		{"bad validity", append([]string{"directory", "init", "--pki", f.pki, "--validity", "-1d"}, f.endpoints...), exitUsage},
	} {
		if c.name == "expired" {
			a.now = func() time.Time { return at.Add(31 * 24 * time.Hour) }
		}
		code, _, errOut := runAt(c.args...)
		a.now = func() time.Time { return at.Add(time.Hour) }
		if code != c.code {
			t.Errorf("%s: exit %d, want %d: %s", c.name, code, c.code, errOut)
		}
		fmt.Fprintf(&refusals, "# %s (exit %d)\n%s", c.name, code, scrub(errOut))
	}
	golden(t, "directory_refusals.golden", refusals.String())
}
