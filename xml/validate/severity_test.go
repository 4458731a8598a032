package validate_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/validate"
)

// A warning rule's finding lands in Report.Warnings, leaves the message
// valid and stays out of Err; a rejecting rule's finding rejects.
func TestSeverity(t *testing.T) {
	data, err := os.ReadFile("../../conformance/testdata/vectors/900020/valid/quittung.xml")
	if err != nil {
		t.Fatal(err)
	}
	always := func(c *validate.Context) { c.Report(nil, "always") }
	tests := []struct {
		sev                validate.Severity
		findings, warnings int
	}{
		{validate.Warn, 0, 1},
		{validate.Reject, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.sev.String(), func(t *testing.T) {
			v, err := validate.New(validate.Config{Clock: fixedNow, Rules: []validate.Rule{
				{ID: "T-ALWAYS", Severity: tc.sev, Code: errcode.Other, Check: always},
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			rep := v.Validate(context.Background(), data)
			if len(rep.Findings) != tc.findings || len(rep.Warnings) != tc.warnings {
				t.Fatalf("findings %v, warnings %v", rep.Findings, rep.Warnings)
			}
			if rep.Valid() != (tc.findings == 0) || (rep.Err() == nil) != (tc.findings == 0) {
				t.Errorf("Valid() = %v, Err() = %v", rep.Valid(), rep.Err())
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	b, err := json.Marshal(map[string]validate.Severity{"a": validate.Reject, "b": validate.Warn})
	if err != nil || string(b) != `{"a":"reject","b":"warn"}` {
		t.Fatalf("%s %v", b, err)
	}
	var s validate.Severity
	if err := s.UnmarshalText([]byte("warn")); err != nil || s != validate.Warn {
		t.Errorf("UnmarshalText(warn) = %v, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("fatal")); err == nil {
		t.Error("UnmarshalText(fatal) accepted")
	}
	cfg := validate.Config{Rules: []validate.Rule{{ID: "X", Severity: 7, Code: errcode.Other, Check: func(*validate.Context) {}}}}
	if err := cfg.Validate(); err == nil {
		t.Error("a rule with severity 7 is accepted")
	}
}
