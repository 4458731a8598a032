package din91379_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xgate/xgate/xml/validate/din91379"
)

// patternC compiles the normative XSD pattern for Go: character
// references become \x{…}, and the pattern must match the whole text.
var patternC = regexp.MustCompile(`^(?:` + regexp.MustCompile(`&#x([0-9A-Fa-f]+);`).ReplaceAllString(din91379.PatternC, `\x{$1}`) + `)$`)

func valid(s string) bool { ok, _ := din91379.ValidC(s); return ok }

// Every code point of Unicode, alone: the groups accept exactly what the
// normative XSD pattern of data type C accepts.
func TestEveryCodePoint(t *testing.T) {
	n := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if got, want := valid(s), patternC.MatchString(s); got != want {
			t.Errorf("U+%04X: groups say %v, XSD pattern says %v", r, got, want)
		}
		if din91379.InC(r) {
			n++
		}
	}
	// 95 printable ASCII + tab, LF, CR + Latin-1 without the soft hyphen
	// (95) + the letters and signs beyond: 588 in all.
	if n != 588 {
		t.Errorf("%d single code points in data type C, want 588", n)
	}
}

// Every defined sequence is accepted, by the groups and by the pattern,
// and every pair of a base letter and a combining mark agrees with the
// pattern: exactly the defined pairs are allowed.
func TestSequences(t *testing.T) {
	seqs := din91379.Latin.Sequences()
	if len(seqs) < 90 {
		t.Fatalf("only %d defined sequences", len(seqs))
	}
	for _, s := range seqs {
		if !valid(s) || !patternC.MatchString(s) {
			t.Errorf("%q (%U): groups %v, pattern %v", s, []rune(s), valid(s), patternC.MatchString(s))
		}
	}
	const bases = "ACDFGHJKLMNPRSTUZacdfghjklmnprstuzÇçÛûÿČčēĪīōŽžḲḳṢṣṬṭẠạỌọỤụEeOoBb"
	for _, b := range bases {
		for m := rune(0x300); m <= 0x36F; m++ {
			s := string(b) + string(m)
			if got, want := valid(s), patternC.MatchString(s); got != want {
				t.Errorf("%q (%U): groups say %v, pattern says %v", s, []rune(s), got, want)
			}
		}
	}
}

// Characters and texts the standard forbids, and a few it allows that a
// hand list got wrong.
func TestForbiddenAndAllowed(t *testing.T) {
	forbidden := []string{
		"Bürgeramt – Meldebehörde", // en dash U+2013
		"A — B",                    // em dash U+2014
		"„Zitat“",                  // German quotation marks
		"‘x’",                      // U+2018
		"Ende…",                    // ellipsis
		"Trenn\u00ADstrich",        // soft hyphen
		"Null\u200Bbreite",         // zero width space
		"\u202Eevil",               // right-to-left override
		"Ив",                       // Cyrillic
		"Ερμού",                    // Greek
		"Fehler 🚀",                 // emoji
		"x\u0301",                  // x with a combining acute: no defined sequence
		"\u0308",                   // a combining mark alone
		"Mu\u0308ller",             // decomposed ü (not NFC)
		"Product™",                 // trade mark sign
		"−15",                      // minus sign U+2212
		"ʻOkina",                   // U+02BB
		"Ǳ",                        // U+01F1
		"\u2003",                   // em space
		"\u3000",                   // ideographic space
		"\uFEFF",                   // byte order mark
		"a\x00b", "\x7F",           // controls
	}
	for _, s := range forbidden {
		ok, bad := din91379.ValidC(s)
		if ok || patternC.MatchString(s) {
			t.Errorf("%q accepted (groups %v, pattern %v)", s, ok, patternC.MatchString(s))
			continue
		}
		if bad < 0 || bad >= len(s) {
			t.Errorf("%q: offset %d", s, bad)
		}
	}
	allowed := []string{
		"Petrović", "Niš", "Ayşe Yılmaz", "Ștefănescu", "Țepeș", "Đorđe", "Øster", "Ærø",
		"Łódź", "Ḥaddād", "Ḥomṣ", "ʿAlī", "O’Brien", "K͟Hān", "Ƈ", "ƈ", "Ɨ", "ȓ", "ȧ", "Ȩ", "ɨ", "‡",
		"ẞ", "100 €", "§ 90a AufenthG", "¼ ½ ¾", "Zeile 1\nZeile 2\tTab\r\n", "Straße\u00A012",
		"ŀ", "Ŀ", "ŉ", "ē\u030D", "L̥̄",
	}
	for _, s := range allowed {
		if ok, bad := din91379.ValidC(s); !ok || !patternC.MatchString(s) {
			t.Errorf("%q refused at %d (pattern %v)", s, bad, patternC.MatchString(s))
		}
	}
}

// The offset names the first character outside the repertoire.
func TestOffset(t *testing.T) {
	for _, tc := range []struct {
		s   string
		bad int
	}{
		{"abc", -1},
		{"ab–c", 2},
		{"Ḳ̄x\u0301", strings.Index("Ḳ̄x\u0301", "\u0301")},
		{"K͟H\u035F", len("K͟H")},
	} {
		ok, bad := din91379.ValidC(tc.s)
		if bad != tc.bad || ok != (tc.bad < 0) {
			t.Errorf("ValidC(%q) = %v, %d; want offset %d", tc.s, ok, bad, tc.bad)
		}
	}
}

func ExampleValidC() {
	fmt.Println(din91379.ValidC("Bürgeramt Musterstadt"))
	fmt.Println(din91379.ValidC("Bürgeramt – Meldebehörde"))
	// Output:
	// true -1
	// false 11
}
