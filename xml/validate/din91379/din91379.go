// Package din91379 checks text against DIN 91379 (Schriftzeichen und
// definierte Zeichensequenzen in lateinischer Schrift), data type C: the
// normative Latin letters and the non-letter groups N1 to N4, the
// repertoire XÖV standards use for names and general text
// (din91379:datatypeC in XInneres and XAusländer).
//
// # Overview
//
// The repertoire is held as its groups, as the standard defines them:
//
//   - Latin letters: single code points and the defined sequences of a base
//     letter and combining marks (K͟H, L̥̄, Ç̆, …);
//   - N1: non-letters for names (space, apostrophe, comma, hyphen, full
//     stop, grave and tilde, diaeresis, acute, middle dot, modifier primes,
//     right single quotation mark, double dagger);
//   - N2: further ASCII and Latin-1 non-letters, digits and the euro sign;
//   - N3: ¤ ¦ ¸ ¼ ½ ¾;
//   - N4: tab, line feed, carriage return and no-break space.
//
// Data type C is their union. PatternC is the XSD pattern of data type C as
// the DIN 91379 schema (din-norm-91379-datatypes.xsd, 2022-08) states it; a
// test checks that the groups and the pattern accept exactly the same
// characters and sequences.
//
// Text is checked as given: a text in another Unicode normalisation form
// than NFC fails where the pattern fails (a decomposed ü is u plus U+0308,
// which no defined sequence contains). ValidC reports the first character
// (or unmatched sequence) outside the repertoire.
package din91379

import (
	"sort"
	"unicode/utf8"
)

// span is an inclusive range of code points.
type span struct{ lo, hi rune }

// Group is one group of the repertoire.
type Group struct {
	// Name is the group's name in the standard, "N1".
	Name string
	// singles are the single code points of the group.
	singles []span
	// sequences are the defined sequences (base plus combining marks).
	sequences []string
}

// Has reports whether the single code point r belongs to the group.
func (g *Group) Has(r rune) bool { return inSpans(g.singles, r) }

// Sequences returns the group's defined multi-code-point sequences.
func (g *Group) Sequences() []string { return append([]string(nil), g.sequences...) }

func inSpans(ss []span, r rune) bool {
	i := sort.Search(len(ss), func(i int) bool { return ss[i].hi >= r })
	return i < len(ss) && ss[i].lo <= r
}

func one(rs ...rune) []span {
	out := make([]span, len(rs))
	for i, r := range rs {
		out[i] = span{r, r}
	}
	return out
}

func sorted(ss []span) []span {
	sort.Slice(ss, func(i, j int) bool { return ss[i].lo < ss[j].lo })
	return ss
}

// Latin is the group of normative Latin letters. Ŀ ŀ ŉ, which the standard
// lists as deprecated, are included because the normative XSD pattern of
// data type C accepts them.
var Latin = &Group{Name: "Lateinische Buchstaben", singles: sorted([]span{
	{'A', 'Z'}, {'a', 'z'},
	{0xC0, 0xD6}, {0xD8, 0xF6}, {0xF8, 0x17E},
	{0x187, 0x188}, {0x18F, 0x18F}, {0x197, 0x197}, {0x1A0, 0x1A1}, {0x1AF, 0x1B0}, {0x1B7, 0x1B7},
	{0x1CD, 0x1DC}, {0x1DE, 0x1DF}, {0x1E2, 0x1F0}, {0x1F4, 0x1F5}, {0x1F8, 0x1FF},
	{0x212, 0x213}, {0x218, 0x21B}, {0x21E, 0x21F}, {0x227, 0x233},
	{0x259, 0x259}, {0x268, 0x268}, {0x292, 0x292},
	{0x1E02, 0x1E03}, {0x1E06, 0x1E07}, {0x1E0A, 0x1E11}, {0x1E17, 0x1E17}, {0x1E1C, 0x1E2B},
	{0x1E2F, 0x1E37}, {0x1E3A, 0x1E3B}, {0x1E40, 0x1E49}, {0x1E52, 0x1E5B}, {0x1E5E, 0x1E63},
	{0x1E6A, 0x1E6F}, {0x1E80, 0x1E87}, {0x1E8C, 0x1E97}, {0x1E9E, 0x1E9E}, {0x1EA0, 0x1EF9},
}), sequences: latinSequences()}

