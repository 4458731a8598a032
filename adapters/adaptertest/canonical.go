// Package adaptertest holds what the adapters' tests share: a generator
// of random schema-valid messages, the canonical form round trips are
// compared in, and the hostile inputs every adapter must refuse.
package adaptertest

import (
	"bytes"
	"fmt"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/message"
)

// CanonicalXML returns the exclusive canonical form (xml/c14n) of the
// document data after removing white-space-only text from elements that
// have child elements (indentation) and comments: the form in which round
// trips must be equal.
func CanonicalXML(data []byte) ([]byte, error) {
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		return nil, err
	}
	strip(m.Root)
	return c14n.Exclusive(m.Root, c14n.Options{})
}

func strip(e *etree.Element) {
	hasKids := len(e.ChildElements()) > 0
	var keep []etree.Token
	for _, t := range e.Child {
		switch c := t.(type) {
		case *etree.Comment:
			continue
		case *etree.CharData:
			if hasKids && len(bytes.TrimLeft([]byte(c.Data), " \t\r\n")) == 0 {
				continue
			}
		case *etree.Element:
			strip(c)
		}
		keep = append(keep, t)
	}
	e.Child = keep
}

// EqualXML reports whether a and b have the same canonical form, and if
// not, where they first differ.
func EqualXML(a, b []byte) (bool, string, error) {
	ca, err := CanonicalXML(a)
	if err != nil {
		return false, "", fmt.Errorf("first: %w", err)
	}
	cb, err := CanonicalXML(b)
	if err != nil {
		return false, "", fmt.Errorf("second: %w", err)
	}
	if bytes.Equal(ca, cb) {
		return true, "", nil
	}
	return false, Diff(ca, cb), nil
}

// Diff shows where a and b first differ, with some context.
func Diff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return fmt.Sprintf("at byte %d:\n  first:  …%s…\n  second: …%s…", i, clip(a, lo, i+80), clip(b, lo, i+80))
}

func clip(s []byte, lo, hi int) string {
	if lo > len(s) {
		lo = len(s)
	}
	if hi > len(s) {
		hi = len(s)
	}
	return string(s[lo:hi])
}
