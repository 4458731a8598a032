package message

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
)

// parser is the state of one Parse: a strict scanner over the bytes
// (already known to be UTF-8 without NUL) that builds the etree tree
// directly. It accepts exactly what the former encoding/xml-based parser
// accepted, except the documented stricter cases, and builds the same
// tree with the same lines (see doc.go and diff_test.go).
type parser struct {
	data []byte
	// src is one copy of data; names and text without references or CR
	// are substrings of it, so that they cost no allocation each.
	src string
	pos int
	lim Limits
	m   *Message

	stack    []frame
	elements int
	sawRoot  bool
	// ns is the namespace scope of the open elements: for each prefix
	// ("" for the default namespace) the URIs declared for it, innermost
	// last. nsUndo lists the prefixes the open elements declared, in
	// order; frame.nsMark is where an element's own begin. Looking up an
	// element's namespace costs O(1), whatever the number of declarations
	// in scope.
	ns     map[string][]string
	nsUndo []string

	// nl newlines were counted in data[:nlPos] (element lines).
	nl, nlPos int

	buf   []byte // text with references or CR, being decoded
	attrs []attr // attributes of the start tag being read
	b     builder

	// deferred is the first violation of a rule the old parser did not
	// enforce. Parsing goes on as the old parser would, so that an input
	// it refused is still refused with its code; at the end, deferred is
	// the answer.
	deferred *errcode.Error
}

type frame struct {
	e      *etree.Element
	name   string // qualified name as written, for the end tag
	mark   int    // where e's children begin in builder.kids
	nsMark int    // where e's namespace declarations begin in parser.nsUndo
}

type attr struct {
	name, value string
}

func newParser(data []byte, lim Limits) *parser {
	p := &parser{data: data, src: string(data), lim: lim, stack: make([]frame, 0, 16), attrs: make([]attr, 0, 8)}
	elems := p.b.estimate(data)
	p.m = &Message{Doc: etree.NewDocument(), lines: make(map[*etree.Element]int, min(elems, lim.MaxElements, 1024))}
	return p
}

// lineOf is the 1-based line of data[pos], counting '\n' only, as
// encoding/xml did (a lone CR does not start a line).
func (p *parser) lineOf(pos int) int {
	if pos >= p.nlPos {
		p.nl += strings.Count(p.src[p.nlPos:pos], "\n")
		p.nlPos = pos
		return 1 + p.nl
	}
	return 1 + strings.Count(p.src[:pos], "\n")
}

// fail is a well-formedness error at pos (-1: no line). An earlier
// deferred violation of the same code wins: it is where the document
// first went wrong.
func (p *parser) fail(pos int, format string, args ...any) error {
	if p.deferred != nil && p.deferred.Code == errcode.NotWellFormed {
		return p.deferred
	}
	line := 0
	if pos >= 0 {
		line = p.lineOf(pos)
	}
	return notWellFormed(line, format, args...)
}

// failEOF is the error for a construct that the end of data cuts off.
func (p *parser) failEOF(what string) error {
	return p.fail(len(p.data), "unexpected end of document in %s", what)
}

// strict records a violation of a rule the old parser did not enforce
// (see doc.go, "Stricter than encoding/xml"), unless one is recorded.
func (p *parser) strict(code errcode.Code, pos int, format string, args ...any) {
	if p.deferred == nil {
		p.deferred = &errcode.Error{Code: code, Op: op, Line: p.lineOf(pos), Detail: fmt.Sprintf(format, args...)}
	}
}

// parse reads the whole document.
func (p *parser) parse() error {
	data := p.data
	for p.pos < len(data) {
		if data[p.pos] != '<' {
			if err := p.charData(); err != nil {
				return err
			}
			continue
		}
		if p.pos+1 >= len(data) {
			return p.failEOF("markup")
		}
		var err error
		switch data[p.pos+1] {
		case '/':
			err = p.endTag()
		case '?':
			err = p.procInst()
		case '!':
			err = p.bang()
		default:
			err = p.startTag()
		}
		if err != nil {
			return err
		}
	}
	if len(p.stack) != 0 {
		return p.fail(-1, "document ends inside <%s>", clip(p.stack[len(p.stack)-1].name))
	}
	if !p.sawRoot {
		return p.fail(-1, "no root element")
	}
	if p.deferred != nil {
		return p.deferred
	}
	return nil
}

