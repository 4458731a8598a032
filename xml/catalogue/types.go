package catalogue

import "time"

// Type codes of every message type. The gateway, the peers and the
// adapters use these constants and never write a number literal.
//
// Numbers of the real XAusländer 26.11 message-type list
// (urn:de:xauslaender:codelist:nachrichtentyp, version 19) are used only
// for the real message of that number. xgate's own messages live in
// module ranges that the real list does not use: 90 (xgate's process
// messages: transport receipt, technical rejection, business receipt,
// reminder), 91 (ABH ↔ Bundesagentur für Arbeit) and 92 (ABH ↔
// Jobcenter). mapping.md in this package maps every type to its real
// counterpart or says "own design".
const (
	// Group 00, Administration (real XAusländer numbers).

	// TypeNichtzustaendigkeit is Administration.Nichtzustaendigserklaerung.000030,
	// the real XAusländer declaration that the reader is not responsible.
	TypeNichtzustaendigkeit = "000030"

	// Group 02, ABH → Meldebehörde (real XAusländer numbers).
	TypeABHMBAnmeldung             = "020101"
	TypeABHMBAenderungName         = "020105"
	TypeABHMBNachgewieseneAusreise = "020112"
	TypeABHMBMitteilungAZRNummer   = "020114"

	// Group 03, Meldebehörde → ABH (real XAusländer numbers).
	TypeMBABHAnmeldung    = "030101"
	TypeMBABHAbmeldung    = "030102"
	TypeMBABHHauptwohnung = "030103"
	TypeMBABHAblehnung    = "030301"

	// Group 09, AZR (real XAusländer numbers).
	TypeAZRAnfrage                    = "090001"
	TypeAZRKeinTreffer                = "090002"
	TypeAZRTrefferliste               = "090003"
	TypeAZRGesamtauskunft             = "090004"
	TypeAZRErstmeldung                = "090009"
	TypeAZRFolgemeldung               = "090010"
	TypeAZRMitteilungZuDatenaenderung = "090030"
	TypeAZRBestaetigungMeldung        = "090098"
	TypeAZRFehlernachricht            = "090099"

	// Group 11, Asyl (real XAusländer numbers).
	TypeAsylEntscheidungsuebermittlung  = "110202"
	TypeAsylBescheidZustelldatum        = "110203"
	TypeAsylAbschlussmitteilung         = "110204"
	TypeAsylEinzelfallinformationAnBAMF = "111501"

	// Group 90, xgate's process messages (own design; the last four digits
	// follow the XInneres numbers 0010, 0020, 0021 of the same purpose).

	// TypeTransportquittung is Prozess.Transportquittung.900001: the
	// receiving gateway's signed proof of delivery.
	TypeTransportquittung = "900001"
	// TypeRueckweisung is Prozess.Rueckweisung.900010: the technical
	// rejection (cf. XInneres rueckweisung.asynchron.0010).
	TypeRueckweisung = "900010"
	// TypeQuittung is Prozess.Quittung.900020: the business receipt (cf.
	// XInneres quittungVonSachverhalten.quittung.0020).
	TypeQuittung = "900020"
	// TypeErinnerung is Prozess.Erinnerung.900021: the expected answer is
	// late (cf. XInneres quittungVonSachverhalten.erinnerung.0021).
	TypeErinnerung = "900021"

	// Group 91, ABH ↔ Bundesagentur für Arbeit (own design).
	TypeABHBAZustimmungsanfrage        = "910001"
	TypeBAABHZustimmung                = "910002"
	TypeBAABHVersagung                 = "910003"
	TypeBAABHNachforderung             = "910004"
	TypeBAABHZustimmungsfreiMitteilung = "910005"

	// Group 92, ABH ↔ Jobcenter (own design).
	TypeABHJCStatusmitteilung         = "920001"
	TypeJCABHMitteilungLeistungsbezug = "920002"
	TypeJCABHIntegrationsmassnahme    = "920003"
)

// Group numbers.
const (
	GroupAdministration = "00"
	GroupABHMB          = "02"
	GroupMBABH          = "03"
	GroupAZR            = "09"
	GroupAsyl           = "11"
	GroupProzess        = "90"
	GroupBA             = "91"
	GroupJC             = "92"
)

func builtinGroups() []Group {
	return []Group{
		{Number: GroupAdministration, Name: "Administration", SchemaFile: "xauslaender-administration.xsd"},
		{Number: GroupABHMB, Name: "ABHMB", SchemaFile: "xauslaender-abhmb.xsd"},
		{Number: GroupMBABH, Name: "MBABH", SchemaFile: "xauslaender-mbabh.xsd"},
		{Number: GroupAZR, Name: "AZR", SchemaFile: "xauslaender-azr.xsd"},
		{Number: GroupAsyl, Name: "Asyl", SchemaFile: "xauslaender-asyl.xsd"},
		{Number: GroupProzess, Name: "Prozess", SchemaFile: "xauslaender-prozess.xsd"},
		{Number: GroupBA, Name: "BA", SchemaFile: "xauslaender-ba.xsd"},
		{Number: GroupJC, Name: "JC", SchemaFile: "xauslaender-jc.xsd"},
	}
}

