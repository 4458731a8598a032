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
}

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
		t.infos[""] = &Info{Path: "", Field: schemas.Field{Qualified: true, Min: 1, Max: 1}}
		add := func(f schemas.Field) {
			parent, name := splitPath(f.Path)
			p := t.infos[parent]
			if p == nil {
				return
			}
			in := &Info{Path: f.Path, Field: f, Attribute: f.Attribute}
			if f.Attribute {
				in.Leaf = true
				in.Order = len(p.Attrs)
				p.Attrs = append(p.Attrs, strings.TrimPrefix(name, "@"))
			} else {
				in.Order = len(p.Kids)
				in.Repeat = f.Max != 1
				p.Kids = append(p.Kids, name)
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
	n, err := s.decode(t, root, "", root.Tag)
	if err != nil {
		return nil, nil, err
	}
	return n, t, nil
}

func (s *Schema) decode(t *Type, e *etree.Element, path, shown string) (*Node, error) {
	in := t.infos[path]
	n := &Node{Name: e.Tag}
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		ap := joinPath(path, "@"+a.Key)
		if _, ok := t.infos[ap]; !ok || a.Space != "" {
			return nil, fail(errcode.SchemaInvalid, shown+"/@"+a.FullKey(), a.Value, "attribute not declared by the schema")
		}
		n.Attrs = append(n.Attrs, Attr{Name: a.Key, Value: a.Value})
	}
	counts := map[string]int{}
	var text strings.Builder
	for _, tok := range e.Child {
		switch c := tok.(type) {
		case *etree.Element:
			cp := joinPath(path, c.Tag)
			cin, ok := t.infos[cp]
			if !ok || cin.Attribute || in.Leaf {
				return nil, fail(errcode.SchemaInvalid, shown+"/"+c.FullTag(), "", "element not declared here by the schema")
			}
			wantNS := ""
			if cin.Field.Qualified {
				wantNS = s.NS
			}
			if c.NamespaceURI() != wantNS {
				return nil, fail(errcode.SchemaInvalid, shown+"/"+c.FullTag(), "", "element is in namespace %q, want %q", c.NamespaceURI(), wantNS)
			}
			counts[c.Tag]++
			cs := shown + "/" + c.Tag
			if cin.Repeat {
				cs += "[" + strconv.Itoa(counts[c.Tag]) + "]"
			}
			kid, err := s.decode(t, c, cp, cs)
			if err != nil {
				return nil, err
			}
			n.Kids = append(n.Kids, kid)
		case *etree.CharData:
			text.WriteString(c.Data)
		}
	}
	if in.Leaf {
		n.Text = text.String()
	} else if !blankXML(text.String()) {
		return nil, fail(errcode.SchemaInvalid, shown, text.String(), "text in element-only content")
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
// order, element-only content indented by two spaces (simple content is
// written exactly). An element or attribute the type does not declare is
// an error.
func (s *Schema) Encode(t *Type, n *Node) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if err := s.encode(&b, t, n, "", 0); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func (s *Schema) encode(b *bytes.Buffer, t *Type, n *Node, path string, depth int) error {
	root := depth == 0
	in := t.infos[path]
	if in == nil {
		return fail(errcode.SchemaInvalid, path, "", "element not declared by the schema")
	}
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
	attrs := slices.Clone(n.Attrs)
	for _, a := range attrs {
		if _, ok := t.infos[joinPath(path, "@"+a.Name)]; !ok {
			return fail(errcode.SchemaInvalid, joinPath(path, "@"+a.Name), a.Value, "attribute not declared by the schema")
		}
	}
	sort.SliceStable(attrs, func(i, j int) bool {
		return t.infos[joinPath(path, "@"+attrs[i].Name)].Order < t.infos[joinPath(path, "@"+attrs[j].Name)].Order
	})
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		escape(b, a.Value, true)
		b.WriteByte('"')
	}
	if in.Leaf {
		if len(n.Kids) > 0 {
			return fail(errcode.SchemaInvalid, path, "", "simple content with child elements")
		}
		b.WriteByte('>')
		escape(b, n.Text, false)
	} else {
		kids := slices.Clone(n.Kids)
		for _, k := range kids {
			if _, ok := t.infos[joinPath(path, k.Name)]; !ok {
				return fail(errcode.SchemaInvalid, joinPath(path, k.Name), "", "element not declared here by the schema")
			}
		}
		sort.SliceStable(kids, func(i, j int) bool {
			return t.infos[joinPath(path, kids[i].Name)].Order < t.infos[joinPath(path, kids[j].Name)].Order
		})
		b.WriteByte('>')
		for _, k := range kids {
			b.WriteByte('\n')
			indent(b, depth+1)
			if err := s.encode(b, t, k, joinPath(path, k.Name), depth+1); err != nil {
				return err
			}
		}
		if len(kids) > 0 {
			b.WriteByte('\n')
			indent(b, depth)
		}
	}
	b.WriteString("</")
	b.WriteString(tag)
	b.WriteByte('>')
	return nil
}

func indent(b *bytes.Buffer, depth int) {
	for range depth {
		b.WriteString("  ")
	}
}

// escape writes s escaped for XML text or an attribute value; in an
// attribute, tab, line feed and carriage return are written as character
// references so that they survive attribute-value normalisation.
func escape(b *bytes.Buffer, s string, attr bool) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if attr {
				b.WriteString("&quot;")
			} else {
				b.WriteRune(r)
			}
		case '\r':
			b.WriteString("&#xD;")
		case '\t':
			if attr {
				b.WriteString("&#x9;")
			} else {
				b.WriteRune(r)
			}
		case '\n':
			if attr {
				b.WriteString("&#xA;")
			} else {
				b.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
}
