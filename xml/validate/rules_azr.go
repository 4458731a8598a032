package validate

// azrRules are the business rules of group azr.
func azrRules() []Rule { return nil }
