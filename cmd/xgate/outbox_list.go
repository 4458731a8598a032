package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/outbox"
)

type outboxListOptions struct {
	state, partner, typ, direction, olderThan string
	format                                    formatFlag
	limit                                     int
	after                                     uint64
	overdue                                   bool
}

func (o *outboxListOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.state, "state", "", "only records in this state ("+strings.Join(outboxStateNames(), ", ")+")")
	fs.StringVar(&o.partner, "partner", "", "only records of this partner (recipient or sender kennung)")
	fs.StringVar(&o.typ, "type", "", "only messages of this six-digit type")
	fs.StringVar(&o.direction, "direction", "", "only out or in")
	fs.StringVar(&o.olderThan, "older-than", "", "only records created longer ago than this (90m, 12h, 3d, 2w)")
	fs.IntVar(&o.limit, "limit", 100, "most records shown")
	fs.Uint64Var(&o.after, "after", 0, "only records after this SEQ (paging)")
	fs.BoolVar(&o.overdue, "overdue", false, "only outbound records whose business answer is overdue (state delivered unless --state is given)")
	addFormatFlag(fs, &o.format)
}

func newOutboxListCmd(g *storeFlags) *cobra.Command {
	o := &outboxListOptions{}
	cmd := &cobra.Command{
		Use:   "list [--state S] [--partner K] [--type T] [--older-than D] [--overdue] [--limit N] [--format table|json]",
		Short: "List records, oldest first",
		Long: `List prints records in acceptance order (SEQ), without message content.
Filters combine; --state and --partner use the store's indexes, so listing
the failed records of a store with millions of delivered ones is quick.
When --limit records were printed, standard error says how to get the next
page (--after SEQ).

--overdue lists the outbound messages whose business answer is overdue:
delivered (or in the --state given) with an answer deadline (from the
catalogue or the site's configuration) before now. The table then has an
ANSWER DUE column. The daemon sends a reminder (Erinnerung) for each, up
to the configured number; the record leaves this list when the answer
arrives (answered).`,
		Example: `  # what needs an operator
  xgate outbox list --state failed
  xgate outbox list --state rejected --partner dbs:499990020000 --format json

  # queued for more than a day
  xgate outbox list --state queued --older-than 1d

  # answers that should have come by now, from the AZR
  xgate outbox list --overdue --partner dbs:499990020000

  # page through everything
  xgate outbox list --limit 1000 --after 52000`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOutboxList(cmd.Context(), cmd, g, o)
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "listed (also when nothing matches)"),
		code(exitError, "the store could not be read, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

func runOutboxList(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *outboxListOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	f := outbox.Filter{Partner: o.partner, Type: o.typ, Limit: o.limit, AfterSeq: o.after}
	if o.state != "" {
		f.State = outbox.State(o.state)
		if !f.State.Valid() {
			return usageError("--state %q is not a state (%s)", o.state, strings.Join(outboxStateNames(), ", "))
		}
	}
	switch o.direction {
	case "", "out", "in":
		f.Direction = outbox.Direction(o.direction)
	default:
		return errBadValue("direction", o.direction, "out", "in")
	}
	if o.overdue {
		if f.Direction == outbox.DirIn {
			return usageError("--overdue lists outbound records: it cannot be combined with --direction in")
		}
		f.Direction = outbox.DirOut
		if f.State == "" {
			f.State = outbox.StateDelivered
		}
		f.AnswerDueBefore = time.Now()
	}
	if o.limit <= 0 {
		return usageError("--limit must be positive")
	}
	if o.olderThan != "" {
		d, err := parseLongDuration(o.olderThan)
		if err != nil || d < 0 {
			return usageError("--older-than: %v", err)
		}
		f.CreatedBefore = time.Now().Add(-d)
	}
	s, err := g.open(ctx, cmd, readOnly)
	if err != nil {
		return err
	}
	defer s.Close()
	rs, err := s.List(ctx, f)
	if err != nil {
		return err
	}
	if o.format.json() {
		out := make([]recordJSON, len(rs))
		for i, r := range rs {
			out[i] = toRecordJSON(r)
		}
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	due := ""
	if o.overdue {
		due = "ANSWER DUE\t"
	}
	fmt.Fprintf(tw, "SEQ\tID\tDIR\tSTATE\tPARTNER\tTYPE\tATTEMPTS\tCREATED\t%sNEXT ATTEMPT\tLAST ERROR\n", due)
	for _, r := range rs {
		if o.overdue {
			due = outboxDash(outboxTSOrEmpty(r.AnswerDeadline)) + "\t"
		}
		next, lastErr := "-", "-"
		if r.State == outbox.StateQueued {
			next = outboxTS(r.NextAttempt)
		}
		if r.LastError != nil {
			lastErr = r.LastError.Code
		}
		// Partner, type and error code may come from a message: escaped.
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s%s\t%s\n", r.Seq, escape.Line(r.ID), r.Direction, r.State, escape.Line(r.Partner),
			escape.Line(outboxDash(r.Type)), r.Attempts, outboxTS(r.Created), due, next, escape.Line(lastErr))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d record(s)", len(rs))
	if len(rs) == o.limit {
		fmt.Fprintf(stderr, "; there may be more: --after %d", rs[len(rs)-1].Seq)
	}
	fmt.Fprintln(stderr)
	return nil
}
