package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

type validateOptions struct {
	format             formatFlag
	maxBytes           int
	maxAttachmentBytes int
	quiet              bool
}

func (o *validateOptions) AddFlags(fs *pflag.FlagSet) {
	addFormatFlag(fs, &o.format)
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest message accepted, in `BYTES`")
	fs.IntVar(&o.maxAttachmentBytes, "max-attachment-bytes", validate.DefaultMaxAttachmentBytes, "largest decoded attachment, in `BYTES`")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing; only the exit code tells")
}

func newValidateCmd() *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate FILE|DIR|- ...",
		Short: "Check messages: well-formedness, XSD and business rules",
		Long: `Validate checks each message in four stages, stops at the first stage that
finds something, and reports every finding of that stage with its XÖV
error code, the line and the element path:

  1. hardened parse: size, UTF-8, no DOCTYPE/entities/processing
     instructions/XInclude, depth and count limits      (X000, S001)
  2. standard and version of the root element           (V000)
  3. XSD validation with libxml2 (network off)          (X001)
  4. business rules: header, code lists, DIN 91379 characters,
     attachments, group rules                           (S010, S011, S030, S999, X001)

Each rule rejects or warns ("xgate catalogue rules" lists them). A finding
rejects the message (it would draw a Rückweisung); a warning is printed for
the clerk but the message stays valid.

A directory argument validates every *.xml file below it; "-" reads
standard input. Table output is one line per finding,
"file:line: CODE path: text" (the form editors jump to), and one per
warning, "file:line: warning CODE path: text"; every value is escaped so
that a line break or control character in a file name or message shows as
\n, \u2028 and so on and cannot forge a line; JSON keeps the values as
they are. A summary goes to standard error. Ctrl-C stops between two files
and says how far it got.`,
		Example: `  # one message
  xgate validate anmeldung.xml

  # every sample shipped with xgate, machine-readable
  xgate validate --format json conformance/testdata/vectors

  # in a script: only the exit code
  xgate validate -q out/*.xml || echo "rejected"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runValidate(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin(), o, args)
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "every message is valid"),
		code(exitError, "the validator could not start, an I/O error, interrupted"),
		code(exitUsage, "usage error, or a named file or folder that cannot be read (the others are still validated)"),
		code(exitFailed, "validation failed: at least one message is invalid"))
}

// fileResult is the JSON shape of one validated file.
type fileResult struct {
	File     string        `json:"file"`
	Valid    bool          `json:"valid"` // no rejecting finding (warnings allowed)
	Type     string        `json:"type,omitempty"`
	UUID     string        `json:"nachrichtenUUID,omitempty"`
	Findings []findingJSON `json:"findings"`
	Warnings []findingJSON `json:"warnings"`
}

type findingJSON struct {
	Severity string       `json:"severity"` // reject or warn
	Code     errcode.Code `json:"code"`
	Line     int          `json:"line,omitempty"`
	Path     string       `json:"path,omitempty"`
	Rule     string       `json:"rule,omitempty"`
	Text     string       `json:"text"`
	Reason   string       `json:"reason"`
}

func runValidate(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, o *validateOptions, args []string) error {
	files, err := expandArgs(args)
	if err != nil {
		return errInput(err)
	}
	v, err := validate.New(validate.Config{
		Limits:             message.Limits{MaxBytes: o.maxBytes},
		MaxAttachmentBytes: o.maxAttachmentBytes,
	})
	if err != nil {
		return err
	}
	defer v.Close()

	var (
		results    []fileResult
		invalid    int
		unreadable int
		findings   int
		warnings   int
	)
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("validated %d of %d files (%d invalid): %w", i, len(files), invalid, err)
		}
		if len(files) >= 1000 && i > 0 && i%1000 == 0 && !o.quiet {
			fmt.Fprintf(stderr, "validated %d of %d files\n", i, len(files))
		}
		data, rerr := readLimited(f, stdin, o.maxBytes)
		res := fileResult{File: f, Findings: []findingJSON{}, Warnings: []findingJSON{}}
		switch {
		case rerr != nil && os.IsNotExist(rerr) || rerr != nil && !isTooLarge(rerr):
			unreadable++
			if !o.quiet {
				fmt.Fprintf(stderr, "xgate: %s\n", escape.Line(rerr.Error()))
			}
			continue
		case rerr != nil:
			res.Findings = append(res.Findings, toJSON(rerr.(*errcode.Error), validate.Reject))
		default:
			rep := v.Validate(ctx, data)
			res.Type = rep.Type.Code
			res.UUID = rep.Header.UUID
			for _, fd := range rep.Findings {
				res.Findings = append(res.Findings, toJSON(fd, validate.Reject))
			}
			for _, fd := range rep.Warnings {
				res.Warnings = append(res.Warnings, toJSON(fd, validate.Warn))
			}
			warnings += len(res.Warnings)
		}
		res.Valid = len(res.Findings) == 0
		if !res.Valid {
			invalid++
			findings += len(res.Findings)
		}
		if !o.format.json() && !o.quiet {
			// One line per finding: the file name, the path and the text may
			// quote what the message (or whoever named the file) says, so
			// each is escaped (a line break shows as \n).
			for _, fd := range res.Findings {
				fmt.Fprintf(stdout, "%s:%d: %s %s: %s\n", escape.Line(f), fd.Line, fd.Code, escape.Line(pathOrRoot(fd.Path)), escape.Line(fd.Text))
			}
			for _, fd := range res.Warnings {
				fmt.Fprintf(stdout, "%s:%d: warning %s %s: %s\n", escape.Line(f), fd.Line, fd.Code, escape.Line(pathOrRoot(fd.Path)), escape.Line(fd.Text))
			}
		}
		results = append(results, res)
	}
	if o.format.json() && !o.quiet {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(results); err != nil {
			return err
		}
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "%d file(s): %d valid, %d invalid (%d finding(s), %d warning(s))", len(results), len(results)-invalid, invalid, findings, warnings)
		if unreadable > 0 {
			fmt.Fprintf(stderr, ", %d unreadable", unreadable)
		}
		fmt.Fprintln(stderr)
	}
	switch {
	case unreadable > 0:
		return silentExit(exitUsage)
	case invalid > 0:
		return silentExit(exitFailed)
	}
	return nil
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func toJSON(e *errcode.Error, sev validate.Severity) findingJSON {
	text := e.Detail
	if text == "" && e.Err != nil {
		text = e.Err.Error()
	}
	if e.Rule != "" {
		text = "[" + e.Rule + "] " + text
	}
	return findingJSON{Severity: sev.String(), Code: e.Code, Line: e.Line, Path: e.Path, Rule: e.Rule, Text: text, Reason: e.Code.Reason()}
}

// expandArgs turns directories into the *.xml files below them, sorted.
func expandArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			out = append(out, a) // reported when read
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".xml") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func isTooLarge(err error) bool { _, ok := err.(*errcode.Error); return ok }

// readLimited reads a file (or stdin for "-") but refuses, without reading
// it all, anything over max bytes.
func readLimited(name string, stdin io.Reader, max int) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Size() > int64(max) {
			return nil, &errcode.Error{Code: errcode.NotWellFormed, Op: "read", Detail: fmt.Sprintf("document is %d bytes, the limit is %d", st.Size(), max)}
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, &errcode.Error{Code: errcode.NotWellFormed, Op: "read", Detail: fmt.Sprintf("document is over the limit of %d bytes", max)}
	}
	return data, nil
}
