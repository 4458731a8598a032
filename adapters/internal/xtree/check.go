package xtree

import (
	"fmt"
	"unicode/utf8"

	"github.com/xgate/xgate/xml/errcode"
)

// CheckValue refuses, before anything is built from it, a value longer
// than its simple type's maxLength (in characters) and a value with a
// character XML cannot carry (C0 controls other than tab, line feed and
// carriage return, U+FFFE, U+FFFF, invalid UTF-8): a huge field is
// answered with its path and size, not with a parse of megabytes.
func (t *Type) CheckValue(path string, index []int, value string) error {
	for i, r := range value {
		if !xmlChar(r) || r == utf8.RuneError && !validAt(value, i) {
			return fail(errcode.SchemaInvalid, t.Shown(path, index), value, "character %s at position %d cannot be carried in XML", fmt.Sprintf("U+%04X", r), i)
		}
	}
	in, ok := t.infos[path]
	if !ok {
		return nil
	}
	max := in.Field.Simple.MaxLength
	if max < 0 || in.Code || !in.Leaf || len(value) <= max {
		return nil
	}
	if n := utf8.RuneCountInString(value); n > max {
		return fail(errcode.SchemaInvalid, t.Shown(path, index), value, "%d characters, at most %d allowed", n, max)
	}
	return nil
}

func validAt(s string, i int) bool {
	r, n := utf8.DecodeRuneInString(s[i:])
	return !(r == utf8.RuneError && n <= 1)
}

// xmlChar reports whether r is an XML 1.0 Char.
func xmlChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= 0x10FFFF
}
