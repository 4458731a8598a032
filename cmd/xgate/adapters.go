package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/all"
)

func newAdaptersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "adapters",
		Short: "List the adapters that translate to and from partner formats",
		Long: `Adapters translate between xgate's messages and the formats partners speak:
the XMeld-style dialect of a Meldebehörde, Jobcenter and BA JSON, the AZR's
legacy fixed-width records, a Fachverfahren's CSV export. "xgate translate"
runs one.

  xgate adapters list     every adapter with its formats, types, directions
                          and settings`,
	}
	cmd.AddCommand(newAdaptersListCmd())
	return cmd
}

func newAdaptersListCmd() *cobra.Command {
	var f formatFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every adapter with its types, directions and settings",
		Long: `List prints every built-in adapter: its name, the partner format and media
type, what it is for, each message type with the partner's name for it and
the directions it translates (forward: our message to the partner format;
reverse: back), and its settings with their defaults ("xgate translate
--set NAME=VALUE" gives one).`,
		Example: `  xgate adapters list
  xgate adapters list --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAdaptersList(cmd.OutOrStdout(), f.json())
		},
	}
	addFormatFlag(cmd.Flags(), &f)
	return exits(cmd, code(exitOK, "printed"), code(exitError, "the output could not be written"), codeUsage())
}

// adapterJSON is the JSON shape of one adapter.
type adapterJSON struct {
	adapters.Spec
	Types []typeSpecJSON `json:"types"`
}

type typeSpecJSON struct {
	adapters.TypeSpec
	Directions []string `json:"directions"`
}

func runAdaptersList(w io.Writer, asJSON bool) error {
	r, err := all.New(adapters.Deps{})
	if err != nil {
		return err
	}
	defer r.Close()
	specs := r.Specs()
	if asJSON {
		out := []adapterJSON{}
		for _, s := range specs {
			a := adapterJSON{Spec: s, Types: []typeSpecJSON{}}
			for _, t := range s.Types {
				a.Types = append(a.Types, typeSpecJSON{TypeSpec: t, Directions: directionNames(t.Directions)})
			}
			out = append(out, a)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	for i, s := range specs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  (%s, %s)\n  %s\n  partner: %s\n", s.Name, s.Theirs, s.MediaType, s.Summary, s.Partner)
		for j, t := range s.Types {
			label := "  types:   "
			if j > 0 {
				label = "           "
			}
			fmt.Fprintf(w, "%s%s  %-46s %s\n", label, t.Code, t.Partner, strings.Join(directionNames(t.Directions), ", "))
		}
		if s.Batch {
			fmt.Fprintf(w, "  batch:   one input holds several messages (reverse)\n")
		}
		for j, f := range s.Fields {
			label := "  settings: "
			if j > 0 {
				label = "            "
			}
			def := f.Default
			switch {
			case def == "" && f.Required:
				def = "(required)"
			case def == "":
				def = "(none)"
			}
			fmt.Fprintf(w, "%s%s=%s  %s\n", label, f.Name, def, f.Description)
		}
	}
	return nil
}

func directionNames(ds []adapters.Direction) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}
