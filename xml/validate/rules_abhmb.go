package validate

import (
	"strings"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/text/unicode/norm"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Type codes of group 02 (ABHMB).
const (
	abhmbAnmeldung     = catalogue.TypeABHMBAnmeldung
	abhmbAenderungName = catalogue.TypeABHMBAenderungName
	abhmbAusreise      = catalogue.TypeABHMBNachgewieseneAusreise
	abhmbAZRNummer     = catalogue.TypeABHMBMitteilungAZRNummer
)

// Values of the code lists of groups 02 and 03 that rules depend on.
const (
	mbStaatDeutschland = "000"
	mbStaatStaatenlos  = "997"

	abhmbAusreiseDublin = "05" // ausreiseart: Überstellung in den Dublin-Staat

	abhmbAZRSpeicherung  = "1" // grund-mitteilung-azr-nummer
	abhmbAZRAenderung    = "2"
	abhmbAZRLoeschung    = "3"
	abhmbAZRBerichtigung = "4"
)

// abhmbDublinStates are the DESTATIS keys of the states bound by the Dublin
// III Regulation (EU member states other than Germany, Iceland,
// Liechtenstein, Norway, Switzerland).
var abhmbDublinStates = map[string]bool{
	"124": true, "125": true, "126": true, "127": true, "128": true, "129": true, "130": true,
	"131": true, "134": true, "135": true, "136": true, "137": true, "139": true, "141": true,
	"142": true, "143": true, "145": true, "148": true, "149": true, "151": true, "152": true,
	"153": true, "154": true, "155": true, "157": true, "158": true, "161": true, "164": true,
	"165": true, "181": true,
}

// abhmbRules are the business rules of group 02 (ABHMB, foreigners
// authority to registration office).
func abhmbRules() []Rule {
	return []Rule{
		{ID: "ABHMB-NOT-FUTURE", Code: errcode.BusinessRule,
			Types: []string{abhmbAnmeldung, abhmbAenderungName, abhmbAusreise},
			Doc:   "The day a person has lived at the address, a new name took effect or a person left is not after the day of the notice.",
			Check: checkABHMBNotFuture},
		{ID: "ABHMB-NAME-CHANGED", Code: errcode.BusinessRule, Types: []string{abhmbAenderungName},
			Doc:   "The new name differs from the name under which the person is registered.",
			Check: checkABHMBNameChanged},
		{ID: "ABHMB-DOC-VALID", Code: errcode.BusinessRule, Types: []string{abhmbAenderungName},
			Doc:   "The document showing the new name was issued no earlier than the day the name took effect and has not expired on the day of the notice.",
			Check: checkABHMBDocument},
		{ID: "ABHMB-DEST-STATE", Code: errcode.BusinessRule, Types: []string{abhmbAusreise},
			Doc:   "The destination of a departure is a foreign state, and a Dublin state for a Dublin transfer.",
			Check: checkABHMBDestination},
		{ID: "ABHMB-AZR-PRESENT", Code: errcode.BusinessRule, Types: []string{abhmbAZRNummer},
			Doc:   "A notice of the AZR number names the number concerned in person/azrNummer.",
			Check: checkABHMBAZRPresent},
		{ID: "ABHMB-AZR-REASON", Code: errcode.BusinessRule, Types: []string{abhmbAZRNummer},
			Doc:   "The replaced number azrNummer.bisher is given exactly for a change or correction (reasons 2 and 4) and differs from the new number.",
			Check: checkABHMBAZRReason},
	}
}

func checkABHMBNotFuture(c *Context) {
	day, ok := c.CreationDay()
	if !ok {
		return
	}
	var e *etree.Element
	switch c.Type.Code {
	case abhmbAnmeldung:
		e = c.Msg.Root.SelectElement("wohnhaftSeit")
	case abhmbAenderungName:
		e = c.Msg.Root.SelectElement("wirksamAb")
	case abhmbAusreise:
		e = c.Msg.Root.FindElement("ausreise/ausreisedatum")
	}
	if d, ok := dateOf(e); ok && d.After(day) {
		c.Report(e, "%s %s lies after the day of the notice %s", e.Tag, message.Text(e), day.Format(time.DateOnly))
	}
}

func checkABHMBNameChanged(c *Context) {
	old := c.Msg.Root.FindElement("person/name")
	neu := c.Msg.Root.SelectElement("neuerName")
	if old == nil || neu == nil {
		return
	}
	for _, tag := range []string{"familienname", "vorname", "geburtsname"} {
		if mbFold(message.Text(old.SelectElement(tag))) != mbFold(message.Text(neu.SelectElement(tag))) {
			return
		}
	}
	c.Report(neu, "neuerName is the same as the registered name; nothing changed")
}

func checkABHMBDocument(c *Context) {
	doc := c.Msg.Root.SelectElement("ausweisdokument")
	if doc == nil {
		return
	}
	from, to := doc.SelectElement("gueltigAb"), doc.SelectElement("gueltigBis")
	if issued, ok := dateOf(from); ok {
		if eff, ok := dateOf(c.Msg.Root.SelectElement("wirksamAb")); ok && issued.Before(eff) {
			c.Report(from, "the document was issued on %s, before the new name took effect on %s, so it cannot show the new name",
				issued.Format(time.DateOnly), eff.Format(time.DateOnly))
		}
	}
	if day, ok := c.CreationDay(); ok {
		if end, ok := dateOf(to); ok && end.Before(day) {
			c.Report(to, "the document expired on %s, before the day of the notice %s", end.Format(time.DateOnly), day.Format(time.DateOnly))
		}
	}
}

func checkABHMBDestination(c *Context) {
	a := c.Msg.Root.SelectElement("ausreise")
	if a == nil {
		return
	}
	ziel := a.FindElement("zielstaat/code")
	switch z := message.Text(ziel); {
	case z == mbStaatDeutschland || z == mbStaatStaatenlos:
		c.Report(ziel, "zielstaat %s is not a foreign state", z)
	case codeOf(a.SelectElement("art")) == abhmbAusreiseDublin && !abhmbDublinStates[z]:
		c.Report(ziel, "a Dublin transfer (art %s) goes to a state bound by the Dublin III Regulation; %s is not one", abhmbAusreiseDublin, z)
	}
}

func checkABHMBAZRPresent(c *Context) {
	p := c.Msg.Root.SelectElement("person")
	if p != nil && p.SelectElement("azrNummer") == nil {
		c.Report(p, "person/azrNummer is missing; a notice of the AZR number must name the number to store, the new number or the number to delete")
	}
}

func checkABHMBAZRReason(c *Context) {
	grund := codeOf(c.Msg.Root.SelectElement("grund"))
	bisher := c.Msg.Root.SelectElement("azrNummer.bisher")
	switch grund {
	case abhmbAZRAenderung, abhmbAZRBerichtigung:
		if bisher == nil {
			c.Report(c.Msg.Root.SelectElement("grund"), "reason %s (change or correction) needs azrNummer.bisher, the number being replaced", grund)
			return
		}
		now := message.Text(c.Msg.Root.FindElement("person/azrNummer"))
		if old := bisher.SelectElement("azrNummer"); now != "" && message.Text(old) == now {
			c.Report(old, "azrNummer.bisher %s equals the new number; nothing is replaced", now)
		}
	case abhmbAZRSpeicherung, abhmbAZRLoeschung:
		if bisher != nil {
			c.Report(bisher, "reason %s (store or delete) replaces no number; azrNummer.bisher must be absent", grund)
		}
	}
}

// mbFold normalises a name or address part for comparison: NFC, case
// folded, inner white space collapsed.
func mbFold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
}
