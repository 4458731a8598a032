package validate

import (
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Type codes of group 03 (MBABH).
const (
	mbabhAnmeldung    = catalogue.TypeMBABHAnmeldung
	mbabhAbmeldung    = catalogue.TypeMBABHAbmeldung
	mbabhHauptwohnung = catalogue.TypeMBABHHauptwohnung
	mbabhAblehnung    = catalogue.TypeMBABHAblehnung
)

// Values of the code lists of group 03 that rules depend on.
const (
	mbabhAbmeldungAusland = "01" // abmeldegrund: Wegzug ins Ausland
	mbabhAbmeldungInland  = "05" // abmeldegrund: Bezug einer Wohnung in einer anderen Gemeinde

	mbabhSperreBMG51 = "01" // auskunftssperre: § 51 Abs. 1 BMG, limited to two years

	mbabhAblehnungNachweis = "05" // grund-ablehnung-mb: evidence missing or unusable
	mbabhAblehnungSonstige = "06" // grund-ablehnung-mb: other reason, explanation needed
)

// mbabhEarlyDeregistration is how far ahead of moving out a person may
// deregister (§ 17 Abs. 2 Satz 2 BMG: at the earliest one week before).
const mbabhEarlyDeregistration = 7 * 24 * time.Hour

// mbabhRules are the business rules of group 03 (MBABH, registration
// office to foreigners authority).
func mbabhRules() []Rule {
	return []Rule{
		{ID: "MBABH-MOVE-DATE", Code: errcode.BusinessRule, Types: []string{mbabhAnmeldung, mbabhAbmeldung, mbabhHauptwohnung},
			Doc:   "A move-in or main-residence date is not after the day of the notice, and a move-out date at most one week after it (§ 17 BMG).",
			Check: checkMBABHMoveDate},
		{ID: "MBABH-FOREIGN-STATE", Code: errcode.BusinessRule, Types: []string{mbabhAnmeldung, mbabhAbmeldung},
			Doc:   "A previous address abroad and a destination state name a foreign state, not Germany.",
			Check: checkMBABHForeignState},
		{ID: "MBABH-DEREG-REASON", Code: errcode.BusinessRule, Types: []string{mbabhAbmeldung},
			Doc:   "A deregistration gives zielstaat exactly when moving abroad (01) and neueAnschrift exactly when moving to another municipality (05).",
			Check: checkMBABHDeregReason},
		{ID: "MBABH-BLOCK-PERIOD", Code: errcode.BusinessRule, Types: []string{mbabhAnmeldung},
			Doc:   "A disclosure block under § 51 BMG has an end date at most two years after its start.",
			Check: checkMBABHBlockPeriod},
		{ID: "MBABH-MAIN-CHANGED", Code: errcode.BusinessRule, Types: []string{mbabhHauptwohnung},
			Doc:   "The new main residence differs from the previous one.",
			Check: checkMBABHMainChanged},
		{ID: "MBABH-REFUSAL-REF", Code: errcode.BusinessRule, Types: []string{mbabhAblehnung},
			Doc:   "The refused message named in abgelehnteNachricht is the one in ausloeserUUID.",
			Check: checkMBABHRefusalRef},
		{ID: "MBABH-REFUSAL-REASON", Code: errcode.BusinessRule, Types: []string{mbabhAblehnung},
			Doc:   "A refusal answers a type that may be refused, gives reason 05 only for a name change with evidence, and explains reason 06.",
			Check: checkMBABHRefusalReason},
	}
}

func checkMBABHMoveDate(c *Context) {
	day, ok := c.CreationDay()
	if !ok {
		return
	}
	switch c.Type.Code {
	case mbabhAnmeldung, mbabhHauptwohnung:
		e := c.Msg.Root.SelectElement("einzugsdatum")
		if c.Type.Code == mbabhHauptwohnung {
			e = c.Msg.Root.SelectElement("aenderungsdatum")
		}
		if d, ok := dateOf(e); ok && d.After(day) {
			c.Report(e, "%s %s lies after the day of the notice %s; nobody registers in advance", e.Tag, message.Text(e), day.Format(time.DateOnly))
		}
	case mbabhAbmeldung:
		e := c.Msg.Root.FindElement("abmeldung/auszugsdatum")
		if d, ok := dateOf(e); ok && d.Sub(day) > mbabhEarlyDeregistration {
			c.Report(e, "auszugsdatum %s is more than one week after the day of the notice %s (§ 17 Abs. 2 BMG)", message.Text(e), day.Format(time.DateOnly))
		}
	}
}

func checkMBABHForeignState(c *Context) {
	var staat *etree.Element
	switch c.Type.Code {
	case mbabhAnmeldung:
		staat = c.Msg.Root.FindElement("vorherigeAnschrift/anschrift.ausland/staat")
	case mbabhAbmeldung:
		staat = c.Msg.Root.FindElement("abmeldung/zielstaat")
	}
	if v := codeOf(staat); v == mbStaatDeutschland || v == mbStaatStaatenlos {
		c.Report(staat, "%s %s is not a foreign state", staat.Tag, v)
	}
}

func checkMBABHDeregReason(c *Context) {
	a := c.Msg.Root.SelectElement("abmeldung")
	if a == nil {
		return // a cancellation
	}
	grund := a.SelectElement("grund")
	g := codeOf(grund)
	check := func(tag, want string, what string) {
		e := a.SelectElement(tag)
		switch {
		case g == want && e == nil:
			c.Report(grund, "reason %s (%s) needs %s", g, what, tag)
		case g != want && e != nil:
			c.Report(e, "%s belongs only to reason %s (%s), not to reason %s", tag, want, what, g)
		}
	}
	check("zielstaat", mbabhAbmeldungAusland, "moving abroad")
	check("neueAnschrift", mbabhAbmeldungInland, "moving to another municipality")
}

func checkMBABHBlockPeriod(c *Context) {
	for _, s := range c.Msg.Root.SelectElements("auskunftssperre") {
		if codeOf(s.SelectElement("art")) != mbabhSperreBMG51 {
			continue
		}
		to := s.SelectElement("gueltigBis")
		if to == nil {
			c.Report(s, "a disclosure block under § 51 BMG is limited to two years and needs gueltigBis")
			continue
		}
		from, okA := dateOf(s.SelectElement("gueltigAb"))
		end, okB := dateOf(to)
		if okA && okB && end.After(from.AddDate(2, 0, 0)) {
			c.Report(to, "a disclosure block under § 51 BMG lasts at most two years; %s to %s is longer",
				from.Format(time.DateOnly), end.Format(time.DateOnly))
		}
	}
}

func checkMBABHMainChanged(c *Context) {
	neu := c.Msg.Root.SelectElement("neueHauptwohnung")
	alt := c.Msg.Root.SelectElement("bisherigeHauptwohnung")
	if neu == nil || alt == nil {
		return
	}
	for _, tag := range []string{"strasse", "hausnummer", "postleitzahl", "ort"} {
		if mbFold(message.Text(neu.SelectElement(tag))) != mbFold(message.Text(alt.SelectElement(tag))) {
			return
		}
	}
	c.Report(neu, "neueHauptwohnung is the same address as bisherigeHauptwohnung")
}

func checkMBABHRefusalRef(c *Context) {
	ref := c.Msg.Root.FindElement("abgelehnteNachricht/nachrichtenUUID")
	if ref != nil && c.Header.AusloeserUUID != "" && message.Text(ref) != c.Header.AusloeserUUID {
		c.Report(ref, "refuses %s but ausloeserUUID is %s", message.Text(ref), c.Header.AusloeserUUID)
	}
}

func checkMBABHRefusalReason(c *Context) {
	typ := c.Msg.Root.FindElement("abgelehnteNachricht/nachrichtentyp")
	refused := codeOf(typ)
	if t, ok := c.Catalogue.Lookup(refused); !ok || !slices.Contains(t.Answers, mbabhAblehnung) {
		c.Report(typ.SelectElement("code"), "message type %s cannot be refused with %s; only group 02 notices can", refused, mbabhAblehnung)
		return
	}
	grund := c.Msg.Root.SelectElement("grund")
	switch g := codeOf(grund); {
	case g == mbabhAblehnungNachweis && refused != abhmbAenderungName:
		c.Report(grund, "reason %s (evidence missing or unusable) fits only %s, which carries evidence; the refused message is %s", g, abhmbAenderungName, refused)
	case g == mbabhAblehnungSonstige && message.Text(c.Msg.Root.SelectElement("erlaeuterung")) == "":
		c.Report(grund, "reason %s (other) needs an erlaeuterung", g)
	}
}
