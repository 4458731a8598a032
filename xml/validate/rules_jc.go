package validate

// jcRules are the business rules of group jc.
func jcRules() []Rule { return nil }
