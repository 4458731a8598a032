package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

func newCatalogueCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalogue",
		Short: "Show the message types, their fields and the business rules",
		Long: `Catalogue prints what a vendor needs to map a product onto xgate: for every
message type its root element, group, sender and receiver roles, legal basis,
expected answers, deadline, real counterpart (XAusländer 26.11 or "own
design"), and its fields with cardinalities as the XSD defines them.

  xgate catalogue list            every type, one line each
  xgate catalogue show TYPE       one type with all its fields
  xgate catalogue rules           the business rules with severity and code

TYPE is the six-digit code ("910001") or the root element name
("ABHBA.Zustimmungsanfrage.910001").`,
	}
	cmd.AddCommand(newCatalogueListCmd(), newCatalogueShowCmd(), newCatalogueRulesCmd())
	return cmd
}

func catalogueExits(cmd *cobra.Command) *cobra.Command {
	return exits(cmd, code(exitOK, "printed"), code(exitError, "the output could not be written"), codeUsage())
}

func newCatalogueListCmd() *cobra.Command {
	var f formatFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every message type",
		Long: `List prints every message type with its sender and receiver roles, legal basis,
expected answers and deadline. With --format json it prints the whole
catalogue, each type with its fields.
`,
		Example: `  xgate catalogue list
  xgate catalogue list --format json > catalogue.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCatalogueList(cmd.OutOrStdout(), string(f))
		},
	}
	addFormatFlag(cmd.Flags(), &f)
	return catalogueExits(cmd)
}

func newCatalogueShowCmd() *cobra.Command {
	var f formatFlag
	cmd := &cobra.Command{
		Use:   "show TYPE",
		Short: "Show one message type with its fields",
		Long: `Show prints one message type: root, group, roles, legal basis, expected
answers, deadline, real counterpart, and its fields with cardinalities
(1, 0..1, 1..n, 0..n), types, code lists and choices, taken from the XSD.

TYPE is the six-digit code or the root element name. An unknown TYPE is a
usage error (exit 2); "xgate catalogue list" names every type.`,
		Example: `  xgate catalogue show 020101
  xgate catalogue show AnAZR.AZRFolgemeldung.090010 --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCatalogueShow(cmd.OutOrStdout(), args[0], string(f))
		},
	}
	addFormatFlag(cmd.Flags(), &f)
	return catalogueExits(cmd)
}

