package fachverfahrencsv_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/fachverfahrencsv"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

var settings = adapters.Config{
	"autor.kennung": "azr:999901", "autor.name": "Ausländerbehörde Musterstadt",
	"autor.erreichbarkeit": "auslaenderbehoerde@musterstadt.example",
	"autor.strasse":        "Rathausplatz", "autor.hausnummer": "3", "autor.postleitzahl": "12345", "autor.ort": "Musterstadt",
	"test": "xgate-Testdaten",
}

var now = time.Date(2026, 12, 2, 9, 30, 0, 0, time.FixedZone("", 3600))

func newAdapter(t testing.TB) *fachverfahrencsv.Adapter {
	t.Helper()
	r := adapters.NewRegistry(adapters.Deps{Clock: clock.Fixed(now)})
	if err := fachverfahrencsv.Register(r); err != nil {
		t.Fatal(err)
	}
	if err := r.Configure(fachverfahrencsv.Name, settings); err != nil {
		t.Fatal(err)
	}
	a, err := r.Lookup(fachverfahrencsv.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return a.(*fachverfahrencsv.Adapter)
}

// TestExport: the sample export (testdata/export.csv) gives the golden
// messages and the golden report; every message is valid for the gateway
// (schema and business rules; warnings allowed).
func TestExport(t *testing.T) {
	a := newAdapter(t)
	in, err := os.ReadFile("testdata/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.ReverseBatch(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(validate.Config{Clock: clock.Fixed(now)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var rep strings.Builder
	for _, m := range b.Messages {
		fmt.Fprintf(&rep, "row %d: %s %s\n", m.Record, m.Type, m.UUID)
		adaptertest.Golden(t, filepath.Join("testdata", "golden", fmt.Sprintf("row%02d-%s.xml", m.Record, m.Type)), adaptertest.PrettyXML(t, m.Data))
		if r := v.Validate(context.Background(), m.Data); !r.Valid() {
			t.Errorf("row %d: %v", m.Record, r.Err())
		}
	}
	for _, f := range b.Refused {
		code, _ := errcode.Of(f.Err)
		fmt.Fprintf(&rep, "row %d refused: %s column %q: %v\n", f.Record, code, f.Field, f.Err)
	}
	adaptertest.Golden(t, filepath.Join("testdata", "golden", "report.txt"), []byte(rep.String()))
	if len(b.Messages) < 5 || len(b.Refused) < 5 {
		t.Fatalf("%d messages, %d refused: the sample should have both", len(b.Messages), len(b.Refused))
	}
	// Submitted again: the same UUIDs, the same bytes.
	again, err := a.ReverseBatch(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range again.Messages {
		if m.UUID != b.Messages[i].UUID || !bytes.Equal(m.Data, b.Messages[i].Data) {
			t.Errorf("row %d differs on resubmission", m.Record)
		}
	}
	// A corrected row is another record.
	fixed := bytes.Replace(in, []byte("Müller"), []byte("Mueller"), 1)
	c, err := a.ReverseBatch(context.Background(), fixed)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i, m := range c.Messages {
		if m.UUID != b.Messages[i].UUID {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d UUIDs changed after correcting one row, want 1", changed)
	}
}

// cols is the column table of the tests: type and kind → columns with
// their paths, art and whether required.
type col struct{ name, path, art, required string }

func columns(t *testing.T) map[string][]col {
	table, _ := fachverfahrencsv.Columns()
	out := map[string][]col{}
	for _, l := range strings.Split(string(table), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "spalte,") {
			continue
		}
		f := strings.Split(l, ",")
		out[f[1]] = append(out[f[1]], col{f[0], f[2], f[3], f[4]})
	}
	return out
}

// TestGenerated: 1,000 generated rows of every type and kind become valid
// messages that carry every cell's value at its column's path.
func TestGenerated(t *testing.T) {
	a := newAdapter(t)
	g, err := adaptertest.NewGenerator(114)
	if err != nil {
		t.Fatal(err)
	}
	g.Text = func(r *rand.Rand, _ string, min, max int) string {
		s := adaptertest.LatinText(r, min, max)
		for s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
			s = s[1:]
		}
		if s == "" && min > 0 {
			s = "x"
		}
		return s
	}
	cols := columns(t)
	scopes := []string{"090010:aufenthaltstitel", "090010:duldung", "090010:leistungsbezug", "020114", "920001"}
	cat := catalogue.New()
	lists, _ := catalogue.BuiltinCodeLists()
	header := []string{"nachrichtentyp", "sachverhalt", "empfaenger_kennung", "empfaenger_name"}
	seen := map[string]bool{}
	for _, s := range scopes {
		typ, _, _ := strings.Cut(s, ":")
		for _, c := range append(cols[typ], cols[s]...) {
			if !seen[c.name] {
				seen[c.name] = true
				header = append(header, c.name)
			}
		}
	}
	const n = 1000
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	want := map[int]map[string]string{} // line → column → value
	for i := 0; i < n; i++ {
		scope := scopes[i%len(scopes)]
		typ, kind, _ := strings.Cut(scope, ":")
		ct, _ := cat.Lookup(typ)
		ty, _ := a.Ours().Schema.Type(ct.Root())
		row := map[string]string{"nachrichtentyp": typ, "sachverhalt": kind,
			"empfaenger_kennung": fmt.Sprintf("dbs:4999900%05d", i), "empfaenger_name": "Empfänger " + fmt.Sprint(i)}
		noName := g.Rand.IntN(10) == 0
		address := g.Rand.IntN(2) == 0
		wohnsitz := g.Rand.IntN(2) == 0
		for _, c := range append(append([]col{}, cols[typ]...), cols[scope]...) {
			in, _ := ty.Info(c.path)
			optional := c.required == "nein"
			switch {
			case c.name == "familienname" && noName, c.name == "ohne_familienname" && !noName:
				continue
			case c.name == "ohne_familienname":
				row[c.name] = "ja"
				continue
			case c.name == "familienname":
			case strings.HasPrefix(c.path, "anschrift/"):
				if !address || optional && !strings.Contains("strasse postleitzahl ort", c.name) && g.Rand.IntN(2) == 0 {
					continue
				}
			case strings.HasPrefix(c.path, "wohnsitzregelung/"):
				if !wohnsitz || c.name == "wohnsitz_gemeindeschluessel" && g.Rand.IntN(2) == 0 {
					continue
				}
			case optional && g.Rand.IntN(3) == 0:
				continue
			}
			switch c.art {
			case "code", "codes":
				l, _ := lists.ByType(in.Field.CodeType)
				l, _ = lists.Latest(l.URI)
				k := 1
				if c.art == "codes" {
					k = 1 + g.Rand.IntN(4)
				}
				var cs []string
				for range k {
					cs = append(cs, l.Values[g.Rand.IntN(len(l.Values))].Code)
				}
				row[c.name] = strings.Join(cs, ";")
			case "ja-nein":
				row[c.name] = []string{"ja", "nein"}[g.Rand.IntN(2)]
			default:
				// An empty cell is an absent value: generate a present one.
				for row[c.name] == "" {
					row[c.name] = g.Value(c.path, in.Field)
				}
			}
		}
		rec := make([]string, len(header))
		for j, h := range header {
			rec[j] = row[h]
		}
		w.Write(rec)
		want[i+2] = row
	}
	w.Flush()
	b, err := a.ReverseBatch(context.Background(), buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range b.Refused {
		t.Errorf("refused: %v", f)
	}
	if len(b.Messages) != n {
		t.Fatalf("%d messages from %d rows", len(b.Messages), n)
	}
	for _, m := range b.Messages {
		row := want[m.Record]
		ct, _ := cat.Lookup(m.Type)
		ty, _ := a.Ours().Schema.Type(ct.Root())
		node, _, err := a.Ours().Schema.Decode(m.Data, message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, v := range ty.Flatten(node) {
			got[v.Path] = append(got[v.Path], v.Text)
		}
		scope := m.Type
		if k := row["sachverhalt"]; k != "" {
			scope += ":" + k
		}
		for _, c := range append(append([]col{}, cols[m.Type]...), cols[scope]...) {
			v, ok := row[c.name]
			if !ok {
				continue
			}
			p, expect := c.path, []string{v}
			switch c.art {
			case "code":
				p += "/code"
			case "codes":
				p += "/code"
				expect = strings.Split(v, ";")
			case "ja-nein":
				expect = []string{map[string]string{"ja": "true", "nein": "false"}[v]}
				if v == "nein" && c.name == "ohne_familienname" {
					expect = nil
				}
			}
			if strings.Join(got[p], "|") != strings.Join(expect, "|") {
				t.Fatalf("row %d column %s: %q at %s, want %q", m.Record, c.name, got[p], p, expect)
			}
		}
	}
	t.Logf("%d generated rows translated, every cell found at its path", len(b.Messages))
}
