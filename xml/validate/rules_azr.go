package validate

import (
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Codes of the AZR code lists that the rules of group 09 interpret.
const (
	// Code.AZR.ArtDerAenderung (urn:de:xauslaender:codelist:azr:aenderungsart, version 2)
	azrNeuspeicherung        = "01" // Zuspeicherung
	azrAenderung             = "02" // Aktualisierung
	azrLoeschung             = "03" // Löschung
	azrBerichtigung          = "04" // Berichtigung-Änderung
	azrBerichtigungLoeschung = "05" // Berichtigung-Löschung

	// nachrichtentyp
	azrAnfrage      = catalogue.TypeAZRAnfrage
	azrErstmeldung  = catalogue.TypeAZRErstmeldung
	azrFolgemeldung = catalogue.TypeAZRFolgemeldung
)

// azrFactTags are the element names of the fact choice
// AZR.Sachverhalt.Auswahl (xauslaender-azr.xsd).
var azrFactTags = []string{"aufenthaltstitel", "duldung", "aufenthaltsgestattung", "asylstatus", "baEntscheidung", "leistungsbezug", "meldestatus"}

// azrErrorKeyTypes maps each key of fehlerschluessel-azr to the message
// types it can refuse: a duplicate exists only for a first registration, an
// unknown reference id only for a follow-up registration, a missing
// disclosure right only for a query.
var azrErrorKeyTypes = map[string][]string{
	"nicht-identifizierbar":    {azrAnfrage, azrErstmeldung, azrFolgemeldung},
	"dublette":                 {azrErstmeldung},
	"azr-nummer-unbekannt":     {azrAnfrage, azrFolgemeldung},
	"referenz-unbekannt":       {azrFolgemeldung},
	"widerspruch":              {azrErstmeldung, azrFolgemeldung},
	"keine-befugnis":           {azrAnfrage},
	"nicht-speicherberechtigt": {azrErstmeldung, azrFolgemeldung},
	"gesperrt":                 {azrAnfrage, azrFolgemeldung},
	"geloescht":                {azrAnfrage, azrFolgemeldung},
	"zu-viele-treffer":         {azrAnfrage},
	"pflichtangabe":            {azrAnfrage, azrErstmeldung, azrFolgemeldung},
	"sonstiger":                {azrAnfrage, azrErstmeldung, azrFolgemeldung},
}

// azrRules are the business rules of group 09 (AZR).
func azrRules() []Rule {
	return []Rule{
		{ID: "AZR-HITLIST", Severity: Reject, Code: errcode.Other, Source: "xgate", Types: []string{catalogue.TypeAZRTrefferliste},
			Doc:   "Every candidate of a hit list carries an AZR number, and no AZR number appears twice.",
			Check: checkAZRHitList},
		{ID: "AZR-FIRST", Severity: Reject, Code: errcode.Other, Source: "§ 2 AZRG-DV (the register assigns the AZR number)", Types: []string{catalogue.TypeAZRErstmeldung},
			Doc:   "A first registration carries no AZR number, because the register assigns it; a person already stored gets a follow-up registration.",
			Check: checkAZRFirst},
		{ID: "AZR-REFERENZ", Severity: Reject, Code: errcode.Other, Source: "XAusländer AZR.*.Meldung (referenz.id)", Types: []string{catalogue.TypeAZRFolgemeldung},
			Doc:   "A follow-up registration names the referenz.id of the fact it changes, corrects or deletes, and a new fact has none.",
			Check: checkAZRReference},
		{ID: "AZR-CHANGE", Severity: Reject, Code: errcode.Other, Source: "xgate", Types: []string{catalogue.TypeAZRMitteilungZuDatenaenderung},
			Doc:   "A data change notification carries the content now and before as its change kind demands (new: now only; change or correction: both, for the same stored fact (the reference part of referenz.id) and kind of fact, and different; deletion: before only).",
			Check: checkAZRChange},
		{ID: "AZR-BEZUG", Severity: Reject, Code: errcode.Other, Source: "xgate", Types: []string{catalogue.TypeAZRBestaetigungMeldung, catalogue.TypeAZRFehlernachricht},
			Doc:   "The answered message in bezug is the one in ausloeserUUID, is of a type this answer can answer, and was received before the answer was created.",
			Check: checkAZRBezug},
		{ID: "AZR-FEHLERSCHLUESSEL", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{catalogue.TypeAZRFehlernachricht},
			Doc:   "Each error key of an AZR error message fits the type of the refused message (a duplicate only for a first registration, an unknown reference id only for a follow-up registration, …).",
			Check: checkAZRErrorKeys},
	}
}

// azrCode returns the code value of the code element below e at path p.
func azrCode(e *etree.Element, p string) string {
	if e == nil {
		return ""
	}
	return message.TokenText(e.FindElement(p + "/code"))
}

// azrFact returns the fact element (one of azrFactTags) directly below e.
func azrFact(e *etree.Element) *etree.Element {
	if e == nil {
		return nil
	}
	for _, ch := range e.ChildElements() {
		if slices.Contains(azrFactTags, ch.Tag) {
			return ch
		}
	}
	return nil
}

func checkAZRHitList(c *Context) {
	seen := map[string]int{} // AZR number → position of first hit
	for i, t := range c.Msg.Root.SelectElements("treffer") {
		p := t.SelectElement("person")
		n := p.SelectElement("azrNummer")
		if n == nil {
			c.Report(p, "candidate %d has no AZR number; the querying authority could not query it again", i+1)
			continue
		}
		v := message.TokenText(n)
		if first, dup := seen[v]; dup {
			c.Report(n, "AZR number %s of candidate %d already names candidate %d", v, i+1, first)
			continue
		}
		seen[v] = i + 1
	}
}

func checkAZRFirst(c *Context) {
	if n := c.Msg.Root.FindElement("person/azrNummer"); n != nil {
		c.Report(n, "a first registration carries no AZR number (%s): the register assigns it; for a person already stored send a follow-up registration (090010)", message.TokenText(n))
	}
}

func checkAZRReference(c *Context) {
	kind := azrCode(c.Msg.Root, "aenderungsart")
	ref := c.Msg.Root.SelectElement("referenz.id")
	switch kind {
	case azrNeuspeicherung:
		if ref != nil {
			c.Report(ref, "a new fact (aenderungsart %s) has no referenz.id yet; the register assigns one, but %s is given", kind, message.TokenText(ref))
		}
	case azrAenderung, azrBerichtigung, azrLoeschung, azrBerichtigungLoeschung:
		if ref == nil {
			c.Report(c.Msg.Root.SelectElement("aenderungsart"), "aenderungsart %s changes a stored fact and needs the referenz.id of that fact", kind)
		}
	}
}

func checkAZRChange(c *Context) {
	root := c.Msg.Root
	kind := azrCode(root, "aenderungsart")
	kindEl := root.SelectElement("aenderungsart")
	now, before := root.SelectElement("sachverhalt.aktuell"), root.SelectElement("sachverhalt.bisher")
	switch kind {
	case azrNeuspeicherung:
		if now == nil {
			c.Report(kindEl, "a new fact (aenderungsart %s) needs sachverhalt.aktuell", kind)
		}
		if before != nil {
			c.Report(before, "a new fact (aenderungsart %s) has no content before", kind)
		}
	case azrLoeschung, azrBerichtigungLoeschung:
		if before == nil {
			c.Report(kindEl, "a deletion (aenderungsart %s) needs sachverhalt.bisher, the fact deleted", kind)
		}
		if now != nil {
			c.Report(now, "after a deletion (aenderungsart %s) nothing is stored now; sachverhalt.aktuell must be absent", kind)
		}
	case azrAenderung, azrBerichtigung:
		if now == nil || before == nil {
			c.Report(kindEl, "a change or correction (aenderungsart %s) needs both sachverhalt.aktuell and sachverhalt.bisher", kind)
			return
		}
		if ra, rb := message.TokenText(now.SelectElement("referenz.id")), message.TokenText(before.SelectElement("referenz.id")); referenzAnteil(ra) != referenzAnteil(rb) {
			c.Report(now.SelectElement("referenz.id"), "a change or correction concerns the same stored fact: the reference part (first seven characters) of referenz.id %s now and %s before differ", ra, rb)
			return
		}
		a, b := azrFact(now), azrFact(before)
		switch {
		case a == nil || b == nil:
			// the schema guarantees one fact in each
		case a.Tag != b.Tag:
			c.Report(a, "a change or correction keeps the kind of fact: %s now, %s before; a new kind of fact is a new fact (aenderungsart %s)", a.Tag, b.Tag, azrNeuspeicherung)
		case message.Fingerprint(a) == message.Fingerprint(b):
			c.Report(now, "sachverhalt.aktuell equals sachverhalt.bisher: nothing changed")
		}
	}
}

func checkAZRBezug(c *Context) {
	bezug := c.Msg.Root.SelectElement("bezug")
	id := bezug.SelectElement("nachrichtenUUID")
	if h := c.Header.AusloeserUUID; h != "" && message.CanonicalUUID(message.TokenText(id)) != message.CanonicalUUID(h) {
		c.Report(id, "bezug names message %s but ausloeserUUID is %s", message.TokenText(id), h)
	}
	typ := azrCode(bezug, "nachrichtentyp")
	if t, ok := c.Catalogue.Lookup(typ); ok && !slices.Contains(t.Answers, c.Type.Code) {
		c.Report(bezug.FindElement("nachrichtentyp/code"), "%s does not answer %s (%s); it answers %s",
			c.Type.Code, typ, t.Root(), strings.Join(azrAnsweredBy(c, c.Type.Code), ", "))
	}
	in := bezug.SelectElement("eingang")
	received, okA := parseDate(message.TokenText(in))
	created, okB := parseDate(c.Header.Created)
	if okA && okB && received.After(created) {
		c.Report(in, "eingang %s is after the answer was created (%s)", message.TokenText(in), c.Header.Created)
	}
}

// azrAnsweredBy lists the types that code answers, per the catalogue.
func azrAnsweredBy(c *Context, code string) []string {
	var out []string
	for _, t := range c.Catalogue.Types() {
		if slices.Contains(t.Answers, code) {
			out = append(out, t.Code)
		}
	}
	return out
}

func checkAZRErrorKeys(c *Context) {
	typ := azrCode(c.Msg.Root, "bezug/nachrichtentyp")
	for _, f := range c.Msg.Root.SelectElements("fehler") {
		key := azrCode(f, "fehlerschluessel")
		allowed, ok := azrErrorKeyTypes[key]
		if !ok {
			continue // CODE-VALUE reports unknown keys
		}
		if !slices.Contains(allowed, typ) {
			c.Report(f.FindElement("fehlerschluessel/code"), "error key %s does not fit a refused %s; it applies to %s", key, typ, strings.Join(allowed, ", "))
		}
	}
}

// referenzAnteil returns the reference part of an AZR Referenz-ID: its
// first seven characters, which name the stored fact; the rest is the
// version part, which the register changes on every change (XAusländer
// ReferenzId).
func referenzAnteil(id string) string {
	if len(id) < 7 {
		return id
	}
	return id[:7]
}
