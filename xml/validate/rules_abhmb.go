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

	abhmbAusreiseUeberstellung = "ueberstellung" // ausreiseart: transfer to the responsible member state

	// Code.ABHMB.Anlass.MitteilungAZRNummer (XAusländer, version 4).
	abhmbAZREintragung    = "1" // Eintragung im Melderegister
	abhmbAZRNiederlassung = "2" // Niederlassungserlaubnis oder Daueraufenthalt-EU erteilt
	abhmbAZRAenderung     = "3" // Änderung im Melderegister
	abhmbAZRBestandsdaten = "4" // Bestandsdatenlieferung
)

// abhmbRules are the business rules of group 02 (ABHMB, foreigners
// authority to registration office).
func abhmbRules() []Rule {
	return []Rule{
		{ID: "ABHMB-NOT-FUTURE", Severity: Warn, Code: errcode.Other, Source: "xgate",
			Types: []string{abhmbAnmeldung, abhmbAenderungName, abhmbAusreise},
			Doc:   "The day a person has lived at the address, a new name took effect or a person left is not after the day of the notice.",
			Check: checkABHMBNotFuture},
		{ID: "ABHMB-NAME-CHANGED", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{abhmbAenderungName},
			Doc:   "The new name differs from the name under which the person is registered.",
			Check: checkABHMBNameChanged},
		{ID: "ABHMB-DOC-VALID", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{abhmbAenderungName},
			Doc:   "The document showing the new name was issued no earlier than the day the name took effect and has not expired on the day of the notice.",
			Check: checkABHMBDocument},
		{ID: "ABHMB-DEST-STATE", Severity: Warn, Code: errcode.Other, Source: "xgate", Types: []string{abhmbAusreise},
			Doc:   "The destination of a departure is a foreign state, and for a transfer a state of the Dublin Partnerstaaten list (urn:xoev-de:xauslaender:codeliste:asyl.dublinpartnerstaaten).",
			Check: checkABHMBDestination},
		{ID: "ABHMB-AZR-PRESENT", Severity: Reject, Code: errcode.Other, Source: "§ 90a Abs. 1 AufenthG (020114 names the AZR number)", Types: []string{abhmbAZRNummer},
			Doc:   "A notice of the AZR number names the number concerned in person/azrNummer.",
			Check: checkABHMBAZRPresent},
		{ID: "ABHMB-AZR-REASON", Severity: Reject, Code: errcode.Other, Source: "XAusländer Code.ABHMB.Anlass.MitteilungAZRNummer", Types: []string{abhmbAZRNummer},
			Doc:   "A replaced number azrNummer.bisher is given only with reason 3 (Änderung im Melderegister) and differs from the new number.",
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
		c.Report(e, "%s %s lies after the day of the notice %s", e.Tag, message.TokenText(e), day.Format(time.DateOnly))
	}
}

func checkABHMBNameChanged(c *Context) {
	old := c.Msg.Root.FindElement("person/name")
	neu := c.Msg.Root.SelectElement("neuerName")
	if old == nil || neu == nil {
		return
	}
	for _, tag := range []string{"familienname", "vorname", "geburtsname"} {
		if mbFold(message.TokenText(old.SelectElement(tag))) != mbFold(message.TokenText(neu.SelectElement(tag))) {
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
	switch z := message.TokenText(ziel); {
	case z == mbStaatDeutschland || z == mbStaatStaatenlos:
		c.Report(ziel, "zielstaat %s is not a foreign state", z)
	case codeOf(a.SelectElement("art")) == abhmbAusreiseUeberstellung && !c.dublinState(z):
		c.Report(ziel, "a transfer (art %s) goes to a state of the Dublin Partnerstaaten list; %s is not one", abhmbAusreiseUeberstellung, z)
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
	if bisher == nil {
		return
	}
	if grund != abhmbAZRAenderung {
		c.Report(bisher, "azrNummer.bisher belongs to a change (reason %s); reason %s replaces no number", abhmbAZRAenderung, grund)
		return
	}
	now := message.TokenText(c.Msg.Root.FindElement("person/azrNummer"))
	if old := bisher.SelectElement("azrNummer"); now != "" && message.TokenText(old) == now {
		c.Report(old, "azrNummer.bisher %s equals the new number; nothing is replaced", now)
	}
}

// mbFold normalises a name or address part for comparison: NFC, case
// folded, XML white space collapsed (look-alike spaces are kept: a name
// with a no-break space differs from one without).
func mbFold(s string) string {
	return strings.ToLower(message.CollapseXMLSpace(norm.NFC.String(s)))
}
