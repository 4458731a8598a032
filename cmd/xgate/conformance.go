package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

func newConformanceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Check xgate against its conformance vectors",
		Long: `The conformance vectors are sample messages for every message type of the
catalogue, shipped in the binary: valid ones that must pass, invalid ones
whose file names state the XÖV code (and rule) they must draw.`,
	}
	cmd.AddCommand(newConformanceCheckCmd())
	return cmd
}

type vectorOptions struct {
	verbose bool
	format  formatFlag
	dir     string // vectors from this folder instead of the shipped ones
}

func newConformanceCheckCmd() *cobra.Command {
	o := &vectorOptions{}
	cmd := &cobra.Command{
		Use:   "check [--verbose] [--format table|json] [DIR]",
		Short: "Validate every sample message and compare with its expectation",
		Long: `Check validates every sample message of the catalogue (conformance
vectors): each valid sample must pass the hardened parse, the XSD and the
business rules, and each invalid sample must be refused with the XÖV code
(and rule) its name states. It prints one line per message type; the
tests run the same function (conformance.CheckVectors).

Without DIR it checks the samples shipped in the binary, and every type
of the catalogue must have valid and invalid ones. With DIR it checks the
samples laid out there as <type>/valid/*.xml and
<type>/invalid/<CODE>[-<RULE>]-<what>.xml, for the types present.`,
		Example: `  xgate conformance check
  xgate conformance check --verbose          # one line per sample
  xgate conformance check --format json | jq '.[] | select(.pass | not)'

  # a vendor's own samples
  xgate conformance check ./my-vectors`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = ""
			if len(args) == 1 {
				o.dir = args[0]
			}
			return runVectors(cmd.Context(), cmd.OutOrStdout(), o, "")
		},
	}
	cmd.Flags().BoolVar(&o.verbose, "verbose", false, "print every sample")
	addFormatFlag(cmd.Flags(), &o.format)
	return exits(cmd,
		code(exitOK, "every sample behaved as expected"),
		code(exitError, "the validator could not start, interrupted"),
		codeUsage(),
		code(exitFailed, "a sample misbehaved, or a message type has no samples"))
}

// vectorJSON is the JSON shape of one checked sample.
type vectorJSON struct {
	Path     string `json:"path"`
	Type     string `json:"type"`
	Valid    bool   `json:"valid"`
	WantCode string `json:"want_code,omitempty"`
	WantRule string `json:"want_rule,omitempty"`
	Pass     bool   `json:"pass"`
	Problem  string `json:"problem,omitempty"`
}

// runVectors checks the shipped vectors; title, if set, is printed first.
func runVectors(ctx context.Context, w io.Writer, o *vectorOptions, title string) error {
	start := time.Now()
	v, err := validate.New(validate.Config{})
	if err != nil {
		return err
	}
	defer v.Close()
	var vectors []conformance.Vector
	if o.dir == "" {
		vectors, err = conformance.Vectors()
	} else {
		vectors, err = loadVectorDir(o.dir)
	}
	if err != nil {
		return err
	}
	results := conformance.CheckVectors(ctx, v, vectors)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("conformance check: %w", err)
	}

	type row struct{ valid, validOK, invalid, invalidOK int }
	rows := map[string]*row{}
	var failed []conformance.Result
	var out []vectorJSON
	for _, r := range results {
		rw := rows[r.Vector.Type]
		if rw == nil {
			rw = &row{}
			rows[r.Vector.Type] = rw
		}
		if r.Vector.Valid {
			rw.valid++
		} else {
			rw.invalid++
		}
		if r.Pass {
			if r.Vector.Valid {
				rw.validOK++
			} else {
				rw.invalidOK++
			}
		} else {
			failed = append(failed, r)
		}
		out = append(out, vectorJSON{Path: r.Vector.Path, Type: r.Vector.Type, Valid: r.Vector.Valid,
			WantCode: string(r.Vector.WantCode), WantRule: r.Vector.WantRule, Pass: r.Pass, Problem: r.Problem})
	}
	missing := 0
	types := catalogue.New().Types()
	if o.dir != "" { // only the types present
		types = slices.DeleteFunc(types, func(ty catalogue.Type) bool { return rows[ty.Code] == nil })
	}
	for _, ty := range types {
		if rw := rows[ty.Code]; rw == nil || rw.valid == 0 || rw.invalid == 0 {
			missing++
		}
	}
	if o.format.json() {
		if err := writeJSON(w, out); err != nil {
			return err
		}
	} else {
		if title != "" {
			fmt.Fprintln(w, title)
		}
		if o.verbose {
			for _, r := range out {
				status := "ok"
				if !r.Pass {
					status = "FAIL " + r.Problem
				}
				fmt.Fprintf(w, "%-70s %s\n", r.Path, status)
			}
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tROOT ELEMENT\tFROM→TO\tVALID ACCEPTED\tINVALID REFUSED\tRESULT")
		for _, ty := range types {
			rw := rows[ty.Code]
			if rw == nil {
				rw = &row{}
			}
			res := "ok"
			switch {
			case rw.valid == 0 || rw.invalid == 0:
				res = "NO SAMPLES"
			case rw.validOK != rw.valid || rw.invalidOK != rw.invalid:
				res = "FAIL"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s→%s\t%d/%d\t%d/%d\t%s\n", ty.Code, ty.Root(), roleList(ty.From), roleList(ty.To),
				rw.validOK, rw.valid, rw.invalidOK, rw.invalid, res)
		}
		tw.Flush()
		valid := 0
		for _, r := range results {
			if r.Vector.Valid {
				valid++
			}
		}
		fmt.Fprintf(w, "%d samples (%d valid, %d invalid) of %d types checked in %s\n",
			len(results), valid, len(results)-valid, len(types), time.Since(start).Round(time.Millisecond))
		for _, r := range failed {
			fmt.Fprintf(w, "FAIL %s: %s\n", r.Vector.Path, r.Problem)
		}
	}
	if len(failed) > 0 || missing > 0 {
		return failedError("%d sample(s) misbehaved, %d type(s) without samples", len(failed), missing)
	}
	if !o.format.json() {
		fmt.Fprintln(w, "all samples behaved as expected")
	}
	return nil
}

// loadVectorDir reads vectors laid out as the shipped ones:
// DIR/<type>/valid/*.xml and DIR/<type>/invalid/<CODE>[-<RULE>]-<what>.xml.
// A folder that cannot be read or a misnamed vector is a usage error.
func loadVectorDir(dir string) ([]conformance.Vector, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, errInput(err)
	} else if !st.IsDir() {
		return nil, usageError("%s is not a folder", dir)
	}
	var out []conformance.Vector
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 3 || (parts[1] != "valid" && parts[1] != "invalid") {
			return usageError("%s: a vector must be <type>/valid/<file> or <type>/invalid/<file>", p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return errInput(err)
		}
		v := conformance.Vector{Type: parts[0], Name: parts[2], Path: filepath.ToSlash(rel), Data: data, Valid: parts[1] == "valid"}
		if !v.Valid {
			if v.WantCode, v.WantRule, err = conformance.ParseVectorName(v.Name); err != nil {
				return usageError("%s: %v", p, err)
			}
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, usageError("%s holds no vectors (<type>/valid|invalid/*.xml)", dir)
	}
	return out, nil
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
