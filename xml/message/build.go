package message

import (
	"bytes"

	"github.com/beevik/etree"
)

// Building the tree. Parse makes the tree that etree's CreateElement,
// CreateAttr, CreateText and CreateComment make (the differential tests
// compare every field), with few allocations: elements, text tokens,
// attribute lists and child lists come from slabs, and an element's
// children are linked to it (AddChild) when its end tag is read, into a
// child list of exactly their number.

// slab hands out slices of T from larger chunks. A slice it returns has
// its capacity equal to its length, so that appending to it later (a
// caller adding a child or an attribute) reallocates instead of
// overwriting a neighbour.
type slab[T any] struct {
	free  []T
	hint  int // how many more items the document may need
	taken int
}

// maxChunk bounds a chunk, so that a bad estimate costs little.
const maxChunk = 512

func (s *slab[T]) take(n int) []T {
	if len(s.free) < n {
		// The estimate, or half of what was taken so far once the
		// estimate is used up: the waste stays below a third.
		size := min(max(s.hint, s.taken/2, 16), maxChunk)
		s.free = make([]T, max(size, n))
	}
	out := s.free[:n:n]
	s.free = s.free[n:]
	s.hint -= n
	s.taken += n
	return out
}

// builder is the tree-building half of the parser.
type builder struct {
	elems  slab[etree.Element]
	texts  slab[etree.CharData]
	attrs  slab[etree.Attr]
	tokens slab[etree.Token]
	// kids holds the children of the open elements in document order;
	// frame.mark is where an open element's own children begin.
	kids []etree.Token
}

// estimate sizes the slabs from the markup in data: about one element
// per two '<' (start and end tag), at most one text per '<' plus one, at
// most one attribute per '='. It returns the element estimate.
func (b *builder) estimate(data []byte) int {
	lts := bytes.Count(data, []byte{'<'})
	elems := lts/2 + 1
	b.elems.hint = elems
	b.texts.hint = lts + 1
	b.tokens.hint = elems + lts + 1
	b.attrs.hint = bytes.Count(data, []byte{'='})
	return elems
}

// element makes the element name (a checked QName) with attrs, as a
// child of the innermost open element, or of doc when there is none.
func (b *builder) element(doc *etree.Element, open bool, name string, attrs []attr) *etree.Element {
	e := &b.elems.take(1)[0]
	e.Space, e.Tag = "", name
	if i := indexColon(name); i >= 0 {
		e.Space, e.Tag = name[:i], name[i+1:]
	}
	if len(attrs) == 0 {
		e.Attr = make([]etree.Attr, 0) // as etree makes it: empty, not nil
	} else {
		e.Attr = b.attrs.take(len(attrs))[:0]
		for _, a := range attrs {
			e.CreateAttr(a.name, a.value)
		}
	}
	if open {
		b.kids = append(b.kids, e)
	} else {
		doc.AddChild(e)
	}
	return e
}

func indexColon(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

// text adds a text token (etree CreateText) to the innermost open element.
func (b *builder) text(s string) {
	c := &b.texts.take(1)[0]
	c.Data = s
	b.kids = append(b.kids, c)
}

// comment adds a comment to the innermost open element.
func (b *builder) comment(s string) {
	b.kids = append(b.kids, etree.NewComment(s))
}

// close links e's children, kids[mark:], to e.
func (b *builder) close(e *etree.Element, mark int) {
	n := len(b.kids) - mark
	if n == 0 {
		e.Child = make([]etree.Token, 0)
		return
	}
	e.Child = b.tokens.take(n)[:0]
	for _, t := range b.kids[mark:] {
		e.AddChild(t)
	}
	clear(b.kids[mark:])
	b.kids = b.kids[:mark]
}
