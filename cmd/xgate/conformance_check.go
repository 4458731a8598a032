package main

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// checkerFlags configure the conformance checker: limits and the role
// stage. check and serve share them.
type checkerFlags struct {
	maxBytes     int
	participants []string
	skipRoles    bool
}

func (f *checkerFlags) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&f.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest message accepted, in `BYTES`")
	fs.StringArrayVar(&f.participants, "participant", nil, "add `KENNUNG=ROLE` to the directory of the role stage (the development participants: abh azr:999901, mb ags:08999001, azr dbs:499990020000, bamf dbs:499990030000, ba dbs:499990040000, jc opt:99901, test dbs:499990990000); repeatable")
	fs.BoolVar(&f.skipRoles, "skip-roles", false, "no role stage: do not check autor and leser against the directory")
}

// checker builds the validator and the checker; close the validator
// when done.
func (f *checkerFlags) checker() (*conformance.Checker, *validate.Validator, error) {
	dir := conformance.DevParticipants()
	for _, p := range f.participants {
		k, r, ok := strings.Cut(p, "=")
		kn, err := kennung.Parse(k)
		if !ok || err != nil {
			return nil, nil, usageError("--participant %q: want KENNUNG=ROLE with a kennung prefix:key", p)
		}
		role, err := kennung.ParseRole(r)
		if err != nil {
			return nil, nil, usageError("--participant %q: %v", p, err)
		}
		dir[kn] = role
	}
	if f.skipRoles && len(f.participants) > 0 {
		return nil, nil, errExclusive("participant", "skip-roles")
	}
	if f.maxBytes <= 0 {
		return nil, nil, usageError("--max-bytes must be positive, not %d", f.maxBytes)
	}
	v, err := validate.New(validate.Config{Limits: message.Limits{MaxBytes: f.maxBytes}})
	if err != nil {
		return nil, nil, err
	}
	c, err := conformance.NewChecker(conformance.CheckerConfig{Validator: v, Directory: dir, SkipRoles: f.skipRoles})
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	return c, v, nil
}

type conformanceCheckOptions struct {
	checkerFlags
	verbose bool
	format  formatFlag
	reports []string
}

