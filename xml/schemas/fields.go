package schemas

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/beevik/etree"
)

// Field is one element or attribute of a message type, as the schemas
// define it: the page a vendor reads (xgate catalogue show) is built from
// these.
type Field struct {
	// Path is the element path below the root, "person/name/familienname";
	// an attribute's path ends in "@name".
	Path string
	// Depth is the nesting level (0 for children of the root).
	Depth int
	// Min and Max are the occurrence bounds; Max is -1 for unbounded.
	Min, Max int
	// Type is the XSD type, "bas:Code.Geschlecht", "xs:date"; for an
	// anonymous simple type its base plus " (restricted)"; "" for an
	// anonymous complex type.
	Type string
	// CodeType is set for a code element: the code type, "Code.Geschlecht".
	CodeType string
	// Choice names the choice this field is an alternative of ("" if none),
	// as the path of its parent plus the alternatives, "anfrage: azrNummer |
	// personalien | passnummer".
	Choice string
	// Fixed is the fixed value of an attribute or element, if any.
	Fixed string
	// DE and EN are the documentation.
	DE, EN string
	// Attribute marks attributes.
	Attribute bool
	// Qualified reports whether the element is written in the target
	// namespace (its form, or the elementFormDefault of the schema that
	// declares it); attributes are never qualified.
	Qualified bool
	// Simple describes the value of an element with simple content or of
	// an attribute: its built-in base type and facets, resolved through
	// named simple types. Zero for complex elements and code elements.
	Simple Simple
}

// Simple is a simple type resolved to its built-in base and facets.
type Simple struct {
	// Base is the local name of the XSD built-in type the value derives
	// from, "string", "token", "date", "boolean"; "union" for a union.
	Base string
	// Patterns are the pattern facets along the derivation, each of which
	// the value must match.
	Patterns []string
	// MinLength and MaxLength are the tightest length facets; -1 if none.
	MinLength, MaxLength int
	// Enumeration lists the allowed values, if enumerated.
	Enumeration []string
	// MinInclusive, MaxInclusive, MinExclusive and MaxExclusive are the
	// bounds of a number or date, as written; "" if none.
	MinInclusive, MaxInclusive, MinExclusive, MaxExclusive string
	// FractionDigits is the fractionDigits facet; -1 if none.
	FractionDigits int
	// Members are the member types of a union.
	Members []Simple
}

// Occurs renders the cardinality, "1", "0..1", "1..n", "0..32".
func (f Field) Occurs() string {
	max := "n"
	if f.Max >= 0 {
		max = strconv.Itoa(f.Max)
	}
	if f.Min == f.Max {
		return strconv.Itoa(f.Min)
	}
	return strconv.Itoa(f.Min) + ".." + max
}

// Model is the parsed set of schemas: global elements and named types.
// It is immutable after NewModel and safe for concurrent use.
type Model struct {
	types    map[string]*etree.Element // "ns|name" → complexType/simpleType
	groups   map[string]*etree.Element // "ns|name" → group
	agroups  map[string]*etree.Element // "ns|name" → attributeGroup
	elements map[string]*etree.Element // local name → global element (messages namespace)
	prefixes map[*etree.Element]map[string]string

	mu     sync.Mutex
	fields map[string][]Field
}

// NewModel parses the embedded schemas.
func NewModel() (*Model, error) { return NewModelFS(files, NSMessages) }

