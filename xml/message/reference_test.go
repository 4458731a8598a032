package message

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
)

var errForeignEncoding = errors.New("declared encoding is not UTF-8")

// referenceParse is the encoding/xml-based implementation of Parse that
// the scanner replaced (commit 9762d5d), kept unchanged as the reference
// for the differential tests: for every input both must accept with
// identical trees and lines, or both refuse with the same code, apart from
// the named exceptions in diff_test.go.
func referenceParse(data []byte, lim Limits) (*Message, error) {
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
