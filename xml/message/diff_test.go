package message

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
)

// The differential tests hold Parse to referenceParse, the encoding/xml
// implementation it replaced: for every input both accept with identical
// trees and lines, or both refuse with the same code. The only allowed
// difference is an input the reference accepts although it is not
// well-formed XML 1.0, in one of these named, narrow ways; Parse refuses
// it. lenientIn finds them independently of the scanner, from the
// reference tokenizer's own tokens and their raw bytes.
const (
	// exDecl: an XML declaration that does not match XMLDecl (§2.8):
	// no version, another pseudo-attribute, wrong order, standalone
	// other than yes/no, a bad encoding name, stray characters. The
	// reference only looked for version= and encoding= substrings. X000.
	exDecl = "xml-declaration"
	// exDeclEncoding: an encoding other than UTF-8 that the reference did
	// not see because of white space around '=' (encoding = "latin1"). A
	// reader honouring the declaration would decode other characters
	// than we checked. S001.
	exDeclEncoding = "xml-declaration-encoding"
	// exOutside: character data outside the root element other than
	// S (#x20 #x9 #xD #xA): no-break and other Unicode spaces, references
	// (&#32;), CDATA sections. The reference dropped whatever
	// strings.TrimSpace removes. X000.
	exOutside = "outside-root"
	// exAttrSpace: no white space between an attribute value and the
	// next attribute name (<r a="1"b="2">, §3.1 [40]). X000.
	exAttrSpace = "attribute-space"
	// exCommentChar: a character outside Char (§2.2), such as a C0
	// control or U+FFFE, inside a comment. The reference did not check
	// comment text. X000.
	exCommentChar = "comment-char"
	// exSurrogate: a character reference to a surrogate (&#xD800;),
	// which the reference replaced by U+FFFD (§4.1 WFC: Legal
	// Character). X000.
	exSurrogate = "surrogate-reference"
	// exNamespace: a namespace declaration Namespaces in XML 1.0
	// forbids: xmlns:p="" (§5), the prefix xml bound elsewhere, the XML
	// namespace bound to another prefix or as the default, the prefix
	// xmlns, the xmlns namespace (§3). X000.
	exNamespace = "namespace-declaration"
)

// Parse also normalises attribute values as XML 1.0 §3.3.3 says for CDATA
// attributes (a literal tab, line feed or line end becomes a space) where
// the reference kept them. That is not a refusal but a different value:
// compareWithReference holds Parse's values to normaliseAttrValues, an
// independent rewrite of the raw start tags.

// exceptionOf names the exception a refusal by Parse claims, from its
// detail text, or "".
func exceptionOf(e *errcode.Error) string {
	switch {
	case e.Code == errcode.NotWellFormed && strings.HasPrefix(e.Detail, "malformed XML declaration"):
		return exDecl
	case e.Code == errcode.NotUTF8 && strings.HasPrefix(e.Detail, "declared encoding"):
		return exDeclEncoding
	case e.Code == errcode.NotWellFormed && (strings.HasPrefix(e.Detail, "character data outside the root element") ||
		strings.HasPrefix(e.Detail, "CDATA section outside the root element")):
		return exOutside
	case e.Code == errcode.NotWellFormed && strings.Contains(e.Detail, "no white space before attribute"):
		return exAttrSpace
	case e.Code == errcode.NotWellFormed && strings.HasSuffix(e.Detail, "in a comment"):
		return exCommentChar
	case e.Code == errcode.NotWellFormed && strings.Contains(e.Detail, "to a surrogate"):
		return exSurrogate
	case e.Code == errcode.NotWellFormed && strings.HasPrefix(e.Detail, "namespace declaration"):
		return exNamespace
	}
	return ""
}

var (
	reDecl = regexp.MustCompile(`^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0')` +
		`(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?` +
		`(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>$`)
	reStartTag = regexp.MustCompile(`^<[^ \t\r\n/>]+(?:[ \t\r\n]+[^ \t\r\n=]+[ \t\r\n]*=[ \t\r\n]*(?:"[^"]*"|'[^']*'))*[ \t\r\n]*/?>$`)
	reCharRef  = regexp.MustCompile(`&#(?:x([0-9a-fA-F]+)|([0-9]+));`)
)

