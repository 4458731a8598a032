package peer

import (
	"errors"
	"fmt"
	"slices"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/message"
)

// maxHits is the most candidates a hit list (090003) may carry (schema:
// maxOccurs 50); more draw a Fehlernachricht "zu-viele-treffer".
const maxHits = 50

// Codes of urn:de:xauslaender:codelist:azr:aenderungsart.
const (
	azrNew           = "01" // Zuspeicherung
	azrChange        = "02" // Aktualisierung
	azrDelete        = "03" // Löschung
	azrCorrect       = "04" // Berichtigung-Änderung
	azrCorrectDelete = "05" // Berichtigung-Löschung
)

// azrFault is one fehler of a Fehlernachricht (090099).
type azrFault struct {
	key, text string
	attrs     [][2]string // pfad, wert
}

// azrQuery answers a query (090001) by AZR number, personal data (family
// name and birth date, without case and diacritics), passport number or
// title number: no hit 090002, one 090004, up to 50 090003, more 090099.
func (c *call) azrQuery() ([]Outgoing, error) {
	in, g := c.in.Root, c.r.reg
	var hits []string
	var what string
	switch {
	case in.SelectElement("azrNummer") != nil:
		n := sample.Text(in, "azrNummer")
		if g.records[n] != nil {
			hits = []string{n}
		}
		what = "zur AZR-Nummer " + n
	case in.SelectElement("suche.personalien") != nil:
		hits = g.byPersonalData(sample.Text(in, "suche.personalien/name/familienname"), sample.Text(in, "suche.personalien/geburt/datum"))
		what = "zu den angegebenen Personalien"
	case in.SelectElement("suche.pass") != nil:
		hits = g.byDocument(sample.Text(in, "suche.pass/passnummer"), false)
		what = "zur angegebenen Passnummer"
	default:
		hits = g.byDocument(sample.Text(in, "suche.titelnummer"), true)
		what = "zur angegebenen Titelnummer"
	}
	switch {
	case len(hits) == 0:
		return c.azrNoHit("Kein Treffer " + what + ".")
	case len(hits) == 1:
		return c.azrRecord(g.records[hits[0]])
	case len(hits) <= maxHits:
		return c.azrHitList(hits)
	}
	f := azrFault{key: "zu-viele-treffer", text: fmt.Sprintf("%d Personen entsprechen den Suchkriterien. Bitte die Suche verfeinern.", len(hits))}
	if e := in.FindElement("suche.personalien/name/familienname"); e != nil {
		f.attrs = [][2]string{{message.Path(e), message.TokenText(e)}}
	}
	return c.azrError("", f)
}

// azrNoHit answers 090002.
func (c *call) azrNoHit(hint string) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeAZRKeinTreffer, "")
	if err != nil {
		return nil, err
	}
	setOrRemove(doc.Root(), "hinweis", hint)
	return c.done(catalogue.TypeAZRKeinTreffer, uuid, doc)
}

// azrRecord answers 090004 with the record, its facts limited to the kinds
// asked for (angefragteSachverhaltsart; all if none is given).
func (c *call) azrRecord(rec *record) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeAZRGesamtauskunft, "gesamtauskunft-duldung.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := sample.SetText(root, "azrNummer", rec.number); err != nil {
		return nil, err
	}
	person := root.SelectElement("person")
	if person == nil {
		return nil, errors.New("sample 090004 has no person")
	}
	sample.Replace(person, rec.person)
	for _, tag := range []string{"pass", "zustaendigeBehoerde", "sachverhalt"} {
		for _, e := range root.SelectElements(tag) {
			root.RemoveChild(e)
		}
	}
	if rec.pass != nil {
		root.AddChild(rec.pass.Copy())
	}
	var kinds []string
	for _, k := range c.in.Root.SelectElements("angefragteSachverhaltsart") {
		kinds = append(kinds, sample.Code(k, "."))
	}
	for _, f := range rec.facts {
		if len(kinds) > 0 && !slices.Contains(kinds, factKinds[f.el.Tag]) {
			continue
		}
		sv := root.CreateElement("sachverhalt")
		sv.CreateElement("referenz.id").SetText(f.ref)
		sv.AddChild(f.el.Copy())
		if f.stored != "" {
			sv.CreateElement("speicherdatum").SetText(f.stored)
		}
		if f.stelle != "" {
			sv.CreateElement("speicherndeStelle").SetText(f.stelle)
		}
	}
	return c.done(catalogue.TypeAZRGesamtauskunft, uuid, doc)
}

