package peer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
)

// The simulated Bundesagentur für Arbeit decides a request for approval
// (910001) by these rules, in this order (see doc.go):
const (
	// MinHourlyPay is the statutory minimum wage the simulated BA
	// compares the offered pay with (Mindestlohn 2026, € per hour). Pay is
	// bruttoentgeltMonatlich ÷ (wochenarbeitszeit × 13/3).
	MinHourlyPay = 13.90
	// baDeadlineDays is the deadline of a Nachforderung (910004).
	baDeadlineDays = 14
	// baValidity is how long an approval (910002) is valid at most.
	baValidityYears = 1
)

// baWestbalkan are the nationalities of the Westbalkanregelung (§ 26
// Abs. 2 BeschV): Albanien, Bosnien und Herzegowina, Montenegro,
// Nordmazedonien, Kosovo, Serbien (code list staatsangehoerigkeit).
var baWestbalkan = []string{"121", "122", "140", "144", "150", "170"}

// baDecide answers a request for approval (910001):
//
//  1. no berufskennziffer (KldB 2010 occupation code): Nachforderung
//     (910004) of a job description (item 04);
//  2. a Blue Card (BK.18g), or an academic specialist (AE.18b) in KldB
//     Berufsbereich 4 (natural sciences, geography, computer science):
//     ZustimmungsfreiMitteilung (910005) under § 18g Abs. 1 AufenthG or § 5
//     BeschV;
//  3. hourly pay below MinHourlyPay: Versagung (910003), reason 01;
//  4. otherwise Zustimmung (910002), restricted to the employer and the
//     occupation, under § 32 Abs. 1 BeschV (Duldung, Gestattung), § 26
//     Abs. 2 BeschV (Westbalkan nationality, AE.19c), § 39 Abs. 2 AufenthG
//     (AE.18a, AE.18b) or § 39 Abs. 3 AufenthG.
func (c *call) baDecide() ([]Outgoing, error) {
	in := c.in.Root
	job := in.SelectElement("beschaeftigung")
	kz := sample.Text(job, "berufskennziffer")
	titel := sample.Code(in, "beabsichtigterTitel")
	switch {
	case kz == "":
		return c.baMore()
	case titel == "BK.18g":
		return c.baFree("AufenthG.18g.1", "Die Beschäftigung mit einer Blauen Karte EU bedarf keiner Zustimmung.")
	case titel == "AE.18b" && strings.HasPrefix(kz, "4"):
		return c.baFree("BeschV.5", fmt.Sprintf("Tätigkeit als %s (Berufskennziffer %s) in Wissenschaft, Forschung und Entwicklung; die Beschäftigung bedarf keiner Zustimmung.", sample.Text(job, "berufsbezeichnung"), kz))
	}
	hours, _ := strconv.ParseFloat(sample.Text(job, "wochenarbeitszeit"), 64)
	pay, _ := strconv.ParseFloat(sample.Text(job, "bruttoentgeltMonatlich"), 64)
	if hours > 0 {
		if hourly := pay / (hours * 13 / 3); hourly < MinHourlyPay {
			return c.baRefuse(pay, hours, hourly)
		}
	}
	return c.baApprove(job, titel)
}

// baMore asks for a job description (Nachforderung, 910004).
func (c *call) baMore() ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeBAABHNachforderung, "nachforderung-arbeitsvertrag.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	items := root.SelectElements("fehlendeAngabe")
	for _, e := range items[1:] {
		root.RemoveChild(e)
	}
	if err := c.r.set.SetCode(items[0].SelectElement("art"), "04"); err != nil {
		return nil, err
	}
	setOrRemove(items[0], "hinweis", "Die Berufskennziffer nach KldB 2010 fehlt. Bitte eine Stellenbeschreibung vorlegen und die Berufskennziffer angeben.")
	if err := sample.SetText(root, "frist", c.now.AddDate(0, 0, baDeadlineDays).Format(sample.DateLayout)); err != nil {
		return nil, err
	}
	return c.done(catalogue.TypeBAABHNachforderung, uuid, doc)
}

// baFree says that the employment needs no approval (910005).
func (c *call) baFree(basis, remark string) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeBAABHZustimmungsfreiMitteilung, "")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := c.r.set.SetCode(root.SelectElement("rechtsgrundlage"), basis); err != nil {
		return nil, err
	}
	setOrRemove(root, "bemerkung", remark)
	return c.done(catalogue.TypeBAABHZustimmungsfreiMitteilung, uuid, doc)
}

