package conformance_test

import (
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

// Every type has valid, schema, header, code-list and role vectors, every
// rule that names types has vectors of each of them, every other rule a
// vector somewhere.
func TestCoverage(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	cov := conformance.CoverageOf(catalogue.New(), validate.DefaultRules(), vs)
	for _, p := range cov.Problems() {
		t.Error(p)
	}
}