func newCatalogueRulesCmd() *cobra.Command {
	var f formatFlag
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the business rules with severity, code and source",
		Long: `Rules prints every business rule: id, severity (reject draws a Rückweisung
with the code; warn is reported and never rejects), XInneres error code,
message types, text and legal or normative source. The same catalogue ships
as conformance/rules.md and conformance/rules.json.`,
		Example: `  xgate catalogue rules
  xgate catalogue rules --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCatalogueRules(cmd.OutOrStdout(), string(f))
		},
	}
	addFormatFlag(cmd.Flags(), &f)
	return catalogueExits(cmd)
}

// typeInfo is the JSON shape of one message type.
type typeInfo struct {
	Code        string      `json:"code"`
	Root        string      `json:"root"`
	Group       string      `json:"group"`
	GroupName   string      `json:"groupName"`
	SchemaFile  string      `json:"schemaFile"`
	Senders     []string    `json:"senders"`
	Receivers   []string    `json:"receivers"`
	Purpose     string      `json:"purpose"`
	LegalBasis  string      `json:"legalBasis"`
	Answers     []string    `json:"answers"`
	Deadline    string      `json:"deadline"`
	IsAnswer    bool        `json:"isAnswer"`
	Counterpart string      `json:"counterpart"`
	Fields      []fieldInfo `json:"fields,omitempty"`
}

// fieldInfo is the JSON shape of one field.
type fieldInfo struct {
	Path        string `json:"path"`
	Occurs      string `json:"occurs"`
	Min         int    `json:"min"`
	Max         int    `json:"max"` // -1: unbounded
	Type        string `json:"type,omitempty"`
	CodeType    string `json:"codeType,omitempty"`
	CodeList    string `json:"codeList,omitempty"`
	ListVersion string `json:"listVersion,omitempty"`
	Choice      string `json:"choice,omitempty"`
	Fixed       string `json:"fixed,omitempty"`
	Attribute   bool   `json:"attribute,omitempty"`
	DE          string `json:"de,omitempty"`
	EN          string `json:"en,omitempty"`
}

// catalogueData bundles what the catalogue commands read.
type catalogueData struct {
	cat   *catalogue.Catalogue
	lists *catalogue.CodeLists
	model *schemas.Model
}

func loadCatalogue() (*catalogueData, error) {
	lists, err := catalogue.BuiltinCodeLists()
	if err != nil {
		return nil, withExit(exitError, err)
	}
	model, err := schemas.NewModel()
	if err != nil {
		return nil, withExit(exitError, err)
	}
	return &catalogueData{cat: catalogue.New(), lists: lists, model: model}, nil
}

func (d *catalogueData) info(t catalogue.Type, withFields bool) (typeInfo, error) {
	g, _ := d.cat.Group(t.Group)
	ti := typeInfo{
		Code: t.Code, Root: t.Root(), Group: t.Group, GroupName: g.Name, SchemaFile: g.SchemaFile,
		Senders: roleNames(t.From), Receivers: roleNames(t.To), Purpose: t.Purpose, LegalBasis: t.LegalBasis,
		Answers: append([]string{}, t.Answers...), Deadline: t.Deadline.String(), IsAnswer: t.IsAnswer, Counterpart: t.Counterpart,
	}
	if !withFields {
		return ti, nil
	}
	fields, err := d.model.Fields(t.Root())
	if err != nil {
		return ti, withExit(exitError, err)
	}
	for _, f := range fields {
		fi := fieldInfo{Path: f.Path, Occurs: f.Occurs(), Min: f.Min, Max: f.Max, Type: f.Type, CodeType: f.CodeType,
			Choice: f.Choice, Fixed: f.Fixed, Attribute: f.Attribute, DE: f.DE, EN: f.EN}
		if f.CodeType != "" {
			if l, ok := d.lists.ByType(f.CodeType); ok {
				fi.CodeList, fi.ListVersion = l.URI, l.Version
			}
		}
		ti.Fields = append(ti.Fields, fi)
	}
	return ti, nil
}

// roleNames renders roles; nil means any role.
func roleNames(rs []catalogue.Role) []string {
	if len(rs) == 0 {
		return []string{"any"}
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func writeCatalogueJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runCatalogueList(w io.Writer, format string) error {
	d, err := loadCatalogue()
	if err != nil {
		return err
	}
	var infos []typeInfo
	for _, t := range d.cat.Types() {
		ti, err := d.info(t, format == "json")
		if err != nil {
			return err
		}
		infos = append(infos, ti)
	}
	if format == "json" {
		return writeCatalogueJSON(w, infos)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tROOT\tSENDER → RECEIVER\tLEGAL BASIS\tANSWERS\tDEADLINE")
	for _, ti := range infos {
		answers := strings.Join(ti.Answers, ", ")
		if answers == "" {
			answers = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s → %s\t%s\t%s\t%s\n", ti.Code, ti.Root, strings.Join(ti.Senders, ", "),
			strings.Join(ti.Receivers, ", "), ti.LegalBasis, answers, ti.Deadline)
	}
	return tw.Flush()
}

func runCatalogueShow(w io.Writer, arg, format string) error {
	d, err := loadCatalogue()
	if err != nil {
		return err
	}
	t, ok := d.cat.Lookup(arg)
	if !ok {
		t, ok = d.cat.ByRoot(arg)
	}
	if !ok {
		return usageError("unknown message type %q; xgate catalogue list names every type", arg)
	}
	ti, err := d.info(t, true)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeCatalogueJSON(w, ti)
	}
	answers := "none"
	if len(ti.Answers) > 0 {
		var as []string
		for _, a := range ti.Answers {
			at, _ := d.cat.Lookup(a)
			as = append(as, at.Root())
		}
		answers = strings.Join(as, ", ")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n\n", ti.Root)
	for _, kv := range [][2]string{
		{"type", ti.Code},
		{"group", fmt.Sprintf("%s %s (%s)", ti.Group, ti.GroupName, ti.SchemaFile)},
		{"sender", strings.Join(ti.Senders, ", ")},
		{"receiver", strings.Join(ti.Receivers, ", ")},
		{"purpose", ti.Purpose},
		{"legal basis", ti.LegalBasis},
		{"answers", answers + " (a " + catalogue.TypeRueckweisung + " Rueckweisung is always possible)"},
		{"deadline", ti.Deadline},
		{"answers another", yesNo(ti.IsAnswer)},
		{"real counterpart", ti.Counterpart},
	} {
		fmt.Fprintf(tw, "  %s\t%s\n", kv[0], kv[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nFields (from the XSD; n = unbounded):\n\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  OCCURS\tFIELD\tTYPE\tCODE LIST / NOTE")
	for _, f := range ti.Fields {
		depth := strings.Count(strings.TrimPrefix(f.Path, "@"), "/")
		name := f.Path[strings.LastIndex(f.Path, "/")+1:]
		if f.Attribute && !strings.HasPrefix(name, "@") {
			name = "@" + name
		}
		var notes []string
		if f.CodeList != "" {
			notes = append(notes, f.CodeList+" "+f.ListVersion)
		}
		if f.Fixed != "" {
			notes = append(notes, "fixed "+f.Fixed)
		}
		if f.Choice != "" {
			notes = append(notes, "choice "+f.Choice)
		}
		fmt.Fprintf(tw, "  %s\t%s%s\t%s\t%s\n", f.Occurs, strings.Repeat("  ", depth), name, f.Type, strings.Join(notes, "; "))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes (ausloeserUUID required)"
	}
	return "no"
}

func runCatalogueRules(w io.Writer, format string) error {
	vectors, err := conformance.Vectors()
	if err != nil {
		return withExit(exitError, err)
	}
	entries := conformance.RuleCatalogue(validate.DefaultRules(), vectors)
	if format == "json" {
		return writeCatalogueJSON(w, entries)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tSEVERITY\tCODE\tTYPES\tSOURCE")
	for _, e := range entries {
		types := "all"
		if len(e.Types) > 0 {
			types = strings.Join(e.Types, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Severity, e.Code, types, e.Source)
	}
	return tw.Flush()
}