// azrHitList answers 090003 with the candidates.
func (c *call) azrHitList(numbers []string) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeAZRTrefferliste, "")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	for _, tag := range []string{"treffer", "weitereTreffer"} {
		for _, e := range root.SelectElements(tag) {
			root.RemoveChild(e)
		}
	}
	for _, n := range numbers {
		p := c.r.reg.records[n].person.Copy()
		nr := etree.NewElement("azrNummer")
		nr.SetText(n)
		p.InsertChildAt(0, nr)
		root.CreateElement("treffer").AddChild(p)
	}
	root.CreateElement("weitereTreffer").SetText("false")
	return c.done(catalogue.TypeAZRTrefferliste, uuid, doc)
}

// azrFirst answers a first registration (090009): a person already stored
// (same family name and birth date) draws 090099 "dublette" with the
// stored AZR number; otherwise the register assigns a new AZR number and a
// Referenz-ID and confirms with 090098.
func (c *call) azrFirst() ([]Outgoing, error) {
	in, g := c.in.Root, c.r.reg
	person := in.SelectElement("person")
	if n := g.samePerson(person); n != "" {
		return c.azrError(n, azrFault{key: "dublette",
			text: "Zu den Personalien ist bereits ein Datensatz gespeichert. Bitte eine Folgemeldung zur angegebenen AZR-Nummer senden.",
			attrs: [][2]string{
				{message.Path(person.FindElement("name/familienname")), sample.Text(person, "name/familienname")},
				{message.Path(person.FindElement("geburt/datum")), sample.Text(person, "geburt/datum")},
			}})
	}
	el := factOf(in.SelectElement("sachverhalt"))
	if el == nil {
		return nil, errors.New("090009 without a fact")
	}
	rec := g.add(g.newNumber(c.rng, c.now.Format("060102")), person)
	if p := in.SelectElement("pass"); p != nil {
		rec.pass = p.Copy()
	}
	f := &fact{ref: g.newRef(c.rng), el: el.Copy(), stored: c.today(), stelle: c.from.Name}
	rec.facts = append(rec.facts, f)
	return c.azrStored(rec.number, f)
}

