package validate

import (
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Codes of the AZR code lists that the rules of group 09 interpret.
const (
	// aenderungsart-azr
	azrNeuspeicherung = "01"
	azrAenderung      = "02"
	azrBerichtigung   = "03"
	azrLoeschung      = "04"

	// suchprofil-azr
	azrProfilGeburtsname          = "04"
	azrProfilGeburtsort           = "05"
	azrProfilStaatsangehoerigkeit = "06"

	// nachrichtentyp
	azrAnfrage      = catalogue.TypeAZRAnfrage
	azrErstmeldung  = catalogue.TypeAZRErstmeldung
	azrFolgemeldung = catalogue.TypeAZRFolgemeldung
)

// azrCET and azrCEST are German winter and summer time, fixed so that no
// time zone database is needed.
var (
	azrCET  = time.FixedZone("CET", 1*60*60)
	azrCEST = time.FixedZone("CEST", 2*60*60)
)

// azrFactTags are the element names of the fact choice
// AZR.Sachverhalt.Auswahl (xauslaender-azr.xsd).
var azrFactTags = []string{"aufenthaltstitel", "duldung", "aufenthaltsgestattung", "asylstatus", "baEntscheidung", "leistungsbezug", "meldestatus"}

// azrErrorKeyTypes maps each key of fehlerschluessel-azr to the message
// types it can refuse: a duplicate exists only for a first registration, an
// unknown reference id only for a follow-up registration, a missing
// disclosure right only for a query.
var azrErrorKeyTypes = map[string][]string{
	"001": {azrAnfrage, azrErstmeldung, azrFolgemeldung}, // person not identifiable
	"002": {azrErstmeldung},                              // already stored (duplicate)
	"003": {azrAnfrage, azrFolgemeldung},                 // AZR number unknown
	"004": {azrFolgemeldung},                             // reference id unknown
	"005": {azrErstmeldung, azrFolgemeldung},             // contradicts stored data
	"006": {azrAnfrage},                                  // no right to disclosure for the purpose
	"007": {azrErstmeldung, azrFolgemeldung},             // authority may not store this fact
	"008": {azrAnfrage, azrFolgemeldung},                 // record blocked
	"009": {azrAnfrage, azrFolgemeldung},                 // record deleted
	"010": {azrAnfrage},                                  // too many hits
	"011": {azrAnfrage, azrErstmeldung, azrFolgemeldung}, // mandatory data missing or implausible
	"999": {azrAnfrage, azrErstmeldung, azrFolgemeldung}, // other
}

// azrRules are the business rules of group 09 (AZR).
func azrRules() []Rule {
	return []Rule{
		{ID: "AZR-SUCHPROFIL", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRAnfrage},
			Doc:   "A personal-data query carries the data its search profile searches by (birth name, place of birth, nationality).",
			Check: checkAZRSearchProfile},
		{ID: "AZR-HITLIST", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRTrefferliste},
			Doc:   "Every candidate of a hit list carries an AZR number, and no AZR number appears twice.",
			Check: checkAZRHitList},
		{ID: "AZR-FIRST", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRErstmeldung},
			Doc:   "A first registration carries no AZR number, because the register assigns it; a person already stored gets a follow-up registration.",
			Check: checkAZRFirst},
		{ID: "AZR-REFERENZ", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRFolgemeldung},
			Doc:   "A follow-up registration names the referenz.id of the fact it changes, corrects or deletes, and a new fact has none.",
			Check: checkAZRReference},
		{ID: "AZR-CHANGE", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRMitteilungZuDatenaenderung},
			Doc:   "A data change notification carries the content now and before as its change kind demands (new: now only; change or correction: both, for the same referenz.id and kind of fact, and different; deletion: before only).",
			Check: checkAZRChange},
		{ID: "AZR-BEZUG", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRBestaetigungMeldung, catalogue.TypeAZRFehlernachricht},
			Doc:   "The answered message in bezug is the one in ausloeserUUID, is of a type this answer can answer, and was received before the answer was created.",
			Check: checkAZRBezug},
		{ID: "AZR-NEWNUMBER", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRBestaetigungMeldung},
			Doc:   "The AZR number assigned on a first registration begins with the day of storage (YYMMDD of the receipt or of the confirmation).",
			Check: checkAZRNewNumber},
		{ID: "AZR-FEHLERSCHLUESSEL", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAZRFehlernachricht},
			Doc:   "Each error key of an AZR error message fits the type of the refused message (a duplicate only for a first registration, an unknown reference id only for a follow-up registration, …).",
			Check: checkAZRErrorKeys},
	}
}