// lenientIn returns the exceptions present in data, for an input the
// reference accepts. It reads the reference tokenizer's tokens with their
// raw bytes and checks them with regular expressions and the Char
// production, without the scanner's code.
func lenientIn(data []byte) map[string]bool {
	found := map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("no") }
	depth, first := 0, true
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		raw := data[start:dec.InputOffset()]
		switch t := tok.(type) {
		case xml.ProcInst:
			if first && t.Target == "xml" {
				m := reDecl.FindSubmatch(raw)
				switch {
				case m == nil:
					found[exDecl] = true
				case len(m[1])+len(m[2]) > 0 && !strings.EqualFold(string(m[1])+string(m[2]), "utf-8"):
					found[exDeclEncoding] = true
				}
			}
		case xml.StartElement:
			depth++
			if !reStartTag.Match(raw) {
				found[exAttrSpace] = true
			}
			if surrogateRef(raw) {
				found[exSurrogate] = true
			}
			for _, a := range t.Attr {
				if forbiddenDecl(a) {
					found[exNamespace] = true
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && strings.Trim(string(raw), " \t\r\n") != "" {
				found[exOutside] = true
			}
			if !bytes.HasPrefix(raw, []byte("<![CDATA[")) && surrogateRef(raw) {
				found[exSurrogate] = true
			}
		case xml.Comment:
			for _, r := range string(raw) {
				if !(r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000) {
					found[exCommentChar] = true
				}
			}
		}
		first = false
	}
	return found
}

// forbiddenDecl is the namespace-declaration check of lenientIn, on
// encoding/xml's view of an attribute.
func forbiddenDecl(a xml.Attr) bool {
	const xmlNS, xmlnsNS = "http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/"
	switch {
	case a.Name.Space == "xmlns":
		return a.Value == "" || a.Name.Local == "xmlns" || a.Value == xmlnsNS ||
			(a.Name.Local == "xml") != (a.Value == xmlNS)
	case a.Name.Space == "" && a.Name.Local == "xmlns":
		return a.Value == xmlNS || a.Value == xmlnsNS
	}
	return false
}

var reAttrValue = regexp.MustCompile(`=[ \t\r\n]*("[^"]*"|'[^']*')`)

// normaliseAttrValues returns data with every literal tab, line feed,
// CR LF and CR inside an attribute value replaced by one space (XML 1.0
// §3.3.3), found from the raw start tags of encoding/xml's tokenizer:
// what the reference reads from it has the values Parse must produce.
// Line breaks inside attribute values move later lines, so use it for
// values, not for lines.
func normaliseAttrValues(data []byte) []byte {
	out := bytes.Clone(data)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("no") }
	type span struct{ from, to int }
	var tags []span
	for {
		start := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		if _, ok := tok.(xml.StartElement); ok {
			tags = append(tags, span{start, int(dec.InputOffset())})
		}
	}
	ws := strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\t", " ")
	var b bytes.Buffer
	last := 0
	for _, tg := range tags {
		b.Write(out[last:tg.from])
		b.Write(reAttrValue.ReplaceAllFunc(out[tg.from:tg.to], func(v []byte) []byte { return []byte(ws.Replace(string(v))) }))
		last = tg.to
	}
	b.Write(out[last:])
	return b.Bytes()
}

