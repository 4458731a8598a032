package validate

// groupRules collects the rules of every message group; each group keeps
// its rules in its own file (rules_<group>.go).
func groupRules() []Rule {
	var rs []Rule
	for _, f := range []func() []Rule{adminRules, abhmbRules, mbabhRules, azrRules, asylRules, baRules, jcRules} {
		rs = append(rs, f()...)
	}
	return rs
}
