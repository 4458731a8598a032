package validate

import (
	"slices"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Code values of group 92 that the rules interpret.
var (
	// jcTitelOhneSGB2 are titles (aufenthaltstitel) that cannot be the
	// reason for a change from AsylbLG to SGB II: AE.25.5 keeps AsylbLG
	// entitlement (§ 1 Abs. 1 Nr. 3 AsylbLG), students are excluded from
	// SGB II (§ 7 Abs. 5 SGB II), a visa is issued abroad.
	jcTitelOhneSGB2 = []string{"AE.25.5", "AE.16b", "VI.6.3"}
	// jcTitelWohnsitzregelung are the titles whose holders § 12a AufenthG
	// may oblige to live in a given place.
	jcTitelWohnsitzregelung = []string{"AE.22", "AE.25.1", "AE.25.2.1", "AE.25.2.2", "AE.25.3"}
)

// Code values of the lists anlass-statusmitteilung, erwerbstaetigkeit,
// mitteilungsart-leistung and massnahmestatus.
const (
	jcAnlassRechtskreiswechsel = "01"
	jcAnlassAblauf             = "05"
	jcErwerbErlaubt            = "01"
	jcMitteilungEnde           = "02"
	jcStatusBevorstehend       = "01"
	jcStatusLaeuft             = "02"
	jcStatusBeendet            = "03"
	jcStatusAbgebrochen        = "04"
	jcStatusNichtAngetreten    = "05"
	// jcWohnsitzJahre is the longest residence obligation (§ 12a Abs. 1 AufenthG).
	jcWohnsitzJahre = 3
)

// jcRules are the business rules of group 92 (JC).
func jcRules() []Rule {
	return []Rule{
		{ID: "JC-AZR", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHJCStatusmitteilung, catalogue.TypeJCABHMitteilungLeistungsbezug},
			Doc:   "The person of a status notice or a benefit notice carries an AZR number.",
			Check: checkJCAZR},
		{ID: "JC-RECHTSKREIS", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHJCStatusmitteilung},
			Doc:   "A change from AsylbLG to SGB II is reported with a title that ends AsylbLG entitlement and does not exclude SGB II.",
			Check: checkJCRechtskreis},
		{ID: "JC-ERWERB", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHJCStatusmitteilung},
			Doc:   "A title that entitles to employment by law carries the employment condition 'employment permitted' (01).",
			Check: checkJCErwerb},
		{ID: "JC-WOHNSITZ", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHJCStatusmitteilung},
			Doc:   "A residence obligation under § 12a AufenthG goes with a protection or humanitarian title and lasts at most three years.",
			Check: checkJCWohnsitz},
		{ID: "JC-TITEL", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHJCStatusmitteilung},
			Doc:   "A title that has expired by the day of the message is reported only with the reason expiry or lapse (05), and that reason needs the end date.",
			Check: checkJCTitel},
		{ID: "JC-ENDE", Code: errcode.BusinessRule, Types: []string{catalogue.TypeJCABHMitteilungLeistungsbezug},
			Doc:   "A notice that benefits end gives the end date.",
			Check: checkJCEnde},
		{ID: "JC-STATUS", Code: errcode.BusinessRule, Types: []string{catalogue.TypeJCABHIntegrationsmassnahme},
			Doc:   "The status of an integration measure fits its dates on the day of the message: an imminent one has not begun, a running one has begun and not ended, a finished or broken-off one has an end date that has passed.",
			Check: checkJCStatus},
	}
}

func checkJCAZR(c *Context) {
	p := c.Msg.Root.SelectElement("person")
	if p != nil && p.SelectElement("azrNummer") == nil {
		c.Report(p, "person has no azrNummer; the record cannot be matched without it")
	}
}

func checkJCRechtskreis(c *Context) {
	if codeOf(c.Msg.Root.SelectElement("anlass")) != jcAnlassRechtskreiswechsel {
		return
	}
	t := c.Msg.Root.FindElement("aufenthaltstitel/titel")
	if code := codeOf(t); slices.Contains(jcTitelOhneSGB2, code) {
		c.Report(t, "title %s does not move the person from AsylbLG into SGB II; anlass %s does not fit", code, jcAnlassRechtskreiswechsel)
	}
}

