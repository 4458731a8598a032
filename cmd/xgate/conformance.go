package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

func newConformanceCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Conformance suite: vectors, check messages, the check daemon, the vendor package",
		Long: `The conformance suite lets a vendor prove on their own machine that what
their software produces is right. Its vectors are sample messages for
every message type of the catalogue, shipped in the binary: valid ones
that must be accepted (some with warnings), invalid ones whose file names
state the XÖV code (and rule) they must draw: schema, header, code list,
business rules and wrong roles.`,
	}
	cmd.AddCommand(newConformanceListCmd(), newConformanceCheckCmd(), newConformanceRunCmd(a), newConformanceServeCmd(a), newConformancePackageCmd())
	return cmd
}

type conformanceListOptions struct {
	format   formatFlag
	typ      string
	category string
	coverage bool
}

func newConformanceListCmd() *cobra.Command {
	o := &conformanceListOptions{}
	cmd := &cobra.Command{
		Use:   "list [--type CODE] [--category CAT] [--coverage] [--format table|json]",
		Short: "List the conformance vectors with their expected verdicts",
		Long: `List prints every conformance vector shipped in the binary: its message
type, category, expected verdict (accept, accept-with-warnings or
reject), the XÖV code and rule it must draw, and its path (the same path
in "xgate conformance package").

Categories: valid, warning (accepted with warnings of one rule), parse,
version, schema, header, code-list, rule, role (T070 a sender or
recipient of a role the catalogue does not allow, or a sender unknown to
the directory; T080 a recipient unknown to the directory).

--coverage prints instead, per type, how many vectors each category has
and what is missing: every type needs valid, schema, header, code-list
and role vectors, and every rule for particular types a vector of each.`,
		Example: `  xgate conformance list
  xgate conformance list --type 090009
  xgate conformance list --category role --format json | jq -r '.[].path'
  xgate conformance list --coverage`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformanceList(cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVar(&o.typ, "type", "", "only vectors of the message type `CODE` (\"090009\")")
	cmd.Flags().StringVar(&o.category, "category", "", "only vectors of the category `CAT`: "+strings.Join(conformance.Categories(), ", "))
	cmd.Flags().BoolVar(&o.coverage, "coverage", false, "print per type how many vectors each category has, and what is missing")
	addFormatFlag(cmd.Flags(), &o.format)
	return exits(cmd,
		code(exitOK, "listed"),
		code(exitError, "the output could not be written"),
		codeUsage())
}

// vectorListJSON is the JSON shape of one listed vector.
type vectorListJSON struct {
	Path        string        `json:"path"`
	Type        string        `json:"type"`
	Category    string        `json:"category"`
	Description string        `json:"description"`
	Expect      report.Expect `json:"expect"`
}

func runConformanceList(w io.Writer, o *conformanceListOptions) error {
	cat := catalogue.New()
	if o.typ != "" {
		if _, ok := cat.Lookup(o.typ); !ok {
			return usageError("--type: %q is not a message type of the catalogue (xgate catalogue list)", o.typ)
		}
	}
	if o.category != "" && !slices.Contains(conformance.Categories(), o.category) {
		return errBadValue("category", o.category, conformance.Categories()...)
	}
	vectors, err := conformance.Vectors()
	if err != nil {
		return err
	}
	if o.coverage {
		return writeCoverage(w, o, conformance.CoverageOf(cat, validate.DefaultRules(), vectors))
	}
	out := []vectorListJSON{}
	for _, v := range vectors {
		if o.typ != "" && v.Type != o.typ || o.category != "" && v.Category() != o.category {
			continue
		}
		out = append(out, vectorListJSON{Path: v.Path, Type: v.Type, Category: v.Category(), Description: v.Description(), Expect: v.Expect()})
	}
	if o.format.json() {
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tCATEGORY\tEXPECT\tCODE\tRULE\tVECTOR")
	for _, v := range out {
		rule := v.Expect.Rule + v.Expect.Warning
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Type, v.Category, v.Expect.Verdict, dash(string(v.Expect.Code)), dash(rule), v.Path)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d vectors\n", len(out))
	return nil
}

// coverageJSON is the JSON shape of one type's coverage.
type coverageJSON struct {
	Type    string         `json:"type"`
	Root    string         `json:"root"`
	Count   map[string]int `json:"count"`
	Missing []string       `json:"missing"`
}

func writeCoverage(w io.Writer, o *conformanceListOptions, cov conformance.Coverage) error {
	var out []coverageJSON
	for _, t := range cov.Types {
		if o.typ != "" && t.Type.Code != o.typ {
			continue
		}
		missing := t.Missing
		if missing == nil {
			missing = []string{}
		}
		out = append(out, coverageJSON{Type: t.Type.Code, Root: t.Type.Root(), Count: t.Count, Missing: missing})
	}
	if o.format.json() {
		return writeJSON(w, map[string]any{"types": out, "missing": append([]string{}, cov.Missing...)})
	}
	cats := conformance.Categories()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "TYPE\t%s\tMISSING\n", strings.ToUpper(strings.Join(cats, "\t")))
	for _, t := range out {
		fmt.Fprint(tw, t.Type)
		for _, c := range cats {
			fmt.Fprintf(tw, "\t%d", t.Count[c])
		}
		fmt.Fprintf(tw, "\t%s\n", dash(strings.Join(t.Missing, ", ")))
	}
	tw.Flush()
	for _, m := range cov.Missing {
		fmt.Fprintln(w, m)
	}
	if cov.Complete() {
		fmt.Fprintln(w, "every type has valid, schema, header, code-list and role vectors, and every rule its vectors")
	}
	return nil
}

func roleList(rs []catalogue.Role) string {
	if rs == nil {
		return "any"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = strings.ToUpper(string(r))
	}
	return strings.Join(s, ",")
}