// azrFollowUp answers a follow-up registration (090010): an unknown AZR
// number or Referenz-ID, a Referenz-ID that is not the latest version, a
// change to another kind of fact and a new fact already stored draw
// 090099; otherwise the fact is stored, changed or deleted and 090098
// confirms it with the (new) Referenz-ID.
func (c *call) azrFollowUp() ([]Outgoing, error) {
	in, g := c.in.Root, c.r.reg
	number := sample.Text(in, "azrNummer")
	rec := g.records[number]
	if rec == nil {
		return c.azrError("", azrFault{key: "azr-nummer-unbekannt", text: "Zur AZR-Nummer ist kein Datensatz gespeichert.",
			attrs: [][2]string{{message.Path(in.SelectElement("azrNummer")), number}}})
	}
	el := factOf(in.SelectElement("sachverhalt"))
	if el == nil {
		return nil, errors.New("090010 without a fact")
	}
	art := sample.Code(in, "aenderungsart")
	if art == azrNew {
		if same := rec.findSame(el); same != nil {
			return c.azrError(number, azrFault{key: "sonstiger",
				text:  "Der Sachverhalt ist bereits mit Referenz-ID " + same.ref + " gespeichert; eine erneute Zuspeicherung unterbleibt.",
				attrs: [][2]string{{message.Path(in.SelectElement("aenderungsart")), art}}})
		}
		f := &fact{ref: g.newRef(c.rng), el: el.Copy(), stored: c.today(), stelle: c.from.Name}
		rec.facts = append(rec.facts, f)
		return c.azrStored(number, f)
	}
	refEl := in.SelectElement("referenz.id")
	ref := message.TokenText(refEl)
	i := rec.findRef(ref)
	if i < 0 {
		return c.azrError(number, azrFault{key: "referenz-unbekannt", text: "Zur AZR-Nummer ist kein Sachverhalt mit dieser Referenz-ID gespeichert.",
			attrs: [][2]string{{message.Path(refEl), ref}}})
	}
	f := rec.facts[i]
	switch {
	case f.ref != ref:
		return c.azrError(number, azrFault{key: "widerspruch", text: "Die Referenz-ID ist nicht die zuletzt vergebene (" + f.ref + "); der Sachverhalt wurde inzwischen geändert.",
			attrs: [][2]string{{message.Path(refEl), ref}}})
	case f.el.Tag != el.Tag:
		return c.azrError(number, azrFault{key: "widerspruch", text: "Unter der Referenz-ID ist ein Sachverhalt anderer Art gespeichert (" + f.el.Tag + ").",
			attrs: [][2]string{{message.Path(el), ""}}})
	}
	switch art {
	case azrDelete, azrCorrectDelete:
		rec.facts = slices.Delete(rec.facts, i, i+1)
		return c.azrStored(number, f)
	}
	f.ref, f.el, f.stored, f.stelle = nextRef(c.rng, f.ref), el.Copy(), c.today(), c.from.Name
	return c.azrStored(number, f)
}

// azrStored confirms a registration with 090098.
func (c *call) azrStored(number string, f *fact) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeAZRBestaetigungMeldung, "bestaetigung-erstmeldung.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := c.setBezug(root.SelectElement("bezug"), "eingang"); err != nil {
		return nil, err
	}
	if err := sample.SetText(root, "azrNummer", number); err != nil {
		return nil, err
	}
	sp := root.SelectElements("speicherung")
	for _, e := range sp[1:] {
		root.RemoveChild(e)
	}
	if err := sample.SetText(sp[0], "referenz.id", f.ref); err != nil {
		return nil, err
	}
	if err := c.r.set.SetCode(sp[0].SelectElement("sachverhaltsart"), factKinds[f.el.Tag]); err != nil {
		return nil, err
	}
	return c.done(catalogue.TypeAZRBestaetigungMeldung, uuid, doc)
}

// azrError refuses with 090099; number is the person's AZR number, if
// known.
func (c *call) azrError(number string, faults ...azrFault) ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeAZRFehlernachricht, "fehlernachricht-dublette.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := c.setBezug(root.SelectElement("bezug"), "eingang"); err != nil {
		return nil, err
	}
	setOrRemove(root, "azrNummer", number)
	old := root.SelectElements("fehler")
	keyTemplate := old[0].SelectElement("fehlerschluessel").Copy()
	for _, e := range old {
		root.RemoveChild(e)
	}
	for _, ft := range faults {
		f := root.CreateElement("fehler")
		k := keyTemplate.Copy()
		if err := c.r.set.SetCode(k, ft.key); err != nil {
			return nil, err
		}
		f.AddChild(k)
		f.CreateElement("fehlertext").SetText(ft.text)
		for _, a := range ft.attrs {
			fa := f.CreateElement("fehlerhaftesAttribut")
			fa.CreateElement("pfad").SetText(a[0])
			if a[1] != "" {
				fa.CreateElement("wert").SetText(a[1])
			}
		}
	}
	return c.done(catalogue.TypeAZRFehlernachricht, uuid, doc)
}
