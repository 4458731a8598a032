package conformance_test

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/validate"
)

func TestParseVectorName(t *testing.T) {
	tests := []struct {
		name string
		code errcode.Code
		rule string
		ok   bool
	}{
		{"S999-HDR-TIME-no-millis.xml", "S999", "HDR-TIME", true},
		{"X001-missing-person.xml", "X001", "", true},
		{"S999-ATT-SIZE-4mib.xml.gz", "S999", "ATT-SIZE", true},
		{"S011-CODE-VALUE.xml", "S011", "CODE-VALUE", true},
		{"Z123-foo.xml", "", "", false},
		{"readme.xml", "", "", false},
	}
	for _, tc := range tests {
		code, rule, err := conformance.ParseVectorName(tc.name)
		if (err == nil) != tc.ok || code != tc.code || rule != tc.rule {
			t.Errorf("ParseVectorName(%s) = %s, %s, %v", tc.name, code, rule, err)
		}
	}
}

func TestVectorsLoad(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vs {
		if len(v.Data) == 0 {
			t.Errorf("%s is empty", v.Path)
		}
	}
}

var update = flag.Bool("update", false, "rewrite rules.md, rules.json and the derived vectors")

// The rule catalogue for vendors (rules.md, rules.json) is generated from
// the code; this test keeps it current.
func TestRuleCatalogue(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	entries := conformance.RuleCatalogue(validate.DefaultRules(), vs)
	js, err := conformance.RuleCatalogueJSON(entries)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"rules.json": js, "rules.md": conformance.RuleCatalogueMarkdown(entries)}
	for name, want := range files {
		if *update {
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not current (%v); run go test ./conformance -run TestRuleCatalogue -update", name, err)
		}
	}
	for _, e := range entries {
		if e.Source == "" || e.Text == "" || e.CodeText == "" {
			t.Errorf("rule %s lacks source, text or a known code", e.ID)
		}
		if len(e.Vectors) == 0 {
			t.Errorf("rule %s has no vector", e.ID)
		}
	}
}

var (
	reMessageUUID = regexp.MustCompile(`<nachrichtenUUID>\s*([^<\s]*)\s*</nachrichtenUUID>`)
	reAusloeser   = regexp.MustCompile(`<ausloeserUUID>\s*([^<\s]*)\s*</ausloeserUUID>`)
	reCreated     = regexp.MustCompile(`<erstellungszeitpunkt>([^<]*)</erstellungszeitpunkt>`)
	reRootStart   = regexp.MustCompile(`<xaus:[A-Za-z]+\.[A-Za-z]+\.[0-9]{6}\b[^>]*>`)
)

// Samples a vendor can replay: every vector is marked as test data, no two
// vectors share a message UUID (in either case), no two valid samples share
// a creation time, and every answer among the plain valid samples answers a
// message that is itself a sample.
func TestSampleHygiene(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	created := map[string]string{}
	for _, v := range vs {
		s := string(v.Data)
		if root := reRootStart.FindString(s); root != "" && !strings.Contains(root, ` test="`) {
			t.Errorf("%s: root element has no test attribute", v.Path)
		}
		if m := reMessageUUID.FindStringSubmatch(s); m != nil {
			id := strings.ToLower(m[1])
			if other, dup := ids[id]; dup {
				t.Errorf("%s and %s share nachrichtenUUID %s", v.Path, other, m[1])
			}
			ids[id] = v.Path
		}
		if m := reCreated.FindStringSubmatch(s); m != nil && v.Valid {
			if other, dup := created[m[1]]; dup {
				t.Errorf("%s and %s share erstellungszeitpunkt %s", v.Path, other, m[1])
			}
			created[m[1]] = v.Path
		}
	}
	for _, v := range vs {
		if !v.Valid || v.WantWarning != "" {
			continue
		}
		if m := reAusloeser.FindStringSubmatch(string(v.Data)); m != nil {
			if _, ok := ids[strings.ToLower(m[1])]; !ok {
				t.Errorf("%s answers %s, which is no sample", v.Path, m[1])
			}
		}
	}
}
