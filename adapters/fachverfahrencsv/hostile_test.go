package fachverfahrencsv_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/fachverfahrencsv"
)

// TestHostile: files that cannot be read are refused as a whole with a
// clear reason; hostile cells refuse their row only.
func TestHostile(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	export, err := os.ReadFile("testdata/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	header, rest, _ := bytes.Cut(export, []byte("\n"))
	row := func(i int) []byte { return bytes.Split(rest, []byte("\n"))[i] }
	file := func(rows ...[]byte) []byte {
		return append(append(append([]byte{}, header...), '\n'), bytes.Join(rows, []byte("\n"))...)
	}
	cp1252 := bytes.ReplaceAll(export, []byte("ä"), []byte{0xE4})
	utf16 := append([]byte{0xFF, 0xFE}, bytes.Join(bytes.Split(export, nil), []byte{0})...)
	badQuote := file(row(0), []byte(`920001,,opt:99901,"Jobcenter "Musterstadt",,,,,,,,,,,,,,,,,,,,,,,,`), row(1))
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"empty", nil, []string{"X000", "empty"}},
		{"Windows-1252", cp1252, []string{"S001", "CSV UTF-8"}},
		{"UTF-16", utf16, []string{"S001"}},
		{"NUL", append(append([]byte{}, export...), 0), []string{"S001", "NUL"}},
		{"broken quotes", badQuote, []string{"X000", "row 3", "nothing of the file"}},
		{"unknown column", bytes.Replace(export, []byte("vornamen"), []byte("vorname"), 1), []string{"header", `"vorname"`, "unknown column"}},
		{"column twice", bytes.Replace(export, []byte("vornamen"), []byte("familienname"), 1), []string{"twice"}},
		{"no type column", bytes.Replace(export, []byte("nachrichtentyp,"), []byte("typ,"), 1), []string{"header"}},
		{"too large", bytes.Repeat(export, 20000), []string{"limit"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := a.ReverseBatch(ctx, c.in)
			if b != nil {
				t.Errorf("a batch despite the error")
			}
			adaptertest.Refused(t, err, c.want...)
		})
	}
	// Hostile cells refuse their row, and the rows around it go through.
	good := row(0)
	for _, c := range []struct {
		name, cell string
		want       []string
	}{
		{"formula =", "=1+1", []string{"CSV injection"}},
		{"formula +", "+1", []string{"CSV injection"}},
		{"formula -", "-1", []string{"CSV injection"}},
		{"formula @", "@SUM(A1)", []string{"CSV injection"}},
		{"tab", "\tx", []string{"CSV injection"}},
		{"carriage return", "\rx", []string{"CSV injection"}},
		{"huge cell", strings.Repeat("x", 5000), []string{"5000 characters, at most 4000"}},
		{"control character", "a\x01b", []string{"U+0001"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := bytes.Replace(good, []byte("32.1-2026/4410"), []byte(csvQuote(c.cell)), 1)
			b, err := a.ReverseBatch(ctx, file(row(1), bad, row(2)))
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Messages) != 2 || len(b.Refused) != 1 || b.Refused[0].Record != 3 || b.Refused[0].Field != "aktenzeichen" {
				t.Fatalf("%d messages, refused %v", len(b.Messages), b.Refused)
			}
			adaptertest.Refused(t, b.Refused[0].Err, append(c.want, "row 3", "aktenzeichen")...)
		})
	}
	// Directions: one row through Reverse; Forward does not exist.
	if _, err := a.Reverse().Translate(ctx, file(row(0))); err != nil {
		t.Errorf("one row: %v", err)
	}
	_, err = a.Reverse().Translate(ctx, export)
	adaptertest.Refused(t, err, "rows", "batch")
	if _, err := a.Forward().Translate(ctx, export); !errors.Is(err, adapters.ErrDirection) {
		t.Errorf("forward: %v", err)
	}
}

// TestLimits: max-rows and a semicolon-separated export.
func TestLimits(t *testing.T) {
	r := adapters.NewRegistry(adapters.Deps{})
	fachverfahrencsv.Register(r)
	cfg := adapters.Config{"max-rows": "2"}
	for k, v := range settings {
		cfg[k] = v
	}
	if err := r.Configure(fachverfahrencsv.Name, cfg); err != nil {
		t.Fatal(err)
	}
	a, err := r.Lookup(fachverfahrencsv.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	export, _ := os.ReadFile("testdata/export.csv")
	_, err = a.(adapters.Batcher).ReverseBatch(context.Background(), export)
	adaptertest.Refused(t, err, "more than 2 rows")
	lines := strings.Split(string(export), "\n")
	semi := strings.ReplaceAll(strings.Join(lines[:3], "\n"), ",", ";")
	b, err := a.(adapters.Batcher).ReverseBatch(context.Background(), []byte(semi))
	if err != nil || len(b.Messages) != 2 {
		t.Fatalf("semicolons: %v %v", err, b)
	}
}

func csvQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
