package xmeld

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/codemap"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/errcode"
)

// rule is one row of mapping/felder.csv.
type rule struct {
	scope     string // "*", a type code, or "baustein:NAME"
	ours      string
	theirs    string
	transform string
	line      int
}

// fieldMap is the parsed felder.csv: rules per scope.
type fieldMap struct {
	version string
	byScope map[string][]rule
}

func parseFields(data []byte) (*fieldMap, error) {
	fm := &fieldMap{byScope: map[string][]rule{}}
	var body bytes.Buffer
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") {
			if k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(l, "#")), ":"); ok && strings.TrimSpace(k) == "version" {
				fm.version = strings.TrimSpace(v)
			}
			body.WriteString("\n")
			continue
		}
		body.WriteString(l + "\n")
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 4
	head, err := r.Read()
	if err != nil || strings.Join(head, ",") != "bereich,unser_pfad,xmeld_pfad,umsetzung" {
		return nil, fmt.Errorf("xmeld: felder.csv: header must be bereich,unser_pfad,xmeld_pfad,umsetzung (%v)", err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("xmeld: felder.csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		fm.byScope[rec[0]] = append(fm.byScope[rec[0]], rule{scope: rec[0], ours: rec[1], theirs: rec[2], transform: rec[3], line: line})
	}
	if fm.version == "" {
		return nil, fmt.Errorf("xmeld: felder.csv: no version")
	}
	return fm, nil
}

// rules returns the rules of a message type: its own first, then "*".
func (fm *fieldMap) rules(code string) []rule {
	return append(append([]rule(nil), fm.byScope[code]...), fm.byScope["*"]...)
}

func matches(prefix, p string) bool {
	return prefix == "" || p == prefix || strings.HasPrefix(p, prefix+"/")
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}

// resolved is where a value goes: its path on the other side, the
// transform and the path below the rule's root ("code", "@listURI", "").
type resolved struct {
	path, transform, rest string
	rule                  rule
}

// resolve finds the rule for path p (our side when fwd, theirs otherwise):
// the longest matching one, a type's own rule winning a tie.
func (fm *fieldMap) resolve(rules []rule, p string, fwd bool) (resolved, bool) {
	best, bestLen := -1, -1
	for i, r := range rules {
		from := r.theirs
		if fwd {
			from = r.ours
		}
		if matches(from, p) && len(from) > bestLen {
			best, bestLen = i, len(from)
		}
	}
	if best < 0 {
		return resolved{}, false
	}
	r := rules[best]
	from, to := r.theirs, r.ours
	if fwd {
		from, to = r.ours, r.theirs
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(p, from), "/")
	if block, ok := strings.CutPrefix(r.transform, "@"); ok {
		sub, ok := fm.resolve(fm.byScope["baustein:"+block], rest, fwd)
		if !ok {
			return resolved{}, false
		}
		sub.path = joinPath(to, sub.path)
		return sub, true
	}
	if !fwd && (r.transform == "hausnummer" || r.transform == "vornamen") {
		// Several of their values make one of ours: the rule's path.
		return resolved{path: to, transform: r.transform, rest: rest, rule: r}, true
	}
	return resolved{path: joinPath(to, rest), transform: r.transform, rest: rest, rule: r}, true
}

// mapper translates the values of one message type between the sides.
type mapper struct {
	fields *fieldMap
	codes  map[string]*codemap.Table
	// resolved caches resolve per type code and direction, by path;
	// filled when the adapter is built, read-only afterwards.
	resolved map[string]map[string]resolved
}

func cacheKey(code string, fwd bool) string {
	if fwd {
		return code + "|f"
	}
	return code + "|r"
}

func (m *mapper) fail(code errcode.Code, field fmt.Stringer, value, format string, args ...any) *adapters.MappingError {
	return &adapters.MappingError{Code: code, Field: field.String(), Value: value, Reason: fmt.Sprintf(format, args...)}
}

// group collects the values that a transform joins on the way back.
type group struct {
	path  string
	index []int
	parts map[string]string // hausnummer: "hausnummer", "hausnummerBuchstabeZusatzziffer"
	words map[int]string    // vornamen: occurrence → word
	shown lazyShown
}

// lazyShown renders a value's path with its occurrences only when an
// error needs it.
type lazyShown struct {
	t     *xtree.Type
	path  string
	index []int
}

func (l lazyShown) String() string { return l.t.Shown(l.path, l.index) }

// translate maps values of type from (our type when fwd) to type to.
func (m *mapper) translate(from, to *xtree.Type, code string, vals []xtree.Value, fwd bool) ([]xtree.Value, error) {
	out := make([]xtree.Value, 0, len(vals)+8)
	var groups map[string]*group
	var order []string
	cache := m.resolved[cacheKey(code, fwd)]
	for _, v := range vals {
		shown := lazyShown{from, v.Path, v.Index}
		res, ok := cache[v.Path]
		if !ok {
			res, ok = m.fields.resolve(m.fields.rules(code), v.Path, fwd)
		}
		if !ok {
			return nil, m.fail(errcode.Other, shown, v.Text, "no counterpart in the %s (mapping/felder.csv)", side(!fwd))
		}
		switch t := res.transform; {
		case t == "":
			if _, ok := to.Info(res.path); !ok {
				return nil, m.fail(errcode.Other, shown, v.Text, "no counterpart in the %s (mapping/felder.csv line %d)", side(!fwd), res.rule.line)
			}
			out = append(out, xtree.Value{Path: res.path, Index: v.Index, Text: v.Text})
		case t == "fixed":
			fin, _ := from.Info(v.Path)
			tin, _ := to.Info(res.path)
			if v.Text != fin.Field.Fixed {
				return nil, m.fail(errcode.SchemaInvalid, shown, v.Text, "must be %q", fin.Field.Fixed)
			}
			out = append(out, xtree.Value{Path: res.path, Index: v.Index, Text: tin.Field.Fixed})
		case strings.HasPrefix(t, "code:"):
			nv, err := m.code(strings.TrimPrefix(t, "code:"), res, v, shown, fwd)
			if err != nil {
				return nil, err
			}
			out = append(out, nv)
		case t == "vornamen" && fwd:
			if res.rest != "" {
				return nil, m.fail(errcode.Other, shown, v.Text, "no counterpart in the XMeld-style dialect")
			}
			words := strings.Split(v.Text, " ")
			for j, w := range words {
				if w == "" {
					return nil, m.fail(errcode.Other, shown, v.Text, "first names are split at single spaces into vornamen/vorname: an empty, leading, trailing or double space cannot be carried")
				}
				out = append(out, xtree.Value{Path: res.path, Index: append(append([]int(nil), v.Index...), j+1), Text: w})
			}
		case t == "vornamen":
			if groups == nil {
				groups = map[string]*group{}
			}
			if len(v.Index) == 0 {
				return nil, m.fail(errcode.Other, shown, v.Text, "no counterpart in xgate")
			}
			outer := v.Index[:len(v.Index)-1]
			g := m.groupOf(groups, &order, res.path, outer, shown)
			g.words[v.Index[len(v.Index)-1]] = v.Text
		case t == "hausnummer" && fwd:
			d := leadingDigits(v.Text, 4)
			if d != "" {
				out = append(out, xtree.Value{Path: joinPath(res.path, "hausnummer"), Index: v.Index, Text: d})
			}
			if r := v.Text[len(d):]; r != "" || d == "" {
				out = append(out, xtree.Value{Path: joinPath(res.path, "hausnummerBuchstabeZusatzziffer"), Index: v.Index, Text: r})
			}
		case t == "hausnummer":
			if groups == nil {
				groups = map[string]*group{}
			}
			if res.rest != "hausnummer" && res.rest != "hausnummerBuchstabeZusatzziffer" {
				return nil, m.fail(errcode.Other, shown, v.Text, "no counterpart in the xgate message")
			}
			g := m.groupOf(groups, &order, res.path, v.Index, shown)
			g.parts[res.rest] = v.Text
		default:
			return nil, fmt.Errorf("xmeld: felder.csv line %d: unknown transform %q", res.rule.line, t)
		}
	}
	for _, k := range order {
		g := groups[k]
		nv, err := m.join(g)
		if err != nil {
			return nil, err
		}
		out = append(out, nv)
	}
	return out, nil
}

func (m *mapper) groupOf(groups map[string]*group, order *[]string, path string, index []int, shown lazyShown) *group {
	key := path + "|" + xtree.IndexString(index)
	g, ok := groups[key]
	if !ok {
		g = &group{path: path, index: append([]int(nil), index...), parts: map[string]string{}, words: map[int]string{}, shown: shown}
		groups[key] = g
		*order = append(*order, key)
	}
	return g
}

// join makes our value of a group: the first names joined by single
// spaces, or the house number from its two parts.
func (m *mapper) join(g *group) (xtree.Value, error) {
	if len(g.words) > 0 {
		keys := make([]int, 0, len(g.words))
		for k := range g.words {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		ws := make([]string, len(keys))
		for i, k := range keys {
			if k != i+1 {
				return xtree.Value{}, m.fail(errcode.Other, g.shown, "", "vorname occurrences are not numbered 1, 2, …")
			}
			if g.words[k] == "" || strings.Contains(g.words[k], " ") {
				return xtree.Value{}, m.fail(errcode.Other, g.shown, g.words[k], "a vorname must be one word without spaces")
			}
			ws[i] = g.words[k]
		}
		return xtree.Value{Path: g.path, Index: g.index, Text: strings.Join(ws, " ")}, nil
	}
	h, hasH := g.parts["hausnummer"]
	b, hasB := g.parts["hausnummerBuchstabeZusatzziffer"]
	switch {
	case hasH && hasB && b == "":
		return xtree.Value{}, m.fail(errcode.Other, g.shown, b, "an empty hausnummerBuchstabeZusatzziffer beside a hausnummer cannot be carried")
	case hasH && hasB && len(h) < 4 && leadingDigits(b, 1) != "":
		return xtree.Value{}, m.fail(errcode.Other, g.shown, h+b, "hausnummer %q followed by %q starting with a digit is ambiguous in xgate's one house-number field", h, b)
	case !hasH && leadingDigits(b, 1) != "":
		return xtree.Value{}, m.fail(errcode.Other, g.shown, b, "hausnummerBuchstabeZusatzziffer starting with a digit without hausnummer is ambiguous in xgate's one house-number field")
	}
	return xtree.Value{Path: g.path, Index: g.index, Text: h + b}, nil
}

// code maps one value below a code element through table name.
func (m *mapper) code(name string, res resolved, v xtree.Value, shown lazyShown, fwd bool) (xtree.Value, error) {
	t, ok := m.codes[name]
	if !ok {
		return xtree.Value{}, fmt.Errorf("xmeld: felder.csv line %d: no mapping table %s", res.rule.line, name)
	}
	from, to := t.Ours, t.Theirs
	if !fwd {
		from, to = t.Theirs, t.Ours
	}
	out := xtree.Value{Path: res.path, Index: v.Index, Text: v.Text}
	switch res.rest {
	case "name":
	case "@listURI":
		if v.Text != from.URI {
			return out, m.fail(errcode.UnknownCodeList, shown, v.Text, "want list %s (mapping/codes/%s.csv)", from.URI, name)
		}
		out.Text = to.URI
	case "@listVersionID":
		if v.Text != from.Version {
			return out, m.fail(errcode.UnknownCodeList, shown, v.Text, "mapping/codes/%s.csv version %s maps list version %s only", name, t.Version, from.Version)
		}
		out.Text = to.Version
	case "code":
		var (
			c    string
			ok   bool
			note string
		)
		if fwd {
			c, ok, note = t.TheirsOf(v.Text)
		} else {
			c, ok, note = t.OursOf(v.Text)
		}
		if !ok {
			if note == "" {
				note = "not in mapping/codes/" + name + ".csv version " + t.Version
			}
			return out, m.fail(errcode.UnknownCode, shown, v.Text, "no counterpart in the %s: %s", side(!fwd), note)
		}
		out.Text = c
	default:
		return out, m.fail(errcode.Other, shown, v.Text, "no counterpart in the %s", side(!fwd))
	}
	return out, nil
}

func side(ours bool) string {
	if ours {
		return "xgate message"
	}
	return "XMeld-style dialect"
}

func leadingDigits(s string, max int) string {
	i := 0
	for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
