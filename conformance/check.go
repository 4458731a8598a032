package conformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/validate"
)

// Result is the outcome of checking one vector.
type Result struct {
	Vector   Vector
	Findings []*errcode.Error
	// Warnings are the findings of rules with severity warn.
	Warnings []*errcode.Error
	// Pass: a valid vector drew no finding and exactly the warnings its
	// name announces (none, or one or more of WantWarning); an invalid
	// vector drew a finding with its WantCode (and WantRule, if named).
	Pass bool
	// Problem says why a vector did not pass.
	Problem  string
	Duration time.Duration
}

// CheckVectors validates every vector with v and compares the outcome with
// the vector's expectation. The tests and `xgate demo` use this same
// function, so test results and field results cannot diverge.
func CheckVectors(ctx context.Context, v *validate.Validator, vectors []Vector) []Result {
	out := make([]Result, 0, len(vectors))
	for _, vec := range vectors {
		start := time.Now()
		rep := v.Validate(ctx, vec.Data)
		r := Result{Vector: vec, Findings: rep.Findings, Warnings: rep.Warnings, Duration: time.Since(start)}
		r.Pass, r.Problem = judge(vec, rep)
		out = append(out, r)
	}
	return out
}

func judge(vec Vector, rep *validate.Report) (bool, string) {
	if vec.Valid {
		if !rep.Valid() {
			return false, "valid vector drew: " + summarize(rep.Findings)
		}
		if rep.Type.Code != vec.Type {
			return false, fmt.Sprintf("vector in folder %s has a root of type %q", vec.Type, rep.Type.Code)
		}
		for _, w := range rep.Warnings {
			if w.Rule != vec.WantWarning {
				return false, "valid vector drew the warning: " + summarize([]*errcode.Error{w})
			}
		}
		if vec.WantWarning != "" && len(rep.Warnings) == 0 {
			return false, "valid vector drew no warning; want a warning of " + vec.WantWarning
		}
		return true, ""
	}
	for _, f := range rep.Findings {
		if f.Code == vec.WantCode && (vec.WantRule == "" || f.Rule == vec.WantRule) {
			return true, ""
		}
	}
	want := string(vec.WantCode)
	if vec.WantRule != "" {
		want += " " + vec.WantRule
	}
	if rep.Valid() {
		return false, "invalid vector accepted; want " + want
	}
	return false, "want " + want + ", got: " + summarize(rep.Findings)
}

func summarize(fs []*errcode.Error) string {
	var parts []string
	for _, f := range fs {
		s := string(f.Code)
		if f.Rule != "" {
			s += " " + f.Rule
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
