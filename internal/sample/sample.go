// Package sample builds messages from xgate's shipped valid samples (the
// plain conformance vectors: Valid and no expected warning). The simulated
// partners (gateway/peer) and the demo scenarios (gateway/scenario) take a
// sample of the wanted type, rewrite its header for the real parties and
// fill in the values that must correspond (AZR number, person, ausloeser);
// no XML is ever concatenated from strings.
//
// A Set is read once and is immutable; Doc hands out deep copies, so that
// callers may change them freely and concurrently.
package sample

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// TimestampLayout is the layout of every time stamp xgate writes
// (catalogue.md §1).
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

// DateLayout is the layout of xs:date values.
const DateLayout = "2006-01-02"

// ErrNoSample is returned when no plain sample of a type (or of a name)
// exists.
var ErrNoSample = errors.New("sample: no plain sample")

// Sample is one plain valid sample, parsed.
type Sample struct {
	Type string // "090009"
	Name string // file name, "erstmeldung-duldung.xml"
	doc  *etree.Document
}

// Root returns the sample's root element. It must not be changed: use
// Set.Doc for a copy to change.
func (s *Sample) Root() *etree.Element { return s.doc.Root() }

// contact is how an author is reached, and with which software it writes:
// its erreichbarkeit elements, its anschrift.autor and the root attributes
// produkt, produkthersteller and produktversion, as the samples give them.
type contact struct {
	erreichbarkeit []*etree.Element
	anschrift      *etree.Element
	product        []etree.Attr
}

// productAttrs are the root attributes that name the author's software.
var productAttrs = []string{"produkt", "produkthersteller", "produktversion"}

// Set is the set of plain samples by type, with the code lists used to
// name codes and the contact data of every author the samples know.
type Set struct {
	cat      *catalogue.Catalogue
	lists    *catalogue.CodeLists
	byType   map[string][]*Sample
	contacts map[kennung.Kennung]contact
	byRole   map[kennung.Role]contact
}

// Load reads the plain samples of conformance.Vectors. A nil cat means
// catalogue.New().
func Load(cat *catalogue.Catalogue) (*Set, error) {
	if cat == nil {
		cat = catalogue.New()
	}
	lists, err := catalogue.BuiltinCodeLists()
	if err != nil {
		return nil, fmt.Errorf("sample: code lists: %w", err)
	}
	vs, err := conformance.Vectors()
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	s := &Set{cat: cat, lists: lists, byType: map[string][]*Sample{},
		contacts: map[kennung.Kennung]contact{}, byRole: map[kennung.Role]contact{}}
	for _, v := range vs {
		if !v.Valid || v.WantWarning != "" {
			continue
		}
		m, err := message.Parse(v.Data, message.Limits{})
		if err != nil {
			return nil, fmt.Errorf("sample: %s: %w", v.Path, err)
		}
		smp := &Sample{Type: v.Type, Name: v.Name, doc: m.Doc}
		s.byType[v.Type] = append(s.byType[v.Type], smp)
		s.learnContact(smp)
	}
	return s, nil
}

// learnContact remembers the author's contact data of smp, the first seen
// per kennung and per role (the role being the type's only sender role).
func (s *Set) learnContact(smp *Sample) {
	root := smp.Root()
	autor := root.FindElement("nachrichtenkopf.g2g/autor")
	if autor == nil {
		return
	}
	k := kennung.Kennung(message.TokenText(autor.SelectElement("kennung")))
	c := contact{erreichbarkeit: autor.SelectElements("erreichbarkeit"), anschrift: root.SelectElement("anschrift.autor")}
	for _, a := range root.Attr {
		if a.Space == "" && slices.Contains(productAttrs, a.Key) {
			c.product = append(c.product, a)
		}
	}
	if _, ok := s.contacts[k]; !ok {
		s.contacts[k] = c
	}
	if t, ok := s.cat.Lookup(smp.Type); ok && len(t.From) == 1 {
		if _, ok := s.byRole[t.From[0]]; !ok {
			s.byRole[t.From[0]] = c
		}
	}
}

// Samples returns the plain samples of typ in path order.
func (s *Set) Samples(typ string) []*Sample { return slices.Clone(s.byType[typ]) }

