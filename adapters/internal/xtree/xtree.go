// Package xtree is the schema-aware message tree the adapters translate
// on: Decode reads a message (hardened parse, then every element and
// attribute checked against the message type's schema fields), Encode
// writes one in schema order, Flatten and Build turn a tree into its
// values by path and back. Nothing in the input is dropped: an element
// or attribute the schema does not declare, text in element-only content
// or child elements in a simple one is an error naming its path.
package xtree

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
)

// Node is an element of a message.
type Node struct {
	Name  string
	Attrs []Attr
	// Text is the content of an element with simple content, exactly as
	// written (no white space removed).
	Text string
	Kids []*Node
	set  bool // Text was given by Build
}

// Attr is an attribute.
type Attr struct{ Name, Value string }

// Attr returns the value of attribute name and whether it is present.
func (n *Node) Attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Kid returns the first child element called name, or nil.
func (n *Node) Kid(name string) *Node {
	for _, k := range n.Kids {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// Info describes one element or attribute path of a message type.
type Info struct {
	// Path is the schema path without indices, "person/name/vorname",
	// "person/geschlecht/@listURI"; "" for the root.
	Path  string
	Field schemas.Field
	// Order is the position among the siblings in the schema.
	Order int
	// Leaf is set for simple content (and attributes); Code for a code
	// element (children code and name, attributes listURI and
	// listVersionID); Repeat for an element that may occur more than once.
	Leaf, Code, Repeat, Attribute bool
	// Kids and Attrs are the child element and attribute names in
	// schema order.
	Kids, Attrs []string
	kid, attr   map[string]*Info // by name
	// chain holds the Infos of the elements from the root's child down
	// to this one (the element owning an attribute, for an attribute);
	// names their local names.
	chain []*Info
	names []string
}

// child returns the Info of child element name.
func (in *Info) child(name string) *Info { return in.kid[name] }

// attribute returns the Info of attribute name.
func (in *Info) attribute(name string) *Info { return in.attr[name] }

// Type is one message type: its root element and every path below.
type Type struct {
	Root  string
	infos map[string]*Info
	order []string // element and attribute paths in schema order
}

// Info returns the description of path (without indices).
func (t *Type) Info(path string) (*Info, bool) {
	i, ok := t.infos[path]
	return i, ok
}

// Paths returns every path of the type in schema order: elements and
// attributes, the children of a code element included.
func (t *Type) Paths() []string { return slices.Clone(t.order) }

// Schema is a set of message types in one namespace.
type Schema struct {
	NS     string
	Prefix string
	types  map[string]*Type
}

// NewSchema builds the types with the given root element names from
// model; messages are written with the namespace prefix prefix.
func NewSchema(model *schemas.Model, ns, prefix string, roots []string) (*Schema, error) {
	s := &Schema{NS: ns, Prefix: prefix, types: map[string]*Type{}}
	for _, root := range roots {
		fields, err := model.Fields(root)
		if err != nil {
			return nil, err
		}
		t := &Type{Root: root, infos: map[string]*Info{}}
		t.infos[""] = &Info{Path: "", Field: schemas.Field{Qualified: true, Min: 1, Max: 1}, kid: map[string]*Info{}, attr: map[string]*Info{}}
		add := func(f schemas.Field) {
			parent, name := splitPath(f.Path)
			p := t.infos[parent]
			if p == nil {
				return
			}
			in := &Info{Path: f.Path, Field: f, Attribute: f.Attribute, kid: map[string]*Info{}, attr: map[string]*Info{}}
			if f.Attribute {
				in.Leaf = true
				in.Order = len(p.Attrs)
				p.Attrs = append(p.Attrs, strings.TrimPrefix(name, "@"))
				p.attr[strings.TrimPrefix(name, "@")] = in
			} else {
				in.Order = len(p.Kids)
				in.Repeat = f.Max != 1
				p.Kids = append(p.Kids, name)
				p.kid[name] = in
			}
			if f.Attribute {
				in.chain = p.chain
				in.names = p.names
			} else {
				in.chain = append(append(make([]*Info, 0, len(p.chain)+1), p.chain...), in)
				in.names = append(append(make([]string, 0, len(p.names)+1), p.names...), name)
			}
			t.infos[f.Path] = in
			t.order = append(t.order, f.Path)
		}
		for _, f := range fields {
			if _, dup := t.infos[f.Path]; dup {
				continue // the same element in two branches of a choice
			}
			add(f)
			if f.CodeType != "" {
				t.infos[f.Path].Code = true
				add(schemas.Field{Path: f.Path + "/code", Min: 1, Max: 1, Type: "xs:token", Simple: schemas.Simple{Base: "token", MinLength: -1, MaxLength: -1}})
				add(schemas.Field{Path: f.Path + "/name", Max: 1, Type: "xs:normalizedString", Simple: schemas.Simple{Base: "normalizedString", MinLength: -1, MaxLength: -1}})
				add(schemas.Field{Path: f.Path + "/@listURI", Max: 1, Attribute: true, Type: "xs:anyURI", Simple: schemas.Simple{Base: "anyURI", MinLength: -1, MaxLength: -1}})
				add(schemas.Field{Path: f.Path + "/@listVersionID", Max: 1, Attribute: true, Type: "xs:normalizedString", Simple: schemas.Simple{Base: "normalizedString", MinLength: -1, MaxLength: -1}})
			}
		}
		for _, in := range t.infos {
			// Our schemas have no empty complex types: every element
			// without child elements has simple content.
			if !in.Attribute && !in.Code && len(in.Kids) == 0 && in.Path != "" {
				in.Leaf = true
			}
		}
		s.types[root] = t
	}
	return s, nil
}

func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

// Type returns the type with root element root.
func (s *Schema) Type(root string) (*Type, bool) {
	t, ok := s.types[root]
	return t, ok
}

// Roots returns the root element names, sorted.
func (s *Schema) Roots() []string {
	out := make([]string, 0, len(s.types))
	for r := range s.types {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func fail(code errcode.Code, path, value, format string, args ...any) *adapters.MappingError {
	return &adapters.MappingError{Code: code, Field: path, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// Decode parses data with the hardened parser (lim) and returns its tree
// and type. The root must be a message of the schema; every element must
// be in its declared namespace (the schema's for qualified ones, none for
// unqualified ones) and declared at its place, every attribute declared;
// element-only content may hold white space and comments only. Errors are
// *adapters.MappingError (X000/S001 from the parser as their Err, X001 for
// the structure) without adapter, direction and message set.
func (s *Schema) Decode(data []byte, lim message.Limits) (*Node, *Type, error) {
	d, root, err := s.start(data, lim)
	if err != nil {
		return nil, nil, err
	}
	n, err := d.walk(root, d.t.infos[""], nil, &where{name: root.Tag})
	if err != nil {
		return nil, nil, err
	}
	return n, d.t, nil
}

// DecodeValues is Decode followed by Flatten, without building the tree.
func (s *Schema) DecodeValues(data []byte, lim message.Limits) ([]Value, *Type, error) {
	d, root, err := s.start(data, lim)
	if err != nil {
		return nil, nil, err
	}
	d.flat = true
	d.out = make([]Value, 0, 64)
	if _, err := d.walk(root, d.t.infos[""], nil, &where{name: root.Tag}); err != nil {
		return nil, nil, err
	}
	return d.out, d.t, nil
}

func (s *Schema) start(data []byte, lim message.Limits) (*decoder, *etree.Element, error) {
	msg, err := message.Parse(data, lim)
	if err != nil {
		code, _ := errcode.Of(err)
		return nil, nil, &adapters.MappingError{Code: code, Reason: "input is not a readable XML message", Err: err}
	}
	root := msg.Root
	if root.NamespaceURI() != s.NS {
		return nil, nil, fail(errcode.SchemaInvalid, root.Tag, "", "root element is in namespace %q, want %q", root.NamespaceURI(), s.NS)
	}
	t, ok := s.types[root.Tag]
	if !ok {
		return nil, nil, fail(errcode.SchemaInvalid, root.Tag, "", "not a message this adapter translates (known: %s)", strings.Join(s.Roots(), ", "))
	}
	return &decoder{s: s, t: t}, root, nil
}

// decoder walks a parsed message, checking it against its type, and
// builds its tree or (flat) its values.
type decoder struct {
	s    *Schema
	t    *Type
	flat bool
	out  []Value
}

// where is an element's place, for error texts only: built as the walk
// descends, rendered when an error needs it.
type where struct {
	parent *where
	name   string
	occ    int // occurrence of a repeatable element, else 0
}

func (w *where) String() string {
	if w == nil {
		return ""
	}
	s := w.name
	if w.occ > 0 {
		s += "[" + strconv.Itoa(w.occ) + "]"
	}
	if w.parent == nil {
		return s
	}
	return w.parent.String() + "/" + s
}

func (d *decoder) walk(e *etree.Element, in *Info, index []int, here *where) (*Node, error) {
	var n *Node
	if !d.flat {
		n = &Node{Name: e.Tag}
	}
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		ain := in.attribute(a.Key)
		if ain == nil || a.Space != "" {
			return nil, fail(errcode.SchemaInvalid, here.String()+"/@"+a.FullKey(), a.Value, "attribute not declared by the schema")
		}
		if d.flat {
			d.out = append(d.out, Value{Path: ain.Path, Index: index, Text: a.Value})
		} else {
			n.Attrs = append(n.Attrs, Attr{Name: a.Key, Value: a.Value})
		}
	}
	var counts map[string]int
	var text string
	var more []string
	kids := 0
	for _, tok := range e.Child {
		switch c := tok.(type) {
		case *etree.Element:
			kids++
			cin := in.child(c.Tag)
			if cin == nil || in.Leaf {
				return nil, fail(errcode.SchemaInvalid, here.String()+"/"+c.FullTag(), "", "element not declared here by the schema")
			}
			wantNS := ""
			if cin.Field.Qualified {
				wantNS = d.s.NS
			}
			if c.NamespaceURI() != wantNS {
				return nil, fail(errcode.SchemaInvalid, here.String()+"/"+c.FullTag(), "", "element is in namespace %q, want %q", c.NamespaceURI(), wantNS)
			}
			ki := index
			occ := 0
			if cin.Repeat {
				if counts == nil {
					counts = map[string]int{}
				}
				counts[c.Tag]++
				occ = counts[c.Tag]
				ki = append(append(make([]int, 0, len(index)+1), index...), occ)
			}
			kid, err := d.walk(c, cin, ki, &where{parent: here, name: c.Tag, occ: occ})
			if err != nil {
				return nil, err
			}
			if !d.flat {
				n.Kids = append(n.Kids, kid)
			}
		case *etree.CharData:
			if text == "" {
				text = c.Data
			} else {
				more = append(more, c.Data)
			}
		}
	}
	if len(more) > 0 {
		text += strings.Join(more, "")
	}
	if !in.Leaf && !blankXML(text) {
		return nil, fail(errcode.SchemaInvalid, here.String(), text, "text in element-only content")
	}
	if d.flat {
		if kids == 0 && in.Path != "" {
			if !in.Leaf {
				text = ""
			}
			d.out = append(d.out, Value{Path: in.Path, Index: index, Text: text})
		}
		return nil, nil
	}
	if in.Leaf {
		n.Text = text
	}
	return n, nil
}

func blankXML(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// Encode writes n as a message of type t: XML declaration, the root with
// the schema's prefix and namespace declaration, children sorted into
// schema order (repeated elements keep their order), attributes in schema
// order, no indentation (white space between elements would only cost
// every reader, the XSD validation first; simple content is written
// exactly). An element or attribute the type does not declare is an
// error.
func (s *Schema) Encode(t *Type, n *Node) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if err := s.encode(&b, t, n, t.infos[""], 0); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func (s *Schema) encode(b *bytes.Buffer, t *Type, n *Node, in *Info, depth int) error {
	root := depth == 0
	tag := n.Name
	if in.Field.Qualified {
		tag = s.Prefix + ":" + n.Name
	}
	b.WriteByte('<')
	b.WriteString(tag)
	if root {
		fmt.Fprintf(b, ` xmlns:%s="`, s.Prefix)
		escape(b, s.NS, true)
		b.WriteByte('"')
	}
	// Attributes in schema order: a few, so a pass per declared one.
	written := 0
	for _, name := range in.Attrs {
		for _, a := range n.Attrs {
			if a.Name != name {
				continue
			}
			b.WriteByte(' ')
			b.WriteString(a.Name)
			b.WriteString(`="`)
			escape(b, a.Value, true)
			b.WriteByte('"')
			written++
		}
	}
	if written != len(n.Attrs) {
		for _, a := range n.Attrs {
			if in.attribute(a.Name) == nil {
				return fail(errcode.SchemaInvalid, joinPath(in.Path, "@"+a.Name), a.Value, "attribute not declared by the schema")
			}
		}
		return fail(errcode.SchemaInvalid, in.Path, "", "attribute given twice")
	}
	if in.Leaf {
		if len(n.Kids) > 0 {
			return fail(errcode.SchemaInvalid, in.Path, "", "simple content with child elements")
		}
		b.WriteByte('>')
		escape(b, n.Text, false)
	} else {
		b.WriteByte('>')
		// Children in schema order, repeated ones in their own order: a
		// pass per declared child name.
		written := 0
		for _, name := range in.Kids {
			cin := in.kid[name]
			for _, k := range n.Kids {
				if k.Name != name {
					continue
				}
				if err := s.encode(b, t, k, cin, depth+1); err != nil {
					return err
				}
				written++
			}
		}
		if written != len(n.Kids) {
			for _, k := range n.Kids {
				if in.child(k.Name) == nil {
					return fail(errcode.SchemaInvalid, joinPath(in.Path, k.Name), "", "element not declared here by the schema")
				}
			}
		}
	}
	b.WriteString("</")
	b.WriteString(tag)
	b.WriteByte('>')
	return nil
}

// escape writes s escaped for XML text or an attribute value; in an
// attribute, tab, line feed and carriage return are written as character
// references so that they survive attribute-value normalisation. Runs of
// ordinary characters are copied at once.
func escape(b *bytes.Buffer, s string, attr bool) {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if attr {
				esc = "&quot;"
			}
		case '\r':
			esc = "&#xD;"
		case '\t':
			if attr {
				esc = "&#x9;"
			}
		case '\n':
			if attr {
				esc = "&#xA;"
			}
		}
		if esc == "" {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(esc)
		start = i + 1
	}
	b.WriteString(s[start:])
}
