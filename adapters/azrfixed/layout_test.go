package azrfixed_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/azrfixed"
)

// TestLayoutComplete: every field of the four message types has a number
// in layout/felder.csv, and LAYOUT.md shows the same table. With -update,
// missing paths get the next number of their top-level element's block
// of a hundred (a new block for a new element) and LAYOUT.md is
// rewritten; existing numbers never change.
func TestLayoutComplete(t *testing.T) {
	table, _ := azrfixed.Layout()
	rows := parseRows(t, table)
	all, err := azrfixed.FieldPaths()
	if err != nil {
		t.Fatal(err)
	}
	numbered := map[string]bool{}
	for _, r := range rows {
		numbered[r.path] = true
	}
	var missing []string
	for _, p := range all {
		if !numbered[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 && !*adaptertest.Update {
		t.Fatalf("layout/felder.csv lacks %s (go test ./adapters/azrfixed -update)", strings.Join(missing, ", "))
	}
	if len(missing) > 0 {
		rows = assign(rows, missing)
		var b bytes.Buffer
		for _, l := range strings.Split(string(table), "\n") {
			if strings.HasPrefix(l, "#") {
				b.WriteString(l + "\n")
			}
		}
		b.WriteString("nummer,pfad\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "%04d,%s\n", r.num, r.path)
		}
		if err := os.WriteFile("layout/felder.csv", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := os.ReadFile("LAYOUT.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- felder: generated from layout/felder.csv -->\n", "<!-- /felder -->\n"
	var tb strings.Builder
	tb.WriteString("| Nummer | Pfad |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&tb, "| %04d | `%s` |\n", r.num, r.path)
	}
	i, j := bytes.Index(doc, []byte(begin)), bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("LAYOUT.md lacks the markers %q and %q", begin, end)
	}
	got := string(doc[i+len(begin) : j])
	if got != tb.String() {
		if !*adaptertest.Update {
			t.Fatal("LAYOUT.md's field table differs from layout/felder.csv (go test ./adapters/azrfixed -update)")
		}
		doc = append(append(append([]byte{}, doc[:i+len(begin)]...), tb.String()...), doc[j:]...)
		if err := os.WriteFile("LAYOUT.md", doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type row struct {
	num  int
	path string
}

func parseRows(t *testing.T, table []byte) []row {
	var rows []row
	for _, l := range strings.Split(string(table), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || l == "nummer,pfad" {
			continue
		}
		n, p, _ := strings.Cut(l, ",")
		num, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("bad row %q", l)
		}
		rows = append(rows, row{num, p})
	}
	return rows
}

func top(p string) string {
	if strings.HasPrefix(p, "@") {
		return "@"
	}
	s, _, _ := strings.Cut(p, "/")
	return s
}

func assign(rows []row, missing []string) []row {
	blockOf := map[string]int{}
	last := map[int]int{}
	maxBlock := 0
	for _, r := range rows {
		b := r.num / 100
		blockOf[top(r.path)] = b
		last[b] = max(last[b], r.num)
		maxBlock = max(maxBlock, b)
	}
	for _, p := range missing {
		b, ok := blockOf[top(p)]
		if !ok || last[b]%100 == 99 {
			maxBlock++
			b = maxBlock
			blockOf[top(p)] = b
			last[b] = b * 100
		}
		last[b]++
		rows = append(rows, row{last[b], p})
	}
	return rows
}
