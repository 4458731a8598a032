package c14n

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Algorithm is the identifier of Exclusive XML Canonicalization 1.0
// without comments.
const Algorithm = "http://www.w3.org/2001/10/xml-exc-c14n#"

// The XML namespace: the prefix xml is bound to it and never declared.
const nsXML = "http://www.w3.org/XML/1998/namespace"

// Errors of Exclusive. Each is wrapped with the element where it occurred.
var (
	// ErrUndeclaredPrefix: an element or attribute uses a prefix that no
	// namespace declaration in scope binds.
	ErrUndeclaredPrefix = errors.New("c14n: undeclared namespace prefix")
	// ErrTooLarge: the canonical form would exceed Options.MaxBytes.
	ErrTooLarge = errors.New("c14n: canonical form over the size limit")
	// ErrUnsupported: the tree holds something exclusive c14n of a
	// parsed document cannot hold (a DOCTYPE directive in an element,
	// an invalid prefix list).
	ErrUnsupported = errors.New("c14n: unsupported content")
	// ErrRelativeNamespace: a namespace declaration whose name is not an
	// absolute URI (no scheme, or characters a URI cannot hold). Canonical
	// XML does not define a canonical form for it (C14N 1.0 §2.4, "Relative
	// URIs"), and libxml2 (xmlsec1) refuses to canonicalise it.
	ErrRelativeNamespace = errors.New("c14n: namespace name is not an absolute URI")
)

// Options configure Exclusive.
type Options struct {
	// InclusivePrefixes is the InclusiveNamespaces PrefixList of the
	// transform: prefixes ("#default" for the default namespace) whose
	// declarations are rendered wherever they are in scope and not yet
	// rendered, as inclusive c14n would. Usually empty.
	InclusivePrefixes []string
	// Omit, if set, is an element of the subtree left out together with
	// its descendants: the enveloped-signature transform. Its sibling
	// text stays.
	Omit *etree.Element
	// MaxBytes bounds the canonical form; 0 means no bound. Exclusive
	// c14n repeats a namespace declaration on every element that uses
	// it without an output ancestor having rendered it, so a small
	// document can have a large canonical form: bound it.
	MaxBytes int
}

