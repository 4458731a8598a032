package catalogue_test

import (
	"testing"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
)

func TestBuiltinCodeLists(t *testing.T) {
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, l := range cl.Lists() {
		if prev, dup := types[l.Type]; dup && prev != l.URI {
			t.Errorf("type %s bound to %s and %s", l.Type, prev, l.URI)
		}
		types[l.Type] = l.URI
	}
	required := []string{"nachrichtentyp", "geschlecht", "staatsangehoerigkeit", "aufenthaltstitel",
		"fehlercode", "antwortart", "verzeichnisdienst", "verarbeitungsergebnis"}
	for _, name := range required {
		if _, ok := cl.Latest("urn:xgate:de:codeliste:" + name); !ok {
			t.Errorf("code list %s missing", name)
		}
	}
}

// The message-type list and the error-code list are data files; they must
// say what the catalogue and the errcode table say.
func TestCodeListsMatchRegistries(t *testing.T) {
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
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
		if fc.Name(string(in.Code)) != in.Text {
			t.Errorf("fehlercode %s = %q, want %q", in.Code, fc.Name(string(in.Code)), in.Text)
		}
	}
}

func TestParseCodeListErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"no header", "code,name\na,b\n"},
		{"no descriptions", "# uri: u\n# version: 1\n# type: T\ncode,name\na,b\n"},
		{"bad columns", "# uri: u\n# version: 1\n# type: T\n# de: d\n# en: e\nkey,value\na,b\n"},
		{"duplicate", "# uri: u\n# version: 1\n# type: T\n# de: d\n# en: e\ncode,name\na,b\na,c\n"},
		{"space in code", "# uri: u\n# version: 1\n# type: T\n# de: d\n# en: e\ncode,name\na b,c\n"},
		{"empty", "# uri: u\n# version: 1\n# type: T\n# de: d\n# en: e\ncode,name\n"},
	}
	for _, tc := range tests {
		if _, err := catalogue.ParseCodeList([]byte(tc.in)); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