// skipS returns the first index from i that is not XML white space.
func skipS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// isS reports whether b is all XML white space (S, §2.3).
func isS(b []byte) bool { return skipS(b, 0) == len(b) }

// startTag reads a start tag or empty-element tag at p.pos and adds the
// element.
func (p *parser) startTag() error {
	data := p.data
	lt := p.pos
	end, wide, colons := scanName(data, lt+1)
	if end == lt+1 {
		if end >= len(data) {
			return p.failEOF("a start tag")
		}
		return p.fail(lt, "expected element name after <")
	}
	name := p.src[lt+1 : end]
	if len(p.stack) == 0 && p.sawRoot {
		return p.fail(lt, "second root element <%s>", clip(name))
	}
	if len(p.stack) >= p.lim.MaxDepth {
		return p.fail(lt, "nesting deeper than %d elements", p.lim.MaxDepth)
	}
	p.elements++
	if p.elements > p.lim.MaxElements {
		return p.fail(lt, "more than %d elements", p.lim.MaxElements)
	}
	if err := p.checkQName(lt+1, name, wide, colons, "element"); err != nil {
		return err
	}

	attrs := p.attrs[:0]
	i := end
	empty := false
	for {
		ws := i
		i = skipS(data, i)
		if i >= len(data) {
			return p.failEOF("a start tag")
		}
		c := data[i]
		if c == '>' {
			break
		}
		if c == '/' {
			if i+1 >= len(data) {
				return p.failEOF("a start tag")
			}
			if data[i+1] != '>' {
				return p.fail(i, "expected /> in element <%s>", clip(name))
			}
			i++
			empty = true
			break
		}
		aend, awide, acolons := scanName(data, i)
		if aend == i {
			return p.fail(i, "expected attribute name in element <%s>", clip(name))
		}
		aname := p.src[i:aend]
		if i == ws {
			// Only possible after an attribute value: the element name
			// swallows every byte a name can continue with.
			p.strict(errcode.NotWellFormed, i, "element <%s>: no white space before attribute %s (XML 1.0 §3.1)", clip(name), clip(aname))
		}
		if err := p.checkQName(i, aname, awide, acolons, "attribute"); err != nil {
			return err
		}
		apos := i
		i = skipS(data, aend)
		if i >= len(data) {
			return p.failEOF("a start tag")
		}
		if data[i] != '=' {
			return p.fail(i, "attribute name without = in element <%s>", clip(name))
		}
		i = skipS(data, i+1)
		if i >= len(data) {
			return p.failEOF("a start tag")
		}
		q := data[i]
		if q != '"' && q != '\'' {
			return p.fail(i, "unquoted or missing attribute value in element <%s>", clip(name))
		}
		p.pos = i + 1
		value, err := p.text(q)
		if err != nil {
			return err
		}
		i = p.pos + 1 // after the closing quote
		if len(attrs) >= p.lim.MaxAttrs {
			return p.fail(apos, "element <%s> has more than %d attributes", clip(name), p.lim.MaxAttrs)
		}
		for _, a := range attrs {
			if a.name == aname {
				return p.fail(apos, "element <%s> repeats attribute %s", clip(name), clip(aname))
			}
		}
		attrs = append(attrs, attr{aname, value})
	}
	p.attrs = attrs[:0]
	gt := i
	p.pos = i + 1

	e := p.b.element(&p.m.Doc.Element, len(p.stack) > 0, name, attrs)
	nsMark := len(p.nsUndo)
	for _, a := range attrs {
		if prefix, ok := declaredPrefix(a.name); ok {
			p.checkNSDecl(lt, name, a.name, prefix, a.value)
			p.declare(prefix, a.value)
		}
	}
	if p.namespaceURI(e.Space) == XIncludeNS {
		return p.fail(lt, "XInclude is not allowed")
	}
	p.m.lines[e] = p.lineOf(gt)
	p.sawRoot = true
	if empty {
		e.Child = make([]etree.Token, 0)
		p.undeclare(nsMark)
	} else {
		p.stack = append(p.stack, frame{e, name, len(p.b.kids), nsMark})
	}
	return nil
}

