package catalogue

import "time"

func builtinGroups() []Group {
	return []Group{
		{Number: "00", Name: "Administration", SchemaFile: "xauslaender-administration.xsd"},
		{Number: "02", Name: "ABHMB", SchemaFile: "xauslaender-abhmb.xsd"},
		{Number: "03", Name: "MBABH", SchemaFile: "xauslaender-mbabh.xsd"},
		{Number: "09", Name: "AZR", SchemaFile: "xauslaender-azr.xsd"},
		{Number: "11", Name: "Asyl", SchemaFile: "xauslaender-asyl.xsd"},
		{Number: "12", Name: "BA", SchemaFile: "xauslaender-ba.xsd"},
		{Number: "13", Name: "JC", SchemaFile: "xauslaender-jc.xsd"},
	}
}

func builtinTypes() []Type {
	// Each type gets fresh slices, so that no caller can change another's.
	abh, mb, azr, bamf, ba, jc := []Role{RoleABH}, []Role{RoleMB}, []Role{RoleAZR}, []Role{RoleBAMF}, []Role{RoleBA}, []Role{RoleJC}
	wd := func(n int) Deadline { return Deadline{WorkingDays: n} }
	hour := Deadline{Duration: time.Hour}
	toMB := []string{"000020", "030301", "000030"}
	fromMB := []string{"000020", "000030"}
	query := []string{"090002", "090003", "090004", "090099"}
	registration := []string{"090098", "090099"}
	receipt := []string{"000020"}
	approval := []string{"120002", "120003", "120004", "120005"}
	const (
		admin   = "§ 3a VwVfG, § 87 AufenthG"
		abhToMB = "§ 90b AufenthG"
		mbToABH = "§ 90a AufenthG"
	)
	return []Type{
		{Code: "000001", Group: "00", Prefix: "Administration", Name: "Transportquittung", Purpose: "proof of delivery", LegalBasis: admin, IsAnswer: true},
		// A Rückweisung answers a message whose UUID may be unreadable: it names
		// the original in its content where it can, so IsAnswer stays false.
		{Code: "000010", Group: "00", Prefix: "Administration", Name: "Rueckweisung", Purpose: "technical rejection", LegalBasis: admin},
		{Code: "000020", Group: "00", Prefix: "Administration", Name: "Quittung", Purpose: "business receipt", LegalBasis: admin, IsAnswer: true},
		{Code: "000021", Group: "00", Prefix: "Administration", Name: "Erinnerung", Purpose: "the expected answer is late", LegalBasis: admin, IsAnswer: true},
		{Code: "000030", Group: "00", Prefix: "Administration", Name: "Nichtzustaendigkeit", Purpose: "not responsible", LegalBasis: admin, IsAnswer: true},

		{Code: "020101", Group: "02", Prefix: "ABHMB", Name: "Anmeldung", From: abh, To: mb, Purpose: "person must be registered", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: "020105", Group: "02", Prefix: "ABHMB", Name: "AenderungName", From: abh, To: mb, Purpose: "name changed per passport", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: "020112", Group: "02", Prefix: "ABHMB", Name: "NachgewieseneAusreise", From: abh, To: mb, Purpose: "proven departure or deportation", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: "020114", Group: "02", Prefix: "ABHMB", Name: "MitteilungAZRNummer", From: abh, To: mb, Purpose: "store, change or delete the AZR number", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},

		{Code: "030101", Group: "03", Prefix: "MBABH", Name: "Anmeldung", From: mb, To: abh, Purpose: "foreign national moved in", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: "030102", Group: "03", Prefix: "MBABH", Name: "Abmeldung", From: mb, To: abh, Purpose: "moved out or registration cancelled", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: "030103", Group: "03", Prefix: "MBABH", Name: "Hauptwohnung", From: mb, To: abh, Purpose: "main residence changed", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: "030301", Group: "03", Prefix: "MBABH", Name: "Ablehnung", From: mb, To: abh, Purpose: "refusal of a 02xxxx message", LegalBasis: mbToABH, IsAnswer: true},

		{Code: "090001", Group: "09", Prefix: "AnAZR", Name: "AZRAnfrage", From: abh, To: azr, Purpose: "query the register", LegalBasis: "§ 10 AZRG", Answers: query, Deadline: hour},
		{Code: "090002", Group: "09", Prefix: "VonAZR", Name: "AZRKeinTreffer", From: azr, To: abh, Purpose: "no hit", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: "090003", Group: "09", Prefix: "VonAZR", Name: "AZRTrefferliste", From: azr, To: abh, Purpose: "several candidates", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: "090004", Group: "09", Prefix: "VonAZR", Name: "AZRGesamtauskunft", From: azr, To: abh, Purpose: "full record", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: "090009", Group: "09", Prefix: "AnAZR", Name: "AZRErstmeldung", From: abh, To: azr, Purpose: "create the person record", LegalBasis: "§ 6 AZRG", Answers: registration, Deadline: hour},
		{Code: "090010", Group: "09", Prefix: "AnAZR", Name: "AZRFolgemeldung", From: abh, To: azr, Purpose: "store a fact", LegalBasis: "§ 6 AZRG", Answers: registration, Deadline: hour},
		{Code: "090030", Group: "09", Prefix: "VonAZR", Name: "AZRMitteilungZuDatenaenderung", From: azr, To: []Role{RoleABH, RoleJC}, Purpose: "push: data changed", LegalBasis: "§ 18a AZRG"},
		{Code: "090098", Group: "09", Prefix: "VonAZR", Name: "AZRBestaetigungMeldung", From: azr, To: abh, Purpose: "registration stored", LegalBasis: "§ 6 AZRG", IsAnswer: true},
		{Code: "090099", Group: "09", Prefix: "VonAZR", Name: "AZRFehlernachricht", From: azr, To: abh, Purpose: "registration refused", LegalBasis: "§ 6 AZRG", IsAnswer: true},

		{Code: "110202", Group: "11", Prefix: "Asyl", Name: "Entscheidungsuebermittlung", From: bamf, To: abh, Purpose: "asylum decision", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: "110203", Group: "11", Prefix: "Asyl", Name: "BescheidZustelldatum", From: bamf, To: abh, Purpose: "decision was served", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: "110204", Group: "11", Prefix: "Asyl", Name: "Abschlussmitteilung", From: bamf, To: abh, Purpose: "decision is final", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: "111501", Group: "11", Prefix: "Asyl", Name: "EinzelfallinformationAnBAMF", From: abh, To: bamf, Purpose: "case information", LegalBasis: "§ 8 AsylG", Answers: receipt, Deadline: wd(5)},

		{Code: "120001", Group: "12", Prefix: "ABHBA", Name: "Zustimmungsanfrage", From: abh, To: ba, Purpose: "ask approval for employment (§ 39 AufenthG)", LegalBasis: "§ 39, § 72 Abs. 7 AufenthG", Answers: approval, Deadline: wd(10)},
		{Code: "120002", Group: "12", Prefix: "BAABH", Name: "Zustimmung", From: ba, To: abh, Purpose: "employment approved", LegalBasis: "§ 39 AufenthG", IsAnswer: true},
		{Code: "120003", Group: "12", Prefix: "BAABH", Name: "Versagung", From: ba, To: abh, Purpose: "employment refused", LegalBasis: "§ 40 AufenthG", IsAnswer: true},
		{Code: "120004", Group: "12", Prefix: "BAABH", Name: "Nachforderung", From: ba, To: abh, Purpose: "more data needed", LegalBasis: "§ 39 AufenthG", IsAnswer: true},
		{Code: "120005", Group: "12", Prefix: "BAABH", Name: "ZustimmungsfreiMitteilung", From: ba, To: abh, Purpose: "no approval needed", LegalBasis: "§ 42 AufenthG i.V.m. BeschV", IsAnswer: true},

		{Code: "130001", Group: "13", Prefix: "ABHJC", Name: "Statusmitteilung", From: abh, To: jc, Purpose: "title or status change (e.g. AsylbLG to SGB II)", LegalBasis: "§ 90 Abs. 3 AufenthG", Answers: receipt, Deadline: wd(5)},
		{Code: "130002", Group: "13", Prefix: "JCABH", Name: "MitteilungLeistungsbezug", From: jc, To: abh, Purpose: "SGB II benefits start or end", LegalBasis: "§ 87 Abs. 1 AufenthG", Answers: receipt, Deadline: wd(5)},
		{Code: "130003", Group: "13", Prefix: "JCABH", Name: "Integrationsmassnahme", From: jc, To: abh, Purpose: "integration measure", LegalBasis: "§ 88a AufenthG", Answers: receipt, Deadline: wd(5)},
	}
}