// Types returns the type codes that have a plain sample, sorted.
func (s *Set) Types() []string {
	out := make([]string, 0, len(s.byType))
	for t := range s.byType {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Doc returns a deep copy of the plain sample of typ named name (the file
// name, with or without ".xml"), or of the first one when name is "".
func (s *Set) Doc(typ, name string) (*etree.Document, error) {
	for _, smp := range s.byType[typ] {
		if name == "" || smp.Name == name || smp.Name == name+".xml" {
			return smp.doc.Copy(), nil
		}
	}
	if name == "" {
		return nil, fmt.Errorf("%w of type %s", ErrNoSample, typ)
	}
	return nil, fmt.Errorf("%w %s of type %s", ErrNoSample, name, typ)
}

// Catalogue returns the catalogue the set was loaded with.
func (s *Set) Catalogue() *catalogue.Catalogue { return s.cat }

// Header is what SetHeader writes into a message.
type Header struct {
	UUID    string    // nachrichtenUUID
	Created time.Time // erstellungszeitpunkt (and ereignis.zeitpunkt, if the type has one)
	Autor   kennung.Identity
	Leser   kennung.Identity
	// Ausloeser is the ausloeserUUID; "" removes the element (only where
	// the schema makes it optional).
	Ausloeser string
}

// SetHeader rewrites the header of doc: UUID, time, leser and autor (with
// the autor's erreichbarkeit, anschrift.autor and product attributes as the
// samples give them for its kennung, else for its role), ausloeserUUID and,
// where present, identifikation.ereignis.
func (s *Set) SetHeader(doc *etree.Document, h Header) error {
	root := doc.Root()
	kopf := root.SelectElement("nachrichtenkopf.g2g")
	if kopf == nil {
		return errors.New("sample: no nachrichtenkopf.g2g")
	}
	if !message.ValidUUID(h.UUID) {
		return fmt.Errorf("sample: %q is not a UUID", h.UUID)
	}
	if err := SetText(kopf, "identifikation.nachricht/nachrichtenUUID", h.UUID); err != nil {
		return err
	}
	if err := SetText(kopf, "identifikation.nachricht/erstellungszeitpunkt", h.Created.Format(TimestampLayout)); err != nil {
		return err
	}
	leser, autor := kopf.SelectElement("leser"), kopf.SelectElement("autor")
	if leser == nil || autor == nil {
		return errors.New("sample: header without leser or autor")
	}
	setParty(leser, h.Leser)
	for _, e := range leser.SelectElements("erreichbarkeit") {
		leser.RemoveChild(e)
	}
	setParty(autor, h.Autor)
	c, ok := s.contacts[h.Autor.Kennung]
	if !ok {
		c, ok = s.byRole[h.Autor.Role]
	}
	if ok {
		for _, e := range autor.SelectElements("erreichbarkeit") {
			autor.RemoveChild(e)
		}
		for _, e := range c.erreichbarkeit {
			autor.AddChild(e.Copy())
		}
		if old := root.SelectElement("anschrift.autor"); old != nil && c.anschrift != nil {
			replace(old, c.anschrift.Copy())
		}
		if len(c.product) > 0 {
			setProduct(root, c.product)
		}
	}
	if err := setAusloeser(root, h.Ausloeser); err != nil {
		return err
	}
	if ev := root.SelectElement("identifikation.ereignis"); ev != nil {
		if z := ev.SelectElement("ereignis.zeitpunkt"); z != nil {
			z.SetText(h.Created.Format(TimestampLayout))
		}
		if z := ev.SelectElement("ereignis.zeichen"); z != nil {
			prefix, _, _ := strings.Cut(message.TokenText(z), "-Vorgang-")
			if prefix == "" || prefix == message.TokenText(z) {
				prefix = "Vorgang"
			} else {
				prefix += "-Vorgang"
			}
			z.SetText(prefix + "-" + h.UUID[:8])
		}
	}
	return nil
}

func setParty(e *etree.Element, id kennung.Identity) {
	if k := e.SelectElement("kennung"); k != nil {
		k.SetText(string(id.Kennung))
	}
	if n := e.SelectElement("name"); n != nil && id.Name != "" {
		n.SetText(id.Name)
	}
}

// setAusloeser sets, inserts or removes ausloeserUUID. It is inserted after
// identifikation.ereignis in group 03 (Nachricht.MBABH) and after
// anschrift.autor otherwise (Nachricht.Erweitert, Antwortnachricht).
func setAusloeser(root *etree.Element, uuid string) error {
	a := root.SelectElement("ausloeserUUID")
	switch {
	case uuid == "" && a != nil:
		root.RemoveChild(a)
	case uuid == "":
	case a != nil:
		a.SetText(uuid)
	default:
		after := root.SelectElement("anschrift.autor")
		if ev := root.SelectElement("identifikation.ereignis"); ev != nil && strings.HasPrefix(root.Tag, "MBABH.") {
			after = ev
		}
		if after == nil {
			return errors.New("sample: no place for ausloeserUUID")
		}
		n := etree.NewElement("ausloeserUUID")
		n.SetText(uuid)
		root.InsertChildAt(after.Index()+1, n)
	}
	return nil
}

// replace puts n in the place of old.
func replace(old, n *etree.Element) {
	p := old.Parent()
	i := old.Index()
	p.RemoveChildAt(i)
	p.InsertChildAt(i, n)
}

// Replace puts a copy of n in the place of old, keeping old's tag (so that
// a person element can take the place of another one of the same type).
func Replace(old, n *etree.Element) {
	c := n.Copy()
	c.Space, c.Tag = old.Space, old.Tag
	replace(old, c)
}

// SetText sets the text of the element at path below e.
func SetText(e *etree.Element, path, text string) error {
	t := e.FindElement(path)
	if t == nil {
		return fmt.Errorf("sample: no %s below %s", path, e.Tag)
	}
	t.SetText(text)
	return nil
}

// Text returns the token text (XML white space trimmed) of the element at
// path below e, or "".
func Text(e *etree.Element, path string) string {
	if e == nil {
		return ""
	}
	return message.TokenText(e.FindElement(path))
}

// Code returns the code of the code element at path below e, or "".
func Code(e *etree.Element, path string) string { return Text(e, path+"/code") }

// SetCode sets the code of the code element e and, where e has a name,
// the name from the code list that e's listURI and listVersionID name (the
// name is removed when the list has none).
func (s *Set) SetCode(e *etree.Element, code string) error {
	if e == nil {
		return errors.New("sample: no code element")
	}
	uri, ver := e.SelectAttrValue("listURI", ""), e.SelectAttrValue("listVersionID", "")
	l, ok := s.lists.Get(uri, ver)
	if !ok {
		return fmt.Errorf("sample: unknown code list %s version %s", uri, ver)
	}
	if !l.Has(code) {
		return fmt.Errorf("sample: code %q not in %s version %s", code, uri, ver)
	}
	c := e.SelectElement("code")
	if c == nil {
		c = e.CreateElement("code")
	}
	c.SetText(code)
	n := e.SelectElement("name")
	switch name := l.Name(code); {
	case name == "" && n != nil:
		e.RemoveChild(n)
	case name == "":
	case n == nil: // the sample names no code here: keep its shape
	default:
		n.SetText(name)
	}
	return nil
}

// Bytes renders doc indented by two spaces with an XML declaration.
func Bytes(doc *etree.Document) ([]byte, error) {
	stripSpace(doc.Root())
	if len(doc.Child) == 0 || !isDecl(doc.Child[0]) {
		doc.InsertChildAt(0, etree.NewProcInst("xml", `version="1.0" encoding="UTF-8"`))
	}
	doc.Indent(2)
	var b bytes.Buffer
	if _, err := doc.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	return b.Bytes(), nil
}

// UUID returns an RFC 4122 version 4 UUID made of r's numbers, or of
// crypto/rand when r is nil.
func UUID(r *mrand.Rand) string {
	var b [16]byte
	if r == nil {
		_, _ = rand.Read(b[:]) // never fails (crypto/rand doc)
	} else {
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// stripSpace removes the white-space text between the child elements of e
// and below, so that Indent lays the document out afresh (the parser keeps
// that text as ordinary character data).
func stripSpace(e *etree.Element) {
	if len(e.ChildElements()) == 0 {
		return
	}
	for i := len(e.Child) - 1; i >= 0; i-- {
		if cd, ok := e.Child[i].(*etree.CharData); ok && strings.TrimSpace(cd.Data) == "" {
			e.RemoveChildAt(i)
		}
	}
	for _, ch := range e.ChildElements() {
		stripSpace(ch)
	}
}

func isDecl(t etree.Token) bool {
	pi, ok := t.(*etree.ProcInst)
	return ok && pi.Target == "xml"
}

// setProduct replaces the product attributes of root, keeping the order
// namespace declarations, product attributes, the rest.
func setProduct(root *etree.Element, product []etree.Attr) {
	var ns, rest []etree.Attr
	for _, a := range root.Attr {
		switch {
		case a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns"):
			ns = append(ns, a)
		case a.Space == "" && slices.Contains(productAttrs, a.Key):
		default:
			rest = append(rest, a)
		}
	}
	root.Attr = slices.Concat(ns, product, rest)
}