// latinSequences are the defined sequences of DIN 91379: a base letter
// followed by one or two combining marks (or, for K͟H, U+035F and a second
// letter).
func latinSequences() []string {
	var out []string
	add := func(base rune, marks ...string) {
		for _, m := range marks {
			out = append(out, string(base)+m)
		}
	}
	const (
		grave, acute, circumflex, macron, breve = "\u0300", "\u0301", "\u0302", "\u0304", "\u0306"
		dotAbove, diaeresis, doubleAcute        = "\u0307", "\u0308", "\u030B"
		caron, vertLineAbove, candrabindu       = "\u030C", "\u030D", "\u0310"
		commaAboveRight, horn, dotBelow         = "\u0315", "\u031B", "\u0323"
		ringBelow, commaBelow, cedilla, ogonek  = "\u0325", "\u0326", "\u0327", "\u0328"
		macronBelow, doubleMacronBelow          = "\u0331", "\u035F"
	)
	for _, c := range []struct {
		upper, lower rune
		marks        []string
		upperOnly    []string
	}{
		{'A', 'a', []string{doubleAcute}, nil},
		{'C', 'c', []string{grave, macron, breve, diaeresis, commaAboveRight, dotBelow, commaBelow, ogonek + breve}, nil},
		{'D', 'd', []string{circumflex}, nil},
		{'F', 'f', []string{grave, macron}, nil},
		{'G', 'g', []string{grave}, nil},
		{'H', 'h', []string{macron, commaBelow}, []string{macronBelow}},
		{'J', 'j', []string{acute}, []string{caron}},
		{'K', 'k', []string{grave, circumflex, macron, dotAbove, commaAboveRight, horn, commaBelow, doubleMacronBelow + "h"}, []string{doubleMacronBelow + "H"}},
		{'L', 'l', []string{circumflex, ringBelow, ringBelow + macron, commaBelow}, nil},
		{'M', 'm', []string{grave, circumflex, breve, candrabindu}, nil},
		{'N', 'n', []string{circumflex, macron, breve, commaBelow}, nil},
		{'P', 'p', []string{grave, macron, commaAboveRight, dotBelow}, nil},
		{'R', 'r', []string{breve, ringBelow, ringBelow + macron}, nil},
		{'S', 's', []string{grave, macron, horn + macron, macronBelow}, nil},
		{'T', 't', []string{grave, macron, commaAboveRight, horn}, []string{diaeresis}},
		{'U', 'u', []string{dotAbove}, nil},
		{'Z', 'z', []string{grave, macron, breve, diaeresis, cedilla}, nil},
		{0xC7, 0xE7, []string{breve}, nil},                       // Ç̆ ç̆
		{0xDB, 0xFB, []string{macron}, nil},                      // Û̄ û̄
		{0x10C, 0x10D, []string{commaAboveRight, dotBelow}, nil}, // Č̕ Č̣
		{0x12A, 0x12B, []string{acute}, nil},                     // Ī́ ī́
		{0x17D, 0x17E, []string{commaBelow, cedilla}, nil},       // Ž̦ Ž̧
		{0x1E32, 0x1E33, []string{macron}, nil},                  // Ḳ̄
		{0x1E62, 0x1E63, []string{macron}, nil},                  // Ṣ̄
		{0x1E6C, 0x1E6D, []string{macron}, nil},                  // Ṭ̄
		{0x1EA0, 0x1EA1, []string{diaeresis}, nil},               // Ạ̈
		{0x1ECC, 0x1ECD, []string{diaeresis}, nil},               // Ọ̈
		{0x1EE4, 0x1EE5, []string{macron, diaeresis}, nil},       // Ụ̄ Ụ̈
	} {
		add(c.upper, c.marks...)
		add(c.upper, c.upperOnly...)
		add(c.lower, c.marks...)
	}
	add(0xFF, acute)          // ÿ́
	add(0x113, vertLineAbove) // ē̍
	add(0x14D, vertLineAbove) // ō̍
	sort.Strings(out)
	return out
}

// N1 are the non-letters allowed in names (Nicht-Buchstaben N1).
var N1 = &Group{Name: "N1", singles: sorted(one(' ', '\'', ',', '-', '.', '`', '~', 0xA8, 0xB4, 0xB7,
	0x2B9, 0x2BA, 0x2BE, 0x2BF, 0x2C8, 0x2CC, 0x2019, 0x2021))}

// N2 are further non-letters: ASCII punctuation and digits, Latin-1 signs
// and the euro sign (Nicht-Buchstaben N2).
var N2 = &Group{Name: "N2", singles: sorted(append(one('!', '"', '#', '$', '%', '&', '(', ')', '*', '+', '/',
	':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '^', '_', '{', '|', '}',
	0xA1, 0xA2, 0xA3, 0xA5, 0xA7, 0xA9, 0xAA, 0xAB, 0xAC, 0xAE, 0xAF, 0xB0, 0xB1, 0xB2, 0xB3,
	0xB5, 0xB6, 0xB9, 0xBA, 0xBB, 0xBF, 0xD7, 0xF7, 0x20AC), span{'0', '9'}))}

// N3 are ¤ ¦ ¸ ¼ ½ ¾ (Nicht-Buchstaben N3).
var N3 = &Group{Name: "N3", singles: sorted(one(0xA4, 0xA6, 0xB8, 0xBC, 0xBD, 0xBE))}

// N4 are tab, line feed, carriage return and no-break space
// (Nicht-Buchstaben N4).
var N4 = &Group{Name: "N4", singles: sorted(one('\t', '\n', '\r', 0xA0))}

// TypeC lists the groups of data type C.
var TypeC = []*Group{Latin, N1, N2, N3, N4}

// maxSequence is the longest defined sequence in bytes.
var maxSequence = func() int {
	n := 0
	for _, s := range Latin.sequences {
		n = max(n, len(s))
	}
	return n
}()

var sequenceSet = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range Latin.sequences {
		m[s] = true
	}
	return m
}()

// InC reports whether the single code point r belongs to data type C.
func InC(r rune) bool {
	for _, g := range TypeC {
		if g.Has(r) {
			return true
		}
	}
	return false
}

// ValidC reports whether s consists only of characters and defined
// sequences of data type C. If not, bad is the byte offset of the first
// code point that no character or sequence accounts for.
func ValidC(s string) (ok bool, bad int) {
	for i := 0; i < len(s); {
		// The longest defined sequence starting here wins: combining marks
		// are never allowed on their own, so a shorter match cannot help.
		if n := sequenceAt(s[i:]); n > 0 {
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || !InC(r) {
			return false, i
		}
		i += size
	}
	return true, -1
}

// sequenceAt returns the length of the longest defined sequence that s
// starts with, or 0.
func sequenceAt(s string) int {
	for n := min(len(s), maxSequence); n > 1; n-- {
		if sequenceSet[s[:n]] {
			return n
		}
	}
	return 0
}
