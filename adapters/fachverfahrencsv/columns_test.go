package fachverfahrencsv_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/fachverfahrencsv"
)

// TestColumnsDoc: COLUMNS.md shows the table of mapping/spalten.csv
// (-update rewrites it).
func TestColumnsDoc(t *testing.T) {
	table, _ := fachverfahrencsv.Columns()
	var tb strings.Builder
	tb.WriteString("| Column | Type | Path | art | Required |\n|---|---|---|---|---|\n")
	for _, l := range strings.Split(string(table), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "spalte,") {
			continue
		}
		f := strings.Split(l, ",")
		fmt.Fprintf(&tb, "| `%s` | %s | `%s` | %s | %s |\n", f[0], f[1], f[2], f[3], f[4])
	}
	doc, err := os.ReadFile("COLUMNS.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- spalten: generated from mapping/spalten.csv -->\n", "<!-- /spalten -->\n"
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatal("COLUMNS.md lacks its markers")
	}
	if string(doc[i+len(begin):j]) == tb.String() {
		return
	}
	if !*adaptertest.Update {
		t.Fatal("COLUMNS.md differs from mapping/spalten.csv (go test ./adapters/fachverfahrencsv -update)")
	}
	doc = append(append(append([]byte{}, doc[:i+len(begin)]...), tb.String()...), doc[j:]...)
	if err := os.WriteFile("COLUMNS.md", doc, 0o644); err != nil {
		t.Fatal(err)
	}
}
