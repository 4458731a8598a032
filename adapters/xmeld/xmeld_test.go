package xmeld_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/internal/codemap"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/adapters/xmeld"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
)

func newAdapter(t testing.TB) *xmeld.Adapter {
	t.Helper()
	a, err := xmeld.New(nil, adapters.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a.(*xmeld.Adapter)
}

// rejected are the messages an MB's 030301 may refuse: ours to it.
var rejected = []string{"020101", "020105", "020112", "020114"}

func TestSuite(t *testing.T) {
	a := newAdapter(t)
	adaptertest.Suite{
		Adapter: a, Ours: a.Ours().Schema, Seed: 1201, N: 1000, Ext: ".xml",
		// Five nationality keys have no counterpart (up to four per
		// person), and an empty first name cannot be split: refused loudly.
		MaxRefused:       0.15,
		CheckPartner:     func(_ string, out []byte) error { return a.ValidateDialect(out) },
		CanonicalPartner: adaptertest.CanonicalXML,
		Tune: func(g *adaptertest.Generator) {
			fix := g.Fix
			g.Fix = func(ty *xtree.Type, path, v string) string {
				if path == "abgelehnteNachricht/nachrichtentyp/code" {
					return rejected[g.Rand.IntN(len(rejected))]
				}
				return fix(ty, path, v)
			}
		},
	}.Run(t)
}

func sample(t *testing.T, path string) []byte {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Path == path {
			return v.Data
		}
	}
	t.Fatalf("no vector %s", path)
	return nil
}

const serbien = "020101/valid/anmeldung-serbien.xml"

// has reports whether out contains the elements of want, ignoring the
// indentation between them.
func has(out []byte, want string) bool {
	flat := regexp.MustCompile(`>\s+<`).ReplaceAll(out, []byte("><"))
	return bytes.Contains(flat, []byte(want))
}

