package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// runXgate runs the command line in-process and returns its exit code and
// output.
func runXgate(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), newApp(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/xgate -update)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run go test ./cmd/xgate -update to accept):\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

const vectors = "../../conformance/testdata/vectors/"

func TestValidateCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		golden string // compare stdout with testdata/<golden>
		stderr string // substring of stderr
	}{
		{name: "valid file", args: []string{"validate", vectors + "900020/valid/quittung.xml"}, code: 0, stderr: "1 valid, 0 invalid"},
		{name: "invalid dir", args: []string{"validate", vectors + "900020/invalid"}, code: 3, golden: "validate_900020_invalid.golden", stderr: "2 valid, 15 invalid"}, // the two T070/T080 vectors need the role stage (conformance check)
		{name: "warning only", args: []string{"validate", vectors + "900020/valid/WARN-HDR-UUID-version-0.xml"}, code: 0, golden: "validate_warning.golden", stderr: "1 valid, 0 invalid (0 finding(s), 1 warning(s))"},
		{name: "hostile doctype", args: []string{"validate", vectors + "900001/invalid/X000-doctype-entity.xml"}, code: 3, golden: "validate_doctype.golden"},
		{name: "stdin", args: []string{"validate", "-"}, stdin: "<r>\xff</r>", code: 3, golden: "validate_stdin.golden"},
		{name: "missing file", args: []string{"validate", "no-such-file.xml"}, code: 2, stderr: "no such file"},
		{name: "bad format", args: []string{"validate", "--format", "yaml", "x.xml"}, code: 2, stderr: "must be table or json"},
		{name: "no args", args: []string{"validate"}, code: 2, stderr: "requires at least 1 arg"},
		{name: "unknown flag", args: []string{"validate", "--bogus", "x.xml"}, code: 2, stderr: "unknown flag"},
		{name: "too large", args: []string{"validate", "--max-bytes", "100", vectors + "900020/valid/quittung.xml"}, code: 3, stderr: "1 invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runXgate(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if tc.golden != "" {
				golden(t, tc.golden, strings.ReplaceAll(out, vectors, "VECTORS/"))
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut, tc.stderr)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	code, out, _ := runXgate(t, "", "validate", "--format", "json",
		vectors+"900020/valid/quittung.xml", vectors+"900020/invalid/S020-AZR-DATE-none.xml", vectors+"900020/invalid/S011-CODE-VALUE-ergebnis.xml")
	if code != 2 { // the middle file does not exist
		t.Errorf("exit %d, want 2", code)
	}
	var res []fileResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(res) != 2 {
		t.Fatalf("%d results, want 2 (the unreadable file is reported on stderr)", len(res))
	}
	if !res[0].Valid || res[0].Type != "900020" || res[0].UUID != "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091" || len(res[0].Findings) != 0 {
		t.Errorf("valid result wrong: %+v", res[0])
	}
	f := res[1].Findings
	if res[1].Valid || len(f) != 1 || f[0].Code != "S011" || f[0].Rule != "CODE-VALUE" || f[0].Line != 49 ||
		f[0].Path != "/Prozess.Quittung.900020/ergebnis/code" || f[0].Reason == "" {
		t.Errorf("invalid result wrong: %+v", res[1])
	}
}

// TestValidateEscapesText: in text output a file name or a value from the
// message cannot forge a line; JSON keeps the values as they are.
func TestValidateEscapesText(t *testing.T) {
	msg, err := os.ReadFile(vectors + "090004/valid/gesamtauskunft-duldung.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(msg), "<code>232</code>", "<code>2\u20283</code>", 1)
	s = strings.Replace(s, "<familienname>Okonkwo</familienname>", "<familienname>Oko\u202enkwo</familienname>", 1)
	dir := t.TempDir()
	name := filepath.Join(dir, "a\nforged.xml:1: X000 looks like a finding.xml")
	if err := os.WriteFile(name, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runXgate(t, "", "validate", dir)
	if code != 3 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Errorf("%d lines for 3 findings:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, dir+`/a\nforged.xml:1: X000 looks like a finding.xml:`) {
			t.Errorf("line does not start with the escaped file name: %q", l)
		}
	}
	if strings.ContainsAny(out, "\u2028\u202e") || !strings.Contains(out, `\\u2028`) {
		t.Errorf("raw or unescaped characters in the text output:\n%q", out)
	}
	_, js, _ := runXgate(t, "", "validate", "--format", "json", dir)
	var res []fileResult
	if err := json.Unmarshal([]byte(js), &res); err != nil || len(res) != 1 || res[0].File != name {
		t.Fatalf("JSON does not keep the file name: %v %+v", err, res)
	}
}
