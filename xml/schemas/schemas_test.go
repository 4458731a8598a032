package schemas_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/schemas"
)

var update = flag.Bool("update", false, "rewrite generated files")

func TestCodeTypesUpToDate(t *testing.T) {
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		t.Fatal(err)
	}
	want := schemas.CodeTypesXSD(cl)
	if *update {
		if err := os.WriteFile(schemas.CodeTypesFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := fs.ReadFile(schemas.FS(), schemas.CodeTypesFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go test ./xml/schemas -run TestCodeTypesUpToDate -update", schemas.CodeTypesFile)
	}
}

func readSchemas(t *testing.T) map[string]*etree.Document {
	t.Helper()
	entries, err := fs.ReadDir(schemas.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]*etree.Document{}
	for _, e := range entries {
		d := etree.NewDocument()
		data, _ := fs.ReadFile(schemas.FS(), e.Name())
		if err := d.ReadFromBytes(data); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		docs[e.Name()] = d
	}
	return docs
}

// Every named element, attribute and type carries a German and an English
// xs:documentation.
func TestEveryDeclarationDocumented(t *testing.T) {
	for name, d := range readSchemas(t) {
		for _, tag := range []string{"element", "attribute", "complexType", "simpleType", "attributeGroup"} {
			for _, e := range d.FindElements("//xs:" + tag + "[@name]") {
				langs := map[string]bool{}
				for _, doc := range e.FindElements("xs:annotation/xs:documentation") {
					if strings.TrimSpace(doc.Text()) != "" {
						langs[doc.SelectAttrValue("xml:lang", "")] = true
					}
				}
				if !langs["de"] || !langs["en"] {
					t.Errorf("%s: xs:%s %q lacks German or English documentation", name, tag, e.SelectAttrValue("name", ""))
				}
			}
		}
	}
}

// No schema names a remote location: nothing is fetched from the network.
func TestNoRemoteSchemaLocations(t *testing.T) {
	for name, d := range readSchemas(t) {
		for _, e := range d.FindElements("//[@schemaLocation]") {
			loc := e.SelectAttrValue("schemaLocation", "")
			if strings.Contains(loc, ":") || strings.Contains(loc, "/") {
				t.Errorf("%s: schemaLocation %q is not a local file name", name, loc)
			}
		}
	}
}

// Each message's appinfo names the sender role, receiver role and legal
// basis, and says what the catalogue says.
func TestMessageAppinfoMatchesCatalogue(t *testing.T) {
	cat := catalogue.New()
	found := map[string]bool{}
	for name, d := range readSchemas(t) {
		for _, e := range d.FindElements("/xs:schema/xs:element[@name]") {
			root := e.SelectAttrValue("name", "")
			ty, ok := cat.ByRoot(root)
			if !ok {
				t.Errorf("%s: global element %s is not in the catalogue", name, root)
				continue
			}
			found[ty.Code] = true
			g, _ := cat.Group(ty.Group)
			if g.SchemaFile != name {
				t.Errorf("%s is declared in %s, the catalogue says %s", root, name, g.SchemaFile)
			}
			ai := e.FindElement("xs:annotation/xs:appinfo/xg:nachricht")
			if ai == nil {
				t.Errorf("%s: no xg:nachricht appinfo", root)
				continue
			}
			check := func(attr, want string) {
				if got := ai.SelectAttrValue(attr, ""); got != want {
					t.Errorf("%s: appinfo %s=%q, catalogue says %q", root, attr, got, want)
				}
			}
			check("code", ty.Code)
			check("absender", roles(ty.From))
			check("empfaenger", roles(ty.To))
			check("rechtsgrundlage", ty.LegalBasis)
		}
	}
	for _, ty := range cat.Types() {
		if !found[ty.Code] {
			t.Errorf("catalogue type %s (%s) has no schema element", ty.Code, ty.Root())
		}
	}
}

func roles(rs []catalogue.Role) string {
	if rs == nil {
		return "*"
	}
	var s []string
	for _, r := range rs {
		s = append(s, string(r))
	}
	return strings.Join(s, " ")
}