// Namespace names reserved by Namespaces in XML 1.0 (§3).
const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

// declaredPrefix reports whether the attribute name declares a namespace
// and for which prefix ("" for xmlns, the default namespace).
func declaredPrefix(attr string) (string, bool) {
	switch {
	case attr == "xmlns":
		return "", true
	case len(attr) > 6 && attr[:6] == "xmlns:":
		return attr[6:], true
	}
	return "", false
}

// checkNSDecl records a namespace declaration that Namespaces in XML 1.0
// forbids (deferred, like the other rules encoding/xml did not enforce):
// undeclaring a prefix (xmlns:p="", §5 "No Prefix Undeclaring"), and the
// reserved prefixes and names (§3): xml bound to anything but its
// namespace, the XML namespace bound to another prefix or as the default,
// the prefix xmlns declared, the xmlns namespace bound at all.
func (p *parser) checkNSDecl(pos int, elem, attr, prefix, uri string) {
	var why string
	switch {
	case prefix != "" && uri == "":
		why = "undeclares the prefix " + clip(prefix) + ", which Namespaces in XML 1.0 does not allow (§5)"
	case prefix == "xmlns":
		why = "declares the reserved prefix xmlns (Namespaces in XML 1.0 §3)"
	case prefix == "xml" && uri != nsXML:
		why = "binds the reserved prefix xml to another namespace than " + nsXML + " (§3)"
	case prefix != "xml" && uri == nsXML:
		why = "binds the XML namespace to another prefix than xml (§3)"
	case uri == nsXMLNS:
		why = "binds the reserved xmlns namespace (§3)"
	default:
		return
	}
	p.strict(errcode.NotWellFormed, pos, "namespace declaration %s on <%s> %s", clip(attr), clip(elem), why)
}

// declare adds a namespace declaration of the element being opened.
func (p *parser) declare(prefix, uri string) {
	if p.ns == nil {
		p.ns = make(map[string][]string)
	}
	p.ns[prefix] = append(p.ns[prefix], uri)
	p.nsUndo = append(p.nsUndo, prefix)
}

// undeclare drops the declarations from nsUndo[mark:] (an element closed).
func (p *parser) undeclare(mark int) {
	for _, prefix := range p.nsUndo[mark:] {
		s := p.ns[prefix]
		p.ns[prefix] = s[:len(s)-1]
	}
	p.nsUndo = p.nsUndo[:mark]
}

// namespaceURI is etree's (*Element).NamespaceURI for an element with the
// given prefix in the current scope: the innermost declaration, or "".
func (p *parser) namespaceURI(prefix string) string {
	if s := p.ns[prefix]; len(s) > 0 {
		return s[len(s)-1]
	}
	return ""
}

// checkQName checks a name run from scanName: an XML Name (§2.3) that is
// a QName as far as encoding/xml splits one: at most one colon, and not
// at either end.
func (p *parser) checkQName(pos int, name string, wide bool, colons int, what string) error {
	if !validName(name, wide) {
		return p.fail(pos, "invalid XML name %q", clip(name))
	}
	if colons > 1 || colons == 1 && (name[0] == ':' || name[len(name)-1] == ':') {
		return p.fail(pos, "%s name %q is not namespace-well-formed", what, clip(name))
	}
	return nil
}