// Exclusive returns the exclusive canonical form (without comments) of
// the subtree rooted at el, with the namespace declarations in scope at
// el (from its ancestors) taken into account: the octets a Reference or
// a SignedInfo digest covers. The tree is not modified. Cost is linear in
// the size of the subtree and its output.
func Exclusive(el *etree.Element, opts Options) ([]byte, error) {
	w := &writer{omit: opts.Omit, max: opts.MaxBytes, scope: map[string][]string{}, rendered: map[string][]string{}}
	for _, p := range opts.InclusivePrefixes {
		if p == "#default" {
			p = ""
		} else if p == "" || strings.ContainsAny(p, ": \t\r\n") {
			return nil, fmt.Errorf("%w: %q in the inclusive prefix list", ErrUnsupported, p)
		}
		w.inclusive = append(w.inclusive, p)
	}
	// The declarations in scope at el, nearest last.
	var ancestors []*etree.Element
	for a := el.Parent(); a != nil; a = a.Parent() {
		ancestors = append(ancestors, a)
	}
	for i := len(ancestors) - 1; i >= 0; i-- {
		for _, a := range ancestors[i].Attr {
			if prefix, ok := declaration(a); ok {
				w.scope[prefix] = append(w.scope[prefix], a.Value)
			}
		}
	}
	if err := w.element(el); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// declaration reports whether a declares a namespace, and for which
// prefix ("" for the default namespace).
func declaration(a etree.Attr) (string, bool) {
	switch {
	case a.Space == "" && a.Key == "xmlns":
		return "", true
	case a.Space == "xmlns":
		return a.Key, true
	}
	return "", false
}

type writer struct {
	buf       bytes.Buffer
	omit      *etree.Element
	max       int
	inclusive []string
	// scope holds the declarations in scope per prefix, innermost last;
	// rendered the declarations output ancestors rendered, innermost
	// last. A prefix without an entry in rendered has not been rendered
	// (for the default namespace: counts as rendered empty).
	scope, rendered map[string][]string
}

func top(stack []string) (string, bool) {
	if len(stack) == 0 {
		return "", false
	}
	return stack[len(stack)-1], true
}

// nsAttr is a namespace declaration to render.
type nsAttr struct{ prefix, uri string }

// attr is an attribute with its namespace, to sort.
type attr struct {
	uri, local, qname, value string
}

func (w *writer) element(e *etree.Element) error {
	// Scope: the element's own declarations.
	var declared []string
	for _, a := range e.Attr {
		if prefix, ok := declaration(a); ok {
			if !AbsoluteURI(a.Value) && a.Value != "" {
				return fmt.Errorf("%w: %s=%q on <%s>", ErrRelativeNamespace, a.FullKey(), clip(a.Value), e.FullTag())
			}
			w.scope[prefix] = append(w.scope[prefix], a.Value)
			declared = append(declared, prefix)
		}
	}
	defer func() {
		for _, p := range declared {
			w.scope[p] = w.scope[p][:len(w.scope[p])-1]
		}
	}()

	// Visibly utilised prefixes (the element's, its attributes'), then
	// the inclusive ones in scope.
	lookup := func(prefix, what string) (string, error) {
		if prefix == "xml" {
			return nsXML, nil
		}
		uri, ok := top(w.scope[prefix])
		if !ok && prefix != "" {
			return "", fmt.Errorf("%w %q on %s <%s>", ErrUndeclaredPrefix, prefix, what, e.FullTag())
		}
		return uri, nil
	}
	var ns []nsAttr
	want := func(prefix, uri string) {
		if prefix == "xml" {
			return // never rendered
		}
		for _, n := range ns {
			if n.prefix == prefix {
				return
			}
		}
		r, ok := top(w.rendered[prefix])
		if prefix == "" && !ok {
			r, ok = "", true // an empty default namespace needs no xmlns=""
		}
		if ok && r == uri {
			return
		}
		ns = append(ns, nsAttr{prefix, uri})
	}
	uri, err := lookup(e.Space, "element")
	if err != nil {
		return err
	}
	want(e.Space, uri)
	attrs := make([]attr, 0, len(e.Attr))
	for _, a := range e.Attr {
		if _, ok := declaration(a); ok {
			continue
		}
		at := attr{local: a.Key, qname: a.FullKey(), value: a.Value}
		if a.Space != "" {
			if at.uri, err = lookup(a.Space, "attribute "+a.FullKey()+" of"); err != nil {
				return err
			}
			want(a.Space, at.uri)
		}
		attrs = append(attrs, at)
	}
	for _, p := range w.inclusive {
		if uri, ok := top(w.scope[p]); ok {
			want(p, uri)
		}
	}
	slices.SortFunc(ns, func(a, b nsAttr) int { return strings.Compare(a.prefix, b.prefix) })
	slices.SortFunc(attrs, func(a, b attr) int {
		if c := strings.Compare(a.uri, b.uri); c != 0 {
			return c
		}
		return strings.Compare(a.local, b.local)
	})

	// What this element renders, its descendants see as rendered.
	for _, n := range ns {
		w.rendered[n.prefix] = append(w.rendered[n.prefix], n.uri)
	}
	defer func() {
		for _, n := range ns {
			w.rendered[n.prefix] = w.rendered[n.prefix][:len(w.rendered[n.prefix])-1]
		}
	}()

	b := &w.buf
	name := e.FullTag()
	b.WriteByte('<')
	b.WriteString(name)
	for _, n := range ns {
		if n.prefix == "" {
			b.WriteString(` xmlns="`)
		} else {
			b.WriteString(` xmlns:`)
			b.WriteString(n.prefix)
			b.WriteString(`="`)
		}
		escapeAttr(b, n.uri)
		b.WriteByte('"')
	}
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.qname)
		b.WriteString(`="`)
		escapeAttr(b, a.value)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	if err := w.check(); err != nil {
		return err
	}
	for _, t := range e.Child {
		switch c := t.(type) {
		case *etree.Element:
			if c == w.omit {
				continue
			}
			if err := w.element(c); err != nil {
				return err
			}
		case *etree.CharData:
			escapeText(b, c.Data)
		case *etree.Comment:
			// exclusive c14n without comments
		case *etree.ProcInst:
			b.WriteString("<?")
			b.WriteString(c.Target)
			if c.Inst != "" {
				b.WriteByte(' ')
				b.WriteString(c.Inst)
			}
			b.WriteString("?>")
		default:
			return fmt.Errorf("%w: %T inside <%s>", ErrUnsupported, t, name)
		}
		if err := w.check(); err != nil {
			return err
		}
	}
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
	return w.check()
}

func (w *writer) check() error {
	if w.max > 0 && w.buf.Len() > w.max {
		return fmt.Errorf("%w of %d bytes", ErrTooLarge, w.max)
	}
	return nil
}

// escapeAttr writes an attribute value as c14n does: & < " and the
// white-space characters tab, line feed and carriage return as
// references, everything else as it is.
func escapeAttr(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// escapeText writes character data as c14n does: & < > and carriage
// return as references.
func escapeText(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// AbsoluteURI reports whether s is an absolute URI as libxml2's c14n
// accepts a namespace name: a scheme (a letter, then letters, digits, '+',
// '-', '.') and ':', then only URI characters of RFC 3986 — unreserved,
// reserved and %-escapes of two hex digits — with '[' and ']' only in the
// authority (an IPv6 literal). Non-ASCII characters (IRIs) are refused,
// and so is '&': libxml2 keeps it in a namespace name as the reference
// "&#38;" and writes that into the canonical form, so no canonical form
// of such a name is shared with xmlsec1.
func AbsoluteURI(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			goto colon
		}
	}
colon:
	if i == 0 || i >= len(s) || s[i] != ':' {
		return false
	}
	rest := s[i+1:]
	authority := 0 // bytes of rest that are the authority
	if strings.HasPrefix(rest, "//") {
		authority = 2 + strings.IndexAny(rest[2:]+"/", "/?#")
	}
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~:/?#@!$'()*+,;=", c) >= 0:
		case c == '[' || c == ']':
			if j >= authority {
				return false
			}
		case c == '%':
			if j+2 >= len(rest) || !isHex(rest[j+1]) || !isHex(rest[j+2]) {
				return false
			}
			j += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
