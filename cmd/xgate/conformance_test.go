package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/conformance/report"
)

// copyVector copies a vector to dir under a name without the vectors'
// layout, so that it is checked without expectation.
func copyVector(t *testing.T, dir, pattern, name string) string {
	t.Helper()
	data, err := os.ReadFile(vectorFile(t, pattern))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	certstest.WriteFile(t, p, data, 0o644)
	return p
}

func TestConformanceCheckFiles(t *testing.T) {
	dir := t.TempDir()
	ok := copyVector(t, dir, "900020/valid/quittung.xml", "ok.xml")
	warn := copyVector(t, dir, "900020/valid/WARN-HDR-UUID-version-0.xml", "warn.xml")
	bad := copyVector(t, dir, "900020/invalid/S999-HDR-TIME-no-millis.xml", "bad.xml")
	role := copyVector(t, dir, "090009/invalid/T070-sender-role-mb.xml", "role.xml")

	code, out, errOut := runXgate(t, "", "conformance", "check", ok, warn)
	if code != 0 || !strings.Contains(out, "ACCEPT "+ok) || !strings.Contains(out, "ACCEPT WITH WARNINGS "+warn) ||
		!strings.Contains(out, warn+":5: warning S999 HDR-UUID /Prozess.Quittung.900020/nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID: ") {
		t.Errorf("accepted files: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runXgate(t, "", "conformance", "check", bad, role)
	if code != 3 || !strings.Contains(out, "REJECT "+bad+"\n  "+bad+":9: S999 HDR-TIME /Prozess.Quittung.900020/nachrichtenkopf.g2g/identifikation.nachricht/erstellungszeitpunkt: ") ||
		!strings.Contains(out, role+":22: T070 /AnAZR.AZRErstmeldung.090009/nachrichtenkopf.g2g/autor/kennung: sender ags:08999001 has role mb") ||
		!strings.Contains(errOut, "2 of 2 case(s) did not draw the expected verdict") {
		t.Errorf("rejected files: exit %d\n%s%s", code, out, errOut)
	}
	// The role stage: another directory entry, or none.
	if code, out, _ := runXgate(t, "", "conformance", "check", "--participant", "ags:08999001=abh", role); code != 0 {
		t.Errorf("--participant: exit %d\n%s", code, out)
	}
	if code, out, _ := runXgate(t, "", "conformance", "check", "--skip-roles", role); code != 0 {
		t.Errorf("--skip-roles: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"--participant", "ags:08999001"}, {"--participant", "x=abh"}, {"--participant", "ags:1=king"},
		{"--participant", "ags:1=abh", "--skip-roles"}, {"--report", filepath.Join(dir, "r.txt")}, {"--max-bytes", "0"}} {
		if code, _, errOut := runXgate(t, "", append(append([]string{"conformance", "check"}, args...), ok)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	// Standard input and a message over --max-bytes.
	data, _ := os.ReadFile(bad)
	if code, out, _ := runXgate(t, string(data), "conformance", "check", "-"); code != 3 || !strings.Contains(out, "REJECT standard input") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	if code, out, _ := runXgate(t, "", "conformance", "check", "--max-bytes", "100", ok); code != 3 || !strings.Contains(out, "X000") {
		t.Errorf("--max-bytes: exit %d\n%s", code, out)
	}
}

// A folder laid out as the vectors are is checked against the verdicts
// the names state; reports go to files in the forms their extensions name.
func TestConformanceCheckVectorLayout(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"junit": filepath.Join(dir, "r.xml"), "json": filepath.Join(dir, "r.json"), "html": filepath.Join(dir, "r.html")}
	code, out, errOut := runXgate(t, "", "conformance", "check", vectors+"900020", "--report", files["junit"], "--report", files["json"], "--report", files["html"])
	if code != 0 || !strings.Contains(out, "REJECT (as expected) "+vectors+"900020/invalid/T080-recipient-not-in-directory.xml") ||
		!strings.Contains(out, "ACCEPT WITH WARNINGS (as expected) "+vectors+"900020/valid/WARN-HDR-UUID-version-0.xml") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	f, err := os.Open(files["json"])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary(); s.Total != 20 || s.Pass != 20 || rep.Mode != "check" || rep.TypeTitles["900020"] != "Prozess.Quittung.900020" {
		t.Errorf("JSON report: %+v", s)
	}
	for _, name := range []string{"junit", "html"} {
		data, err := os.ReadFile(files[name])
		if err != nil || !strings.Contains(string(data), "T080-recipient-not-in-directory.xml") {
			t.Errorf("%s report: %v", name, err)
		}
	}
	// A vector whose name states another verdict fails.
	bad := filepath.Join(dir, "v", "900020", "invalid", "X001-actually-valid.xml")
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(vectors + "900020/valid/quittung.xml")
	certstest.WriteFile(t, bad, data, 0o644)
	code, out, _ = runXgate(t, "", "conformance", "check", "--format", "json", filepath.Join(dir, "v"))
	var doc struct {
		OK      bool            `json:"ok"`
		Results []report.Result `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != 3 || doc.OK || len(doc.Results) != 1 || doc.Results[0].Outcome != report.Fail || doc.Results[0].Expect.Code != "X001" {
		t.Errorf("exit %d, %+v", code, doc)
	}
	// A misnamed vector is a usage error.
	certstest.WriteFile(t, filepath.Join(dir, "v", "900020", "invalid", "readme.xml"), data, 0o644)
	if code, _, errOut := runXgate(t, "", "conformance", "check", filepath.Join(dir, "v")); code != 2 || !strings.Contains(errOut, "not an error code") {
		t.Errorf("misnamed vector: exit %d, %s", code, errOut)
	}
}

func TestConformanceList(t *testing.T) {
	code, out, _ := runXgate(t, "", "conformance", "list", "--format", "json")
	var list []vectorListJSON
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
		t.Fatalf("exit %d, %v", code, err)
	}
	cats := map[string]int{}
	for _, v := range list {
		cats[v.Category]++
		if v.Expect.Verdict == "" || v.Type == "" || !strings.HasPrefix(v.Path, v.Type+"/") {
			t.Errorf("listed vector %+v", v)
		}
	}
	for _, c := range []string{"valid", "warning", "parse", "version", "schema", "header", "code-list", "rule", "role"} {
		if cats[c] == 0 {
			t.Errorf("no vector of category %s", c)
		}
	}
	code, out, _ = runXgate(t, "", "conformance", "list", "--type", "090009", "--category", "role")
	if code != 0 || !strings.Contains(out, "090009  role      reject  T070  -     090009/invalid/T070-sender-role-mb.xml") || !strings.Contains(out, "2 vectors") {
		t.Errorf("exit %d\n%s", code, out)
	}
	code, out, _ = runXgate(t, "", "conformance", "list", "--coverage")
	if code != 0 || !strings.Contains(out, "every type has valid, schema, header, code-list and role vectors") {
		t.Errorf("coverage: exit %d\n%s", code, out)
	}
	if code, _, errOut := runXgate(t, "", "conformance", "list", "--type", "999999"); code != 2 || !strings.Contains(errOut, "not a message type") {
		t.Errorf("unknown type: exit %d %s", code, errOut)
	}
}

// The check daemon end to end: it prints its address, answers by
// verdict, stops on the signal and writes the report of what it checked.
func TestConformanceServe(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "checks.xml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		code := run(ctx, newApp(), []string{"conformance", "serve", "--check-only", "--listen", "127.0.0.1:0", "--report", junit},
			strings.NewReader(""), pw, &errb)
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no start line; stderr %s", errb.String())
	}
	m := regexp.MustCompile(`http://(\S+) `).FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("start line %q", sc.Text())
	}
	base := "http://" + m[1]
	for _, tc := range []struct {
		vector string
		status int
	}{
		{"900020/valid/quittung.xml", 200},
		{"900020/valid/WARN-HDR-UUID-version-0.xml", 200},
		{"090009/invalid/T070-sender-role-mb.xml", 406},
	} {
		data, _ := os.ReadFile(vectors + tc.vector)
		resp, err := http.Post(base+"/check", "application/xml", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.vector, resp.StatusCode, tc.status)
		}
	}
	resp, err := http.Post(base+"/check", "application/xml", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("empty body: %d, want 422", resp.StatusCode)
	}
	if resp, err := http.Get(base + "/health"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v", err)
	} else {
		resp.Body.Close()
	}
	cancel()
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(rest.String(), "stopped after 4 message(s): 1 accepted, 1 accepted with warnings, 1 rejected, 1 not processed") {
		t.Errorf("stop line: %q", rest.String())
	}
	data, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(data), `tests="4" failures="1" errors="1"`) {
		t.Errorf("report at exit: %v\n%s", err, data)
	}
}

// The vendor's round trip: write the package, then check its vectors; each
// draws the verdict its name (and index.json) states.
func TestConformancePackageRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pkg")
	code, out, errOut := runXgate(t, "", "conformance", "package", "--out", dir)
	if code != 0 || !strings.Contains(out, "wrote "+dir+": ") {
		t.Fatalf("package: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runXgate(t, "", "conformance", "check", "--format", "json", filepath.Join(dir, "vectors"))
	if code != 0 {
		t.Fatalf("check of the package's vectors: exit %d\n%s", code, errOut)
	}
	rep, err := report.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadDir(vectors)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary(); s.Pass != s.Total || s.Types != len(shipped) || s.Total < 400 {
		t.Errorf("package vectors: %+v", s)
	}
	for _, r := range rep.Results {
		if r.Expect == (report.Expect{}) {
			t.Errorf("%s was checked without its expectation", r.ID)
		}
	}
}