func checkJCErwerb(c *Context) {
	code := codeOf(c.Msg.Root.FindElement("aufenthaltstitel/titel"))
	e := c.Msg.Root.SelectElement("erwerbstaetigkeit")
	if slices.Contains(baTitelOhneZustimmung, code) && codeOf(e) != jcErwerbErlaubt {
		c.Report(e, "title %s entitles to employment by law (§ 4a Abs. 1 AufenthG); the condition must be %s, not %s", code, jcErwerbErlaubt, codeOf(e))
	}
}

func checkJCWohnsitz(c *Context) {
	w := c.Msg.Root.SelectElement("wohnsitzregelung")
	if w == nil {
		return
	}
	if code := codeOf(c.Msg.Root.FindElement("aufenthaltstitel/titel")); !slices.Contains(jcTitelWohnsitzregelung, code) {
		c.Report(w, "§ 12a AufenthG does not apply to title %s", code)
	}
	ab, okAb := dateOf(w.SelectElement("gueltigAb"))
	bis := w.SelectElement("gueltigBis")
	if d, ok := dateOf(bis); ok && okAb && d.After(ab.AddDate(jcWohnsitzJahre, 0, 0)) {
		c.Report(bis, "residence obligation until %s lasts longer than %d years from %s", message.Text(bis), jcWohnsitzJahre, ab.Format("2006-01-02"))
	}
}

func checkJCTitel(c *Context) {
	anlass := c.Msg.Root.SelectElement("anlass")
	bis := c.Msg.Root.FindElement("aufenthaltstitel/gueltigBis")
	if codeOf(anlass) == jcAnlassAblauf {
		if bis == nil {
			c.Report(anlass, "anlass %s (expiry or lapse) needs the day the title ended in aufenthaltstitel/gueltigBis", jcAnlassAblauf)
		}
		return
	}
	d, ok := dateOf(bis)
	day, okDay := c.CreationDay()
	if ok && okDay && d.Before(day) {
		c.Report(bis, "title expired on %s, before the day of the message (%s); report it with anlass %s", message.Text(bis), day.Format("2006-01-02"), jcAnlassAblauf)
	}
}

func checkJCEnde(c *Context) {
	art := c.Msg.Root.SelectElement("mitteilungsart")
	if codeOf(art) == jcMitteilungEnde && c.Msg.Root.SelectElement("ende") == nil {
		c.Report(art, "an end-of-benefit notice (%s) must give the end date", jcMitteilungEnde)
	}
}

func checkJCStatus(c *Context) {
	m := c.Msg.Root.SelectElement("massnahme")
	if m == nil {
		return
	}
	day, ok := c.CreationDay()
	if !ok {
		return
	}
	st := m.SelectElement("status")
	status := codeOf(st)
	beginnEl, endeEl := m.SelectElement("beginn"), m.SelectElement("ende")
	beginn, okBeginn := dateOf(beginnEl)
	ende, okEnde := dateOf(endeEl)
	today := day.Format("2006-01-02")
	switch status {
	case jcStatusBevorstehend:
		if okBeginn && beginn.Before(day) {
			c.Report(beginnEl, "status %s says the measure is yet to begin, but it began on %s (message of %s)", status, message.Text(beginnEl), today)
		}
	case jcStatusLaeuft:
		if okBeginn && beginn.After(day) {
			c.Report(beginnEl, "status %s says the measure is running, but it begins only on %s (message of %s)", status, message.Text(beginnEl), today)
		}
		if okEnde && ende.Before(day) {
			c.Report(endeEl, "status %s says the measure is running, but it ended on %s (message of %s)", status, message.Text(endeEl), today)
		}
	case jcStatusBeendet, jcStatusAbgebrochen:
		switch {
		case endeEl == nil:
			c.Report(st, "status %s says the measure is over; its ende is missing", status)
		case okEnde && ende.After(day):
			c.Report(endeEl, "status %s says the measure is over, but ende %s lies after the message of %s", status, message.Text(endeEl), today)
		}
	case jcStatusNichtAngetreten:
		if okBeginn && beginn.After(day) {
			c.Report(beginnEl, "status %s says the person did not start, but the measure begins only on %s (message of %s)", status, message.Text(beginnEl), today)
		}
	}
}
