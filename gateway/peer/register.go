package peer

import (
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/beevik/etree"
	"golang.org/x/text/unicode/norm"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// factKinds maps the fact elements of AZR.Sachverhalt.Auswahl to their
// code in urn:xgate:de:codeliste:sachverhaltsart-azr.
var factKinds = map[string]string{
	"aufenthaltstitel":      "01",
	"duldung":               "02",
	"aufenthaltsgestattung": "03",
	"asylstatus":            "04",
	"baEntscheidung":        "05",
	"leistungsbezug":        "06",
	"meldestatus":           "07",
}

// refPartLen is the length of the reference part of a Referenz-ID (the
// fact); the rest is the version part and one random character.
const refPartLen = 7

// register is the simulated Ausländerzentralregister, in memory.
type register struct {
	records map[string]*record // by AZR number
	order   []string           // AZR numbers in the order stored
	refs    map[string]bool    // reference parts in use
}

// record is one person's data set.
type record struct {
	number string
	person *etree.Element // bas:Person without azrNummer
	pass   *etree.Element // AZR.Passdaten, or nil
	facts  []*fact
}

// fact is one stored fact.
type fact struct {
	ref    string         // Referenz-ID
	el     *etree.Element // the element of AZR.Sachverhalt.Auswahl
	stored string         // speicherdatum
	stelle string         // speicherndeStelle
}

func newRegister() *register {
	return &register{records: map[string]*record{}, refs: map[string]bool{}}
}

// seedRegister returns a register that knows what the samples know: the
// full records of the Gesamtauskünfte (090004) and every other person the
// samples name with an AZR number.
func seedRegister(set *sample.Set) *register {
	g := newRegister()
	for _, smp := range set.Samples(catalogue.TypeAZRGesamtauskunft) {
		root := smp.Root()
		n := sample.Text(root, "azrNummer")
		if n == "" || g.records[n] != nil {
			continue
		}
		rec := g.add(n, root.SelectElement("person"))
		if p := root.SelectElement("pass"); p != nil {
			rec.pass = p.Copy()
		}
		for _, sv := range root.SelectElements("sachverhalt") {
			f := &fact{ref: sample.Text(sv, "referenz.id"), el: factOf(sv), stored: sample.Text(sv, "speicherdatum"), stelle: sample.Text(sv, "speicherndeStelle")}
			if f.el == nil || len(f.ref) < refPartLen+2 {
				continue
			}
			f.el = f.el.Copy()
			g.refs[f.ref[:refPartLen]] = true
			rec.facts = append(rec.facts, f)
		}
	}
	for _, typ := range set.Types() {
		for _, smp := range set.Samples(typ) {
			for _, p := range smp.Root().FindElements(".//person[azrNummer]") {
				if n := sample.Text(p, "azrNummer"); validate.ValidAZRNumber(n) && g.records[n] == nil {
					g.add(n, p)
				}
			}
		}
	}
	return g
}

// add stores a new record for number with a copy of person (without
// azrNummer).
func (g *register) add(number string, person *etree.Element) *record {
	p := person.Copy()
	if n := p.SelectElement("azrNummer"); n != nil {
		p.RemoveChild(n)
	}
	p.Tag, p.Space = "person", ""
	rec := &record{number: number, person: p}
	g.records[number] = rec
	g.order = append(g.order, number)
	return rec
}

// factOf returns the fact element (one of factKinds) directly below e.
func factOf(e *etree.Element) *etree.Element {
	if e == nil {
		return nil
	}
	for _, ch := range e.ChildElements() {
		if _, ok := factKinds[ch.Tag]; ok {
			return ch
		}
	}
	return nil
}

// newNumber returns an AZR number not yet in the register: the day's date
// YYMMDD and six random digits.
func (g *register) newNumber(rng *mrand.Rand, day string) string {
	for {
		n := day + fmt.Sprintf("%06d", rng.IntN(1_000_000))
		if g.records[n] == nil && validate.ValidAZRNumber(n) {
			return n
		}
	}
}

const refAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newRef returns a Referenz-ID for a new fact: "R", six random characters
// (together the reference part), version 1 and one random character, as
// the schema's AZR.ReferenzID describes (9 characters, "RHbr6zY1x").
func (g *register) newRef(rng *mrand.Rand) string {
	for {
		b := []byte{'R'}
		for range refPartLen - 1 {
			b = append(b, refAlphabet[rng.IntN(len(refAlphabet))])
		}
		if part := string(b); !g.refs[part] {
			g.refs[part] = true
			return part + "1" + string(refAlphabet[rng.IntN(len(refAlphabet))])
		}
	}
}

// nextRef returns the Referenz-ID of the next version of the fact ref:
// same reference part, version part plus one, a new random character.
func nextRef(rng *mrand.Rand, ref string) string {
	v, err := strconv.Atoi(ref[refPartLen : len(ref)-1])
	if err != nil {
		v = 0
	}
	return ref[:refPartLen] + strconv.Itoa(v+1) + string(refAlphabet[rng.IntN(len(refAlphabet))])
}

// findRef returns the index of the fact of rec whose reference part is
// the one of ref, or -1.
func (rec *record) findRef(ref string) int {
	if len(ref) < refPartLen {
		return -1
	}
	return slices.IndexFunc(rec.facts, func(f *fact) bool { return strings.HasPrefix(f.ref, ref[:refPartLen]) })
}

// findSame returns the fact of rec equal to el (same kind, same content
// ignoring white space and the names of codes), or nil.
func (rec *record) findSame(el *etree.Element) *fact {
	want := message.Fingerprint(el)
	for _, f := range rec.facts {
		if message.Fingerprint(f.el) == want {
			return f
		}
	}
	return nil
}

// byPersonalData returns the AZR numbers of the records whose family name
// (compared without case and diacritics) and birth date equal the search's.
func (g *register) byPersonalData(name, born string) []string {
	want := fold(name)
	var out []string
	for _, n := range g.order {
		p := g.records[n].person
		if fold(sample.Text(p, "name/familienname")) == want && sample.Text(p, "geburt/datum") == born {
			out = append(out, n)
		}
	}
	return out
}

// byDocument returns the AZR numbers of the records with a passport of
// number doc (pass) or, if title is true, a stored residence title or
// Duldung certificate of that number.
func (g *register) byDocument(doc string, title bool) []string {
	var out []string
	for _, n := range g.order {
		rec := g.records[n]
		hit := !title && rec.pass != nil && sample.Text(rec.pass, "passnummer") == doc
		for _, f := range rec.facts {
			if title && (sample.Text(f.el, "dokumentnummer") == doc || sample.Text(f.el, "bescheinigungsnummer") == doc) {
				hit = true
			}
		}
		if hit {
			out = append(out, n)
		}
	}
	return out
}

// samePerson returns the AZR number of a record with the person's family
// name and birth date, or "".
func (g *register) samePerson(person *etree.Element) string {
	hits := g.byPersonalData(sample.Text(person, "name/familienname"), sample.Text(person, "geburt/datum"))
	if len(hits) == 0 {
		return ""
	}
	return hits[0]
}

// fold lowers s and removes diacritics, for comparing names the way a
// register's phonetic search would at least do: "Nguyễn" = "nguyen",
// "Aydın" = "aydin".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(message.CollapseXMLSpace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ı':
			b.WriteRune('i')
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
