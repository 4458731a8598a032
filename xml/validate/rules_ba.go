package validate

import (
	"slices"
	"strconv"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Code values of group 91 that the rules interpret.
var (
	// baTitelOhneZustimmung are residence titles (aufenthaltstitel) that
	// entitle to employment by law (§ 4a Abs. 1 AufenthG): settlement and
	// long-term residence, protection and family titles. Employment under
	// them never needs the BA's approval.
	baTitelOhneZustimmung = []string{"NE.9", "NE.26.3", "DA.9a", "AE.25.1", "AE.25.2.1", "AE.25.2.2", "AE.28.1", "AE.30", "AE.32"}
	// baZustimmungspflichtig and baZustimmungsfrei split the legal bases
	// (rechtsgrundlage-ba) into those of an approval and those of an
	// employment that needs none.
	baZustimmungspflichtig = []string{"AufenthG.39.2", "AufenthG.39.3", "AufenthG.18g.2", "BeschV.26.2", "BeschV.32.1"}
	baZustimmungsfrei      = []string{"AufenthG.18g.1", "BeschV.3", "BeschV.5", "BeschV.9", "BeschV.15", "BeschV.32.2"}
)

const (
	// baArbeitgeber is the restriction to one employer (beschraenkung-ba).
	baArbeitgeber = "01"
	// baMaxWochenstunden is the weekly maximum of the Working Hours Act
	// (§ 3 ArbZG: eight hours on six working days).
	baMaxWochenstunden = 48
	// baMaxFristMonate bounds a Nachforderung deadline.
	baMaxFristMonate = 3
)

// baRules are the business rules of group 91 (BA).
func baRules() []Rule {
	return []Rule{
		{ID: "BA-AZR", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHBAZustimmungsanfrage},
			Doc:   "The person of a request for approval carries an AZR number.",
			Check: checkBAAZR},
		{ID: "BA-BETRIEBSNUMMER", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHBAZustimmungsanfrage, catalogue.TypeBAABHZustimmung},
			Doc:   "A Betriebsnummer has a valid range in its first three digits and a correct check digit.",
			Check: checkBABetriebsnummer},
		{ID: "BA-BESCHAEFTIGUNG", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHBAZustimmungsanfrage},
			Doc:   "The intended employment has at most 48 hours a week and does not begin before the day of the request.",
			Check: checkBABeschaeftigung},
		{ID: "BA-TITEL", Code: errcode.BusinessRule, Types: []string{catalogue.TypeABHBAZustimmungsanfrage},
			Doc:   "The intended title is not one that entitles to employment by law, for which no approval can be asked.",
			Check: checkBATitel},
		{ID: "BA-BESCHRAENKUNG", Code: errcode.BusinessRule, Types: []string{catalogue.TypeBAABHZustimmung},
			Doc:   "Each kind of restriction appears once, and a Betriebsnummer is given exactly for the restriction to one employer.",
			Check: checkBABeschraenkung},
		{ID: "BA-RECHTSGRUNDLAGE", Code: errcode.BusinessRule, Types: []string{catalogue.TypeBAABHZustimmung, catalogue.TypeBAABHZustimmungsfreiMitteilung},
			Doc:   "An approval names a legal basis that requires approval, a notice that none is needed names one under which employment is approval-free.",
			Check: checkBARechtsgrundlage},
		{ID: "BA-FRIST", Code: errcode.BusinessRule, Types: []string{catalogue.TypeBAABHNachforderung},
			Doc:   "The deadline of a request for more data lies after the day of the message and at most three months later.",
			Check: checkBAFrist},
		{ID: "BA-SONSTIGES", Code: errcode.BusinessRule, Types: []string{catalogue.TypeBAABHVersagung, catalogue.TypeBAABHNachforderung},
			Doc:   "No refusal reason or missing item is given twice, and the catch-all code (reason 10, item 09) is explained.",
			Check: checkBASonstiges},
	}
}

func checkBAAZR(c *Context) {
	p := c.Msg.Root.SelectElement("person")
	if p != nil && p.SelectElement("azrNummer") == nil {
		c.Report(p, "person has no azrNummer; the BA stores its decision under the AZR number")
	}
}

// ValidBetriebsnummer reports whether n is a Betriebsnummer of the Federal
// Employment Agency: eight digits, the first three 001–099 or above 110,
// the last a check digit. The check digit is the sum of the digit sums of
// the first seven digits weighted 1, 2, 1, 2, 1, 2, 1, modulo 10; that
// value plus 5 (modulo 10) is accepted too.
func ValidBetriebsnummer(n string) bool {
	if len(n) != 8 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	if p, _ := strconv.Atoi(n[:3]); p == 0 || (p >= 100 && p <= 110) {
		return false
	}
	sum := 0
	for i := range 7 {
		d := int(n[i] - '0')
		if i%2 == 1 {
			d *= 2
		}
		sum += d/10 + d%10
	}
	pz, got := sum%10, int(n[7]-'0')
	return got == pz || got == (pz+5)%10
}

