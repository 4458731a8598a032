package main

import (
	"encoding/json"
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

// csvSettings are the settings fachverfahren-csv needs.
func csvSettings() []string {
	var out []string
	for _, s := range []string{"autor.kennung=azr:999901", "autor.name=ABH Musterstadt", "autor.erreichbarkeit=abh@musterstadt.example",
		"autor.strasse=Rathausplatz", "autor.postleitzahl=12345", "autor.ort=Musterstadt"} {
		out = append(out, "--set", s)
	}
	return out
}

const csvExport = "../../adapters/fachverfahrencsv/testdata/export.csv"

// TestTranslateBatch: a CSV export goes to --out-dir, one file per
// message named by its UUID; refused rows are reported with row and
// column, exit 3; the same file again writes the same names.
func TestTranslateBatch(t *testing.T) {
	dir := t.TempDir()
	args := append([]string{"translate", "--adapter", "fachverfahren-csv", "--reverse", "--out-dir", dir, "--format", "json"}, csvSettings()...)
	code, out, errOut := runXgate(t, "", append(args, csvExport)...)
	if code != exitFailed || !strings.Contains(errOut, "7 of 12 rows refused") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var rep batchReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Written) != 5 || len(rep.Refused) != 7 || rep.Refused[0].Column != "bemerkung" || rep.Refused[0].Code != "S999" {
		t.Fatalf("report: %+v", rep)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 5 {
		t.Fatalf("%d files", len(files))
	}
	runXgate(t, "", append(args, csvExport)...)
	again, _ := os.ReadDir(dir)
	if len(again) != 5 {
		t.Fatalf("resubmission: %d files, want the same 5", len(again))
	}
	code, _, errOut = runXgate(t, "", append([]string{"translate", "--adapter", "fachverfahren-csv", "--reverse"}, append(csvSettings(), csvExport)...)...)
	if code != exitUsage || !strings.Contains(errOut, "--out-dir") {
		t.Fatalf("without --out-dir: exit %d %s", code, errOut)
	}
}