// azrCode returns the code value of the code element below e at path p.
func azrCode(e *etree.Element, p string) string {
	if e == nil {
		return ""
	}
	return message.Text(e.FindElement(p + "/code"))
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

// azrCanonical renders e as a string that ignores insignificant whitespace,
// attribute order and the informative name of codes, for comparing two
// facts.
func azrCanonical(e *etree.Element) string {
	var b strings.Builder
	var rec func(*etree.Element)
	rec = func(e *etree.Element) {
		b.WriteString("<" + e.Tag)
		attrs := make([]string, 0, len(e.Attr))
		for _, a := range e.Attr {
			attrs = append(attrs, a.Key+"="+a.Value)
		}
		slices.Sort(attrs)
		for _, a := range attrs {
			b.WriteString(" " + a)
		}
		b.WriteString(">")
		if isLeaf(e) {
			b.WriteString(strings.Join(strings.Fields(e.Text()), " "))
		}
		isCode := e.SelectAttr("listURI") != nil
		for _, ch := range e.ChildElements() {
			if isCode && ch.Tag == "name" {
				continue
			}
			rec(ch)
		}
		b.WriteString("</" + e.Tag + ">")
	}
	rec(e)
	return b.String()
}

func checkAZRSearchProfile(c *Context) {
	s := c.Msg.Root.SelectElement("suche.personalien")
	if s == nil {
		return
	}
	profile := s.SelectElement("suchprofil")
	need := map[string]struct{ path, what string }{
		azrProfilGeburtsname:          {"name/geburtsname", "a birth name (name/geburtsname)"},
		azrProfilGeburtsort:           {"geburt/ort", "a place of birth (geburt/ort)"},
		azrProfilStaatsangehoerigkeit: {"staatsangehoerigkeit", "a nationality (staatsangehoerigkeit)"},
	}
	p := azrCode(s, "suchprofil")
	if n, ok := need[p]; ok && s.FindElement(n.path) == nil {
		c.Report(profile, "search profile %s searches by %s, which the query does not give", p, n.what)
	}
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
		v := message.Text(n)
		if first, dup := seen[v]; dup {
			c.Report(n, "AZR number %s of candidate %d already names candidate %d", v, i+1, first)
			continue
		}
		seen[v] = i + 1
	}
}

func checkAZRFirst(c *Context) {
	if n := c.Msg.Root.FindElement("person/azrNummer"); n != nil {
		c.Report(n, "a first registration carries no AZR number (%s): the register assigns it; for a person already stored send a follow-up registration (090010)", message.Text(n))
	}
}

func checkAZRReference(c *Context) {
	kind := azrCode(c.Msg.Root, "aenderungsart")
	ref := c.Msg.Root.SelectElement("referenz.id")
	switch kind {
	case azrNeuspeicherung:
		if ref != nil {
			c.Report(ref, "a new fact (aenderungsart %s) has no referenz.id yet; the register assigns one, but %s is given", kind, message.Text(ref))
		}
	case azrAenderung, azrBerichtigung, azrLoeschung:
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
	case azrLoeschung:
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
		if ra, rb := message.Text(now.SelectElement("referenz.id")), message.Text(before.SelectElement("referenz.id")); ra != rb {
			c.Report(now.SelectElement("referenz.id"), "a change or correction keeps the stored fact: referenz.id %s now, %s before", ra, rb)
			return
		}
		a, b := azrFact(now), azrFact(before)
		switch {
		case a == nil || b == nil:
			// the schema guarantees one fact in each
		case a.Tag != b.Tag:
			c.Report(a, "a change or correction keeps the kind of fact: %s now, %s before; a new kind of fact is a new fact (aenderungsart %s)", a.Tag, b.Tag, azrNeuspeicherung)
		case azrCanonical(a) == azrCanonical(b):
			c.Report(now, "sachverhalt.aktuell equals sachverhalt.bisher: nothing changed")
		}
	}
}

func checkAZRBezug(c *Context) {
	bezug := c.Msg.Root.SelectElement("bezug")
	id := bezug.SelectElement("nachrichtenUUID")
	if h := c.Header.AusloeserUUID; h != "" && message.Text(id) != h {
		c.Report(id, "bezug names message %s but ausloeserUUID is %s", message.Text(id), h)
	}
	typ := azrCode(bezug, "nachrichtentyp")
	if t, ok := c.Catalogue.Lookup(typ); ok && !slices.Contains(t.Answers, c.Type.Code) {
		c.Report(bezug.FindElement("nachrichtentyp/code"), "%s does not answer %s (%s); it answers %s",
			c.Type.Code, typ, t.Root(), strings.Join(azrAnsweredBy(c, c.Type.Code), ", "))
	}
	in := bezug.SelectElement("eingang")
	received, okA := parseDate(message.Text(in))
	created, okB := parseDate(c.Header.Created)
	if okA && okB && received.After(created) {
		c.Report(in, "eingang %s is after the answer was created (%s)", message.Text(in), c.Header.Created)
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

func checkAZRNewNumber(c *Context) {
	root := c.Msg.Root
	if azrCode(root, "bezug/nachrichtentyp") != azrErstmeldung {
		return
	}
	n := root.SelectElement("azrNummer")
	v := message.Text(n)
	if len(v) < 6 {
		return // the schema requires twelve digits
	}
	// The register numbers by its own calendar day: take each timestamp's
	// day as written and in German winter and summer time, so that a
	// timestamp written in UTC near midnight is judged fairly.
	var days []string
	for _, s := range []string{message.Text(root.FindElement("bezug/eingang")), c.Header.Created} {
		if t, ok := parseDate(s); ok {
			for _, d := range []string{t.Format("060102"), t.In(azrCET).Format("060102"), t.In(azrCEST).Format("060102")} {
				if !slices.Contains(days, d) {
					days = append(days, d)
				}
			}
		}
	}
	if len(days) > 0 && !slices.Contains(days, v[:6]) {
		c.Report(n, "AZR number %s, assigned on a first registration, does not begin with the day of storage (%s)", v, strings.Join(days, " or "))
	}
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
