package adaptertest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"time"
	"unicode"

	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/schemas"
)

// Generator makes random messages of a schema that its XSD accepts: every
// element and attribute the schema allows can appear, repeatable ones
// repeat, choices take each branch, values follow their simple type's
// base, facets and patterns, codes come from their code lists.
type Generator struct {
	// Rand is the source; a fixed seed makes a reproducible run.
	Rand *rand.Rand
	// Codes gives the values of code elements by code type; nil means the
	// built-in code lists of package catalogue.
	Codes func(codeType string) []catalogue.CodeValue
	// CodeList gives the list URI and version written with a code of a
	// code type ("" when unknown): nil means the built-in lists.
	CodeList func(codeType string) (uri, version string, kind string)
	// Optional is the chance that an optional element or attribute is
	// present. Defaults to 0.6.
	Optional float64
	// Text makes the text of a string value of at least min and at most
	// max characters (max -1: no bound) for path; nil means Latin text
	// from DIN 91379 letters, spaces and the XML special characters.
	Text func(r *rand.Rand, path string, min, max int) string
	// Fix, if set, may replace the value generated for a path ("" keeps
	// it): the header's message type code, for instance.
	Fix func(t *xtree.Type, path string, value string) string
}

// NewGenerator returns a generator over the built-in code lists with a
// fixed seed.
func NewGenerator(seed uint64) (*Generator, error) {
	cl, err := catalogue.BuiltinCodeLists()
	if err != nil {
		return nil, err
	}
	return &Generator{
		Rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		Codes: func(ct string) []catalogue.CodeValue {
			if l, ok := cl.ByType(ct); ok {
				l, _ = cl.Latest(l.URI)
				return l.Values
			}
			return nil
		},
		CodeList: func(ct string) (string, string, string) {
			if l, ok := cl.ByType(ct); ok {
				l, _ = cl.Latest(l.URI)
				return l.URI, l.Version, l.CodeTypeKind
			}
			return "", "", ""
		},
		Optional: 0.6,
	}, nil
}

// Message generates one message of type t.
func (g *Generator) Message(t *xtree.Type) *xtree.Node {
	return g.element(t, "", t.Root)
}

func (g *Generator) chance(p float64) bool { return g.Rand.Float64() < p }

func (g *Generator) element(t *xtree.Type, path, name string) *xtree.Node {
	in, _ := t.Info(path)
	n := &xtree.Node{Name: name}
	for _, a := range in.Attrs {
		ap := join(path, "@"+a)
		ain, _ := t.Info(ap)
		if in.Code {
			continue
		}
		if ain.Field.Min == 0 && !g.chance(g.optional()) {
			continue
		}
		n.Attrs = append(n.Attrs, xtree.Attr{Name: a, Value: g.fix(t, ap, g.simple(ap, ain.Field))})
	}
	if in.Code {
		g.code(t, path, in, n)
		return n
	}
	if in.Leaf {
		n.Text = g.fix(t, path, g.simple(path, in.Field))
		return n
	}
	chosen := map[string]string{} // choice label → chosen element
	for _, k := range in.Kids {
		kp := join(path, k)
		kin, _ := t.Info(kp)
		if c := kin.Field.Choice; c != "" {
			if _, ok := chosen[c]; !ok {
				var alts []string
				for _, k2 := range in.Kids {
					if k2in, _ := t.Info(join(path, k2)); k2in.Field.Choice == c {
						alts = append(alts, k2)
					}
				}
				chosen[c] = alts[g.Rand.IntN(len(alts))]
			}
			if chosen[c] != k {
				continue
			}
		}
		min, max := kin.Field.Min, kin.Field.Max
		count := min
		if min == 0 {
			count = 0
			if g.chance(g.optional()) {
				count = 1
			}
		}
		if max != 1 && count > 0 {
			top := max
			if top < 0 || top > 3 {
				top = 3
			}
			if top > count {
				count += g.Rand.IntN(top - count + 1)
			}
		}
		for range count {
			n.Kids = append(n.Kids, g.element(t, kp, k))
		}
	}
	return n
}

