package validate

// asylRules are the business rules of group asyl.
func asylRules() []Rule { return nil }
