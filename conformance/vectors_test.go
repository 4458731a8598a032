package conformance_test

import (
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/errcode"
)

func TestParseVectorName(t *testing.T) {
	tests := []struct {
		name string
		code errcode.Code
		rule string
		ok   bool
	}{
		{"S020-HDR-UUID-uppercase.xml", "S020", "HDR-UUID", true},
		{"X001-missing-person.xml", "X001", "", true},
		{"X000-ATT-SIZE-4mib.xml.gz", "X000", "ATT-SIZE", true},
		{"S020-AZR-DATE.xml", "S020", "AZR-DATE", true},
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
