package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/xgate/xgate/xml/validate"
)

// RuleEntry is one business rule as the rule catalogue publishes it: what
// vendors need to pre-validate on their side.
type RuleEntry struct {
	ID       string            `json:"id"`
	Severity validate.Severity `json:"severity"`
	Code     string            `json:"code"`
	CodeText string            `json:"codeText"`
	Text     string            `json:"text"`
	Source   string            `json:"source"`
	// Types are the message types the rule applies to; empty means all.
	Types []string `json:"types"`
	// Vectors are the test vectors that exercise the rule (paths below
	// testdata/vectors).
	Vectors []string `json:"vectors"`
}

// RuleCatalogue lists rules in order with the vectors that exercise each
// (an invalid vector naming the rule, or a WARN- vector of it).
func RuleCatalogue(rules []validate.Rule, vectors []Vector) []RuleEntry {
	byRule := map[string][]string{}
	for _, v := range vectors {
		if r := v.WantRule + v.WantWarning; r != "" {
			byRule[r] = append(byRule[r], v.Path)
		}
	}
	out := make([]RuleEntry, 0, len(rules))
	for _, r := range rules {
		vs := byRule[r.ID]
		sort.Strings(vs)
		types := append([]string{}, r.Types...)
		sort.Strings(types)
		out = append(out, RuleEntry{
			ID: r.ID, Severity: r.Severity, Code: string(r.Code), CodeText: r.Code.Text(),
			Text: r.Doc, Source: r.Source, Types: types, Vectors: append([]string{}, vs...),
		})
	}
	return out
}

// RuleCatalogueJSON renders the catalogue as indented JSON.
func RuleCatalogueJSON(entries []RuleEntry) ([]byte, error) {
	b, err := json.MarshalIndent(map[string]any{
		"description": "xgate business rules: id, severity (reject draws a Rueckweisung with code; warn is reported only), XInneres error code, text, legal or normative source, message types, test vectors. Generated from validate.DefaultRules; do not edit.",
		"rules":       entries,
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// RuleCatalogueMarkdown renders the catalogue as a Markdown table per
// severity.
func RuleCatalogueMarkdown(entries []RuleEntry) []byte {
	var b bytes.Buffer
	b.WriteString("# xgate business rules\n\n")
	b.WriteString("Generated from `validate.DefaultRules` by `go test ./conformance -run TestRuleCatalogue -update`; do not edit.\n")
	b.WriteString("The same data as JSON: `rules.json`.\n\n")
	b.WriteString("Validation runs in stages: hardened parse (X000, S001), standard and version (V000), XSD (X001),\n")
	b.WriteString("then these rules. A rule of severity **reject** draws a Rückweisung with its code; a rule of severity\n")
	b.WriteString("**warn** is reported to the sender's and the receiver's operators and never rejects. Codes keep their\n")
	b.WriteString("XInneres meaning: S010 unknown code list version, S011 unknown code, S030 empty mandatory text,\n")
	b.WriteString("S999 other specification violation (the rule id travels in `grundSpezifisch`), X001 schema type\n")
	b.WriteString("(DIN 91379 is a schema type in XÖV).\n\n")
	b.WriteString("After validation the gateway checks autor and leser against the signed directory (no rule id;\n")
	b.WriteString("`xgate conformance check` does the same against the development participants): **T070** when the\n")
	b.WriteString("sender is not in the directory, its role may not send the type, or the recipient's role may not\n")
	b.WriteString("receive it (catalogue.md, roles per type); **T080** when the recipient is not in the directory.\n")
	b.WriteString("The conformance test partner (role test) may send and receive every type.\n")
	for _, sev := range []validate.Severity{validate.Reject, validate.Warn} {
		fmt.Fprintf(&b, "\n## Severity %s\n\n", sev)
		b.WriteString("| id | code | types | rule | source | vectors |\n|---|---|---|---|---|---|\n")
		for _, e := range entries {
			if e.Severity != sev {
				continue
			}
			types := "all"
			if len(e.Types) > 0 {
				types = strings.Join(e.Types, ", ")
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d |\n", e.ID, e.Code, types, mdCell(e.Text), mdCell(e.Source), len(e.Vectors))
		}
	}
	return b.Bytes()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
