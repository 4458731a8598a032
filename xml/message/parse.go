package message

import (
	"bytes"
	"fmt"
	"unicode/utf8"

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
	p := newParser(data, lim)
	if err := p.parse(); err != nil {
		return nil, err
	}
	p.m.Root = p.m.Doc.Root()
	return p.m, nil
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