func newConformanceCheckCmd() *cobra.Command {
	o := &conformanceCheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [FILE|DIR|-]... [--report FILE]... [--format table|json]",
		Short: "Check messages: accept, accept with warnings or reject, with every reason",
		Long: `Check judges each message as an xgate gateway judges what it receives,
without the transport: hardened parse, standard and version, XSD,
business rules, and the role stage (autor and leser against the
directory: T070 a sender or recipient of the wrong role or a sender the
directory does not know, T080 an unknown recipient). The verdict per file
is accept, accept with warnings or reject, with every reason: XÖV code,
rule, line, element path and text.

A directory argument checks every *.xml (and *.xml.gz) file below it;
"-" reads standard input. A file laid out as the vectors are,
<type>/valid/<name>.xml or <type>/invalid/<CODE>[-<RULE>]-<what>.xml (as
in "xgate conformance package"), must also draw the verdict its name
states; any other file passes when it is accepted.

Without arguments it checks the vectors shipped in the binary: one line
per message type, and every type must have valid, schema, header,
code-list and role vectors ("xgate conformance list --coverage").

The directory of the role stage is the development PKI's participants;
--participant adds others, --skip-roles turns the stage off.

--report FILE writes the report as well, in the form its extension
names: .xml JUnit XML (for CI), .json JSON, .html one self-contained
page; repeat it for several. --format json prints the JSON report on
standard output. On a terminal, a progress line runs on standard error.`,
		Example: `  xgate conformance check out/anmeldung.xml
  xgate conformance check ./outgoing --report check.xml --report check.html

  # the shipped vectors (what "xgate demo" shows)
  xgate conformance check --verbose

  # a vendor package's vectors, each with its expected verdict
  xgate conformance package --out pkg && xgate conformance check pkg/vectors

  # messages of participants outside the development PKI
  xgate conformance check --participant dbs:123456789=azr msg.xml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConformanceCheck(cmd.Context(), cmd, o, args, "")
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.verbose, "verbose", false, "print every case, also for the shipped vectors")
	cmd.Flags().StringArrayVar(&o.reports, "report", nil, "write the report to `FILE` too: .xml JUnit, .json JSON, .html HTML; repeatable")
	addFormatFlag(cmd.Flags(), &o.format)
	return exits(cmd,
		code(exitOK, "every message drew its expected verdict (files without expectation: accepted, warnings allowed)"),
		code(exitError, "the checker could not start, a report could not be written, interrupted"),
		code(exitUsage, "usage error, or a named file or folder that cannot be read (the others are still checked)"),
		code(exitFailed, "a message was rejected or drew another verdict than expected, or a type lacks vectors"))
}

// runConformanceCheck checks args (or the shipped vectors) and prints the
// outcome; title, if set, heads the table output (xgate demo).
func runConformanceCheck(ctx context.Context, cmd *cobra.Command, o *conformanceCheckOptions, args []string, title string) error {
	start := time.Now()
	formats := make([]report.Format, len(o.reports))
	for i, f := range o.reports {
		var err error
		if formats[i], err = report.FormatOf(f); err != nil {
			return usageError("--report: %v", err)
		}
	}
	checker, v, err := o.checker()
	if err != nil {
		return err
	}
	defer v.Close()

	shipped := len(args) == 0
	var inputs []conformance.Input
	var notes []string
	target := "the vectors shipped in xgate " + version
	if shipped {
		vectors, err := conformance.Vectors()
		if err != nil {
			return err
		}
		for _, vec := range vectors {
			inputs = append(inputs, conformance.Input{Case: vec.Case(), Data: vec.Data})
		}
		notes = conformance.CoverageOf(checker.Catalogue(), validate.DefaultRules(), vectors).Problems()
	} else {
		if inputs, err = checkInputs(args, cmd.InOrStdin(), o.maxBytes); err != nil {
			return err
		}
		target = strings.Join(args, " ")
	}

	stderr := cmd.ErrOrStderr()
	var progress *report.Progress
	if isTerminal(stderr) && !o.format.json() {
		progress = report.NewProgress(stderr, len(inputs), true)
	}
	results := checker.CheckAll(ctx, inputs, progress.Add)
	progress.Done()
	rep := &report.Report{
		Title: "xgate conformance check", Mode: "check", Tool: toolName(), Target: target,
		Started: start, Duration: time.Since(start), Results: results, Notes: notes, TypeTitles: typeTitles(checker.Catalogue()),
	}
	for i, f := range o.reports {
		if err := writeReportFile(f, rep, formats[i]); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		s := rep.Summary()
		return fmt.Errorf("conformance check: %d of %d checked: %w", s.Total-s.Error, s.Total, err)
	}

	w := cmd.OutOrStdout()
	if o.format.json() {
		if err := report.WriteJSON(w, rep); err != nil {
			return err
		}
	} else {
		if title != "" {
			fmt.Fprintln(w, title)
		}
		if shipped {
			writeVectorTable(w, rep, checker.Catalogue(), o.verbose)
		} else {
			for _, r := range rep.Results {
				report.WriteCase(w, r)
			}
		}
		writeTotals(w, rep)
	}
	unreadable := 0
	for _, in := range inputs {
		if in.Err != nil {
			unreadable++
		}
	}
	s := rep.Summary()
	switch {
	case unreadable > 0:
		return withExit(exitUsage, fmt.Errorf("%d input(s) could not be read", unreadable))
	case !rep.OK():
		return failedError("%d of %d case(s) did not draw the expected verdict%s", s.Fail+s.Error, s.Total, notesText(notes))
	}
	if shipped && !o.format.json() {
		fmt.Fprintln(w, "all samples behaved as expected")
	}
	return nil
}

func notesText(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d coverage gap(s)", len(notes))
}

// writeVectorTable prints one line per message type of the catalogue:
// valid vectors accepted, invalid ones refused.
func writeVectorTable(w io.Writer, rep *report.Report, cat *catalogue.Catalogue, verbose bool) {
	type row struct{ valid, validOK, invalid, invalidOK int }
	rows := map[string]*row{}
	for _, r := range rep.Results {
		rw := rows[r.Type]
		if rw == nil {
			rw = &row{}
			rows[r.Type] = rw
		}
		ok := r.Outcome == report.Pass
		if r.Expect.Verdict.Acceptable() {
			rw.valid++
			if ok {
				rw.validOK++
			}
		} else {
			rw.invalid++
			if ok {
				rw.invalidOK++
			}
		}
	}
	if verbose {
		for _, r := range rep.Results {
			report.WriteCase(w, r)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tROOT ELEMENT\tFROM→TO\tVALID ACCEPTED\tINVALID REFUSED\tRESULT")
	for _, ty := range cat.Types() {
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
	for _, r := range rep.Results {
		if r.Outcome == report.Fail || r.Outcome == report.Error {
			fmt.Fprintf(w, "FAIL %s: %s\n", escape.Line(r.ID), escape.Line(r.Problem))
		}
	}
}

// writeTotals prints the totals and the notes.
func writeTotals(w io.Writer, rep *report.Report) {
	s := rep.Summary()
	fmt.Fprintf(w, "%d message(s) of %d type(s) checked in %s: %d accepted, %d accepted with warnings, %d rejected, %d without verdict; %d as expected, %d not\n",
		s.Total, s.Types, rep.Duration.Round(time.Millisecond), s.Verdict[report.Accept], s.Verdict[report.AcceptWithWarnings],
		s.Verdict[report.Reject], s.Verdict[report.NoVerdict], s.Pass, s.Fail+s.Error)
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "NOTE %s\n", escape.Line(n))
	}
}

// checkInputs reads the named files, folders (every *.xml and *.xml.gz
// below) and "-" (standard input). A file that cannot be read becomes an
// input with Err; a misnamed vector or a folder without messages is a
// usage error.
func checkInputs(args []string, stdin io.Reader, maxBytes int) ([]conformance.Input, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if a == "-" || err != nil || !st.IsDir() {
			files = append(files, a) // reported when read
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xml.gz")) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, errInput(err)
		}
		if len(found) == 0 {
			return nil, usageError("%s holds no messages (*.xml)", a)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	out := make([]conformance.Input, 0, len(files))
	for _, f := range files {
		cs := report.Case{ID: f, Kind: "file", Source: f}
		if f == "-" {
			cs.ID, cs.Source = "stdin", "standard input"
		}
		if vec, ok, err := conformance.ParseVectorPath(filepath.ToSlash(f)); err != nil {
			return nil, usageError("%s: %v", f, err)
		} else if ok {
			c := vec.Case()
			cs.Type, cs.Kind, cs.Title, cs.Expect = c.Type, c.Kind, c.Title, c.Expect
		}
		data, err := readMessage(f, stdin, maxBytes)
		out = append(out, conformance.Input{Case: cs, Data: data, Err: err})
	}
	return out, nil
}

// readMessage reads a file, standard input ("-") or a gzip-compressed
// file (*.gz). A file over maxBytes is read up to maxBytes+1 bytes, so
// that the check refuses it (X000) without reading it all.
func readMessage(name string, stdin io.Reader, maxBytes int) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			defer zr.Close()
			r = zr
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// writeReportFile writes rep to name atomically (a temporary file beside
// it, renamed), so that a failed write leaves no half report.
func writeReportFile(name string, rep *report.Report, f report.Format) error {
	return writeFileAtomic(name, 0o644, func(w io.Writer) error { return report.Write(w, rep, f) })
}

// writeFileAtomic writes a file through a temporary file beside it.
func writeFileAtomic(name string, mode os.FileMode, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func toolName() string { return fmt.Sprintf("xgate %s (%s)", version, commit) }

// typeTitles maps type codes to root element names for reports.
func typeTitles(cat *catalogue.Catalogue) map[string]string {
	m := map[string]string{}
	for _, t := range cat.Types() {
		m[t.Code] = t.Root()
	}
	return m
}
