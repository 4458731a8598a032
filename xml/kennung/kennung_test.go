package kennung_test

import (
	"errors"
	"testing"

	"github.com/xgate/xgate/xml/kennung"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in          string
		ok          bool
		prefix, key string
	}{
		{"azr:999901", true, "azr", "999901"},
		{"ags:08999001", true, "ags", "08999001"},
		{"dbs:499990020000", true, "dbs", "499990020000"},
		{"opt:99901", true, "opt", "99901"},
		{"dbs:xgate-test", true, "dbs", "xgate-test"},
		{"", false, "", ""},
		{"azr999901", false, "", ""},
		{"a:1", false, "", ""},
		{"Azr:1", false, "", ""},
		{"azr:", false, "", ""},
		{" azr:1", false, "", ""},
		{"azr:1 ", false, "", ""},
		{"azr:1\u00a0", false, "", ""},
		{"azr:-1", false, "", ""},
		{"azr:1:2", false, "", ""},
		{"azr:ä1", false, "", ""},
		{"toolongpx:1", false, "", ""},
		{"azr:" + string(make([]byte, 65)), false, "", ""},
	}
	for _, tc := range tests {
		k, err := kennung.Parse(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("Parse(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if !tc.ok {
			if !errors.Is(err, kennung.ErrInvalid) {
				t.Errorf("Parse(%q) error %v does not wrap ErrInvalid", tc.in, err)
			}
			if kennung.Kennung(tc.in).Valid() {
				t.Errorf("Kennung(%q).Valid() = true", tc.in)
			}
			continue
		}
		if k.Prefix() != tc.prefix || k.Key() != tc.key || k.String() != tc.in {
			t.Errorf("Parse(%q) = prefix %q key %q", tc.in, k.Prefix(), k.Key())
		}
	}
}

func TestRoles(t *testing.T) {
	for _, r := range kennung.Roles() {
		if got, err := kennung.ParseRole(string(r)); err != nil || got != r || !r.Valid() {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	if kennung.RoleTest.Valid() {
		t.Error("the test partner is not a catalogue role")
	}
	if _, err := kennung.ParseRole("test"); err != nil {
		t.Errorf("ParseRole(test): %v", err)
	}
	if _, err := kennung.ParseRole("ABH"); err == nil {
		t.Error("ParseRole(ABH) accepted an upper-case role")
	}
}
