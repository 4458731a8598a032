package message

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
)

// Limits bound what Parse accepts. The zero value means the defaults.
type Limits struct {
	// MaxBytes is the largest document accepted. Defaults to 16 MiB.
	MaxBytes int
	// MaxDepth is the deepest element nesting accepted. Defaults to 64.
	MaxDepth int
	// MaxElements is the largest number of elements. Defaults to 20,000.
	MaxElements int
	// MaxAttrs is the largest number of attributes (namespace
	// declarations included) on one element. Defaults to 32.
	MaxAttrs int
}

// Default limits.
const (
	DefaultMaxBytes    = 16 << 20
	DefaultMaxDepth    = 64
	DefaultMaxElements = 20000
	DefaultMaxAttrs    = 32
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = DefaultMaxElements
	}
	if l.MaxAttrs <= 0 {
		l.MaxAttrs = DefaultMaxAttrs
	}
	return l
}

// XIncludeNS is the XInclude namespace; elements in it are refused.
const XIncludeNS = "http://www.w3.org/2001/XInclude"

const op = "parse"

var errForeignEncoding = errors.New("declared encoding is not UTF-8")

func notWellFormed(line int, format string, args ...any) *errcode.Error {
	return &errcode.Error{Code: errcode.NotWellFormed, Op: op, Line: line, Detail: fmt.Sprintf(format, args...)}
}

// Parse checks data against the hardening rules and the limits and returns
// the message tree. Every error is an *errcode.Error with code X000 or S001.
// Parse does not keep data.
func Parse(data []byte, lim Limits) (*Message, error) {
	lim = lim.WithDefaults()
	if len(data) > lim.MaxBytes {
		return nil, notWellFormed(0, "document is %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	if err := checkEncoding(data); err != nil {
		return nil, err
	}

	m := &Message{Doc: etree.NewDocument(), lines: make(map[*etree.Element]int)}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("%w: %q", errForeignEncoding, charset)
	}

	var (
		stack    = []*etree.Element{}
		elements int
		first    = true
		sawRoot  bool
	)
	for {
		tok, err := dec.RawToken()
		line, _ := dec.InputPos()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errForeignEncoding) {
				return nil, &errcode.Error{Code: errcode.NotUTF8, Op: op, Line: line, Detail: err.Error()}
			}
			return nil, notWellFormed(line, "%s", trimXMLErr(err))
		}
		isFirst := first
		first = false
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && sawRoot {
				return nil, notWellFormed(line, "second root element <%s>", t.Name.Local)
			}
			if len(stack) >= lim.MaxDepth {
				return nil, notWellFormed(line, "nesting deeper than %d elements", lim.MaxDepth)
			}
			elements++
			if elements > lim.MaxElements {
				return nil, notWellFormed(line, "more than %d elements", lim.MaxElements)
			}
			if len(t.Attr) > lim.MaxAttrs {
				return nil, notWellFormed(line, "element <%s> has %d attributes, the limit is %d", t.Name.Local, len(t.Attr), lim.MaxAttrs)
			}
			// encoding/xml leaves a name with an empty prefix or local
			// part (":a", "a:", ":") unsplit; etree would split it
			// differently, libxml2 calls it a namespace error.
			if strings.Contains(t.Name.Local, ":") {
				return nil, notWellFormed(line, "element name %q is not namespace-well-formed", t.Name.Local)
			}
			for _, a := range t.Attr {
				if strings.Contains(a.Name.Local, ":") {
					return nil, notWellFormed(line, "attribute name %q is not namespace-well-formed", a.Name.Local)
				}
			}
			var parent interface {
				CreateElement(string) *etree.Element
			} = &m.Doc.Element
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			e := parent.CreateElement(qname(t.Name))
			for i, a := range t.Attr {
				for _, b := range t.Attr[:i] {
					if a.Name == b.Name {
						return nil, notWellFormed(line, "element <%s> repeats attribute %s", t.Name.Local, qname(a.Name))
					}
				}
				e.CreateAttr(qname(a.Name), a.Value)
			}
			if e.NamespaceURI() == XIncludeNS {
				return nil, notWellFormed(line, "XInclude is not allowed")
			}
			m.lines[e] = line
			stack = append(stack, e)
			sawRoot = true
		case xml.EndElement:
			// RawToken does not match tags; etree's own reader does it the same way.
			if len(stack) == 0 {
				return nil, notWellFormed(line, "unexpected end tag </%s>", t.Name.Local)
			}
			top := stack[len(stack)-1]
			if top.Tag != t.Name.Local || top.Space != t.Name.Space {
				return nil, notWellFormed(line, "end tag </%s> does not match <%s>", qname(t.Name), top.FullTag())
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, notWellFormed(line, "text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].CreateText(string(t))
		case xml.Comment:
			if len(stack) > 0 {
				stack[len(stack)-1].CreateComment(string(t))
			}
		case xml.Directive:
			return nil, notWellFormed(line, "DOCTYPE and entity declarations are not allowed")
		case xml.ProcInst:
			if t.Target == "xml" && isFirst {
				continue
			}
			return nil, notWellFormed(line, "processing instruction <?%s?> is not allowed", t.Target)
		}
	}
	if len(stack) != 0 {
		return nil, notWellFormed(0, "document ends inside <%s>", stack[len(stack)-1].FullTag())
	}
	if !sawRoot {
		return nil, notWellFormed(0, "no root element")
	}
	m.Root = m.Doc.Root()
	return m, nil
}

// checkEncoding refuses what is not UTF-8: UTF-16/32 byte-order marks,
// invalid sequences and NUL bytes.
func checkEncoding(data []byte) error {
	for _, bom := range [][]byte{{0xFE, 0xFF}, {0xFF, 0xFE}, {0, 0, 0xFE, 0xFF}} {
		if bytes.HasPrefix(data, bom) {
			return &errcode.Error{Code: errcode.NotUTF8, Op: op, Line: 1, Detail: "UTF-16/UTF-32 byte-order mark; only UTF-8 is accepted"}
		}
	}
	if !utf8.Valid(data) {
		off := invalidOffset(data)
		return &errcode.Error{Code: errcode.NotUTF8, Op: op, Line: 1 + bytes.Count(data[:off], []byte{'\n'}),
			Detail: fmt.Sprintf("invalid UTF-8 at byte offset %d", off)}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return notWellFormed(1+bytes.Count(data[:i], []byte{'\n'}), "NUL byte at offset %d", i)
	}
	return nil
}

func invalidOffset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func trimXMLErr(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}
