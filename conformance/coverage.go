package conformance

import (
	"fmt"
	"slices"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

// TypeCoverage says what the vectors of one message type exercise.
type TypeCoverage struct {
	Type catalogue.Type
	// Count is the number of vectors per category (CatValid, …).
	Count map[string]int
	// Rules is the number of vectors per rule id (invalid vectors naming
	// the rule, WARN- vectors of it).
	Rules map[string]int
	// Missing lists what the type lacks: categories ("header") and rules
	// that apply to this type in particular ("rule AZR-BEZUG").
	Missing []string
}

// Coverage is what the vectors cover, per type and overall.
type Coverage struct {
	Types []TypeCoverage
	// Missing lists rules for every type that no vector exercises.
	Missing []string
}

// RequiredCategories are the categories every type must have vectors of:
// valid, schema, header, code list and role (a wrong role where the
// catalogue restricts roles, else an unknown participant).
func RequiredCategories() []string {
	return []string{CatValid, CatSchema, CatHeader, CatCodeList, CatRole}
}

// CoverageOf computes what vectors cover of the catalogue's types and of
// rules: every type needs RequiredCategories, every rule that names types
// needs a vector of each of them (an invalid one for a rejecting rule, a
// WARN- one for a warning rule), and every rule for all types needs a
// vector of some type.
func CoverageOf(cat *catalogue.Catalogue, rules []validate.Rule, vectors []Vector) Coverage {
	byType := map[string]*TypeCoverage{}
	var out Coverage
	for _, t := range cat.Types() {
		out.Types = append(out.Types, TypeCoverage{Type: t, Count: map[string]int{}, Rules: map[string]int{}})
	}
	for i := range out.Types {
		byType[out.Types[i].Type.Code] = &out.Types[i]
	}
	anywhere := map[string]int{}
	for _, v := range vectors {
		tc := byType[v.Type]
		if tc == nil {
			continue
		}
		tc.Count[v.Category()]++
		if r := v.WantRule + v.WantWarning; r != "" {
			tc.Rules[r]++
			anywhere[r]++
		}
	}
	for i := range out.Types {
		tc := &out.Types[i]
		for _, c := range RequiredCategories() {
			if tc.Count[c] == 0 {
				tc.Missing = append(tc.Missing, c)
			}
		}
		for _, r := range rules {
			if slices.Contains(r.Types, tc.Type.Code) && tc.Rules[r.ID] == 0 {
				tc.Missing = append(tc.Missing, fmt.Sprintf("%s rule %s", r.Severity, r.ID))
			}
		}
	}
	for _, r := range rules {
		if len(r.Types) == 0 && anywhere[r.ID] == 0 {
			out.Missing = append(out.Missing, fmt.Sprintf("%s rule %s has no vector", r.Severity, r.ID))
		}
	}
	return out
}

// Complete reports whether nothing is missing.
func (c Coverage) Complete() bool {
	if len(c.Missing) > 0 {
		return false
	}
	for _, t := range c.Types {
		if len(t.Missing) > 0 {
			return false
		}
	}
	return true
}

// Problems lists everything missing, one line each.
func (c Coverage) Problems() []string {
	var out []string
	for _, t := range c.Types {
		for _, m := range t.Missing {
			out = append(out, fmt.Sprintf("type %s (%s) has no %s vector", t.Type.Code, t.Type.Root(), m))
		}
	}
	return append(out, c.Missing...)
}
