package validate_test

import (
	"context"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

// fixedNow keeps rules that compare with today reproducible.
var fixedNow = clock.Fixed(time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC))

func newValidator(t testing.TB) *validate.Validator {
	t.Helper()
	v, err := validate.New(validate.Config{Clock: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// Every vector draws exactly what its folder and name say, through the
// same function `xgate demo` and the conformance suite use.
func TestVectors(t *testing.T) {
	v := newValidator(t)
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range conformance.CheckVectors(context.Background(), v, vectors) {
		t.Run(r.Vector.Path, func(t *testing.T) {
			if !r.Pass {
				t.Error(r.Problem)
			}
			for _, f := range r.Findings {
				if f.Line == 0 && f.Code != "X000" && f.Code != "S001" {
					t.Errorf("finding without a line: %v", f)
				}
			}
		})
	}
}

// Every catalogue type has at least one valid and one invalid vector;
// every rejecting rule is violated by at least one invalid vector named
// with the rule's code, and every warning rule by at least one valid
// WARN- vector; no invalid vector names a warning rule.
func TestVectorCoverage(t *testing.T) {
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := map[string]int{}, map[string]int{}
	rules, warned := map[string]int{}, map[string]int{}
	byID := map[string]validate.Rule{}
	for _, r := range validate.DefaultRules() {
		byID[r.ID] = r
	}
	for _, vec := range vectors {
		if vec.Valid {
			valid[vec.Type]++
			warned[vec.WantWarning]++
			if r, ok := byID[vec.WantWarning]; vec.WantWarning != "" && (!ok || r.Severity != validate.Warn) {
				t.Errorf("%s: %s is not a warning rule", vec.Path, vec.WantWarning)
			}
			continue
		}
		invalid[vec.Type]++
		rules[vec.WantRule]++
		if vec.WantRule == "" {
			continue
		}
		r, ok := byID[vec.WantRule]
		switch {
		case !ok:
			t.Errorf("%s: no rule %s", vec.Path, vec.WantRule)
		case r.Severity != validate.Reject:
			t.Errorf("%s: rule %s only warns; name the vector valid/WARN-%s-…", vec.Path, r.ID, r.ID)
		case r.Code != vec.WantCode:
			t.Errorf("%s: rule %s reports %s, the name says %s", vec.Path, r.ID, r.Code, vec.WantCode)
		}
	}
	for _, ty := range catalogue.New().Types() {
		if valid[ty.Code] == 0 {
			t.Errorf("type %s (%s) has no valid vector", ty.Code, ty.Root())
		}
		if invalid[ty.Code] == 0 {
			t.Errorf("type %s (%s) has no invalid vector", ty.Code, ty.Root())
		}
	}
	for _, r := range validate.DefaultRules() {
		if r.Severity == validate.Reject && rules[r.ID] == 0 {
			t.Errorf("rule %s has no invalid vector", r.ID)
		}
		if r.Severity == validate.Warn && warned[r.ID] == 0 {
			t.Errorf("warning rule %s has no valid WARN-%s-… vector", r.ID, r.ID)
		}
	}
}