// withNormalisedAttrs sets the attribute values of rm, the reference's
// tree of data, to those the reference reads from normaliseAttrValues(data).
func withNormalisedAttrs(rm *Message, data []byte, lim Limits) error {
	nm, err := referenceParse(normaliseAttrValues(data), lim)
	if err != nil {
		return fmt.Errorf("the reference refuses the normalised input: %v", err)
	}
	var walk func(a, b *etree.Element) error
	walk = func(a, b *etree.Element) error {
		ka, kb := a.ChildElements(), b.ChildElements()
		if len(a.Attr) != len(b.Attr) || len(ka) != len(kb) {
			return errors.New("normalising attribute values changed the tree")
		}
		for i := range a.Attr {
			a.Attr[i].Value = b.Attr[i].Value
		}
		for i := range ka {
			if err := walk(ka[i], kb[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(rm.Root, nm.Root)
}

func surrogateRef(raw []byte) bool {
	for _, m := range reCharRef.FindAllSubmatch(raw, -1) {
		var n uint64
		var err error
		if len(m[1]) > 0 {
			n, err = strconv.ParseUint(string(m[1]), 16, 32)
		} else {
			n, err = strconv.ParseUint(string(m[2]), 10, 32)
		}
		if err == nil && n >= 0xD800 && n <= 0xDFFF {
			return true
		}
	}
	return false
}

// compareWithReference parses data with Parse and referenceParse and
// returns an error describing any difference that is not a named
// exception.
func compareWithReference(data []byte, lim Limits) error {
	m, err := Parse(data, lim)
	rm, rerr := referenceParse(data, lim)
	var e, re *errcode.Error
	if err != nil && !errors.As(err, &e) {
		return fmt.Errorf("Parse: error %T %v is not an *errcode.Error", err, err)
	}
	if rerr != nil && !errors.As(rerr, &re) {
		return fmt.Errorf("reference: error %T %v is not an *errcode.Error", rerr, rerr)
	}
	switch {
	case err == nil && rerr == nil:
		if ex := lenientIn(data); len(ex) > 0 {
			return fmt.Errorf("accepted, but not well-formed: %v", ex)
		}
		if err := withNormalisedAttrs(rm, data, lim); err != nil {
			return err
		}
		got, want := dump(m), dump(rm)
		if got != want {
			return fmt.Errorf("trees differ:\n--- Parse\n%s--- reference\n%s", got, want)
		}
	case err != nil && rerr != nil:
		if e.Code != re.Code {
			return fmt.Errorf("Parse refuses with %v, the reference with %v", err, rerr)
		}
	case err == nil:
		return fmt.Errorf("Parse accepts what the reference refuses: %v", rerr)
	default:
		ex := exceptionOf(e)
		if ex == "" {
			return fmt.Errorf("Parse refuses what the reference accepts: %v", err)
		}
		if found := lenientIn(data); !found[ex] {
			return fmt.Errorf("Parse refuses as %s (%v), but the input does not show it (found %v)", ex, err, found)
		}
	}
	return nil
}

// dump is a canonical text of m: every token with its kind, names,
// attributes in order, data, parent and index, and every element's line.
func dump(m *Message) string {
	var b strings.Builder
	if m.Root == nil || m.Root != m.Doc.Root() {
		b.WriteString("root mismatch\n")
	}
	fmt.Fprintf(&b, "document children %d, lines %d\n", len(m.Doc.Child), len(m.lines))
	var walk func(t etree.Token, parent *etree.Element, index int, indent string)
	walk = func(t etree.Token, parent *etree.Element, index int, indent string) {
		if t.Parent() != parent || t.Index() != index {
			fmt.Fprintf(&b, "%sbad parent or index %d\n", indent, t.Index())
		}
		switch t := t.(type) {
		case *etree.Element:
			fmt.Fprintf(&b, "%selement %q %q line %d", indent, t.Space, t.Tag, m.Line(t))
			if t.Attr == nil || t.Child == nil {
				b.WriteString(" nil-slice")
			}
			b.WriteByte('\n')
			for _, a := range t.Attr {
				if a.Element() != t {
					fmt.Fprintf(&b, "%s  bad attribute element\n", indent)
				}
				fmt.Fprintf(&b, "%s  @%q %q = %q\n", indent, a.Space, a.Key, a.Value)
			}
			for i, c := range t.Child {
				walk(c, t, i, indent+"  ")
			}
		case *etree.CharData:
			fmt.Fprintf(&b, "%stext %q cdata=%v ws=%v\n", indent, t.Data, t.IsCData(), t.IsWhitespace())
		case *etree.Comment:
			fmt.Fprintf(&b, "%scomment %q\n", indent, t.Data)
		default:
			fmt.Fprintf(&b, "%s%T\n", indent, t)
		}
	}
	for i, c := range m.Doc.Child {
		walk(c, &m.Doc.Element, i, "")
	}
	return b.String()
}

// trickyInputs are hand-made cases at the edges of the grammar.
func trickyInputs() []string {
	return []string{
		// CDATA and ]]>
		`<r><![CDATA[a]]b]]]></r>`, `<r>a]]>b</r>`, `<r>]]</r>`, `<r>]]&gt;</r>`, `<r>]&#93;></r>`, `<r a="]]>"/>`,
		`<r><![CDATA[]]></r>`, "<r><![CDATA[\r\n\r]]></r>", `<r>a<![CDATA[b]]>c<!--d-->e</r>`, `<r><![CDATA[x]]`, `<r><![cdata[x]]></r>`,
		// character references
		`<r>&#x10FFFF;</r>`, `<r>&#x110000;</r>`, `<r>&#xD800;</r>`, `<r>&#55296;</r>`, `<r>&#xDFFF;</r>`, `<r a="&#xDBFF;"/>`,
		`<r>&#xFFFE;</r>`, `<r>&#xFFFF;</r>`, `<r>&#xFFFD;</r>`, `<r>&#0;</r>`, `<r>&#x0;</r>`, `<r>&#1;</r>`, `<r>&#9;&#10;&#13;</r>`,
		`<r>&#X41;</r>`, `<r>&#x;</r>`, `<r>&#;</r>`, `<r>&#65</r>`, `<r>&#65`, `<r>&#0000000000000000000065;</r>`,
		`<r>&#x00000000000000000041;</r>`, `<r>&#99999999999999999999999;</r>`, `<r>&#xffffffffffffffffffff;</r>`, `<r>&#x1F600;</r>`,
		`<r>&lt;&gt;&amp;&apos;&quot;</r>`, `<r>&LT;</r>`, `<r>&lt</r>`, `<r>& </r>`, `<r>&;</r>`, `<r>&lt;`, `<r>&nbsp;</r>`, `<r>&#38;lt;</r>`,
		// attribute values: quotes, newlines, tabs, references, CR
		"<r a=\"x&#10;y&#9;z&#13;\" b=\"x\ny\tz\" c=\"x\r\ny\rz\r\r\n\" d='\"' e=\"'\" f=\"&quot;&apos;\"/>", `<r a="<"/>`, `<r a=">"/>`,
		`<r a="1"b="2"/>`, `<r a="1" b="2"/>`, `<r a = "1"/>`, `<r a="1"/ >`, `<r a='1'b='2'></r>`, `<r a=1/>`, `<r a/>`, `<r a=/>`,
		`<r a="1`, `<r a="1"`, `<r a`, `<r`, `<`, `<r/`, `<r a="&#xD800;"b="1"/>`,
		// line ends and lines
		"<r>\r\n<s>\r\n</s>\r</r>", "<r>\r<s/>\r<t\r/></r>", "<r>\n<s\n a='1'\n/>\n<t>\n</t\n>\n</r>\n", "\n\n<r\n>\r\n<s/></r>",
		// comments
		"<r><!-- a - b --></r>", "<r><!----></r>", "<r><!-- a -- b --></r>", "<r><!-- a ---></r>", "<r><!--->--></r>", "<r><!--\r\n--></r>",
		"<r><!-- \x01 --></r>", "<!-- \uFFFE --><r/>", "<r/><!-- \x1f -->", "<r><!- x --></r>", "<r><!--", "<!--a--><r/><!--b-->",
		// names
		"<Straße grün=\"1\"><ñ:x xmlns:ñ=\"u\"/></Straße>", "<r><数据/></r>", "<\u00b7r/>", "<r\u00b7/>", "<r\u0300/>", "<\u0300r/>",
		"<r\u2070/>", "<\u2070/>", "<r\U00010000/>", "<r a\u00a0=\"1\"/>", "<r\u00a0/>", "<r><\u0e01\u0e33/></r>",
		"<a:b xmlns:a=\"u\"/>", "<:a/>", "<a:/>", "<:/>", "<a:b:c/>", `<r :a="1"/>`, `<r a:="1"/>`, `<r a:b:c="1"/>`, "<a:1b xmlns:a='u'/>",
		"<a:b></a:b >", "<a:b></b>", "<r></r:>", "<1a/>", "<-a/>", "<_a/>", "<a-.1/>", `<r xmlns:xmlns="u"/>`, `<xmlns:a/>`,
		// byte-order mark and XML declaration
		"\xEF\xBB\xBF<r/>", "\xEF\xBB\xBF<?xml version=\"1.0\"?><r/>",
		`<?xml version="1.0" encoding="utf-8"?><r/>`, `<?xml version="1.0" encoding="UtF-8" standalone="yes"?><r/>`,
		`<?xml version='1.0' encoding='latin1'?><r/>`, `<?xml version="1.0" encoding = "ISO-8859-1"?><r/>`,
		`<?xml version="1.0" encoding ='utf-8'?><r/>`, `<?xml version="1.1"?><r/>`, `<?xml version = "1.1"?><r/>`, `<?xml?><r/>`,
		`<?xml encoding="UTF-8"?><r/>`, `<?xml version="1.0" standalone="maybe"?><r/>`, `<?xml version="1.0" foo="bar"?><r/>`,
		`<?xml version="1.0"  ?><r/>`, "<?xml version=\"1.0\"?>\n<r/>", ` <?xml version="1.0"?><r/>`, `<r/><?xml version="1.0"?>`,
		`<r><?xml version="1.0" encoding="latin1"?></r>`, `<?xml version="1.0" standalone="no" encoding="UTF-8"?><r/>`,
		`<?xml version="1.0" encoding=""?><r/>`, `<?xml version="1.0" encoding="8bit"?><r/>`, "<?xml version=\"1.0\"\x01?><r/>",
		`<?xml version="1.0"?><?xml version="1.0"?><r/>`, `<?xml version="1.0"`, `<?XML version="1.0"?><r/>`, `<?xml-stylesheet?><r/>`,
		`<?xml version="1.0"encoding="UTF-8"?><r/>`, `<?xml  version="1.0" encoding="UTF-8" ?><r/>`, `<?xml version="1.0" encoding='UTF-8"?><r/>`,
		`<r a="1" b="2"/><?xml version="1.0" encoding="latin1"?>`, `<r a="1"b="2"><?xml version="1.0" encoding="latin1"?></r>`,
		// outside the root element
		"\u00a0<r/>", "<r/>\u00a0", "&#32;<r/>", "<r/>&#x20;", "<![CDATA[ ]]><r/>", "<r/><![CDATA[]]>", "<![CDATA[x]]><r/>",
		"<r/>\u3000\u2028", " \t\r\n<r/> \t\r\n", "x<r/>", "<r/>x", "<r/>&amp;", "<r/>]]>", "<r/>\x01",
		// characters
		"<r>\x01</r>", "<r a=\"\x1f\"/>", "<r>\uFFFF</r>", "<r>\uFFFE</r>", "<r>\u0085\u2028\u007f</r>", "<r>\u00e9\U0001F600\U0010FFFF</r>",
		"<r><![CDATA[\x01]]></r>", "<r><![CDATA[\uFFFF]]></r>", "<r>\uFDD0\U0001FFFE</r>",
		// XInclude
		"<r xmlns=\"http://www.w3.org/2001/XInclude\"/>", "<r xmlns:x=\"http://www.w3.org/2001/XInclude\"><x:include/></r>",
		"<x:include xmlns:x=\"http://www.w3.org/2001/XInclude\"/>", `<r a="http://www.w3.org/2001/XInclude"><s/></r>`,
		`<r xmlns:x="http://www.w3.org/2001/XInclude"><s xmlns:x="urn:other"><x:include/></s></r>`,
		// tags
		`<r></r >`, `<r></ r>`, `<r></r`, `<r><s></r></s>`, `</r>`, `<r/></r>`, `<r></r x>`, `<r/><s/>`, `<r>`, ``, ` `, `<r/>`,
		`<r a="1" a="2"/>`, `<r a="1" b:a="2" xmlns:b="u"/>`, `<r xmlns:p="u" xmlns:q="u" p:a="1" q:a="2"/>`,
		// declarations
		`<!DOCTYPE r><r/>`, `<!doctype r><r/>`, `<!ELEMENT r ANY><r/>`, `<![INCLUDE[<r/>]]>`, `<r><!DOCTYPE></r>`, `<!`, `<!DOCTYPE r [<!-- > -->]><r/>`,
		`<r><?pi x?></r>`, `<r><?></r>`, `<r><? x?></r>`,
	}
}

// hostileInputs are the hostile corpus of xml/validate's
// TestHostileInputs and of TestParseRejects.
func hostileInputs() [][]byte {
	const header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	lol := `<!DOCTYPE lolz [<!ENTITY lol "lol">`
	prev := "lol"
	for i := 1; i <= 9; i++ {
		lol += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
		prev = fmt.Sprintf("lol%d", i)
	}
	lol += `]>`
	const fileURL, httpURL = "file:///tmp/secret", "http://127.0.0.1:9/x"
	in := []string{
		header + lol + `<lolz>&lol9;</lolz>`,
		header + `<!DOCTYPE r [<!ENTITY a "` + strings.Repeat("x", 50000) + `">]><r>` + strings.Repeat("&a;", 5000) + `</r>`,
		header + `<!DOCTYPE r [<!ENTITY x SYSTEM "` + fileURL + `">]><r>&x;</r>`,
		header + `<!DOCTYPE r [<!ENTITY x SYSTEM "` + httpURL + `">]><r>&x;</r>`,
		header + `<!DOCTYPE r SYSTEM "` + fileURL + `"><r/>`,
		header + `<!DOCTYPE r [<!ENTITY % p SYSTEM "` + httpURL + `"> %p;]><r/>`,
		header + `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="` + fileURL + `" parse="text"/></r>`,
		header + `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="` + httpURL + `"/></r>`,
		header + `<?xml-stylesheet type="text/xsl" href="` + httpURL + `"?><r/>`,
		header + strings.Repeat("<a>", 50000) + strings.Repeat("</a>", 50000),
		header + "<r>\xc3\x28</r>",
		header + "<r>\xc0\xaf</r>",
		"\xFE\xFF\x00<\x00r\x00/\x00>",
		`<?xml version="1.0" encoding="UTF-16"?><r/>`,
		header + "<r>\x00</r>",
		header + "<r>&#0;</r>",
		header + `<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x ` + fileURL + `"/>`,
		header + `<r xml:base="` + httpURL + `"/>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`,
		`<r>&lol;</r>`,
		"<r>\n<?php echo 1 ?></r>",
		"<r>\n\xff\xfe</r>",
		"\xff\xfe<\x00r\x00/\x00>\x00",
		`<?xml version="1.0" encoding="ISO-8859-1"?><r/>`,
		"<r>a\x00b</r>",
		`<r a="1" a="2"/>`,
		`<r/><s/>`,
		`<r/>junk`,
		`<r><s></r>`,
		`<r><s>`,
		`<r` + strings.Repeat(` a="1"`, 1) + attrList(40) + `/>`,
		`<r>` + strings.Repeat("<a/>", 20001) + `</r>`,
	}
	out := make([][]byte, len(in))
	for i, s := range in {
		out[i] = []byte(s)
	}
	return out
}

func attrList(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " b%s=\"1\"", strings.Repeat("y", i+1))
	}
	return b.String()
}

// Corpus is the hostile corpus and the tricky inputs, and each of them
// with CRLF and with CR line ends; the external tests add the
// conformance vectors (an internal test cannot import conformance).
func Corpus(extra ...[]byte) [][]byte {
	out := append([][]byte(nil), extra...)
	out = append(out, hostileInputs()...)
	for _, s := range trickyInputs() {
		out = append(out, []byte(s))
	}
	n := len(out)
	for _, d := range out[:n] {
		if len(d) > 1<<20 || bytes.IndexByte(d, '\n') < 0 {
			continue
		}
		out = append(out, bytes.ReplaceAll(d, []byte("\n"), []byte("\r\n")), bytes.ReplaceAll(d, []byte("\n"), []byte("\r")))
	}
	return out
}

// DifferentialLimits are the limits the differential tests run with: the
// defaults and small ones, so that the limit checks are compared too.
var DifferentialLimits = []Limits{{}, {MaxBytes: 1 << 20, MaxDepth: 3, MaxElements: 40, MaxAttrs: 2}}

func TestDifferential(t *testing.T) {
	for i, data := range Corpus() {
		for _, lim := range DifferentialLimits {
			if err := compareWithReference(data, lim); err != nil {
				t.Errorf("input %d %q (limits %+v): %v", i, clipTest(data), lim, err)
			}
		}
	}
}

func clipTest(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// Each named exception: the reference accepts the input, Parse refuses it
// with the code and exception given, and lenientIn finds it.
func TestStricterThanReference(t *testing.T) {
	tests := []struct {
		in   string
		code errcode.Code
		ex   string
		line int
	}{
		{`<?xml?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml encoding="UTF-8"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0" standalone="maybe"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0" foo="bar"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0" standalone="no" encoding="UTF-8"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0"encoding="UTF-8"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0" encoding=""?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{`<?xml version = "1.1"?><r/>`, errcode.NotWellFormed, exDecl, 1},
		{"<?xml version=\"1.0\"\x01?><r/>", errcode.NotWellFormed, exDecl, 1},
		{`<?xml version="1.0" encoding = "ISO-8859-1"?><r/>`, errcode.NotUTF8, exDeclEncoding, 1},
		{"\n\u00a0<r/>", errcode.NotWellFormed, exOutside, 2},
		{"<r/>\n\u3000", errcode.NotWellFormed, exOutside, 2},
		{"&#32;<r/>", errcode.NotWellFormed, exOutside, 1},
		{"<r/><![CDATA[ ]]>", errcode.NotWellFormed, exOutside, 1},
		{"<![CDATA[]]><r/>", errcode.NotWellFormed, exOutside, 1},
		{"<r>\n<s a=\"1\"b=\"2\"/></r>", errcode.NotWellFormed, exAttrSpace, 2},
		{"<r><!-- \x01 --></r>", errcode.NotWellFormed, exCommentChar, 1},
		{"<!--\n\uFFFF--><r/>", errcode.NotWellFormed, exCommentChar, 2},
		{"<r>\n&#xD800;</r>", errcode.NotWellFormed, exSurrogate, 2},
		{`<r a="&#57343;"/>`, errcode.NotWellFormed, exSurrogate, 1},
		{"<r>\n<s xmlns:p=\"\"/></r>", errcode.NotWellFormed, exNamespace, 2},
		{`<r xmlns:p="urn:a"><p:s xmlns:p=""/></r>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns:xmlns="urn:a"/>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns:xml="urn:a"/>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns:x="http://www.w3.org/XML/1998/namespace"/>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns="http://www.w3.org/XML/1998/namespace"/>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns:x="http://www.w3.org/2000/xmlns/"/>`, errcode.NotWellFormed, exNamespace, 1},
		{`<r xmlns="http://www.w3.org/2000/xmlns/"/>`, errcode.NotWellFormed, exNamespace, 1},
		// The first violation is the answer; a later one of the
		// reference's own is reported with the reference's code.
		{"<r a=\"1\"b=\"2\">\n&#xD800;</r>", errcode.NotWellFormed, exAttrSpace, 1},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if _, err := referenceParse([]byte(tc.in), Limits{}); err != nil {
				t.Fatalf("reference refuses: %v", err)
			}
			_, err := Parse([]byte(tc.in), Limits{})
			var e *errcode.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse: %v", err)
			}
			if e.Code != tc.code || exceptionOf(e) != tc.ex || e.Line != tc.line {
				t.Errorf("got %v (%s, line %d), want %s %s line %d", err, exceptionOf(e), e.Line, tc.code, tc.ex, tc.line)
			}
			if !lenientIn([]byte(tc.in))[tc.ex] {
				t.Errorf("lenientIn does not find %s", tc.ex)
			}
			if err := compareWithReference([]byte(tc.in), Limits{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// A refusal of the reference keeps its code when an exception comes
// first: the S001 of a later <?xml encoding?> stays S001.
func TestDeferredKeepsReferenceCode(t *testing.T) {
	in := `<r a="1"b="2"><?xml version="1.0" encoding="latin1"?></r>`
	_, rerr := referenceParse([]byte(in), Limits{})
	_, err := Parse([]byte(in), Limits{})
	rc, _ := errcode.Of(rerr)
	c, _ := errcode.Of(err)
	if rc != errcode.NotUTF8 || c != errcode.NotUTF8 {
		t.Fatalf("reference %v, Parse %v; want S001 from both", rerr, err)
	}
}

// The differential check itself must be able to fail.
func TestCompareWithReferenceDetects(t *testing.T) {
	m1, err := Parse([]byte(`<r a="1"><s/>t</r>`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	base := dump(m1)
	mutations := []func(m *Message){
		func(m *Message) { m.Root.Attr[0].Value = "2" },
		func(m *Message) { m.Root.Tag = "x" },
		func(m *Message) { m.lines[m.Root.ChildElements()[0]] = 7 },
		func(m *Message) { m.Root.CreateText("") },
		func(m *Message) { m.Root.Child[1].(*etree.CharData).Data = "u" },
		func(m *Message) { m.Root.Child[0].(*etree.Element).Attr = nil },
	}
	for i, mut := range mutations {
		m, _ := Parse([]byte(`<r a="1"><s/>t</r>`), Limits{})
		mut(m)
		if dump(m) == base {
			t.Errorf("mutation %d not seen by dump", i)
		}
	}
	if found := lenientIn([]byte(`<r a="1" b="2"/>`)); len(found) != 0 {
		t.Errorf("lenientIn on a well-formed input: %v", found)
	}
	if utf8.ValidString(base) == false {
		t.Error("dump is not UTF-8")
	}
}
