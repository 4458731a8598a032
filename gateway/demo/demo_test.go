package demo

import (
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/catalogue"
)

// TestCoverage: the checks behind the demo's exit code find each kind of
// failure (xgate demo exits 3 on any of them).
func TestCoverage(t *testing.T) {
	var all []Row
	for _, ty := range catalogue.New().Types() {
		all = append(all, Row{UUID: "u-" + ty.Code, Type: ty.Code, State: "delivered", Receipt: true})
	}
	if p := coverage(all); len(p) != 0 {
		t.Fatalf("a complete run has problems: %v", p)
	}
	cases := []struct {
		name string
		edit func([]Row) []Row
		want string
	}{
		{"no receipt", func(r []Row) []Row { r[3].Receipt, r[3].State = false, "queued"; return r }, "no verified receipt"},
		{"answer missing", func(r []Row) []Row { r[4].ExpectsAns = true; return r }, "its answer did not come"},
		{"type missing", func(r []Row) []Row { return r[1:] }, "did not cross the wire"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := c.edit(append([]Row(nil), all...))
			p := coverage(rows)
			if len(p) == 0 || !strings.Contains(strings.Join(p, "\n"), c.want) {
				t.Errorf("problems %v, want one saying %q", p, c.want)
			}
		})
	}
}
