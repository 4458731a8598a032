package catalogue_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/catalogue"
)

var update = flag.Bool("update", false, "rewrite mapping.md")

// mapping.md maps every xgate message type and every code list to its real
// counterpart in XAusländer / XInneres 26.11 or DESTATIS, or says "own
// design". It is generated from the catalogue and the genericode files, and
// this test keeps it current.
func TestMappingTable(t *testing.T) {
	cat := catalogue.New()
	lists, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("# xgate ↔ real standards: message types and code lists\n\n")
	b.WriteString("Generated from the catalogue (`types.go`) and the genericode files (`codelists/`) by\n")
	b.WriteString("`go test ./xml/catalogue -run TestMappingTable -update`; do not edit.\n\n")
	b.WriteString("Real numbers (message-type list urn:de:xauslaender:codelist:nachrichtentyp version 19) are used only\n")
	b.WriteString("for the real message of that number; xgate's own messages use modules 90, 91 and 92, which the real\n")
	b.WriteString("list does not use. A mirrored code list (`spiegel`) keeps the real URI, version and codes; an own list\n")
	b.WriteString("(`eigen`) has an `urn:xgate:` URI and keys that cannot be confused with a real list's.\n\n")
	b.WriteString("## Message types\n\n")
	b.WriteString("| type | root element | sender → receiver | legal basis | real counterpart |\n|---|---|---|---|---|\n")
	for _, ty := range cat.Types() {
		fmt.Fprintf(&b, "| %s | %s | %s → %s | %s | %s |\n", ty.Code, ty.Root(), roles(ty.From), roles(ty.To), ty.LegalBasis, ty.Counterpart)
	}
	b.WriteString("\n## Code lists\n\n")
	b.WriteString("| file | list URI | version | valid from | code type | kind | counterpart |\n|---|---|---|---|---|---|---|\n")
	for _, l := range lists.Lists() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s (Typ %s) | %s | %s |\n", l.File, l.URI, l.Version, l.ValidFrom, l.Type, l.CodeTypeKind, l.Kind, strings.ReplaceAll(l.Counterpart, "|", `\|`))
	}
	want := b.Bytes()
	if *update {
		if err := os.WriteFile("mapping.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("mapping.md")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("mapping.md is not current (%v); run go test ./xml/catalogue -run TestMappingTable -update", err)
	}
	for _, ty := range cat.Types() {
		if ty.Counterpart == "" {
			t.Errorf("type %s has no counterpart", ty.Code)
		}
	}
	for _, l := range lists.Lists() {
		if l.Counterpart == "" || (l.Kind != catalogue.KindMirror && l.Kind != catalogue.KindOwn) {
			t.Errorf("list %s: kind %q, counterpart %q", l.URI, l.Kind, l.Counterpart)
		}
		if l.Kind == catalogue.KindOwn && !strings.HasPrefix(l.URI, "urn:xgate:") {
			t.Errorf("own list %s has a URI outside urn:xgate:", l.URI)
		}
	}
}

func roles(rs []catalogue.Role) string {
	if len(rs) == 0 {
		return "any"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
