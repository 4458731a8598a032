package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/all"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

type translateOptions struct {
	adapter  string
	reverse  bool
	settings []string
	out      string
	outDir   string
	maxBytes int
	format   formatFlag
}

func (o *translateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.adapter, "adapter", "", "the adapter's `NAME` (xgate adapters list)")
	fs.BoolVar(&o.reverse, "reverse", false, "translate from the partner format to our message (default: our message to the partner format)")
	fs.StringArrayVar(&o.settings, "set", nil, "an adapter setting, `NAME=VALUE`; repeatable (xgate adapters list shows them)")
	fs.StringVarP(&o.out, "out", "o", "", "write to `FILE` (atomically) instead of standard output")
	fs.StringVar(&o.outDir, "out-dir", "", "for a batch adapter in reverse: write each message to `DIR`/<nachrichtenUUID>.xml")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest input accepted, in `BYTES`")
	addFormatFlag(fs, &o.format)
}

func newTranslateCmd() *cobra.Command {
	o := &translateOptions{}
	cmd := &cobra.Command{
		Use:   "translate --adapter NAME [--reverse] FILE|-",
		Short: "Translate a message to or from a partner format",
		Long: `Translate runs one adapter on one input: forward turns one of our messages
into the partner's format (XMeld-style XML, JSON, fixed-width records),
--reverse turns the partner's format into our message. FILE "-" reads
standard input; the result goes to standard output or --out. Nothing is
translated silently: a field or code without a counterpart, or input that
breaks the partner format, is refused with the field, the value and the
message type (exit 3), and nothing is written.

A batch adapter (fachverfahren-csv) in reverse translates every row of its
input: each message goes to --out-dir as <nachrichtenUUID>.xml (the UUID
follows from the row, so the same file gives the same names and nothing
twice), and a report names every refused row with its column and reason
(--format json for programs). Valid rows are written even when others are
refused; the exit code is then 3.`,
		Example: `  # our 020101 to the XMeld-style dialect of a Meldebehörde
  xgate translate --adapter xmeld anmeldung.xml > anmeldung.xmeld.xml

  # a Jobcenter's JSON notice to our message
  xgate translate --adapter jobcenter-json --reverse mitteilung.json -o 920002.xml

  # a Fachverfahren's CSV export, one message per row
  xgate translate --adapter fachverfahren-csv --reverse --out-dir out/ \
      --set autor.kennung=azr:999901 --set autor.name="ABH Musterstadt" export.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTranslate(cmd.Context(), cmd.OutOrStdout(), cmd.InOrStdin(), o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "translated"),
		code(exitError, "the adapter could not start, or the output could not be written"),
		code(exitUsage, "usage error: unknown adapter or setting, unreadable input, --out-dir missing for a batch"),
		code(exitFailed, "the input was refused (the message says which field and why); for a batch: at least one row was refused"))
}

func runTranslate(ctx context.Context, stdout io.Writer, stdin io.Reader, o *translateOptions, in string) error {
	if o.adapter == "" {
		return errRequired("adapter")
	}
	if o.out != "" && o.outDir != "" {
		return errExclusive("out", "out-dir")
	}
	r, err := all.New(adapters.Deps{})
	if err != nil {
		return err
	}
	defer r.Close()
	spec, ok := r.Spec(o.adapter)
	if !ok {
		return errBadValue("adapter", o.adapter, r.Names()...)
	}
	cfg := adapters.Config{}
	for _, s := range o.settings {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return usageError("--set must be NAME=VALUE, not %q", s)
		}
		cfg[k] = v
	}
	if err := r.Configure(o.adapter, cfg); err != nil {
		return withExit(exitUsage, err)
	}
	batch := spec.Batch && o.reverse
	if batch && o.outDir == "" {
		return usageError("%s reads several messages from one input: --out-dir is required with --reverse", o.adapter)
	}
	if !batch && o.outDir != "" {
		return errNeeds("out-dir", "reverse")
	}
	data, err := readLimited(in, stdin, o.maxBytes)
	if err != nil {
		if _, coded := errcode.Of(err); coded {
			return withExit(exitFailed, err)
		}
		return errInput(err)
	}
	a, err := r.Lookup(o.adapter)
	if err != nil {
		if errors.Is(err, adapters.ErrConfig) {
			return withExit(exitUsage, err)
		}
		return err
	}
	if batch {
		b, ok := a.(adapters.Batcher)
		if !ok {
			return fmt.Errorf("%s says it translates batches but has no ReverseBatch", o.adapter)
		}
		return runTranslateBatch(ctx, stdout, b, o, data)
	}
	tr := a.Forward()
	if o.reverse {
		tr = a.Reverse()
	}
	out, err := tr.Translate(ctx, data)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, adapters.ErrTemporary) {
			return err
		}
		if errors.Is(err, adapters.ErrDirection) {
			return withExit(exitUsage, err)
		}
		return withExit(exitFailed, fmt.Errorf("%s: %s", escape.Line(in), escape.Line(err.Error())))
	}
	if o.out == "" {
		_, err := stdout.Write(out)
		return err
	}
	return writeAtomic(o.out, out, 0o640)
}

// batchReport is the JSON shape of a batch translation.
type batchReport struct {
	Written []batchWritten `json:"written"`
	Refused []batchRefused `json:"refused"`
}

type batchWritten struct {
	Record int    `json:"record"`
	Type   string `json:"type"`
	UUID   string `json:"nachrichtenUUID"`
	File   string `json:"file"`
}

type batchRefused struct {
	Record int          `json:"record"`
	Column string       `json:"column,omitempty"`
	Code   errcode.Code `json:"code"`
	Error  string       `json:"error"`
}

func runTranslateBatch(ctx context.Context, stdout io.Writer, b adapters.Batcher, o *translateOptions, data []byte) error {
	res, err := b.ReverseBatch(ctx, data)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return withExit(exitFailed, err)
	}
	if err := os.MkdirAll(o.outDir, 0o750); err != nil {
		return err
	}
	rep := batchReport{Written: []batchWritten{}, Refused: []batchRefused{}}
	for _, m := range res.Messages {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("wrote %d of %d messages: %w", len(rep.Written), len(res.Messages), err)
		}
		file := filepath.Join(o.outDir, m.UUID+".xml")
		if err := writeAtomic(file, m.Data, 0o640); err != nil {
			return err
		}
		rep.Written = append(rep.Written, batchWritten{Record: m.Record, Type: m.Type, UUID: m.UUID, File: file})
	}
	for _, f := range res.Refused {
		c, _ := errcode.Of(f.Err)
		rep.Refused = append(rep.Refused, batchRefused{Record: f.Record, Column: f.Field, Code: c, Error: f.Err.Error()})
	}
	if o.format.json() {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, w := range rep.Written {
			fmt.Fprintf(stdout, "record %d: %s %s -> %s\n", w.Record, w.Type, w.UUID, escape.Line(w.File))
		}
		for _, f := range rep.Refused {
			fmt.Fprintf(stdout, "record %d refused: %s\n", f.Record, escape.Line(f.Error))
		}
		fmt.Fprintf(stdout, "%d written, %d refused\n", len(rep.Written), len(rep.Refused))
	}
	if len(rep.Refused) > 0 {
		return withExit(exitFailed, fmt.Errorf("%d of %d rows refused, %d written to %s", len(rep.Refused), len(rep.Refused)+len(rep.Written), len(rep.Written), escape.Line(o.outDir)))
	}
	return nil
}

// writeAtomic writes data beside path and renames it into place, so that
// a failed write leaves no half file behind.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return errInput(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