// Names are split the XMeld way: one vorname element per first name;
// house numbers into digits and the rest; codes through the tables.
func TestShape(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	in := sample(t, serbien)
	in = bytes.Replace(in, []byte("<vorname>Dragana</vorname>"), []byte("<vorname>Dragana Mila</vorname>"), 1)
	out, err := a.Forward().Translate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<xmeld:auslaenderbehoerde.anmeldung.1201 ",
		"<xmeld:vornamen><xmeld:vorname>Dragana</xmeld:vorname><xmeld:vorname>Mila</xmeld:vorname></xmeld:vornamen>",
		"<xmeld:familienname><xmeld:name>Petrović</xmeld:name></xmeld:familienname>",
		"<code>W</code>",
		`<xmeld:staatsangehoerigkeit listURI="urn:xgate:de:xmeld:codeliste:staatsangehoerigkeit" listVersionID="1"><code>SRB</code>`,
		"<xmeld:hausnummer>14</xmeld:hausnummer><xmeld:hausnummerBuchstabeZusatzziffer>a</xmeld:hausnummerBuchstabeZusatzziffer>",
		"<code>1201</code>",
		`standard="XMeld-xgate"`,
	} {
		if !has(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
}

// Nothing silent: values without a counterpart are refused with field,
// value and message.
func TestRefusals(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	anm := sample(t, serbien)
	good, err := a.Forward().Translate(ctx, anm)
	if err != nil {
		t.Fatal(err)
	}
	nat := func(code string) []byte {
		return bytes.Replace(anm, []byte("<code>170</code>\n      <name>Serbien</name>\n    </staatsangehoerigkeit>"), []byte("<code>"+code+"</code>\n    </staatsangehoerigkeit>"), 1)
	}
	if bytes.Equal(nat("999"), anm) {
		t.Fatal("sample changed: no nationality 170")
	}
	cases := []struct {
		name    string
		reverse bool
		in      []byte
		want    []string
	}{
		{"nationality without counterpart", false, nat("999"), []string{"S011", "020101", "person/staatsangehoerigkeit[1]/code", `"999"`, "ohne Angabe"}},
		{"nationality unknown", false, nat("000x"), []string{"S011", `"000x"`}},
		{"first name with double space", false, bytes.Replace(anm, []byte("<vorname>Dragana</vorname>"), []byte("<vorname>Dragana  Mila</vorname>"), 1), []string{"person/name/vorname", "single spaces"}},
		{"nationality list version", false, bytes.Replace(anm, []byte(`staatsangehoerigkeit" listVersionID="2024-08-01"`), []byte(`staatsangehoerigkeit" listVersionID="2023-01-01"`), 1), []string{"S010", "2023-01-01"}},
		{"their refugee code", true, bytes.Replace(good, []byte("<code>SRB</code>"), []byte("<code>XXB</code>"), 1), []string{"S011", "XXB", "Flüchtling"}},
		{"their unknown sex", true, bytes.Replace(good, []byte("<code>W</code>"), []byte("<code>Q</code>"), 1), []string{"X001"}},
		{"their ambiguous house number", true, bytes.Replace(good, []byte("<xmeld:hausnummerBuchstabeZusatzziffer>a</xmeld:hausnummerBuchstabeZusatzziffer>"), []byte("<xmeld:hausnummerBuchstabeZusatzziffer>5</xmeld:hausnummerBuchstabeZusatzziffer>"), 1), []string{"ambiguous"}},
		{"their empty birthplace", true, regexp.MustCompile(`(?s)<xmeld:geburtsort>.*</xmeld:geburtsort>`).ReplaceAll(good, []byte("<xmeld:geburtsort/>")), []string{"person/geburt/geburtsort", "no counterpart"}},
		{"ours in their namespace", true, anm, []string{"X001", "ABHMB.Anmeldung.020101"}},
		{"theirs forward", false, good, []string{"X001"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := a.Forward()
			if c.reverse {
				tr = a.Reverse()
			}
			out, err := tr.Translate(ctx, c.in)
			if out != nil {
				t.Errorf("output on refusal")
			}
			adaptertest.Refused(t, err, c.want...)
		})
	}
}

// Hostile input: huge fields, wrong encodings, entity expansion, deep
// nesting: refused with a clear error.
func TestHostile(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	good, err := a.Forward().Translate(ctx, sample(t, serbien))
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("<xmeld:a>", 100000) + strings.Repeat("</xmeld:a>", 100000)
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"huge field", bytes.Replace(good, []byte("<xmeld:name>Petrović</xmeld:name>"), []byte("<xmeld:name>"+strings.Repeat("P", 3<<20)+"</xmeld:name>"), 1), []string{"X001", "familienname/name"}},
		{"Latin-1", bytes.Replace(good, []byte("Petrović"), []byte("Petrovi\xe6"), 1), []string{"S001"}},
		{"declared Latin-1", bytes.Replace(good, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1), []string{"S001"}},
		{"entity", bytes.Replace(good, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), []byte("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"), 1), []string{"X000"}},
		{"deep", bytes.Replace(good, []byte("<xmeld:erinnerung>"), []byte(deep+"<xmeld:erinnerung>"), 1), []string{"X000"}},
		{"too large", append(good, bytes.Repeat([]byte(" "), 17<<20)...), []string{"X000"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Reverse().Translate(ctx, c.in)
			adaptertest.Refused(t, err, c.want...)
		})
	}
}

// Every code of our lists has a row in its mapping table: mapped, or
// refused with a note. No code falls through unnoticed.
func TestMappingTablesCoverOurLists(t *testing.T) {
	tables, err := codemap.Load(xmeld.Mappings(), "codes")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"geschlecht", "staatsangehoerigkeit", "nachrichten"} {
		tab := tables[name]
		if tab == nil {
			t.Fatalf("no table %s", name)
		}
		list, ok := cl.Get(tab.Ours.URI, tab.Ours.Version)
		if !ok {
			t.Fatalf("%s: our list %s %s is not a built-in list", name, tab.Ours.URI, tab.Ours.Version)
		}
		for _, v := range list.Values {
			_, mapped, note := tab.TheirsOf(v.Code)
			if name == "nachrichten" {
				if !mapped && (strings.HasPrefix(v.Code, "0201") || strings.HasPrefix(v.Code, "0203") || strings.HasPrefix(v.Code, "0301")) {
					t.Errorf("%s: group 02/03 type %s has no number", name, v.Code)
				}
				continue
			}
			if !mapped && note == "" {
				t.Errorf("%s: code %s (%s) has no row", name, v.Code, v.Name)
			}
		}
	}
}