// endTag reads an end tag at p.pos and closes the open element.
func (p *parser) endTag() error {
	data := p.data
	lt := p.pos
	if n := len(p.stack); n > 0 {
		// Fast path: the name of the open element, then not a name byte.
		top := p.stack[n-1]
		end := lt + 2 + len(top.name)
		if end < len(data) && string(data[lt+2:end]) == top.name && data[end] < utf8.RuneSelf && asciiName[data[end]]&nameChar == 0 {
			if i := skipS(data, end); i < len(data) && data[i] == '>' {
				p.pos = i + 1
				p.b.close(top.e, top.mark)
				p.undeclare(top.nsMark)
				p.stack = p.stack[:n-1]
				return nil
			}
		}
	}
	end, _, _ := scanName(data, lt+2)
	if end == lt+2 {
		if end >= len(data) {
			return p.failEOF("an end tag")
		}
		return p.fail(lt, "expected element name after </")
	}
	i := skipS(data, end)
	if i >= len(data) {
		return p.failEOF("an end tag")
	}
	if data[i] != '>' {
		return p.fail(i, "invalid characters between </%s and >", clip(data[lt+2:end]))
	}
	p.pos = i + 1
	if len(p.stack) == 0 {
		return p.fail(lt, "unexpected end tag </%s>", clip(data[lt+2:end]))
	}
	top := p.stack[len(p.stack)-1]
	// The open element's name was checked; a different or invalid name
	// is a mismatch either way.
	if top.name != string(data[lt+2:end]) {
		return p.fail(lt, "end tag </%s> does not match <%s>", clip(data[lt+2:end]), clip(top.name))
	}
	p.b.close(top.e, top.mark)
	p.undeclare(top.nsMark)
	p.stack = p.stack[:len(p.stack)-1]
	return nil
}

// charData reads text at p.pos, outside markup.
func (p *parser) charData() error {
	start := p.pos
	s, err := p.text(0)
	if err != nil {
		return err
	}
	if len(p.stack) > 0 {
		p.b.text(s)
		return nil
	}
	return p.outside(start, p.pos, s)
}

// outside judges character data before or after the root element: white
// space is dropped. The old parser also dropped what strings.TrimSpace
// removes (no-break and other Unicode spaces, and references to them)
// and CDATA sections of such; that is not well-formed (§2.8 Misc).
func (p *parser) outside(start, end int, s string) error {
	raw := p.data[start:end]
	if isS(raw) {
		return nil
	}
	if strings.TrimSpace(s) != "" {
		return p.fail(start+skipS(raw, 0), "text outside the root element")
	}
	p.strict(errcode.NotWellFormed, start+skipS(raw, 0), "character data outside the root element other than white space (XML 1.0 §2.8)")
	return nil
}

// Byte classes for the text scanners. In CDATA sections only the classes
// from tCR on matter.
const (
	tPlain = iota
	tLT    // '<'
	tAmp   // '&'
	tRSqb  // ']'
	tQuote // '"', '\''
	tCR    // '\r'
	tCtrl  // a C0 control other than tab, LF and CR: not an XML Char
	tEF    // 0xEF, which starts U+FFFE and U+FFFF (not XML Chars)
	tWS    // tab or line feed in an attribute value (attrClass only)
)

// textClass is read-only.
var textClass = [256]uint8{
	'<': tLT, '&': tAmp, ']': tRSqb, '"': tQuote, '\'': tQuote, '\r': tCR, 0xEF: tEF,
	0x00: tCtrl, 0x01: tCtrl, 0x02: tCtrl, 0x03: tCtrl, 0x04: tCtrl, 0x05: tCtrl, 0x06: tCtrl, 0x07: tCtrl,
	0x08: tCtrl, 0x0B: tCtrl, 0x0C: tCtrl, 0x0E: tCtrl, 0x0F: tCtrl,
	0x10: tCtrl, 0x11: tCtrl, 0x12: tCtrl, 0x13: tCtrl, 0x14: tCtrl, 0x15: tCtrl, 0x16: tCtrl, 0x17: tCtrl,
	0x18: tCtrl, 0x19: tCtrl, 0x1A: tCtrl, 0x1B: tCtrl, 0x1C: tCtrl, 0x1D: tCtrl, 0x1E: tCtrl, 0x1F: tCtrl,
}

// attrClass is textClass for attribute values, where a literal tab or
// line feed is tWS: normalised to a space (§3.3.3). Read-only.
var attrClass = func() [256]uint8 {
	c := textClass
	c['\t'], c['\n'] = tWS, tWS
	return c
}()

// badEF reports whether data[i] (0xEF) starts U+FFFE or U+FFFF.
func badEF(data []byte, i int) bool {
	return i+2 < len(data) && data[i+1] == 0xBF && (data[i+2] == 0xBE || data[i+2] == 0xBF)
}

// isChar is the Char production (§2.2).
func isChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		0x20 <= r && r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF
}

