package validate

import (
	"slices"
	"strconv"
	"strings"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Asylum decisions (code list asyl-entscheidung) grouped by what they mean
// for a deportation warning (§ 34 AsylG).
var (
	// asylSchutz grants protection or finds a ban on deportation: no warning.
	asylSchutz = []string{"01", "02", "03", "04", "05"}
	// asylAblehnung rejects the application: a warning is mandatory.
	asylAblehnung = []string{"06", "07"}
	// asylAusreisefrist is the departure period in days that the AsylG sets
	// for each decision that may carry a warning: 30 days for a plain
	// rejection and for a revocation (§ 38 Abs. 1), one week for a manifestly
	// unfounded or inadmissible application (§ 36 Abs. 1) and after a
	// withdrawal (§ 38 Abs. 2).
	asylAusreisefrist = map[string]int{"06": 30, "07": 7, "08": 7, "09": 7, "10": 30}
	// asylEreignis are the concerns of a case information (asyl-anliegen)
	// that report an event whose date the BAMF needs.
	asylEreignis = []string{"01", "02", "03", "04", "05", "06"}
)

// Outcome codes of a final notice (asyl-abschluss).
var (
	abschlussSchutz     = []string{"01", "02", "03"}
	abschlussVerbot     = []string{"04", "05"}
	abschlussKeinVerbot = "06"
	// abschlussErledigung closes the application without protection:
	// rejected as unfounded, manifestly unfounded or inadmissible, or
	// discontinued.
	abschlussErledigung = []string{"07", "08", "09", "10"}
)

// asylBAMFTypes are the BAMF messages that name verfahrensbeteiligte.
var asylBAMFTypes = []string{catalogue.TypeAsylEntscheidungsuebermittlung, catalogue.TypeAsylBescheidZustelldatum, catalogue.TypeAsylAbschlussmitteilung}

// asylRules are the business rules of group 11 (Asyl).
func asylRules() []Rule {
	return []Rule{
		{ID: "ASYL-AZR", Code: errcode.BusinessRule, Types: asylBAMFTypes,
			Doc:   "Every person in a BAMF decision, service or final notice carries an AZR number.",
			Check: checkAsylAZR},
		{ID: "ASYL-AKTENZEICHEN", Code: errcode.BusinessRule, Types: asylBAMFTypes,
			Doc:   "The three-digit suffix of a BAMF file number is one of the person's nationality keys.",
			Check: checkAsylAktenzeichen},
		{ID: "ASYL-DATUM", Code: errcode.BusinessRule, Types: asylBAMFTypes,
			Doc:   "Decision, service and finality dates follow each other in that order and none lies after the day the message was created.",
			Check: checkAsylDatum},
		{ID: "ASYL-ANDROHUNG", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAsylEntscheidungsuebermittlung},
			Doc:   "A rejection as unfounded or manifestly unfounded carries a deportation warning to a state other than Germany, and a grant of protection or a ban on deportation carries none.",
			Check: checkAsylAndrohung},
		{ID: "ASYL-FRIST", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAsylEntscheidungsuebermittlung},
			Doc:   "The departure period of a deportation warning is the one the Asylum Act sets for the decision (7 or 30 days).",
			Check: checkAsylFrist},
		{ID: "ASYL-ERGEBNIS", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAsylAbschlussmitteilung},
			Doc:   "The outcomes of a final notice are consistent: none twice, a protection status alone, at most one way of rejecting or closing the application, and no ban on deportation together with its denial.",
			Check: checkAsylErgebnis},
		{ID: "ASYL-EREIGNIS", Code: errcode.BusinessRule, Types: []string{catalogue.TypeAsylEinzelfallinformationAnBAMF},
			Doc:   "A case information that reports an event names the event date in tagDesEreignisses, not after the day the message was created.",
			Check: checkAsylEreignis},
	}
}

func checkAsylAZR(c *Context) {
	for _, b := range c.Msg.Root.SelectElements("verfahrensbeteiligter") {
		p := b.SelectElement("person")
		if p.SelectElement("azrNummer") == nil {
			c.Report(p, "person with BAMF file number %s has no azrNummer; the foreigners office needs it to find the record",
				message.Text(b.SelectElement("aktenzeichenBAMF")))
		}
	}
}

func checkAsylAktenzeichen(c *Context) {
	for _, b := range c.Msg.Root.SelectElements("verfahrensbeteiligter") {
		az := b.SelectElement("aktenzeichenBAMF")
		_, suffix, ok := strings.Cut(message.Text(az), "-")
		if !ok {
			continue // the schema pattern guarantees the hyphen
		}
		var keys []string
		for _, s := range b.FindElements("person/staatsangehoerigkeit") {
			keys = append(keys, codeOf(s))
		}
		if !slices.Contains(keys, suffix) {
			c.Report(az, "file number %s ends in state key %s, but the person's nationalities are %s",
				message.Text(az), suffix, strings.Join(keys, ", "))
		}
	}
}

