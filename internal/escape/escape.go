// Package escape makes values that come from outside (a message, a
// certificate, a file name) safe to print on one line of human-readable
// output: a report on a terminal, a line of `xgate validate`.
//
// # Overview
//
// Line keeps printable text as it is, umlauts and other letters
// included, and writes as escapes what could end a line, forge the next
// one or hide what follows: C0 and C1 controls and DEL (so line feed,
// carriage return, tab, escape sequences), the line and paragraph
// separators U+2028 and U+2029, format characters (bidirectional
// overrides such as U+202E, zero-width characters, the byte-order mark),
// and bytes that are not UTF-8. The backslash itself is doubled, so an
// escape cannot be forged either and the output reads back unambiguously.
//
// Machine-readable output (JSON) needs none of this: its encoder escapes.
package escape

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s with every character that could break or disguise a line
// of output escaped: \n \r \t as such, other controls and invisible
// format characters as \xHH or \uHHHH, invalid UTF-8 bytes as \xHH, and
// the backslash as \\.
func Line(s string) string {
	if !needs(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafe(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needs reports whether Line has anything to do.
func needs(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= utf8.RuneSelf {
			goto slow
		}
	}
	return false
slow:
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == '\\' || r == utf8.RuneError && n <= 1 || unsafe(r) {
			return true
		}
		i += n
	}
	return false
}

// unsafe reports the characters Line escapes (besides the backslash).
func unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}