// text reads character data from p.pos: in content (quote 0) up to '<' or
// the end, in an attribute value up to the closing quote, which it leaves
// at p.pos. References are replaced and CR LF and lone CR become LF. In an
// attribute value, the line end and every literal tab or line feed then
// become a space, as XML 1.0 §3.3.3 normalises a CDATA attribute (there
// is no DTD, so every attribute is CDATA); a character reference (&#9;
// &#10; &#13;) stays the character it names.
func (p *parser) text(quote byte) (string, error) {
	data := p.data
	class := &textClass
	nl := byte('\n')
	if quote != 0 {
		class, nl = &attrClass, ' '
	}
	start, i := p.pos, p.pos
	seg := start   // data[seg:i] is not yet in p.buf
	build := false // p.buf holds the text so far
scan:
	for {
		for i+8 <= len(data) {
			b := data[i : i+8 : i+8]
			if class[b[0]]|class[b[1]]|class[b[2]]|class[b[3]]|
				class[b[4]]|class[b[5]]|class[b[6]]|class[b[7]] != tPlain {
				break
			}
			i += 8
		}
		for i < len(data) && class[data[i]] == tPlain {
			i++
		}
		if i >= len(data) {
			if quote != 0 {
				return "", p.failEOF("an attribute value")
			}
			break
		}
		switch class[data[i]] {
		case tLT:
			if quote != 0 {
				return "", p.fail(i, "unescaped < inside attribute value")
			}
			break scan
		case tQuote:
			if data[i] == quote {
				break scan
			}
			i++
		case tRSqb:
			if quote == 0 && i+2 < len(data) && data[i+1] == ']' && data[i+2] == '>' {
				return "", p.fail(i, "unescaped ]]> not in CDATA section")
			}
			i++
		case tCtrl:
			return "", p.fail(i, "illegal character code %U", rune(data[i]))
		case tEF:
			if badEF(data, i) {
				return "", p.fail(i, "illegal character code %U", 0xFFFE+rune(data[i+2]-0xBE))
			}
			i++
		case tCR, tWS:
			if !build {
				p.buf, build = p.buf[:0], true
			}
			p.buf = append(p.buf, data[seg:i]...)
			if data[i] == '\t' {
				p.buf = append(p.buf, ' ')
			} else {
				p.buf = append(p.buf, nl)
			}
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			i++
			seg = i
		case tAmp:
			r, n, err := p.reference(i)
			if err != nil {
				return "", err
			}
			if !build {
				p.buf, build = p.buf[:0], true
			}
			p.buf = append(p.buf, data[seg:i]...)
			p.buf = utf8.AppendRune(p.buf, r)
			i += n
			seg = i
		}
	}
	p.pos = i
	if !build {
		return p.src[start:i], nil
	}
	p.buf = append(p.buf, data[seg:i]...)
	return string(p.buf), nil
}

// reference reads the reference at data[amp] ('&') and returns the
// character and the length of the reference. Only the five predefined
// entities and character references to XML Chars are references.
func (p *parser) reference(amp int) (rune, int, error) {
	data := p.data
	i := amp + 1
	if i < len(data) && data[i] == '#' {
		i++
		hex := i < len(data) && data[i] == 'x'
		if hex {
			i++
		}
		digits := i
		var v uint64
		for ; i < len(data); i++ {
			d := digitValue(data[i], hex)
			if d < 0 {
				break
			}
			if v <= utf8.MaxRune { // saturates above MaxRune
				if hex {
					v = v*16 + uint64(d)
				} else {
					v = v*10 + uint64(d)
				}
			}
		}
		if i >= len(data) {
			return 0, 0, p.failEOF("a character reference")
		}
		if data[i] != ';' || i == digits || v > utf8.MaxRune {
			return 0, 0, p.fail(amp, "invalid character reference %q", clip(data[amp:i+1]))
		}
		r := rune(v)
		switch {
		case 0xD800 <= r && r <= 0xDFFF:
			// encoding/xml turned this into U+FFFD.
			p.strict(errcode.NotWellFormed, amp, "character reference %s to a surrogate (XML 1.0 §4.1)", clip(data[amp:i+1]))
			r = utf8.RuneError
		case !isChar(r):
			return 0, 0, p.fail(amp, "illegal character code %U", r)
		}
		return r, i + 1 - amp, nil
	}
	end, _, _ := scanName(data, i)
	if end >= len(data) {
		return 0, 0, p.failEOF("an entity reference")
	}
	if data[end] == ';' {
		switch string(data[i:end]) {
		case "lt":
			return '<', end + 1 - amp, nil
		case "gt":
			return '>', end + 1 - amp, nil
		case "amp":
			return '&', end + 1 - amp, nil
		case "apos":
			return '\'', end + 1 - amp, nil
		case "quot":
			return '"', end + 1 - amp, nil
		}
	}
	return 0, 0, p.fail(amp, "invalid character entity %q", clip(data[amp:end+1]))
}

