package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docBlock renders lines as a doc.go code block.
func docBlock(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "//\t%s\n", strings.TrimRight(l, " "))
	}
	return b.String()
}

func vocabularyDoc() string {
	w1, w2 := len("flag"), len("variable")
	for _, t := range vocabulary() {
		w1, w2 = max(w1, len(t.flag)), max(w2, len(t.env))
	}
	lines := []string{fmt.Sprintf("%-*s  %-*s  %s", w1, "flag", w2, "variable", "default")}
	for _, t := range vocabulary() {
		lines = append(lines, fmt.Sprintf("%-*s  %-*s  %s", w1, t.flag, w2, dash(t.env), dash(t.def)), "    "+t.meaning)
	}
	return docBlock(lines)
}

func exitCodesDoc() string {
	var lines []string
	for _, e := range exitTable() {
		lines = append(lines, fmt.Sprintf("%d  %s", e.code, e.text))
	}
	return docBlock(lines)
}

// TestDocGo: doc.go's vocabulary and exit-code tables are the ones the
// code uses (-update rewrites them).
func TestDocGo(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, block := range []struct{ name, first, want string }{
		{"vocabulary", "//\tflag ", vocabularyDoc()},
		{"exit codes", "//\t0  ", exitCodesDoc()},
	} {
		i := strings.Index(doc, block.first)
		if i < 0 {
			t.Fatalf("doc.go has no %s table starting %q", block.name, block.first)
		}
		j := strings.Index(doc[i:], "//\n")
		got := doc[i : i+j]
		if got == block.want {
			continue
		}
		if *update {
			doc = doc[:i] + block.want + doc[i+j:]
			continue
		}
		t.Errorf("doc.go's %s table differs from the code (go test ./cmd/xgate -run TestDocGo -update):\n--- doc.go\n%s--- code\n%s", block.name, got, block.want)
	}
	if *update {
		if err := os.WriteFile("doc.go", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
