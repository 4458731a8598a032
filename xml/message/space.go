package message

import (
	"strings"

	"github.com/beevik/etree"
)

// XML white space and look-alike spaces: the one definition.
//
// XML (§2.3 production S) knows four white-space characters: space U+0020,
// tab U+0009, carriage return U+000D and line feed U+000A. Schema types
// derived from xs:token collapse exactly these (XSD 1.0 Part 2 §4.3.6),
// and xgate trims exactly these, in one place (TrimXMLSpace, TokenText,
// CollapseXMLSpace). A no-break space (U+00A0), the other Unicode spaces
// (U+1680, U+2000–U+200A, U+202F, U+205F, U+3000), zero-width characters
// and line/paragraph separators are never trimmed: they stay part of the
// value, so that a code, a message type, a UUID, a MIME type, a file name
// or a kennung with such a character compares unequal and is refused by the
// schema pattern or the rule that checks the value.

// IsXMLSpace reports whether r is XML white space (#x20 | #x9 | #xD | #xA).
func IsXMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// TrimXMLSpace removes leading and trailing XML white space, and nothing
// else.
func TrimXMLSpace(s string) string { return strings.Trim(s, " \t\r\n") }

// CollapseXMLSpace applies the xs:token white-space facet "collapse": XML
// white space runs become one space, leading and trailing ones are removed.
// Other characters, including Unicode spaces, are kept.
func CollapseXMLSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, IsXMLSpace), " ")
}

// TokenText returns the text of e with XML white space collapsed as for
// xs:token, or "" for nil. It is how xgate reads codes, identifiers and
// other token values.
func TokenText(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return CollapseXMLSpace(e.Text())
}

// CanonicalUUID returns the form in which UUIDs are compared and
// de-duplicated: XML white space trimmed and the hexadecimal letters A–F in
// lower case. The XÖV UUID pattern admits either case, so
// "5E6F7A8B-…" and "5e6f7a8b-…" are the same message. Nothing else is
// changed: a value that is not a UUID stays unequal to every UUID.
func CanonicalUUID(s string) string {
	s = TrimXMLSpace(s)
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// ValidUUID reports whether s is a UUID in the text form of the XÖV
// pattern [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12},
// exactly, with nothing around it.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