// clip shortens what an error message quotes from the input (names,
// references; never text content).
func clip[T string | []byte](b T) string {
	const max = 40
	if len(b) > max {
		k := max // cut before a rune, not inside
		for k > 0 && !utf8.RuneStart(b[k]) {
			k--
		}
		return string(b[:k]) + "…"
	}
	return string(b)
}

func digitValue(c byte, hex bool) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case hex && 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case hex && 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// bang reads markup that starts with "<!": a comment, a CDATA section, or
// a declaration, which is refused.
func (p *parser) bang() error {
	data := p.data
	lt := p.pos
	i := lt + 2
	if i >= len(data) {
		return p.failEOF("markup")
	}
	switch data[i] {
	case '-':
		return p.comment()
	case '[':
		return p.cdataSection()
	}
	return p.fail(lt, "DOCTYPE and entity declarations are not allowed")
}

// comment reads a comment at p.pos ("<!-"). Its text is kept as written,
// as before: no line-end normalisation.
func (p *parser) comment() error {
	data := p.data
	lt := p.pos
	i := lt + 3
	if i >= len(data) {
		return p.failEOF("a comment")
	}
	if data[i] != '-' {
		return p.fail(lt, "invalid sequence <!- not part of <!--")
	}
	start := i + 1
	k := strings.Index(p.src[start:], "--")
	if k < 0 {
		return p.failEOF("a comment")
	}
	end := start + k
	if end+2 >= len(data) {
		return p.failEOF("a comment")
	}
	if data[end+2] != '>' {
		return p.fail(end, `invalid sequence "--" not allowed in comments`)
	}
	p.pos = end + 3
	if bad := firstNonChar(data[:end], start); bad >= 0 {
		p.strict(errcode.NotWellFormed, bad, "character not allowed in XML (§2.2) in a comment")
	}
	if len(p.stack) > 0 {
		p.b.comment(p.src[start:end])
	}
	return nil
}

// firstNonChar returns the offset of the first character in data[i:] that
// is not an XML Char, or -1.
func firstNonChar(data []byte, i int) int {
	for ; i < len(data); i++ {
		switch textClass[data[i]] {
		case tCtrl:
			return i
		case tEF:
			if badEF(data, i) {
				return i
			}
		}
	}
	return -1
}

// cdataSection reads a CDATA section at p.pos ("<!["). Its text is
// checked and line ends are normalised, as in other text.
func (p *parser) cdataSection() error {
	data := p.data
	lt := p.pos
	const open = "<![CDATA["
	for k := 3; k < len(open); k++ {
		if lt+k >= len(data) {
			return p.failEOF("a CDATA section")
		}
		if data[lt+k] != open[k] {
			return p.fail(lt, "invalid <![ sequence")
		}
	}
	start := lt + len(open)
	k := strings.Index(p.src[start:], "]]>")
	if k < 0 {
		return p.failEOF("a CDATA section")
	}
	end := start + k
	p.pos = end + 3

	s := p.src[start:end]
	if bad := firstNonChar(data[:end], start); bad >= 0 {
		return p.fail(bad, "illegal character in CDATA section")
	}
	if bytes.IndexByte(data[start:end], '\r') >= 0 {
		p.buf = normaliseNewlines(p.buf[:0], data[start:end])
		s = string(p.buf)
	}
	if len(p.stack) > 0 {
		p.b.text(s)
		return nil
	}
	if strings.TrimSpace(s) != "" {
		return p.fail(lt, "text outside the root element")
	}
	p.strict(errcode.NotWellFormed, lt, "CDATA section outside the root element (XML 1.0 §2.8)")
	return nil
}

