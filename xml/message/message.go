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
	Kennung           string // "prefix:key"
	Name              string
}

// Header holds the fields of nachrichtenkopf.g2g and the root attributes.
// Missing fields are empty; the schema decides what is mandatory.
type Header struct {
	Root          string // local name of the root element
	Namespace     string // namespace URI of the root element
	UUID          string // nachrichtenUUID
	Type          string // nachrichtentyp/code
	Created       string // erstellungszeitpunkt, as written
	Leser         Party
	Autor         Party
	AusloeserUUID string
	Standard      string // root attribute standard
	Version       string // root attribute version
	Test          bool   // root attribute test present
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
	h.Test = m.Root.SelectAttr("test") != nil
	kopf := m.Root.SelectElement("nachrichtenkopf.g2g")
	if kopf == nil {
		return h
	}
	if id := kopf.SelectElement("identifikation.nachricht"); id != nil {
		h.UUID = Text(id.SelectElement("nachrichtenUUID"))
		h.Type = Text(child(id.SelectElement("nachrichtentyp"), "code"))
		h.Created = Text(id.SelectElement("erstellungszeitpunkt"))
	}
	h.Leser = party(kopf.SelectElement("leser"))
	h.Autor = party(kopf.SelectElement("autor"))
	h.AusloeserUUID = Text(kopf.SelectElement("ausloeserUUID"))
	return h
}

func party(e *etree.Element) Party {
	if e == nil {
		return Party{}
	}
	return Party{
		Verzeichnisdienst: Text(child(e.SelectElement("verzeichnisdienst"), "code")),
		Kennung:           Text(e.SelectElement("kennung")),
		Name:              Text(e.SelectElement("name")),
	}
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