func checkBABetriebsnummer(c *Context) {
	walk(c.Msg.Root, func(e *etree.Element) {
		if e.Tag != "betriebsnummer" {
			return
		}
		if v := message.Text(e); !ValidBetriebsnummer(v) {
			c.Report(e, "Betriebsnummer %s is invalid (range of the first three digits or check digit)", v)
		}
	})
}

func checkBABeschaeftigung(c *Context) {
	b := c.Msg.Root.SelectElement("beschaeftigung")
	if b == nil {
		return
	}
	if h := b.SelectElement("wochenarbeitszeit"); h != nil {
		if v, err := strconv.ParseFloat(message.Text(h), 64); err == nil && v > baMaxWochenstunden {
			c.Report(h, "weekly working time of %s hours exceeds the legal maximum of %d", message.Text(h), baMaxWochenstunden)
		}
	}
	beginn := b.SelectElement("beginn")
	d, ok := dateOf(beginn)
	day, okDay := c.CreationDay()
	if ok && okDay && d.Before(day) {
		c.Report(beginn, "employment begins %s, before the request of %s; approval must be sought before work starts",
			message.Text(beginn), day.Format("2006-01-02"))
	}
}

func checkBATitel(c *Context) {
	t := c.Msg.Root.SelectElement("beabsichtigterTitel")
	if code := codeOf(t); slices.Contains(baTitelOhneZustimmung, code) {
		c.Report(t, "title %s entitles to employment by law (§ 4a Abs. 1 AufenthG); the BA's approval cannot be asked for it", code)
	}
}

func checkBABeschraenkung(c *Context) {
	seen := map[string]bool{}
	for _, b := range c.Msg.Root.SelectElements("beschraenkung") {
		art := b.SelectElement("art")
		code := codeOf(art)
		if seen[code] {
			c.Report(art, "restriction kind %s is given twice", code)
		}
		seen[code] = true
		bn := b.SelectElement("betriebsnummer")
		switch {
		case code == baArbeitgeber && bn == nil:
			c.Report(art, "the restriction to one employer (%s) must name the employer's betriebsnummer", code)
		case code != baArbeitgeber && bn != nil:
			c.Report(bn, "a betriebsnummer belongs only to the restriction to one employer (%s), not to kind %s", baArbeitgeber, code)
		}
	}
}

func checkBARechtsgrundlage(c *Context) {
	rg := c.Msg.Root.SelectElement("rechtsgrundlage")
	code := codeOf(rg)
	switch c.Type.Code {
	case catalogue.TypeBAABHZustimmung:
		if slices.Contains(baZustimmungsfrei, code) {
			c.Report(rg, "legal basis %s makes the employment approval-free; answer with 120005, not an approval", code)
		}
	case catalogue.TypeBAABHZustimmungsfreiMitteilung:
		if slices.Contains(baZustimmungspflichtig, code) {
			c.Report(rg, "legal basis %s requires the BA's approval; it cannot ground a notice that none is needed", code)
		}
	}
}

func checkBAFrist(c *Context) {
	f := c.Msg.Root.SelectElement("frist")
	d, ok := dateOf(f)
	day, okDay := c.CreationDay()
	if !ok || !okDay {
		return
	}
	switch {
	case !d.After(day):
		c.Report(f, "deadline %s is not after the day of the message (%s)", message.Text(f), day.Format("2006-01-02"))
	case d.After(day.AddDate(0, baMaxFristMonate, 0)):
		c.Report(f, "deadline %s is more than %d months after the day of the message (%s)", message.Text(f), baMaxFristMonate, day.Format("2006-01-02"))
	}
}

func checkBASonstiges(c *Context) {
	// item is the repeated element, code its code child, text the
	// explanation, catchAll the code that needs one.
	item, code, text, catchAll := "versagungsgrund", "grund", "erlaeuterung", "10"
	if c.Type.Code == catalogue.TypeBAABHNachforderung {
		item, code, text, catchAll = "fehlendeAngabe", "art", "hinweis", "09"
	}
	seen := map[string]bool{}
	for _, it := range c.Msg.Root.SelectElements(item) {
		ce := it.SelectElement(code)
		v := codeOf(ce)
		if seen[v] {
			c.Report(ce, "%s %s is given twice", code, v)
		}
		seen[v] = true
		if v == catchAll && it.SelectElement(text) == nil {
			c.Report(ce, "catch-all %s %s needs its own %s saying what is meant", code, v, text)
		}
	}
}
