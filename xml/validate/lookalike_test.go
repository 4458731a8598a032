package validate_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// lookAlikes are the characters that look like a space (or like nothing)
// but are not XML white space. xgate never trims them (message.IsLookAlikeSpace).
var lookAlikes = []rune{0x00A0, 0x2007, 0x202F, 0x2003, 0x2009, 0x3000, 0x1680, 0x205F, 0x200B, 0x2060, 0xFEFF}

// identifierCase puts a value of one class into a valid message. The
// value is written as before + value + after; inside splits the value at
// position cut.
type identifierCase struct {
	class  string
	file   string // valid vector below conformance/testdata/vectors
	old    string // the exact text in the vector, e.g. "<code>163</code>"
	prefix string // what stands before the value in old
	value  string
	suffix string
	cut    int          // where "inside" inserts the space
	want   errcode.Code // the code of the refusal
}

var identifierCases = []identifierCase{
	{class: "code (Typ 3, DESTATIS Staat)", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<code>", value: "163", suffix: "</code>", cut: 2, want: errcode.UnknownCode},
	{class: "code (own list)", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<code>", value: "nationalpass", suffix: "</code>", cut: 8, want: errcode.UnknownCode},
	{class: "code (Typ 1, enumerated in the schema)", file: "020114/valid/speicherung-syrien.xml", prefix: "<grund listURI=\"urn:de:xauslaender:codelist:abhmb:anlassmitteilungazrnummer\" listVersionID=\"4\">\n    <code>", value: "1", suffix: "</code>", cut: 0, want: errcode.SchemaInvalid},
	{class: "message type", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<code>", value: "020105", suffix: "</code>", cut: 3, want: errcode.UnknownCode},
	// every code type fixes its list URI in the schema: a different URI is a schema error
	{class: "list URI", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<staat listURI=\"", value: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat", suffix: "\"", cut: 20, want: errcode.SchemaInvalid},
	{class: "list version", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<staat listURI=\"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat\" listVersionID=\"", value: "2024-08-01", suffix: "\"", cut: 4, want: errcode.UnknownCodeList},
	{class: "UUID (nachrichtenUUID)", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<nachrichtenUUID>", value: "b6e2e83b-ffc3-4244-b542-6bbac06c159c", suffix: "</nachrichtenUUID>", cut: 8, want: errcode.SchemaInvalid},
	{class: "UUID (ausloeserUUID)", file: "900020/valid/quittung.xml", prefix: "<ausloeserUUID>", value: "", suffix: "</ausloeserUUID>", cut: 8, want: errcode.SchemaInvalid},
	{class: "MIME type", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<mimeTyp>", value: "application/pdf", suffix: "</mimeTyp>", cut: 11, want: errcode.SchemaInvalid},
	{class: "file name", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<dateiname>", value: "reisepass-datenseite.pdf", suffix: "</dateiname>", cut: 9, want: errcode.SchemaInvalid},
	{class: "kennung (leser)", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<kennung>", value: "ags:08999001", suffix: "</kennung>", cut: 4, want: errcode.SchemaInvalid},
	{class: "kennung (autor)", file: "020105/valid/aenderung-name-heirat.xml", prefix: "<kennung>", value: "azr:999901", suffix: "</kennung>", cut: 4, want: errcode.SchemaInvalid},
	{class: "AZR number", file: "020114/valid/speicherung-syrien.xml", prefix: "<azrNummer>", value: "", suffix: "</azrNummer>", cut: 6, want: errcode.SchemaInvalid},
}

func readVector(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../conformance/testdata/vectors/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fill completes a case whose value is read from the vector.
func (tc *identifierCase) fill(t *testing.T, doc string) {
	t.Helper()
	if tc.value == "" {
		i := strings.Index(doc, tc.prefix)
		if i < 0 {
			t.Fatalf("%s: %q not in %s", tc.class, tc.prefix, tc.file)
		}
		rest := doc[i+len(tc.prefix):]
		tc.value = rest[:strings.Index(rest, tc.suffix)]
	}
	tc.old = tc.prefix + tc.value + tc.suffix
	if !strings.Contains(doc, tc.old) {
		t.Fatalf("%s: %q not in %s", tc.class, tc.old, tc.file)
	}
}

func hasCode(rep *validate.Report, c errcode.Code) bool {
	for _, f := range rep.Findings {
		if f.Code == c {
			return true
		}
	}
	return false
}

// Issue 8.3: a code, the message type, a list URI or version, a UUID, a MIME
// type, a file name, a kennung or an AZR number with a no-break space or
// another look-alike space before, after or inside it is refused with the
// code of its class; the same value with XML white space around it (which
// the schema collapses) stays valid.
func TestLookAlikeSpaces(t *testing.T) {
	v, err := validate.New(validate.Config{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, tc := range identifierCases {
		doc := readVector(t, tc.file)
		tc.fill(t, doc)
		check := func(t *testing.T, value string, wantValid bool) {
			t.Helper()
			mutated := strings.Replace(doc, tc.old, tc.prefix+value+tc.suffix, 1)
			rep := v.Validate(context.Background(), []byte(mutated))
			switch {
			case wantValid && !rep.Valid():
				t.Errorf("%q refused: %v", value, rep.Findings)
			case !wantValid && rep.Valid():
				t.Errorf("%q accepted", value)
			case !wantValid && !hasCode(rep, tc.want):
				t.Errorf("%q refused without %s: %v", value, tc.want, rep.Findings)
			}
		}
		t.Run(tc.class, func(t *testing.T) {
			check(t, tc.value, true)
			if !strings.HasSuffix(tc.prefix, "\"") { // attributes: only the schema's own normalisation
				check(t, " \n\t"+tc.value+"\r\n ", true)
			}
			for _, r := range lookAlikes {
				sp := string(r)
				t.Run(fmt.Sprintf("U+%04X", r), func(t *testing.T) {
					check(t, sp+tc.value, false)
					check(t, tc.value+sp, false)
					check(t, tc.value[:tc.cut]+sp+tc.value[tc.cut:], false)
				})
			}
		})
	}
}

// A text that holds nothing but look-alike spaces is blank: S030.
func TestBlankText(t *testing.T) {
	v, err := validate.New(validate.Config{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	doc := readVector(t, "020105/valid/aenderung-name-heirat.xml")
	for _, blank := range []string{"\u00A0", "\u00A0\u00A0 ", " \u202F\n"} {
		mutated := strings.Replace(doc, "<familienname>Demir</familienname>", "<familienname>"+blank+"</familienname>", 1)
		if mutated == doc {
			t.Fatal("familienname Demir not found")
		}
		rep := v.Validate(context.Background(), []byte(mutated))
		if !hasCode(rep, errcode.MandatoryTextEmpty) {
			t.Errorf("familienname %q: %v", blank, rep.Findings)
		}
	}
}

// The one definition of white space: XML white space is trimmed, nothing
// else.
func TestWhiteSpaceDefinition(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if message.IsXMLSpace(r) != (r == ' ' || r == '\t' || r == '\r' || r == '\n') {
			t.Errorf("IsXMLSpace(U+%04X)", r)
		}
		if message.IsXMLSpace(r) && message.IsLookAlikeSpace(r) {
			t.Errorf("U+%04X is both", r)
		}
	}
	for _, r := range lookAlikes {
		if !message.IsLookAlikeSpace(r) {
			t.Errorf("U+%04X is not a look-alike space", r)
		}
		s := string(r) + "x" + string(r)
		if message.TrimXMLSpace(s) != s || message.CollapseXMLSpace(s) != s || message.CanonicalUUID(s) != s {
			t.Errorf("U+%04X was trimmed", r)
		}
	}
	if got := message.CollapseXMLSpace(" \t a \r\n b \n"); got != "a b" {
		t.Errorf("CollapseXMLSpace = %q", got)
	}
	for _, n := range []string{"261300123456", "260032123456", "999999999999"} {
		if validate.ValidAZRNumber(n) {
			t.Errorf("ValidAZRNumber(%s)", n)
		}
	}
	for _, n := range []string{"260000123456", "261231123456", "260230123456"} {
		if !validate.ValidAZRNumber(n) {
			t.Errorf("ValidAZRNumber(%s) = false", n)
		}
	}
}

// What validation says about a kennung is its syntax, the same as
// kennung.Parse after XML white-space handling; roles come from the
// directory, never from the prefix.
func TestKennungSyntaxMatchesParse(t *testing.T) {
	v, err := validate.New(validate.Config{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	doc := readVector(t, "020105/valid/aenderung-name-heirat.xml")
	const old = "<kennung>azr:999901</kennung>"
	for _, k := range []string{
		"azr:999901", "dbs:499990040000", "opt:99901", "ags:08999001", "xyzabcde:A.b_c-9", "zz:1",
		"jc:musterstadt", // syntax alone is fine; the directory decides whether it exists and what role it has
		"AZR:999901", "a:1", "abcdefghi:1", "azr:", "azr:-1", "azr:99 99", "azr:999901\u00a0", "azr999901", "azr:9\u20079",
		strings.Repeat("x", 3) + ":" + strings.Repeat("1", 65),
	} {
		_, perr := kennung.Parse(message.CollapseXMLSpace(k))
		rep := v.Validate(context.Background(), []byte(strings.Replace(doc, old, "<kennung>"+k+"</kennung>", 1)))
		if schemaOK := !hasCode(rep, errcode.SchemaInvalid); schemaOK != (perr == nil) {
			t.Errorf("%q: schema accepts %v, kennung.Parse says %v", k, schemaOK, perr)
		}
	}
}