// normaliseNewlines appends b to dst with CR LF and lone CR as LF.
func normaliseNewlines(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' {
			c = '\n'
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// procInst reads a processing instruction at p.pos ("<?"). Only the XML
// declaration, at offset 0, is allowed.
func (p *parser) procInst() error {
	data := p.data
	lt := p.pos
	end, _, _ := scanName(data, lt+2)
	if end == lt+2 {
		if end >= len(data) {
			return p.failEOF("a processing instruction")
		}
		return p.fail(lt, "expected target name after <?")
	}
	if string(data[lt+2:end]) != "xml" {
		return p.fail(lt, "processing instruction <?%s?> is not allowed", clip(data[lt+2:end]))
	}
	i := skipS(data, end)
	k := strings.Index(p.src[i:], "?>")
	if k < 0 {
		return p.failEOF("a processing instruction")
	}
	p.pos = i + k + 2
	// What encoding/xml looked at, the way it looked: version and
	// encoding, found by substring anywhere in the instruction.
	content := p.src[i : i+k]
	if v := procInstParam("version", content); v != "" && v != "1.0" {
		return p.fail(lt, "unsupported version %q; only version 1.0 is supported", clip(v))
	}
	if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
		return &errcode.Error{Code: errcode.NotUTF8, Op: op, Line: p.lineOf(lt),
			Detail: fmt.Sprintf("declared encoding %q is not UTF-8", clip(enc))}
	}
	if lt != 0 {
		return p.fail(lt, "processing instruction <?xml?> is not allowed")
	}
	p.checkDecl(data[:p.pos-2])
	return nil
}

// procInstParam is encoding/xml's procInst (src/encoding/xml/xml.go, BSD
// licence), kept so that version and encoding are refused exactly as
// before: the value of the first param= followed by a quote.
func procInstParam(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// checkDecl checks the XML declaration decl ("<?xml" up to, without,
// "?>") against XMLDecl (§2.8): version 1.0, then optionally encoding and
// standalone, in that order, each preceded by white space. Violations are
// deferred (the old parser did not check); an encoding other than UTF-8
// that procInstParam did not see (white space around '=') is S001.
func (p *parser) checkDecl(decl []byte) {
	s := declScanner{d: decl, i: len("<?xml")}
	bad := func(what string) {
		p.strict(errcode.NotWellFormed, 0, "malformed XML declaration: %s (XML 1.0 §2.8)", what)
	}
	if v, ok := s.pseudoAttr("version"); !ok || v != "1.0" {
		bad("version 1.0 expected")
		return
	}
	if enc, ok := s.pseudoAttr("encoding"); ok {
		if !validEncName(enc) {
			bad("invalid encoding name")
			return
		}
		if !strings.EqualFold(enc, "utf-8") {
			p.strict(errcode.NotUTF8, 0, "declared encoding %q is not UTF-8", clip(enc))
		}
	}
	if sd, ok := s.pseudoAttr("standalone"); ok && sd != "yes" && sd != "no" {
		bad("standalone must be yes or no")
		return
	}
	if skipS(decl, s.i) != len(decl) {
		bad("unexpected content")
	}
}

type declScanner struct {
	d []byte
	i int
}

// pseudoAttr reads S name Eq quoted-value at s.i; on a mismatch it leaves
// s.i unchanged.
func (s *declScanner) pseudoAttr(name string) (string, bool) {
	j := skipS(s.d, s.i)
	if j == s.i || !bytes.HasPrefix(s.d[j:], []byte(name)) {
		return "", false
	}
	j = skipS(s.d, j+len(name))
	if j >= len(s.d) || s.d[j] != '=' {
		return "", false
	}
	j = skipS(s.d, j+1)
	if j >= len(s.d) || s.d[j] != '"' && s.d[j] != '\'' {
		return "", false
	}
	k := bytes.IndexByte(s.d[j+1:], s.d[j])
	if k < 0 {
		return "", false
	}
	s.i = j + 1 + k + 1
	return string(s.d[j+1 : j+1+k]), true
}

// validEncName is EncName (§4.3.3): [A-Za-z] ([A-Za-z0-9._] | '-')*.
func validEncName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}
