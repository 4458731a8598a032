package message

import (
	"testing"
	"unicode"
)

// Every code point is a name start character, a name character or neither
// for Parse exactly as for the reference parser, and Appendix B is a
// subset of the fifth-edition classes (so no accepted name is outside XML
// 1.0). The whole BMP is checked, and every 97th supplementary code point.
func TestNameTables(t *testing.T) {
	var checked, starts, chars int
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if r > 0xFFFF && r%97 != 0 {
			continue
		}
		checked++
		s := string(r)
		for _, tc := range []struct {
			doc string
			ok  bool
		}{
			{"<" + s + "/>", isNameStartChar(r)},
			{"<a" + s + "/>", isNameChar(r)},
		} {
			_, err := Parse([]byte(tc.doc), Limits{})
			_, rerr := referenceParse([]byte(tc.doc), Limits{})
			if (err == nil) != (rerr == nil) || (err == nil) != tc.ok {
				t.Fatalf("%U in %q: Parse %v, reference %v, table %v", r, tc.doc, err, rerr, tc.ok)
			}
		}
		if unicode.Is(appendixBFirst, r) {
			starts++
			if !isNameStartChar5(r) {
				t.Errorf("%U: Appendix B letter, not a fifth-edition NameStartChar", r)
			}
		}
		if unicode.Is(appendixBFirst, r) || unicode.Is(appendixBSecond, r) {
			chars++
			if !isNameChar5(r) {
				t.Errorf("%U: Appendix B name character, not a fifth-edition NameChar", r)
			}
		}
	}
	if starts < 10000 || chars < starts {
		t.Fatalf("tables look empty: %d start, %d name characters", starts, chars)
	}
	t.Logf("%d code points, %d name start and %d name characters beyond ASCII", checked, starts, chars)
	for c := 0; c < 0x80; c++ {
		start := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':'
		char := start || '0' <= c && c <= '9' || c == '-' || c == '.'
		if isNameStartChar(rune(c)) != start || isNameChar(rune(c)) != char ||
			isNameStartChar5(rune(c)) != start || isNameChar5(rune(c)) != char {
			t.Errorf("ASCII %q misclassified", rune(c))
		}
	}
}
