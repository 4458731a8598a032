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
	// Code.MBABH.GrundDerAbmeldung (urn:de:xauslaender:codelist:mbabh:abmeldung, version 2)
	mbabhAbmeldungInland  = "01" // Wegzug in eine andere Gemeinde
	mbabhAbmeldungAusland = "02" // Wegzug ins Ausland

	mbabhSperreBMG51 = "bmg-51-1" // auskunftssperre: § 51 Abs. 1 BMG, two years unless extended

	// Code.ABHMB.GrundDerAblehnung (urn:de:xauslaender:codelist:abhmb:grundderablehnung, version 2)
	mbabhAblehnungAbweichung = "05" // dauerhafte Abweichung: the remark should explain
	mbabhAblehnungSonstige   = "06" // sonstige Gründe: the remark should explain
)

// mbabhEarlyDeregistration is how far ahead of moving out a person may
// deregister (§ 17 Abs. 2 Satz 2 BMG: at the earliest one week before).
const mbabhEarlyDeregistration = 7 * 24 * time.Hour

// mbabhRules are the business rules of group 03 (MBABH, registration
// office to foreigners authority).
func mbabhRules() []Rule {
	return []Rule{
		{ID: "MBABH-MOVE-DATE", Severity: Warn, Code: errcode.Other, Source: "§ 17 BMG", Types: []string{mbabhAnmeldung, mbabhAbmeldung, mbabhHauptwohnung},
			Doc:   "A move-in or main-residence date is not after the day of the notice, and a move-out date at most one week after it (§ 17 BMG).",
			Check: checkMBABHMoveDate},
		{ID: "MBABH-FOREIGN-STATE", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{mbabhAnmeldung, mbabhAbmeldung},
			Doc:   "A previous address abroad and a destination state name a foreign state, not Germany.",
			Check: checkMBABHForeignState},
		{ID: "MBABH-DEREG-REASON", Severity: Reject, Code: errcode.Other, Source: "XAusländer MBABH.GrundDerAbmeldung", Types: []string{mbabhAbmeldung},
			Doc:   "A deregistration gives zielstaat exactly when moving abroad (01) and neueAnschrift exactly when moving to another municipality (05).",
			Check: checkMBABHDeregReason},
		{ID: "MBABH-BLOCK-PERIOD", Severity: Warn, Code: errcode.Other, Source: "§ 51 Abs. 4 BMG", Types: []string{mbabhAnmeldung},
			Doc:   "A disclosure block under § 51 BMG has an end date at most the configured term (default two years, Config.DisclosureBlockMonths) after its start; the statute allows extension, hence a warning.",
			Check: checkMBABHBlockPeriod},
		{ID: "MBABH-MAIN-CHANGED", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{mbabhHauptwohnung},
			Doc:   "The new main residence differs from the previous one.",
			Check: checkMBABHMainChanged},
		{ID: "MBABH-REFUSAL-REF", Severity: Reject, Code: errcode.Other, Source: "XAusländer MBABH.Ablehnung.030301 (ausloeserUUID)", Types: []string{mbabhAblehnung},
			Doc:   "The refused message named in abgelehnteNachricht is the one in ausloeserUUID.",
			Check: checkMBABHRefusalRef},
		{ID: "MBABH-REFUSAL-REASON", Severity: Reject, Code: errcode.Other, Source: "XAusländer MBABH.Ablehnung.030301 (answer to a group 02 notice)", Types: []string{mbabhAblehnung},
			Doc:   "A refusal answers a type that may be refused: a notice of group 02.",
			Check: checkMBABHRefusalReason},
		{ID: "MBABH-REFUSAL-REMARK", Severity: Warn, Code: errcode.Other, Source: "XAusländer MBABH.Ablehnung.030301 (bemerkung zu dauerhafter Abweichung und Sonstiges)", Types: []string{mbabhAblehnung},
			Doc:   "A refusal for reason 05 (dauerhafte Abweichung) or 06 (sonstige Gründe) explains itself in erlaeuterung.",
			Check: checkMBABHRefusalRemark},
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
			c.Report(e, "%s %s lies after the day of the notice %s; nobody registers in advance", e.Tag, message.TokenText(e), day.Format(time.DateOnly))
		}
	case mbabhAbmeldung:
		e := c.Msg.Root.FindElement("abmeldung/auszugsdatum")
		if d, ok := dateOf(e); ok && d.Sub(day) > mbabhEarlyDeregistration {
			c.Report(e, "auszugsdatum %s is more than one week after the day of the notice %s (§ 17 Abs. 2 BMG)", message.TokenText(e), day.Format(time.DateOnly))
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
			c.Report(s, "a disclosure block under § 51 BMG is limited (%d months unless extended) and should give gueltigBis", c.DisclosureBlockMonths)
			continue
		}
		from, okA := dateOf(s.SelectElement("gueltigAb"))
		end, okB := dateOf(to)
		if okA && okB && end.After(from.AddDate(0, c.DisclosureBlockMonths, 0)) {
			c.Report(to, "a disclosure block under § 51 BMG lasts %d months unless extended; %s to %s is longer",
				c.DisclosureBlockMonths, from.Format(time.DateOnly), end.Format(time.DateOnly))
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
		if mbFold(message.TokenText(neu.SelectElement(tag))) != mbFold(message.TokenText(alt.SelectElement(tag))) {
			return
		}
	}
	c.Report(neu, "neueHauptwohnung is the same address as bisherigeHauptwohnung")
}

func checkMBABHRefusalRef(c *Context) {
	ref := c.Msg.Root.FindElement("abgelehnteNachricht/nachrichtenUUID")
	if ref != nil && c.Header.AusloeserUUID != "" && message.CanonicalUUID(message.TokenText(ref)) != message.CanonicalUUID(c.Header.AusloeserUUID) {
		c.Report(ref, "refuses %s but ausloeserUUID is %s", message.TokenText(ref), c.Header.AusloeserUUID)
	}
}

func checkMBABHRefusalReason(c *Context) {
	typ := c.Msg.Root.FindElement("abgelehnteNachricht/nachrichtentyp")
	refused := codeOf(typ)
	if t, ok := c.Catalogue.Lookup(refused); !ok || !slices.Contains(t.Answers, mbabhAblehnung) {
		c.Report(typ.SelectElement("code"), "message type %s cannot be refused with %s; only group 02 notices can", refused, mbabhAblehnung)
	}
}

func checkMBABHRefusalRemark(c *Context) {
	grund := c.Msg.Root.SelectElement("grund")
	switch g := codeOf(grund); g {
	case mbabhAblehnungAbweichung, mbabhAblehnungSonstige:
		if message.TokenText(c.Msg.Root.SelectElement("erlaeuterung")) == "" {
			c.Report(grund, "reason %s (%s) should be explained in erlaeuterung", g, map[string]string{mbabhAblehnungAbweichung: "dauerhafte Abweichung", mbabhAblehnungSonstige: "sonstige Gründe"}[g])
		}
	}
}
