package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdaptersList: the table and the JSON list every built-in adapter
// with its types and settings (golden files).
func TestAdaptersList(t *testing.T) {
	code, out, errOut := runXgate(t, "", "adapters", "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "adapters_list.golden", out)
	code, out, errOut = runXgate(t, "", "adapters", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "adapters_list_json.golden", out)
}

// TestTranslate: forward to a file and back from standard input gives the
// message again; a refusal names the field and writes nothing.
func TestTranslate(t *testing.T) {
	dir := t.TempDir()
	msg := vectorFile(t, "920002/valid/beginn-buergergeld.xml")
	js := filepath.Join(dir, "m.json")
	code, out, errOut := runXgate(t, "", "translate", "--adapter", "jobcenter-json", "-o", js, msg)
	if code != 0 || out != "" {
		t.Fatalf("forward: exit %d %q %s", code, out, errOut)
	}
	data, err := os.ReadFile(js)
	if err != nil || !strings.Contains(string(data), `"nachricht": "JCABH.MitteilungLeistungsbezug.920002"`) {
		t.Fatalf("forward output: %v\n%s", err, data)
	}
	code, out, errOut = runXgate(t, string(data), "translate", "--adapter", "jobcenter-json", "--reverse", "-")
	if code != 0 || !strings.Contains(out, "<xaus:JCABH.MitteilungLeistungsbezug.920002 ") {
		t.Fatalf("reverse: exit %d %s\n%s", code, errOut, out)
	}
	bad := strings.Replace(string(data), `"beginn": "2027-01-01"`, `"beginn": "Januar"`, 1)
	code, out, errOut = runXgate(t, bad, "translate", "--adapter", "jobcenter-json", "--reverse", "-")
	if code != exitFailed || out != "" || !strings.Contains(errOut, "X001") || !strings.Contains(errOut, "beginn") {
		t.Fatalf("refusal: exit %d out %q err %s", code, out, errOut)
	}
	code, _, errOut = runXgate(t, "", "translate", "--adapter", "jobcenter-json", "--out-dir", dir, msg)
	if code != exitUsage {
		t.Fatalf("--out-dir without a batch: exit %d %s", code, errOut)
	}
}