func checkAsylDatum(c *Context) {
	root := c.Msg.Root
	ent := root.SelectElement("entscheidungsdatum")
	d0, ok0 := dateOf(ent)
	// Each later date must not precede the decision.
	for _, tag := range []string{"zustelldatum", "datumBestandskraft"} {
		e := root.SelectElement(tag)
		if d, ok := dateOf(e); ok && ok0 && d.Before(d0) {
			c.Report(e, "%s %s is before the decision of %s", tag, message.Text(e), message.Text(ent))
		}
	}
	day, ok := c.CreationDay()
	if !ok {
		return
	}
	for _, tag := range []string{"entscheidungsdatum", "zustelldatum", "datumBestandskraft"} {
		e := root.SelectElement(tag)
		if d, ok := dateOf(e); ok && d.After(day) {
			c.Report(e, "%s %s lies after the day the message was created (%s)", tag, message.Text(e), day.Format("2006-01-02"))
		}
	}
}

func checkAsylAndrohung(c *Context) {
	ent := c.Msg.Root.SelectElement("entscheidung")
	code := codeOf(ent)
	a := c.Msg.Root.SelectElement("abschiebungsandrohung")
	switch {
	case slices.Contains(asylAblehnung, code) && a == nil:
		c.Report(ent, "decision %s rejects the application but carries no abschiebungsandrohung (§ 34 AsylG)", code)
	case slices.Contains(asylSchutz, code) && a != nil:
		c.Report(a, "decision %s grants protection or a ban on deportation and cannot carry an abschiebungsandrohung", code)
	}
	if a != nil {
		if z := a.SelectElement("zielstaat"); codeOf(z) == "000" {
			c.Report(z, "Germany (000) cannot be the destination state of a deportation")
		}
	}
}

func checkAsylFrist(c *Context) {
	a := c.Msg.Root.SelectElement("abschiebungsandrohung")
	if a == nil {
		return // ASYL-ANDROHUNG says whether one is needed
	}
	code := codeOf(c.Msg.Root.SelectElement("entscheidung"))
	want, ok := asylAusreisefrist[code]
	if !ok {
		return
	}
	f := a.SelectElement("ausreisefristTage")
	if got := message.Text(f); got != strconv.Itoa(want) {
		c.Report(f, "departure period is %s days; decision %s sets %d days", got, code, want)
	}
}

func checkAsylErgebnis(c *Context) {
	els := c.Msg.Root.SelectElements("ergebnis")
	seen := map[string]bool{}
	var schutz, erledigung []string
	verbot := false
	for _, e := range els {
		code := codeOf(e)
		if seen[code] {
			c.Report(e, "outcome %s is given twice", code)
			continue
		}
		seen[code] = true
		switch {
		case slices.Contains(abschlussSchutz, code):
			schutz = append(schutz, code)
		case slices.Contains(abschlussErledigung, code):
			erledigung = append(erledigung, code)
		case slices.Contains(abschlussVerbot, code):
			verbot = true
		}
	}
	switch {
	case len(schutz) > 1:
		c.Report(els[0], "outcomes %s grant more than one protection status", strings.Join(schutz, " and "))
	case len(schutz) == 1 && len(seen) > 1:
		c.Report(els[0], "protection status %s is final; no further outcome may accompany it", schutz[0])
	case len(erledigung) > 1:
		c.Report(els[0], "outcomes %s are different ways of closing the application", strings.Join(erledigung, " and "))
	case verbot && seen[abschlussKeinVerbot]:
		c.Report(els[0], "a ban on deportation (04, 05) contradicts outcome 06 (no ban on deportation)")
	}
}

func checkAsylEreignis(c *Context) {
	an := c.Msg.Root.SelectElement("anliegen")
	code := codeOf(an)
	if !slices.Contains(asylEreignis, code) {
		return
	}
	ev := c.Msg.Root.SelectElement("tagDesEreignisses")
	if ev == nil {
		c.Report(an, "concern %s reports an event; tagDesEreignisses must give its date", code)
		return
	}
	if d, ok := dateOf(ev); ok {
		if day, ok := c.CreationDay(); ok && d.After(day) {
			c.Report(ev, "event date %s lies after the day the message was created (%s)", message.Text(ev), day.Format("2006-01-02"))
		}
	}
}