func (g *Generator) optional() float64 {
	if g.Optional == 0 {
		return 0.6
	}
	return g.Optional
}

func (g *Generator) fix(t *xtree.Type, path, v string) string {
	if g.Fix != nil {
		if f := g.Fix(t, path, v); f != "" {
			return f
		}
	}
	return v
}

func (g *Generator) code(t *xtree.Type, path string, in *xtree.Info, n *xtree.Node) {
	ct := in.Field.CodeType
	vals := g.Codes(ct)
	code := "X"
	name := ""
	if len(vals) > 0 {
		v := vals[g.Rand.IntN(len(vals))]
		code, name = v.Code, v.Name
	}
	code = g.fix(t, join(path, "code"), code)
	uri, version, kind := g.CodeList(ct)
	if uri != "" && g.chance(0.7) {
		n.Attrs = append(n.Attrs, xtree.Attr{Name: "listURI", Value: uri})
	}
	if version != "" && (kind != "1" || g.chance(0.5)) {
		n.Attrs = append(n.Attrs, xtree.Attr{Name: "listVersionID", Value: version})
	}
	n.Kids = append(n.Kids, &xtree.Node{Name: "code", Text: code})
	if name != "" && g.chance(0.5) {
		n.Kids = append(n.Kids, &xtree.Node{Name: "name", Text: strings.Join(strings.Fields(name), " ")})
	}
}

// Value makes a value for the field f at path: its fixed value, or one
// its simple type accepts.
func (g *Generator) Value(path string, f schemas.Field) string { return g.simple(path, f) }

// simple makes a value of a simple type.
func (g *Generator) simple(path string, f schemas.Field) string {
	if f.Fixed != "" {
		return f.Fixed
	}
	return g.value(path, f.Simple)
}

var epoch = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *Generator) value(path string, s schemas.Simple) string {
	if len(s.Enumeration) > 0 {
		return s.Enumeration[g.Rand.IntN(len(s.Enumeration))]
	}
	day := epoch.AddDate(0, 0, g.Rand.IntN(80*365))
	switch s.Base {
	case "union":
		return g.value(path, s.Members[g.Rand.IntN(len(s.Members))])
	case "date":
		return day.Format("2006-01-02")
	case "gYearMonth":
		return day.Format("2006-01")
	case "gYear":
		return day.Format("2006")
	case "dateTime":
		zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", 7200)}
		ts := day.Add(time.Duration(g.Rand.Int64N(int64(24 * time.Hour)))).Truncate(time.Millisecond).In(zones[g.Rand.IntN(len(zones))])
		return ts.Format("2006-01-02T15:04:05.000Z07:00")
	case "boolean":
		if g.chance(0.5) {
			return "true"
		}
		return "false"
	case "base64Binary":
		b := make([]byte, 1+g.Rand.IntN(48))
		for i := range b {
			b[i] = byte(g.Rand.IntN(256))
		}
		return base64.StdEncoding.EncodeToString(b)
	case "int", "integer", "positiveInteger", "nonNegativeInteger", "unsignedInt", "short", "long",
		"decimal", "unsignedShort", "byte", "unsignedByte":
		return g.number(s)
	case "anyURI":
		return fmt.Sprintf("urn:example:%d", g.Rand.IntN(1000))
	}
	if len(s.Patterns) > 0 {
		return g.pattern(s.Patterns[len(s.Patterns)-1])
	}
	min, max := s.MinLength, s.MaxLength
	if min < 0 {
		min = 0
	}
	if g.Text != nil {
		return g.Text(g.Rand, path, min, max)
	}
	return LatinText(g.Rand, min, max)
}

