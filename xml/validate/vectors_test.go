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

// Every catalogue type has at least one valid and one invalid vector, and
// every business rule is violated by at least one invalid vector.
func TestVectorCoverage(t *testing.T) {
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := map[string]int{}, map[string]int{}
	rules := map[string]int{}
	for _, vec := range vectors {
		if vec.Valid {
			valid[vec.Type]++
		} else {
			invalid[vec.Type]++
			rules[vec.WantRule]++
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
		if rules[r.ID] == 0 {
			t.Errorf("rule %s has no invalid vector", r.ID)
		}
	}
}
