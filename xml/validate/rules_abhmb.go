package validate

// abhmbRules are the business rules of group abhmb.
func abhmbRules() []Rule { return nil }