// number makes a number within the bounds of s (default 1 to 999), with
// two decimals for a decimal without fractionDigits 0.
func (g *Generator) number(s schemas.Simple) string {
	lo, hi := 1.0, 999.0
	parse := func(v string, d float64) float64 {
		var f float64
		if _, err := fmt.Sscan(v, &f); err != nil {
			return d
		}
		return f
	}
	if s.MinInclusive != "" {
		lo = parse(s.MinInclusive, lo)
	}
	if s.MinExclusive != "" {
		lo = parse(s.MinExclusive, lo) + 1
	}
	if s.MaxInclusive != "" {
		hi = parse(s.MaxInclusive, hi)
	}
	if s.MaxExclusive != "" {
		hi = parse(s.MaxExclusive, hi) - 1
	}
	if hi < lo {
		hi = lo
	}
	n := int(lo) + g.Rand.IntN(int(hi-lo)+1)
	if s.Base == "decimal" && s.FractionDigits != 0 && float64(n) < hi {
		return fmt.Sprintf("%d.%02d", n, g.Rand.IntN(100))
	}
	return fmt.Sprint(n)
}

// latin are DIN 91379 letters, digits and the XML special characters.
var latin = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßÄÖÜéèçćčšžłńőşșțăâîÐðÞþ0123456789.-'&<>\"")

// LatinText returns random text of at least min and at most max characters
// (max < 0: no bound; the length stays short): words of DIN 91379
// letters, digits and XML special characters separated by single spaces,
// without leading or trailing space (so also a valid xs:token).
func LatinText(r *rand.Rand, min, max int) string {
	hi := 24
	if max >= 0 && max < hi {
		hi = max
	}
	if r.IntN(20) == 0 && max > 24 {
		hi = max // sometimes as long as allowed
	}
	if hi < min {
		hi = min
	}
	n := min
	if hi > min {
		n += r.IntN(hi - min + 1)
	}
	if n == 0 {
		return ""
	}
	out := make([]rune, 0, n)
	for len(out) < n {
		if len(out) > 0 && len(out) < n-1 && out[len(out)-1] != ' ' && r.IntN(6) == 0 {
			out = append(out, ' ')
			continue
		}
		out = append(out, latin[r.IntN(len(latin))])
	}
	if out[len(out)-1] == ' ' {
		out[len(out)-1] = 'a'
	}
	return string(out)
}

// pattern generates a string matching the XSD pattern p (implicitly
// anchored), as far as Go's regexp syntax reads it.
func (g *Generator) pattern(p string) string {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		panic(fmt.Sprintf("adaptertest: pattern %q: %v", p, err))
	}
	var b strings.Builder
	g.regex(&b, re.Simplify())
	return b.String()
}

var preferred = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")

func (g *Generator) regex(b *strings.Builder, re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(g.class(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(preferred[g.Rand.IntN(len(preferred))])
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.regex(b, s)
		}
	case syntax.OpAlternate:
		g.regex(b, re.Sub[g.Rand.IntN(len(re.Sub))])
	case syntax.OpCapture:
		g.regex(b, re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		min, max := re.Min, re.Max
		switch re.Op {
		case syntax.OpStar:
			min, max = 0, 2
		case syntax.OpPlus:
			min, max = 1, 3
		case syntax.OpQuest:
			min, max = 0, 1
		}
		if max < 0 {
			max = min + 2
		}
		n := min + g.Rand.IntN(max-min+1)
		for range n {
			g.regex(b, re.Sub[0])
		}
	}
}

// class picks a rune of the character class ranges rs, preferring plain
// ASCII letters and digits.
func (g *Generator) class(rs []rune) rune {
	in := func(c rune) bool {
		for i := 0; i+1 < len(rs); i += 2 {
			if c >= rs[i] && c <= rs[i+1] {
				return true
			}
		}
		return false
	}
	var ok []rune
	for _, c := range preferred {
		if in(c) {
			ok = append(ok, c)
		}
	}
	if len(ok) > 0 {
		return ok[g.Rand.IntN(len(ok))]
	}
	for range 1000 {
		i := 2 * g.Rand.IntN(len(rs)/2)
		lo, hi := rs[i], min(rs[i+1], 0xFFFD)
		if lo > hi {
			continue
		}
		c := lo + rune(g.Rand.IntN(int(hi-lo)+1))
		if unicode.IsPrint(c) && !(c >= 0xD800 && c <= 0xDFFF) {
			return c
		}
	}
	return rs[0]
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}