// NewModelFS parses every .xsd file at the top of fsys, whose message
// root elements are the global elements of namespace messagesNS: the
// model of another set of schemas in the same style (an adapter's dialect).
func NewModelFS(fsys fs.FS, messagesNS string) (*Model, error) {
	m := &Model{types: map[string]*etree.Element{}, groups: map[string]*etree.Element{}, agroups: map[string]*etree.Element{},
		elements: map[string]*etree.Element{}, prefixes: map[*etree.Element]map[string]string{}, fields: map[string][]Field{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xsd") {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		d := etree.NewDocument()
		if err := d.ReadFromBytes(data); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
		root := d.Root()
		pm := map[string]string{}
		for _, a := range root.Attr {
			if a.Space == "xmlns" {
				pm[a.Key] = a.Value
			}
		}
		m.prefixes[root] = pm
		tns := root.SelectAttrValue("targetNamespace", "")
		for _, c := range root.ChildElements() {
			name := c.SelectAttrValue("name", "")
			if name == "" {
				continue
			}
			key := tns + "|" + name
			switch c.Tag {
			case "complexType", "simpleType":
				m.types[key] = c
			case "group":
				m.groups[key] = c
			case "attributeGroup":
				m.agroups[key] = c
			case "element":
				if tns == messagesNS {
					m.elements[name] = c
				}
			}
		}
	}
	return m, nil
}

// Roots returns the names of the message root elements, sorted.
func (m *Model) Roots() []string {
	out := make([]string, 0, len(m.elements))
	for n := range m.elements {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Fields returns the fields of the message with root element root, in
// document order, depth first.
func (m *Model) Fields(root string) ([]Field, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if fs, ok := m.fields[root]; ok {
		return fs, nil
	}
	el, ok := m.elements[root]
	if !ok {
		return nil, fmt.Errorf("schemas: no message element %s", root)
	}
	w := &walker{m: m}
	w.typeOf(el, "", 0, nil)
	m.fields[root] = w.out
	return w.out, nil
}

// CodeTypes returns, for the message root, the code type of every code
// element by its path below the root ("person/geschlecht" →
// "Code.Geschlecht"), so that a code without listURI can be checked against
// the list its type fixes.
func (m *Model) CodeTypes(root string) (map[string]string, error) {
	fs, err := m.Fields(root)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range fs {
		if f.CodeType != "" {
			out[f.Path] = f.CodeType
		}
	}
	return out, nil
}

type walker struct {
	m     *Model
	out   []Field
	stack []string // type keys being expanded, to stop recursion
}

func schemaOf(e *etree.Element) *etree.Element {
	for e.Parent() != nil && e.Parent().Tag != "" {
		e = e.Parent()
	}
	return e
}

// resolve turns a QName "bas:Foo" used in e's schema into "ns|Foo".
func (w *walker) resolve(e *etree.Element, qname string) string {
	prefix, local, ok := strings.Cut(qname, ":")
	if !ok {
		local, prefix = qname, ""
	}
	ns := w.m.prefixes[schemaOf(e)][prefix]
	return ns + "|" + local
}

func docs(e *etree.Element) (de, en string) {
	for _, d := range e.FindElements("xs:annotation/xs:documentation") {
		switch d.SelectAttrValue("xml:lang", "") {
		case "de":
			de = strings.TrimSpace(d.Text())
		case "en":
			en = strings.TrimSpace(d.Text())
		}
	}
	return de, en
}

func occurs(e *etree.Element) (int, int) {
	min, max := 1, 1
	if v := e.SelectAttrValue("minOccurs", ""); v != "" {
		min, _ = strconv.Atoi(v)
	}
	if v := e.SelectAttrValue("maxOccurs", ""); v == "unbounded" {
		max = -1
	} else if v != "" {
		max, _ = strconv.Atoi(v)
	}
	return min, max
}

// typeOf expands the content of element el (its named or anonymous type)
// below path.
func (w *walker) typeOf(el *etree.Element, path string, depth int, _ []string) {
	if t := el.SelectAttrValue("type", ""); t != "" {
		key := w.resolve(el, t)
		if ct, ok := w.m.types[key]; ok && ct.Tag == "complexType" {
			w.complex(ct, key, path, depth)
		}
		return
	}
	if ct := el.SelectElement("complexType"); ct != nil {
		w.complex(ct, "", path, depth)
	}
}

func isCodeType(key string) bool {
	_, name, _ := strings.Cut(key, "|")
	return strings.HasPrefix(name, "Code.")
}

func (w *walker) complex(ct *etree.Element, key, path string, depth int) {
	if key != "" {
		for _, k := range w.stack {
			if k == key {
				return
			}
		}
		w.stack = append(w.stack, key)
		defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	}
	if cc := ct.SelectElement("complexContent"); cc != nil {
		if ext := cc.SelectElement("extension"); ext != nil {
			bkey := w.resolve(ext, ext.SelectAttrValue("base", ""))
			if b, ok := w.m.types[bkey]; ok {
				w.complex(b, bkey, path, depth)
			}
			w.content(ext, path, depth)
			return
		}
		if res := cc.SelectElement("restriction"); res != nil {
			w.content(res, path, depth)
			return
		}
	}
	w.content(ct, path, depth)
}

// content walks the particle and attributes of a complexType,
// extension or restriction.
func (w *walker) content(e *etree.Element, path string, depth int) {
	for _, c := range e.ChildElements() {
		switch c.Tag {
		case "sequence", "choice", "all":
			w.particle(c, path, depth, "")
		case "group":
			w.group(c, path, depth, "")
		case "attribute":
			w.attribute(c, path, depth)
		case "attributeGroup":
			if g, ok := w.m.agroups[w.resolve(c, c.SelectAttrValue("ref", ""))]; ok {
				for _, a := range g.SelectElements("attribute") {
					w.attribute(a, path, depth)
				}
			}
		}
	}
}

func (w *walker) group(ref *etree.Element, path string, depth int, choice string) {
	if g, ok := w.m.groups[w.resolve(ref, ref.SelectAttrValue("ref", ""))]; ok {
		for _, c := range g.ChildElements() {
			if c.Tag == "sequence" || c.Tag == "choice" {
				w.particle(c, path, depth, choice)
			}
		}
	}
}

func (w *walker) particle(p *etree.Element, path string, depth int, choice string) {
	if p.Tag == "choice" {
		var alts []string
		for _, c := range p.ChildElements() {
			if c.Tag == "element" {
				alts = append(alts, c.SelectAttrValue("name", ""))
			}
		}
		label := strings.TrimSuffix(path, "/")
		if label == "" {
			label = "(root)"
		}
		choice = label + ": " + strings.Join(alts, " | ")
	}
	for _, c := range p.ChildElements() {
		switch c.Tag {
		case "element":
			w.element(c, path, depth, choice)
		case "sequence", "choice":
			w.particle(c, path, depth, choice)
		case "group":
			w.group(c, path, depth, choice)
		}
	}
}

func (w *walker) element(e *etree.Element, path string, depth int, choice string) {
	name := e.SelectAttrValue("name", "")
	p := name
	if path != "" {
		p = path + "/" + name
	}
	min, max := occurs(e)
	de, en := docs(e)
	f := Field{Path: p, Depth: depth, Min: min, Max: max, Choice: choice, DE: de, EN: en, Fixed: e.SelectAttrValue("fixed", ""),
		Qualified: qualified(e)}
	if t := e.SelectAttrValue("type", ""); t != "" {
		f.Type = t
		if key := w.resolve(e, t); isCodeType(key) {
			_, f.CodeType, _ = strings.Cut(key, "|")
		} else {
			f.Simple = w.simpleOf(e, t)
		}
	} else if st := e.SelectElement("simpleType"); st != nil {
		if r := st.SelectElement("restriction"); r != nil {
			f.Type = r.SelectAttrValue("base", "") + " (restricted)"
		}
		f.Simple = w.simpleType(st, 0)
	}
	w.out = append(w.out, f)
	if f.CodeType != "" {
		return // a code is a leaf on the page; its list is named by CodeType
	}
	w.typeOf(e, p, depth+1, nil)
}

func (w *walker) attribute(a *etree.Element, path string, depth int) {
	name := a.SelectAttrValue("name", "")
	p := "@" + name
	if path != "" {
		p = path + "/@" + name
	}
	min := 0
	if a.SelectAttrValue("use", "") == "required" {
		min = 1
	}
	de, en := docs(a)
	f := Field{Path: p, Depth: depth, Min: min, Max: 1, Type: a.SelectAttrValue("type", ""),
		Fixed: a.SelectAttrValue("fixed", ""), DE: de, EN: en, Attribute: true}
	if f.Type != "" {
		f.Simple = w.simpleOf(a, f.Type)
	} else if st := a.SelectElement("simpleType"); st != nil {
		f.Simple = w.simpleType(st, 0)
	}
	w.out = append(w.out, f)
}

// nsXSD is the namespace of the XSD built-in types.
const nsXSD = "http://www.w3.org/2001/XMLSchema"

// qualified reports whether element declaration e is written in the
// target namespace.
func qualified(e *etree.Element) bool {
	if e.Parent() != nil && e.Parent().Tag == "schema" {
		return true // a global element
	}
	if f := e.SelectAttrValue("form", ""); f != "" {
		return f == "qualified"
	}
	return schemaOf(e).SelectAttrValue("elementFormDefault", "unqualified") == "qualified"
}

// simpleOf resolves the simple type named qname, used in e's schema.
func (w *walker) simpleOf(e *etree.Element, qname string) Simple {
	return w.simpleNamed(w.resolve(e, qname), 0)
}

func (w *walker) simpleNamed(key string, depth int) Simple {
	ns, local, _ := strings.Cut(key, "|")
	if ns == nsXSD {
		return Simple{Base: local, MinLength: -1, MaxLength: -1, FractionDigits: -1}
	}
	st, ok := w.m.types[key]
	if !ok || st.Tag != "simpleType" || depth > 16 {
		return Simple{MinLength: -1, MaxLength: -1, FractionDigits: -1}
	}
	return w.simpleType(st, depth+1)
}

// simpleType resolves a simpleType declaration (named or anonymous).
func (w *walker) simpleType(st *etree.Element, depth int) Simple {
	if u := st.SelectElement("union"); u != nil {
		s := Simple{Base: "union", MinLength: -1, MaxLength: -1, FractionDigits: -1}
		for _, mt := range strings.Fields(u.SelectAttrValue("memberTypes", "")) {
			s.Members = append(s.Members, w.simpleNamed(w.resolve(u, mt), depth+1))
		}
		for _, c := range u.SelectElements("simpleType") {
			s.Members = append(s.Members, w.simpleType(c, depth+1))
		}
		return s
	}
	r := st.SelectElement("restriction")
	if r == nil {
		return Simple{MinLength: -1, MaxLength: -1, FractionDigits: -1}
	}
	var s Simple
	if b := r.SelectAttrValue("base", ""); b != "" {
		s = w.simpleNamed(w.resolve(r, b), depth+1)
	} else if inner := r.SelectElement("simpleType"); inner != nil {
		s = w.simpleType(inner, depth+1)
	}
	s.Patterns = append([]string(nil), s.Patterns...)
	var enum []string
	for _, c := range r.ChildElements() {
		v := c.SelectAttrValue("value", "")
		switch c.Tag {
		case "pattern":
			s.Patterns = append(s.Patterns, v)
		case "enumeration":
			enum = append(enum, v)
		case "length":
			n, _ := strconv.Atoi(v)
			s.MinLength, s.MaxLength = n, n
		case "minLength":
			if n, _ := strconv.Atoi(v); n > s.MinLength {
				s.MinLength = n
			}
		case "maxLength":
			if n, _ := strconv.Atoi(v); s.MaxLength < 0 || n < s.MaxLength {
				s.MaxLength = n
			}
		case "minInclusive":
			s.MinInclusive = v
		case "maxInclusive":
			s.MaxInclusive = v
		case "minExclusive":
			s.MinExclusive = v
		case "maxExclusive":
			s.MaxExclusive = v
		case "fractionDigits":
			s.FractionDigits, _ = strconv.Atoi(v)
		}
	}
	if enum != nil {
		s.Enumeration = enum
	}
	return s
}
