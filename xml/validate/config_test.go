package validate_test

import (
	"context"
	"os"
	"testing"

	"github.com/xgate/xgate/xml/validate"
)

// The § 51 BMG term is configuration: a three-year block warns under the
// default two years and passes when the term is set to four.
func TestDisclosureBlockMonths(t *testing.T) {
	data, err := os.ReadFile("../../conformance/testdata/vectors/030101/valid/WARN-MBABH-BLOCK-PERIOD-three-years.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		months, warnings int
	}{{0, 1}, {24, 1}, {48, 0}} {
		v, err := validate.New(validate.Config{Clock: fixedNow, DisclosureBlockMonths: tc.months})
		if err != nil {
			t.Fatal(err)
		}
		rep := v.Validate(context.Background(), data)
		v.Close()
		if !rep.Valid() || len(rep.Warnings) != tc.warnings {
			t.Errorf("months %d: findings %v, warnings %v; want %d warning(s)", tc.months, rep.Findings, rep.Warnings, tc.warnings)
		}
	}
}
