package catalogue_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
)

func builtin(t *testing.T) *catalogue.CodeLists {
	t.Helper()
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestBuiltinCodeLists(t *testing.T) {
	cl := builtin(t)
	for _, uri := range []string{catalogue.ListNachrichtentyp, catalogue.ListGeschlecht, catalogue.ListStaatsangehoerigkeit,
		catalogue.ListStaat, catalogue.ListFehlercode, catalogue.ListVerzeichnisdienst, catalogue.ListErreichbarkeit,
		catalogue.ListDublinPartnerstaaten} {
		if _, ok := cl.Latest(uri); !ok {
			t.Errorf("code list %s missing", uri)
		}
	}
	for _, l := range cl.Lists() {
		if l.Kind == catalogue.KindOwn && !strings.HasPrefix(l.URI, "urn:xgate:") {
			t.Errorf("%s: an own list must live in xgate's URI space, not %s", l.File, l.URI)
		}
		if l.Kind == catalogue.KindMirror && strings.HasPrefix(l.URI, "urn:xgate:") {
			t.Errorf("%s: a mirror must carry the real URI, not %s", l.File, l.URI)
		}
	}
}

// numericKey is the shape of real XÖV keys ("01", "423", "1").
var numericKey = regexp.MustCompile(`^[0-9]+$`)

// An own list that models a concept for which a real list exists says so,
// and then none of its keys looks like a real key: a vendor who maps by
// key cannot mistake one of ours for one of theirs (issue 10, point 1).
func TestOwnListsCannotBeConfused(t *testing.T) {
	for _, l := range builtin(t).Lists() {
		if l.Kind != catalogue.KindOwn || !strings.Contains(l.Counterpart, "nicht gespiegelt") {
			continue
		}
		for _, v := range l.Values {
			if numericKey.MatchString(v.Code) {
				t.Errorf("%s: key %q of an own list with a real counterpart looks like a real key", l.File, v.Code)
			}
		}
	}
}

// The DESTATIS lists are complete and separate: 211 nationality keys
// (states, former states, substitute values), 195 current states; the
// substitute values are not states.
func TestDestatisLists(t *testing.T) {
	cl := builtin(t)
	sta, _ := cl.Latest(catalogue.ListStaatsangehoerigkeit)
	st, _ := cl.Latest(catalogue.ListStaat)
	if sta.Version != "2024-08-01" || st.Version != "2024-08-01" {
		t.Errorf("versions %s, %s; want 2024-08-01", sta.Version, st.Version)
	}
	if len(sta.Values) != 211 || len(st.Values) != 195 {
		t.Errorf("%d nationality keys, %d states; want 211 and 195", len(sta.Values), len(st.Values))
	}
	for _, c := range []string{"000", "237", "238", "261", "285", "252", "451", "349", "475", "423", "997", "998", "999", "159"} {
		if !sta.Has(c) {
			t.Errorf("nationality %s missing", c)
		}
	}
	for _, c := range []string{"997", "998", "999", "159", "459"} {
		if st.Has(c) {
			t.Errorf("%s is not a state", c)
		}
	}
	for _, v := range st.Values {
		if !sta.Has(v.Code) {
			t.Errorf("state %s is not a nationality key", v.Code)
		}
	}
}

// The message-type list and the error-code list are data files; they must
// say what the catalogue and the errcode table say.
func TestCodeListsMatchRegistries(t *testing.T) {
	cl := builtin(t)
	nt, ok := cl.Latest(catalogue.ListNachrichtentyp)
	if !ok {
		t.Fatal("nachrichtentyp list missing")
	}
	cat := catalogue.New()
	if len(nt.Values) != len(cat.Types()) {
		t.Errorf("nachrichtentyp has %d values, catalogue %d types", len(nt.Values), len(cat.Types()))
	}
	for _, ty := range cat.Types() {
		if nt.Name(ty.Code) != ty.Root() {
			t.Errorf("nachrichtentyp %s = %q, want %q", ty.Code, nt.Name(ty.Code), ty.Root())
		}
	}
	fc, ok := cl.Latest(catalogue.ListFehlercode)
	if !ok {
		t.Fatal("fehlercode list missing")
	}
	if len(fc.Values) != len(errcode.Table()) {
		t.Errorf("fehlercode has %d values, errcode table %d", len(fc.Values), len(errcode.Table()))
	}
	for _, in := range errcode.Table() {
		if !fc.Has(string(in.Code)) {
			t.Errorf("errcode %s is not in Fehlercodes in XInneres", in.Code)
		}
	}
}

func TestCurrentOn(t *testing.T) {
	cl := builtin(t)
	if _, ok := cl.CurrentOn(catalogue.ListStaat, time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("the 2024-08-01 Staat list is current before its validity start")
	}
	if l, ok := cl.CurrentOn(catalogue.ListStaat, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); !ok || l.Version != "2024-08-01" {
		t.Errorf("CurrentOn(2026-12-01) = %v, %v", l, ok)
	}
}

const gcHead = `<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/" xmlns:xoev-cl-4="http://xoev.de/schemata/genericode/4" xmlns:xg="urn:xgate:de:codeliste:1">`

func gc(validFrom, typ, cvu, rows string) string {
	return gcHead + `<Annotation><Description><xoev-cl-4:codelistDescription>d</xoev-cl-4:codelistDescription><xoev-cl-4:validFrom>` + validFrom +
		`</xoev-cl-4:validFrom></Description><AppInfo><xg:codetyp art="3">` + typ + `</xg:codetyp><xg:beschreibungEN>e</xg:beschreibungEN><xg:gegenstueck art="eigen">own</xg:gegenstueck></AppInfo></Annotation>` +
		`<Identification><ShortName>s</ShortName><Version>1</Version><CanonicalUri>urn:xgate:x</CanonicalUri><CanonicalVersionUri>` + cvu + `</CanonicalVersionUri></Identification>` +
		`<ColumnSet><Column Id="code" Use="required"/><Column Id="name" Use="required"/><Key Id="k"><ColumnRef Ref="code"/></Key></ColumnSet><SimpleCodeList>` + rows + `</SimpleCodeList></gc:CodeList>`
}

func row(code string) string {
	return `<Row><Value ColumnRef="code"><SimpleValue>` + code + `</SimpleValue></Value><Value ColumnRef="name"><SimpleValue>n</SimpleValue></Value></Row>`
}

func TestParseGenericode(t *testing.T) {
	if _, err := catalogue.ParseGenericode([]byte(gc("2026-12-01", "Code.X", "urn:xgate:x_1", row("a")+row("b")))); err != nil {
		t.Fatalf("a good list is refused: %v", err)
	}
	tests := []struct{ name, in string }{
		{"not genericode", "<x/>"},
		{"no validity", gc("", "Code.X", "urn:xgate:x_1", row("a"))},
		{"bad date", gc("1.12.2026", "Code.X", "urn:xgate:x_1", row("a"))},
		{"bad version uri", gc("2026-12-01", "Code.X", "urn:xgate:x_2", row("a"))},
		{"bad type", gc("2026-12-01", "Geschlecht", "urn:xgate:x_1", row("a"))},
		{"duplicate", gc("2026-12-01", "Code.X", "urn:xgate:x_1", row("a")+row("a"))},
		{"nbsp in code", gc("2026-12-01", "Code.X", "urn:xgate:x_1", row("a\u00a0"))},
		{"empty", gc("2026-12-01", "Code.X", "urn:xgate:x_1", "")},
	}
	for _, tc := range tests {
		if _, err := catalogue.ParseGenericode([]byte(tc.in)); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