// baRefuse refuses the approval for pay below the minimum wage (910003).
func (c *call) baRefuse(pay, hours, hourly float64) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeBAABHVersagung, "")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := sample.SetText(root, "entscheidungsdatum", c.today()); err != nil {
		return nil, err
	}
	reasons := root.SelectElements("versagungsgrund")
	for _, e := range reasons[1:] {
		root.RemoveChild(e)
	}
	if err := c.r.set.SetCode(reasons[0].SelectElement("grund"), "01"); err != nil {
		return nil, err
	}
	setOrRemove(reasons[0], "erlaeuterung", fmt.Sprintf("Das angebotene Bruttoentgelt von %s Euro monatlich bei %s Wochenstunden entspricht %s Euro je Stunde und liegt unter dem gesetzlichen Mindestlohn von %s Euro.",
		euro(pay), strings.ReplaceAll(strconv.FormatFloat(hours, 'f', -1, 64), ".", ","), euro(hourly), euro(MinHourlyPay)))
	if err := sample.SetText(root, "begruendung", "Die Zustimmung wird versagt, weil der Ausländer nicht zu vergleichbaren Arbeitsbedingungen wie inländische Beschäftigte beschäftigt werden soll (§ 39 Abs. 3 Nr. 1 AufenthG)."); err != nil {
		return nil, err
	}
	return c.done(catalogue.TypeBAABHVersagung, uuid, doc)
}

// baApprove approves the employment (910002).
func (c *call) baApprove(job *etree.Element, titel string) ([]Outgoing, error) {
	in := c.in.Root
	doc, uuid, err := c.answer(catalogue.TypeBAABHZustimmung, "")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := sample.SetText(root, "entscheidungsdatum", c.today()); err != nil {
		return nil, err
	}
	from := c.now
	if b, err := time.Parse(sample.DateLayout, sample.Text(job, "beginn")); err == nil && b.After(from) {
		from = b
	}
	until := from.AddDate(baValidityYears, 0, -1)
	if e, err := time.Parse(sample.DateLayout, sample.Text(job, "ende")); err == nil && e.Before(until) && !e.Before(from) {
		until = e
	}
	if err := sample.SetText(root, "geltungsdauer/gueltigAb", from.Format(sample.DateLayout)); err != nil {
		return nil, err
	}
	if err := sample.SetText(root, "geltungsdauer/gueltigBis", until.Format(sample.DateLayout)); err != nil {
		return nil, err
	}
	for _, b := range root.SelectElements("beschraenkung") {
		switch sample.Code(b, "art") {
		case "01":
			employer := sample.Text(in, "arbeitgeber/name")
			if ort := sample.Text(in, "arbeitgeber/anschrift/ort"); ort != "" {
				employer += ", " + ort
			}
			setOrRemove(b, "betriebsnummer", sample.Text(in, "arbeitgeber/betriebsnummer"))
			setOrRemove(b, "beschreibung", "Beschäftigung nur bei "+employer+".")
		case "02":
			setOrRemove(b, "beschreibung", "Beschäftigung nur als "+sample.Text(job, "berufsbezeichnung")+".")
		default:
			root.RemoveChild(b)
		}
	}
	var basis string
	switch {
	case in.SelectElement("duldung") != nil || in.SelectElement("aufenthaltsgestattung") != nil:
		basis = "BeschV.32.1"
	case titel == "AE.19c" && c.baWestbalkan():
		basis = "BeschV.26.2"
	case titel == "AE.18a" || titel == "AE.18b":
		basis = "AufenthG.39.2"
	default:
		basis = "AufenthG.39.3"
	}
	if err := c.r.set.SetCode(root.SelectElement("rechtsgrundlage"), basis); err != nil {
		return nil, err
	}
	return c.done(catalogue.TypeBAABHZustimmung, uuid, doc)
}

// baWestbalkan reports whether the person has a nationality of the
// Westbalkanregelung.
func (c *call) baWestbalkan() bool {
	for _, n := range c.in.Root.FindElements("person/staatsangehoerigkeit") {
		if slices.Contains(baWestbalkan, sample.Code(n, ".")) {
			return true
		}
	}
	return false
}

// euro writes v with two decimals, German style: "1.950,00".
func euro(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String() + "," + frac
}
