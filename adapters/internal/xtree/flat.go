package xtree

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xgate/xgate/xml/errcode"
)

// Value is one value of a message: the text of an element without child
// elements, or an attribute's value.
type Value struct {
	// Path is the schema path without indices, "person/name/vorname",
	// "person/geschlecht/@listURI".
	Path string
	// Index holds the 1-based occurrence of every repeatable element
	// along Path, outermost first.
	Index []int
	Text  string
}

// Shown renders the path with the occurrence of each repeatable element,
// "person/staatsangehoerigkeit[2]/code".
func (t *Type) Shown(path string, index []int) string {
	var b strings.Builder
	i := 0
	segs := strings.Split(path, "/")
	for k := range segs {
		if k > 0 {
			b.WriteByte('/')
		}
		b.WriteString(segs[k])
		if in := t.infos[strings.Join(segs[:k+1], "/")]; in != nil && in.Repeat && i < len(index) {
			fmt.Fprintf(&b, "[%d]", index[i])
			i++
		}
	}
	return b.String()
}

// Flatten lists the values of n in document order: every attribute and
// every element without child elements (with its text, "" for an empty
// one).
func (t *Type) Flatten(n *Node) []Value {
	out := make([]Value, 0, 64)
	t.flatten(n, t.infos[""], nil, &out)
	return out
}

// flatten walks n (a node the type declares: Decode and Build make no
// others) along its Info.
func (t *Type) flatten(n *Node, in *Info, index []int, out *[]Value) {
	for _, a := range n.Attrs {
		p := in.Path + "/@" + a.Name
		if ain := in.attribute(a.Name); ain != nil {
			p = ain.Path
		}
		*out = append(*out, Value{Path: p, Index: index, Text: a.Value})
	}
	if len(n.Kids) == 0 {
		if in.Path != "" {
			*out = append(*out, Value{Path: in.Path, Index: index, Text: n.Text})
		}
		return
	}
	var counts map[string]int
	for _, k := range n.Kids {
		kin := in.child(k.Name)
		if kin == nil {
			kin = &Info{Path: joinPath(in.Path, k.Name)} // undeclared: Build and Encode refuse it
		}
		ki := index
		if kin.Repeat {
			if counts == nil {
				counts = map[string]int{}
			}
			counts[k.Name]++
			ki = append(append(make([]int, 0, len(index)+1), index...), counts[k.Name])
		}
		t.flatten(k, kin, ki, out)
	}
}

// Build makes the tree of a message from its values, in any order: every
// element along a value's path is created once per occurrence; the
// occurrences of a repeatable element must be numbered 1, 2, … without
// gaps. Attribute values and texts given twice are errors.
func (t *Type) Build(values []Value) (*Node, error) {
	root := &Node{Name: t.Root}
	for _, v := range values {
		if err := t.put(root, v); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func (t *Type) put(root *Node, v Value) error {
	in, ok := t.infos[v.Path]
	if !ok {
		return fail(errcode.SchemaInvalid, v.Path, v.Text, "no such element or attribute in %s", t.Root)
	}
	n := root
	idx := 0
	for k, sin := range in.chain {
		name := in.names[k]
		occ := 1
		if sin.Repeat {
			if idx >= len(v.Index) {
				return fail(errcode.SchemaInvalid, t.Shown(v.Path, v.Index), v.Text, "occurrence of %s not given", name)
			}
			occ = v.Index[idx]
			idx++
		}
		var found *Node
		seen := 0
		for _, c := range n.Kids {
			if c.Name == name {
				seen++
				if seen == occ {
					found = c
					break
				}
			}
		}
		if found == nil {
			if occ != seen+1 {
				return fail(errcode.SchemaInvalid, t.Shown(v.Path, v.Index), v.Text, "occurrence %d of %s comes before occurrence %d", occ, name, seen+1)
			}
			found = &Node{Name: name}
			n.Kids = append(n.Kids, found)
		}
		n = found
	}
	if idx != len(v.Index) {
		return fail(errcode.SchemaInvalid, v.Path, v.Text, "%d occurrence numbers for %d repeatable elements", len(v.Index), idx)
	}
	if in.Attribute {
		name := in.Path[strings.LastIndexByte(in.Path, '@')+1:]
		if _, dup := n.Attr(name); dup {
			return fail(errcode.SchemaInvalid, t.Shown(v.Path, v.Index), v.Text, "attribute given twice")
		}
		n.Attrs = append(n.Attrs, Attr{Name: name, Value: v.Text})
		return nil
	}
	if !in.Leaf {
		return nil // an element with only optional content, present and empty
	}
	if n.Text != "" || n.set {
		return fail(errcode.SchemaInvalid, t.Shown(v.Path, v.Index), v.Text, "value given twice")
	}
	n.Text, n.set = v.Text, true
	return nil
}

// IndexString renders an index vector "2.1" ("" for none).
func IndexString(index []int) string {
	parts := make([]string, len(index))
	for i, n := range index {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}
