package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox/audit"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// fixedSigner makes deterministic "signatures" for the golden file: the
// digest's own hash. Only the layout is under test there.
type fixedSigner struct{}

func (fixedSigner) Sign(d []byte) ([]byte, error) { s := sha256.Sum256(d); return s[:], nil }
func (fixedSigner) KeyID() string                 { return strings.Repeat("ab", 32) }

func TestExportGolden(t *testing.T) {
	es := chain(8)
	// Times in another zone are written as UTC, the text the hash covers.
	berlin := time.FixedZone("CET", 3600)
	es[2].Time = es[2].Time.In(berlin)
	cps := seal(t, fixedSigner{}, es, 4, 8)
	var buf bytes.Buffer
	if err := audit.Export(context.Background(), &buf, audit.Entries(es), cps, audit.FormatJSON); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("not JSON:\n%s", buf.Bytes())
	}
	golden := filepath.Join("testdata", "export.golden")
	if *update {
		writeFile(t, golden, buf.Bytes())
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("export differs from %s (go test -update rewrites it):\n%s", golden, buf.Bytes())
	}
	if !strings.Contains(buf.String(), `"time":"2026-03-01T09:30:02.246Z"`) {
		t.Error("times are not exported as UTC")
	}
}

func TestExportRoundTrip(t *testing.T) {
	gw, _ := keys(t)
	es := chain(50)
	cps := seal(t, signer(t, gw), es, 20, 40, 50)
	var buf bytes.Buffer
	if err := audit.Export(context.Background(), &buf, audit.Entries(es), cps, audit.FormatJSON); err != nil {
		t.Fatal(err)
	}
	v := verifierFor(t, gw)
	verifyExport := func(b []byte) *audit.Report {
		t.Helper()
		x, err := audit.ReadExport(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(context.Background(), x.Entries(), x.Checkpoints(), v)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := verifyExport(buf.Bytes())
	if !rep.OK() || rep.Entries != 50 || rep.CheckpointsVerified != 3 || rep.Head != es[49].Hash {
		t.Fatalf("round trip: %+v %v", rep, rep.Problem)
	}

	// Tamper with the text of the export: entry 33 becomes "cancelled".
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, `{"seq":33,`) {
			lines[i] = strings.Replace(l, `"to":"`, `"to":"cancelled`, 1)
		}
	}
	rep = verifyExport([]byte(strings.Join(lines, "\n")))
	if p := rep.Problem; p == nil || p.Kind != audit.Edited || p.Seq != 33 {
		t.Fatalf("tampered export: %v", rep.Problem)
	}
}

func TestExportErrors(t *testing.T) {
	es := chain(3)
	if err := audit.Export(context.Background(), &bytes.Buffer{}, audit.Entries(es), nil, "xml"); err == nil {
		t.Error("unknown format accepted")
	}
	boom := errors.New("read failed")
	src := func(yield func(audit.Entry, error) bool) { yield(es[0], nil); yield(audit.Entry{}, boom) }
	if err := audit.Export(context.Background(), &bytes.Buffer{}, src, nil, audit.FormatJSON); !errors.Is(err, boom) {
		t.Errorf("source error: %v", err)
	}
	for _, in := range []string{
		``,
		`[]`,
		`{"format":"something-else","entries":[]}`,
		`{"checkpoints":[],"entries":[]}`,
		`{"format":"xgate-audit-export/v1","checkpoints":{}}`,
	} {
		if _, err := audit.ReadExport(strings.NewReader(in)); err == nil {
			t.Errorf("ReadExport(%q) accepted", in)
		}
	}
	x, err := audit.ReadExport(strings.NewReader(`{"format":"xgate-audit-export/v1","note":{"a":1},"entries":[{"seq":1},{"seq":`))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var last error
	for _, err := range x.Entries() {
		n++
		last = err
	}
	if n != 2 || last == nil {
		t.Errorf("truncated export: %d items, last error %v", n, last)
	}
}

// TestReverifyOutsideXgate re-verifies an export with the Python
// reimplementation in testdata (only doc.go's algorithm, no xgate code)
// and the checkpoint signatures with openssl.
func TestReverifyOutsideXgate(t *testing.T) {
	python := tool(t, "python3", "python3")
	openssl := tool(t, "openssl", "openssl")
	gw, _ := keys(t)
	es := chain(40)
	es[7].Time = es[7].Time.In(time.FixedZone("CEST", 7200))
	es[9].Reason = "Zustellung an Ausländerbehörde fehlgeschlagen" // not ASCII
	es = relink(es, 7)
	cps := seal(t, signer(t, gw), es, 25, 40)
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := audit.Export(context.Background(), &buf, audit.Entries(es), cps, audit.FormatJSON); err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(dir, "export.json")
	writeFile(t, exp, buf.Bytes())
	out, err := exec.Command(python, filepath.Join("testdata", "reverify.py"), exp, "--checkpoint-dir", dir).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok: 40 entries, 2 checkpoints, head "+es[39].Hash.String()) {
		t.Fatalf("reverify.py: %v\n%s", err, out)
	}
	certPEM := filepath.Join(dir, "cert.pem")
	writeFile(t, certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: gw.cert.Raw}))
	pub := filepath.Join(dir, "pub.pem")
	writeFile(t, pub, []byte(runCmd(t, openssl, "x509", "-in", certPEM, "-pubkey", "-noout")))
	for _, seq := range []string{"25", "40"} {
		runCmd(t, openssl, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
			"-verify", pub, "-signature", filepath.Join(dir, "cp-"+seq+".sig"), filepath.Join(dir, "cp-"+seq+".txt"))
	}

	// The reimplementation must catch what Verify catches.
	tampered := strings.Replace(buf.String(), "fehlgeschlagen", "erfolgreich", 1)
	writeFile(t, exp, []byte(tampered))
	out, err = exec.Command(python, filepath.Join("testdata", "reverify.py"), exp).CombinedOutput()
	if err == nil || !strings.HasPrefix(string(out), "bad: entry 10:") {
		t.Fatalf("reverify.py on a tampered export: %v\n%s", err, out)
	}
}

// BenchmarkExport measures the JSON export of generated entries.
func BenchmarkExport(b *testing.B) {
	es := chain(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := audit.Export(context.Background(), io.Discard, audit.Entries(es), nil, audit.FormatJSON); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10_000, "ns/entry")
}
