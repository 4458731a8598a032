package validate

// mbabhRules are the business rules of group mbabh.
func mbabhRules() []Rule { return nil }
