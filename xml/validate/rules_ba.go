package validate

// baRules are the business rules of group ba.
func baRules() []Rule { return nil }
