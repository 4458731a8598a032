package message

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Message is a parsed message. Root is the document element. A Message
// is not safe for concurrent modification; reading from several goroutines
// is fine.
type Message struct {
	Doc   *etree.Document
	Root  *etree.Element
	lines map[*etree.Element]int
}

// Line returns the line on which e starts, or 0 when unknown (an element
// added after parsing).
func (m *Message) Line(e *etree.Element) int { return m.lines[e] }

// Path returns the element path of e from the root, with local names and a
// 1-based index where siblings share a name:
// "/AnAZR.AZRErstmeldung.090009/person/staatsangehoerigkeit[2]/code".
func Path(e *etree.Element) string {
	var parts []string
	for ; e != nil && e.Tag != ""; e = e.Parent() {
		part := e.Tag
		if p := e.Parent(); p != nil {
			n, idx := 0, 0
			for _, s := range p.ChildElements() {
				if s.Tag == e.Tag && s.Space == e.Space {
					n++
					if s == e {
						idx = n
					}
				}
			}
			if n > 1 {
				part += "[" + strconv.Itoa(idx) + "]"
			}
		}
		parts = append(parts, part)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// Party is an autor or leser of the header.
type Party struct {
	Verzeichnisdienst string // code, "DVDV"
	Kennung           string // "prefix:key", exactly as written (XML white space trimmed)
	Name              string
	// Erreichbarkeit lists the channels (erreichbarkeit), in document
	// order: one or more for the autor, optional for the leser.
	Erreichbarkeit []Kommunikation
}

// Kommunikation is one erreichbarkeit of a Party.
type Kommunikation struct {
	Kanal   string // code of urn:xgate:de:codeliste:erreichbarkeit, "01" e-mail
	Kennung string // the address or number
	Zusatz  string
}

// Ereignis is identifikation.ereignis: the time the author stored or
// processed the event, and the author's mark for it.
type Ereignis struct {
	Zeitpunkt string // ereignis.zeitpunkt, as written
	Zeichen   string // ereignis.zeichen
}

// Header holds the fields of nachrichtenkopf.g2g, the elements that follow
// it (ausloeserUUID, identifikation.ereignis) and the root attributes, as
// in XAusländer's Nachricht.G2G.XA family. Missing fields are empty; the
// schema decides what is mandatory. Values are the element text with XML
// white space (space, tab, CR, LF) trimmed and nothing else: a no-break
// space or another Unicode space stays part of the value, so that codes,
// kennungen and UUIDs compare exactly. Compare UUIDs with CanonicalUUID.
type Header struct {
	Root          string // local name of the root element
	Namespace     string // namespace URI of the root element
	UUID          string // nachrichtenUUID, as written
	Type          string // nachrichtentyp/code
	Created       string // erstellungszeitpunkt, as written
	Leser         Party
	Autor         Party
	AusloeserUUID string   // ausloeserUUID after the header, as written
	Ereignis      Ereignis // identifikation.ereignis after the header
	Standard      string   // root attribute standard
	Version       string   // root attribute version
	Test          bool     // root attribute test present: a test message
	TestText      string   // content of the test attribute (agreed bilaterally)
}

// Header reads the header fields.
func (m *Message) Header() Header {
	h := Header{}
	if m.Root == nil {
		return h
	}
	h.Root = m.Root.Tag
	h.Namespace = m.Root.NamespaceURI()
	h.Standard = m.Root.SelectAttrValue("standard", "")
	h.Version = m.Root.SelectAttrValue("version", "")
	if a := m.Root.SelectAttr("test"); a != nil {
		h.Test, h.TestText = true, a.Value
	}
	h.AusloeserUUID = TokenText(m.Root.SelectElement("ausloeserUUID"))
	if ev := m.Root.SelectElement("identifikation.ereignis"); ev != nil {
		h.Ereignis = Ereignis{
			Zeitpunkt: TokenText(ev.SelectElement("ereignis.zeitpunkt")),
			Zeichen:   TokenText(ev.SelectElement("ereignis.zeichen")),
		}
	}
	kopf := m.Root.SelectElement("nachrichtenkopf.g2g")
	if kopf == nil {
		return h
	}
	if id := kopf.SelectElement("identifikation.nachricht"); id != nil {
		h.UUID = TokenText(id.SelectElement("nachrichtenUUID"))
		h.Type = TokenText(child(id.SelectElement("nachrichtentyp"), "code"))
		h.Created = TokenText(id.SelectElement("erstellungszeitpunkt"))
	}
	h.Leser = party(kopf.SelectElement("leser"))
	h.Autor = party(kopf.SelectElement("autor"))
	return h
}

func party(e *etree.Element) Party {
	if e == nil {
		return Party{}
	}
	p := Party{
		Verzeichnisdienst: TokenText(child(e.SelectElement("verzeichnisdienst"), "code")),
		Kennung:           TokenText(e.SelectElement("kennung")),
		Name:              TokenText(e.SelectElement("name")),
	}
	for _, k := range e.SelectElements("erreichbarkeit") {
		p.Erreichbarkeit = append(p.Erreichbarkeit, Kommunikation{
			Kanal:   TokenText(child(k.SelectElement("kanal"), "code")),
			Kennung: TokenText(k.SelectElement("kennung")),
			Zusatz:  TokenText(k.SelectElement("zusatz")),
		})
	}
	return p
}

func child(e *etree.Element, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	return e.SelectElement(tag)
}

// Text returns the trimmed text of e, or "" for nil.
func Text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.Text())
}
