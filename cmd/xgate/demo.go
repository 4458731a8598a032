package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/validate"
)

func newDemoCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job on the embedded default and report",
		Long: `Demo runs xgate's main job on what ships in the binary. At this stage it
validates every sample message of the catalogue (conformance vectors): each
valid sample must pass the hardened parse, the XSD and the business rules,
and each invalid sample must be refused with the XÖV code its name states.
It prints one line per message type and exits 0 only if every sample
behaved as expected.

Exit codes: 0 everything as expected, 1 a sample misbehaved.`,
		Example: `  xgate demo
  xgate demo -v   # one line per sample`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), verbose)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every sample")
	return cmd
}

func runDemo(ctx context.Context, w io.Writer, verbose bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	v, err := validate.New(validate.Config{})
	if err != nil {
		return err
	}
	defer v.Close()
	vectors, err := conformance.Vectors()
	if err != nil {
		return err
	}
	results := conformance.CheckVectors(ctx, v, vectors)

	type row struct{ valid, validOK, invalid, invalidOK int }
	rows := map[string]*row{}
	var failed []conformance.Result
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
		if verbose {
			status := "ok"
			if !r.Pass {
				status = "FAIL " + r.Problem
			}
			fmt.Fprintf(w, "%-70s %s\n", r.Vector.Path, status)
		}
	}

	fmt.Fprintln(w, "xgate demo: validating the shipped samples of every message type")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tROOT ELEMENT\tFROM→TO\tVALID ACCEPTED\tINVALID REFUSED\tRESULT")
	missing := 0
	for _, ty := range catalogue.New().Types() {
		rw := rows[ty.Code]
		if rw == nil {
			rw = &row{}
		}
		res := "ok"
		switch {
		case rw.valid == 0 || rw.invalid == 0:
			res, missing = "NO SAMPLES", missing+1
		case rw.validOK != rw.valid || rw.invalidOK != rw.invalid:
			res = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s→%s\t%d/%d\t%d/%d\t%s\n", ty.Code, ty.Root(), roleList(ty.From), roleList(ty.To),
			rw.validOK, rw.valid, rw.invalidOK, rw.invalid, res)
	}
	tw.Flush()

	valid, warned, invalid := 0, 0, 0
	for _, r := range results {
		switch {
		case r.Vector.Valid && r.Vector.WantWarning != "":
			valid++
			warned++
		case r.Vector.Valid:
			valid++
		default:
			invalid++
		}
	}
	fmt.Fprintf(w, "%d samples (%d valid, %d of them with an expected warning; %d invalid) of %d types checked in %s\n",
		len(results), valid, warned, invalid, len(catalogue.New().Types()), time.Since(start).Round(time.Millisecond))
	for _, r := range failed {
		fmt.Fprintf(w, "FAIL %s: %s\n", r.Vector.Path, r.Problem)
	}
	if len(failed) > 0 || missing > 0 {
		return withExit(exitError, fmt.Errorf("demo: %d sample(s) misbehaved, %d type(s) without samples", len(failed), missing))
	}
	fmt.Fprintln(w, "all samples behaved as expected")
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