func builtinTypes() []Type {
	// Each type gets fresh slices, so that no caller can change another's.
	abh, mb, azr, bamf, ba, jc := []Role{RoleABH}, []Role{RoleMB}, []Role{RoleAZR}, []Role{RoleBAMF}, []Role{RoleBA}, []Role{RoleJC}
	wd := func(n int) Deadline { return Deadline{WorkingDays: n} }
	hour := Deadline{Duration: time.Hour}
	toMB := []string{TypeQuittung, TypeMBABHAblehnung, TypeNichtzustaendigkeit}
	fromMB := []string{TypeQuittung, TypeNichtzustaendigkeit}
	query := []string{TypeAZRKeinTreffer, TypeAZRTrefferliste, TypeAZRGesamtauskunft, TypeAZRFehlernachricht}
	registration := []string{TypeAZRBestaetigungMeldung, TypeAZRFehlernachricht}
	receipt := []string{TypeQuittung}
	approval := []string{TypeBAABHZustimmung, TypeBAABHVersagung, TypeBAABHNachforderung, TypeBAABHZustimmungsfreiMitteilung}
	const (
		admin   = "§ 3a VwVfG, § 87 AufenthG"
		abhToMB = "§ 90b AufenthG"
		mbToABH = "§ 90a AufenthG"
	)
	return []Type{
		{Code: TypeNichtzustaendigkeit, Group: GroupAdministration, Prefix: "Administration", Name: "Nichtzustaendigserklaerung", Purpose: "not responsible", LegalBasis: admin, IsAnswer: true},

		{Code: TypeABHMBAnmeldung, Group: GroupABHMB, Prefix: "ABHMB", Name: "Anmeldung", From: abh, To: mb, Purpose: "person must be registered", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: TypeABHMBAenderungName, Group: GroupABHMB, Prefix: "ABHMB", Name: "AenderungName", From: abh, To: mb, Purpose: "name changed per passport", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: TypeABHMBNachgewieseneAusreise, Group: GroupABHMB, Prefix: "ABHMB", Name: "NachgewieseneAusreise", From: abh, To: mb, Purpose: "proven departure or deportation", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},
		{Code: TypeABHMBMitteilungAZRNummer, Group: GroupABHMB, Prefix: "ABHMB", Name: "MitteilungAZRNummer", From: abh, To: mb, Purpose: "store, change or delete the AZR number", LegalBasis: abhToMB, Answers: toMB, Deadline: wd(5)},

		{Code: TypeMBABHAnmeldung, Group: GroupMBABH, Prefix: "MBABH", Name: "Anmeldung", From: mb, To: abh, Purpose: "foreign national moved in", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: TypeMBABHAbmeldung, Group: GroupMBABH, Prefix: "MBABH", Name: "Abmeldung", From: mb, To: abh, Purpose: "moved out or registration cancelled", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: TypeMBABHHauptwohnung, Group: GroupMBABH, Prefix: "MBABH", Name: "Hauptwohnung", From: mb, To: abh, Purpose: "main residence changed", LegalBasis: mbToABH, Answers: fromMB, Deadline: wd(5)},
		{Code: TypeMBABHAblehnung, Group: GroupMBABH, Prefix: "MBABH", Name: "Ablehnung", From: mb, To: abh, Purpose: "refusal of a 02xxxx message", LegalBasis: mbToABH, IsAnswer: true},

		{Code: TypeAZRAnfrage, Group: GroupAZR, Prefix: "AnAZR", Name: "AZRAnfrage", From: abh, To: azr, Purpose: "query the register", LegalBasis: "§ 10 AZRG", Answers: query, Deadline: hour},
		{Code: TypeAZRKeinTreffer, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRKeinTreffer", From: azr, To: abh, Purpose: "no hit", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: TypeAZRTrefferliste, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRTrefferliste", From: azr, To: abh, Purpose: "several candidates", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: TypeAZRGesamtauskunft, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRGesamtauskunft", From: azr, To: abh, Purpose: "full record", LegalBasis: "§ 10 AZRG", IsAnswer: true},
		{Code: TypeAZRErstmeldung, Group: GroupAZR, Prefix: "AnAZR", Name: "AZRErstmeldung", From: abh, To: azr, Purpose: "create the person record", LegalBasis: "§ 6 AZRG", Answers: registration, Deadline: hour},
		{Code: TypeAZRFolgemeldung, Group: GroupAZR, Prefix: "AnAZR", Name: "AZRFolgemeldung", From: abh, To: azr, Purpose: "store a fact", LegalBasis: "§ 6 AZRG", Answers: registration, Deadline: hour},
		{Code: TypeAZRMitteilungZuDatenaenderung, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRMitteilungZuDatenaenderung", From: azr, To: []Role{RoleABH, RoleJC}, Purpose: "push: data changed", LegalBasis: "§ 18a AZRG"},
		{Code: TypeAZRBestaetigungMeldung, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRBestaetigungMeldung", From: azr, To: abh, Purpose: "registration stored", LegalBasis: "§ 6 AZRG", IsAnswer: true},
		{Code: TypeAZRFehlernachricht, Group: GroupAZR, Prefix: "VonAZR", Name: "AZRFehlernachricht", From: azr, To: abh, Purpose: "registration refused", LegalBasis: "§ 6 AZRG", IsAnswer: true},

		{Code: TypeAsylEntscheidungsuebermittlung, Group: GroupAsyl, Prefix: "Asyl", Name: "Entscheidungsuebermittlung", From: bamf, To: abh, Purpose: "asylum decision", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: TypeAsylBescheidZustelldatum, Group: GroupAsyl, Prefix: "Asyl", Name: "BescheidZustelldatum", From: bamf, To: abh, Purpose: "decision was served", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: TypeAsylAbschlussmitteilung, Group: GroupAsyl, Prefix: "Asyl", Name: "Abschlussmitteilung", From: bamf, To: abh, Purpose: "decision is final", LegalBasis: "§ 40 AsylG", Answers: receipt, Deadline: wd(5)},
		{Code: TypeAsylEinzelfallinformationAnBAMF, Group: GroupAsyl, Prefix: "Asyl", Name: "EinzelfallinformationAnBAMF", From: abh, To: bamf, Purpose: "case information", LegalBasis: "§ 8 AsylG", Answers: receipt, Deadline: wd(5)},

		{Code: TypeTransportquittung, Group: GroupProzess, Prefix: "Prozess", Name: "Transportquittung", Purpose: "proof of delivery", LegalBasis: admin, IsAnswer: true},
		// A Rückweisung answers a message whose UUID may be unreadable: it names
		// the original in its content where it can, so IsAnswer stays false.
		{Code: TypeRueckweisung, Group: GroupProzess, Prefix: "Prozess", Name: "Rueckweisung", Purpose: "technical rejection", LegalBasis: admin},
		{Code: TypeQuittung, Group: GroupProzess, Prefix: "Prozess", Name: "Quittung", Purpose: "business receipt", LegalBasis: admin, IsAnswer: true},
		{Code: TypeErinnerung, Group: GroupProzess, Prefix: "Prozess", Name: "Erinnerung", Purpose: "the expected answer is late", LegalBasis: admin, IsAnswer: true},

		{Code: TypeABHBAZustimmungsanfrage, Group: GroupBA, Prefix: "ABHBA", Name: "Zustimmungsanfrage", From: abh, To: ba, Purpose: "ask approval for employment (§ 39 AufenthG)", LegalBasis: "§ 39, § 72 Abs. 7 AufenthG", Answers: approval, Deadline: wd(10)},
		{Code: TypeBAABHZustimmung, Group: GroupBA, Prefix: "BAABH", Name: "Zustimmung", From: ba, To: abh, Purpose: "employment approved", LegalBasis: "§ 39 AufenthG", IsAnswer: true},
		{Code: TypeBAABHVersagung, Group: GroupBA, Prefix: "BAABH", Name: "Versagung", From: ba, To: abh, Purpose: "employment refused", LegalBasis: "§ 40 AufenthG", IsAnswer: true},
		{Code: TypeBAABHNachforderung, Group: GroupBA, Prefix: "BAABH", Name: "Nachforderung", From: ba, To: abh, Purpose: "more data needed", LegalBasis: "§ 39 AufenthG", IsAnswer: true},
		{Code: TypeBAABHZustimmungsfreiMitteilung, Group: GroupBA, Prefix: "BAABH", Name: "ZustimmungsfreiMitteilung", From: ba, To: abh, Purpose: "no approval needed", LegalBasis: "§ 42 AufenthG i.V.m. BeschV", IsAnswer: true},

		{Code: TypeABHJCStatusmitteilung, Group: GroupJC, Prefix: "ABHJC", Name: "Statusmitteilung", From: abh, To: jc, Purpose: "title or status change (e.g. AsylbLG to SGB II)", LegalBasis: "§ 90 Abs. 3 AufenthG", Answers: receipt, Deadline: wd(5)},
		{Code: TypeJCABHMitteilungLeistungsbezug, Group: GroupJC, Prefix: "JCABH", Name: "MitteilungLeistungsbezug", From: jc, To: abh, Purpose: "SGB II benefits start or end", LegalBasis: "§ 87 Abs. 1 AufenthG", Answers: receipt, Deadline: wd(5)},
		{Code: TypeJCABHIntegrationsmassnahme, Group: GroupJC, Prefix: "JCABH", Name: "Integrationsmassnahme", From: jc, To: abh, Purpose: "integration measure", LegalBasis: "§ 88a AufenthG", Answers: receipt, Deadline: wd(5)},
	}
}
