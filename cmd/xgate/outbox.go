package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/xml/errcode"
)

// outboxOptions are the flags every outbox subcommand shares.
type outboxOptions struct {
	store   string
	timeout time.Duration
}

func (o *outboxOptions) AddFlags(fs *pflag.FlagSet) {
	def := os.Getenv("XGATE_STORE")
	if def == "" {
		def = "./xgate.db"
	}
	fs.StringVar(&o.store, "store", def, "the outbox store file; $XGATE_STORE sets the default")
	fs.DurationVar(&o.timeout, "lock-timeout", 2*time.Second, "how long to wait for the store's file lock")
}

// open opens the store; read-only commands share the file with other
// readers, but neither kind can open it while the daemon holds it.
func (o *outboxOptions) open(readOnly bool) (*boltstore.Store, error) {
	if _, err := os.Stat(o.store); errors.Is(err, fs.ErrNotExist) {
		return nil, withExit(exitError, fmt.Errorf("no outbox store at %s (use --store or XGATE_STORE)", o.store))
	}
	s, err := boltstore.Open(o.store, boltstore.Config{ReadOnly: readOnly, Timeout: o.timeout})
	if err != nil {
		return nil, withExit(exitError, err)
	}
	return s, nil
}

func newOutboxCmd() *cobra.Command {
	o := &outboxOptions{}
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "Inspect the durable outbox; replay or cancel records",
		Long: `The outbox subcommands work on a store file (--store, default $XGATE_STORE,
else ./xgate.db). list, show and stats open it read-only; replay and cancel
open it for writing and record every change in the audit chain with the
actor "operator:$USER" and the --reason given.

bbolt allows one writer and no readers beside it: while the daemon runs,
these commands cannot open its store and say so after --lock-timeout; use
the daemon's admin API then, or copy the file for reading.

Exit codes: 0 ok, 1 error (store unreadable or locked, record not found,
an action refused), 2 usage error.`,
	}
	o.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(newOutboxListCmd(o), newOutboxShowCmd(o), newOutboxStatsCmd(o),
		newOutboxReplayCmd(o), newOutboxCancelCmd(o))
	return cmd
}

// --- list ---------------------------------------------------------------

type outboxListOptions struct {
	state, partner, typ, direction, olderThan, format string
	limit                                             int
	after                                             uint64
}

func (o *outboxListOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.state, "state", "", "only records in this state ("+strings.Join(outboxStateNames(), ", ")+")")
	fs.StringVar(&o.partner, "partner", "", "only records of this partner (recipient or sender kennung)")
	fs.StringVar(&o.typ, "type", "", "only messages of this six-digit type")
	fs.StringVar(&o.direction, "direction", "", "only out or in")
	fs.StringVar(&o.olderThan, "older-than", "", "only records created longer ago than this (90m, 12h, 3d, 2w)")
	fs.IntVar(&o.limit, "limit", 100, "most records shown")
	fs.Uint64Var(&o.after, "after", 0, "only records after this SEQ (paging)")
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
}

func newOutboxListCmd(g *outboxOptions) *cobra.Command {
	o := &outboxListOptions{}
	cmd := &cobra.Command{
		Use:   "list [--state S] [--partner K] [--type T] [--older-than D] [--limit N] [--format text|json]",
		Short: "List records, oldest first",
		Long: `List prints records in acceptance order (SEQ), without message content.
Filters combine; --state and --partner use the store's indexes, so listing
the failed records of a store with millions of delivered ones is quick.
When --limit records were printed, standard error says how to get the next
page (--after SEQ).

Exit codes: 0 ok (also when nothing matches), 1 store error, 2 usage error.`,
		Example: `  # what needs an operator
  xgate outbox list --state failed
  xgate outbox list --state rejected --partner dbs:azr-bva --format json

  # queued for more than a day
  xgate outbox list --state queued --older-than 1d

  # page through everything
  xgate outbox list --limit 1000 --after 52000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOutboxList(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func runOutboxList(ctx context.Context, stdout, stderr io.Writer, g *outboxOptions, o *outboxListOptions) error {
	f := outbox.Filter{Partner: o.partner, Type: o.typ, Limit: o.limit, AfterSeq: o.after}
	if err := checkOutboxFormat(o.format); err != nil {
		return err
	}
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
		return usageError("--direction must be out or in, not %q", o.direction)
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
	s, err := g.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	rs, err := s.List(outboxCtx(ctx), f)
	if err != nil {
		return err
	}
	if o.format == "json" {
		out := make([]recordJSON, len(rs))
		for i, r := range rs {
			out[i] = toRecordJSON(r)
		}
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tID\tDIR\tSTATE\tPARTNER\tTYPE\tATTEMPTS\tCREATED\tNEXT ATTEMPT\tLAST ERROR")
	for _, r := range rs {
		next, lastErr := "-", "-"
		if r.State == outbox.StateQueued {
			next = outboxTS(r.NextAttempt)
		}
		if r.LastError != nil {
			lastErr = r.LastError.Code
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Seq, r.ID, r.Direction, r.State, r.Partner,
			outboxDash(r.Type), r.Attempts, outboxTS(r.Created), next, lastErr)
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

// --- show ---------------------------------------------------------------

type outboxShowOptions struct{ format string }

func newOutboxShowCmd(g *outboxOptions) *cobra.Command {
	o := &outboxShowOptions{}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one record: fields, last error explained, evidence, full history",
		Long: `Show prints a record (outbound first if an inbound one has the same ID):
its fields, its last error with the code and a plain-language reason, the
size and SHA-256 of the sealed message and of the evidence (the partner's
receipt or rejection, with its root element), and its full history from
the audit chain. Message content is never printed.

Exit codes: 0 ok, 1 no such record or store error, 2 usage error.`,
		Example: `  xgate outbox show 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11
  xgate outbox show --format json 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxShow(cmd.Context(), cmd.OutOrStdout(), g, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}

// showJSON is the JSON shape of show.
type showJSON struct {
	Record   recordJSON  `json:"record"`
	Sealed   *bodyJSON   `json:"sealed,omitempty"`
	Evidence *bodyJSON   `json:"evidence,omitempty"`
	Opened   *bodyJSON   `json:"opened,omitempty"`
	Receipt  *bodyJSON   `json:"receipt,omitempty"`
	History  []entryJSON `json:"history"`
}

type bodyJSON struct {
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
	Root   string `json:"root_element,omitempty"`
}

type entryJSON struct {
	Seq     uint64 `json:"seq"`
	Time    string `json:"time"`
	From    string `json:"from,omitempty"`
	To      string `json:"to"`
	Actor   string `json:"actor"`
	Attempt int    `json:"attempt,omitempty"`
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func runOutboxShow(ctx context.Context, stdout io.Writer, g *outboxOptions, o *outboxShowOptions, id string) error {
	if err := checkOutboxFormat(o.format); err != nil {
		return err
	}
	s, err := g.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = outboxCtx(ctx)
	r, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("outbox show %s: %w", id, err)
	}
	hist, err := s.History(ctx, id)
	if err != nil {
		return err
	}
	out := showJSON{Record: toRecordJSON(r), Sealed: summarizeBody(r.Sealed), Evidence: summarizeBody(r.Evidence),
		Opened: summarizeBody(r.Opened), Receipt: summarizeBody(r.Receipt), History: []entryJSON{}}
	for _, e := range hist {
		if e.Direction != string(r.Direction) {
			continue
		}
		out.History = append(out.History, toEntryJSON(e))
	}
	if o.format == "json" {
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 1, ' ', 0)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	line("ID", r.ID)
	line("Direction", string(r.Direction))
	line("State", string(r.State))
	line("Partner", r.Partner)
	line("Type", r.Type)
	if r.OrderingKey != r.ID {
		line("Ordering key", r.OrderingKey)
	}
	line("Seq", fmt.Sprint(r.Seq))
	if r.Direction == outbox.DirOut {
		line("Attempts", fmt.Sprint(r.Attempts))
	}
	line("Created", outboxTS(r.Created))
	line("Updated", outboxTS(r.Updated))
	if r.State == outbox.StateQueued {
		line("Next attempt", outboxTS(r.NextAttempt))
	}
	if r.Lease != nil {
		line("Lease", fmt.Sprintf("%s until %s", r.Lease.Owner, outboxTS(r.Lease.Until)))
	}
	line("Ausloeser", r.AusloeserUUID)
	if !r.AnswerDeadline.IsZero() {
		line("Answer due", outboxTS(r.AnswerDeadline))
	}
	if r.LastError != nil {
		line("Last error", r.LastError.Code+" "+r.LastError.Text)
		line("  Reason", outboxErrorReason(r.LastError.Code))
	}
	for _, b := range []struct {
		name string
		b    *bodyJSON
	}{{"Sealed", out.Sealed}, {"Evidence", out.Evidence}, {"Opened", out.Opened}, {"Receipt", out.Receipt}} {
		if b.b != nil {
			line(b.name, b.b.String())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nHistory (%d):\n", len(out.History))
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SEQ\tTIME\tTRANSITION\tACTOR\tATTEMPT\tCODE\tREASON")
	for _, e := range out.History {
		from := e.From
		if from == "" {
			from = "(new)"
		}
		attempt := "-"
		if e.Attempt > 0 {
			attempt = fmt.Sprint(e.Attempt)
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s → %s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time, from, e.To, e.Actor, attempt, outboxDash(e.Code), outboxDash(e.Reason))
	}
	return tw.Flush()
}

func (b *bodyJSON) String() string {
	s := fmt.Sprintf("%d bytes, sha256 %s", b.Bytes, b.SHA256[:16])
	if b.Root != "" {
		s += ", <" + b.Root + ">"
	}
	return s
}

// summarize describes a body without its content: size, hash and, for
// XML, the root element's local name.
func summarizeBody(b []byte) *bodyJSON {
	if b == nil {
		return nil
	}
	sum := sha256.Sum256(b)
	out := &bodyJSON{Bytes: len(b), SHA256: hex.EncodeToString(sum[:])}
	d := xml.NewDecoder(strings.NewReader(string(b[:min(len(b), 64<<10)])))
	d.Strict = false
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			out.Root = se.Name.Local
			break
		}
	}
	return out
}

// errorReason explains a last-error code: XÖV codes from the code table,
// the transport codes the delivery worker writes by their form.
func outboxErrorReason(code string) string {
	if c := errcode.Code(code); c.Valid() {
		return c.Reason()
	}
	switch {
	case code == "transport":
		return "the partner could not be reached (connection, TLS handshake or timeout); retried"
	case code == "http-429":
		return "the partner asked us to slow down (HTTP 429); retried"
	case strings.HasPrefix(code, "http-5"):
		return "the partner's server failed (HTTP " + code[5:] + "); retried"
	case strings.HasPrefix(code, "http-4"):
		return "the partner refused the request (HTTP " + code[5:] + "); not retried"
	}
	return "no explanation known for this code"
}

// --- stats --------------------------------------------------------------

func newOutboxStatsCmd(g *outboxOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "stats [--format text|json]",
		Short: "Count records by state",
		Long: `Stats prints how many records are in each state (kept as counters, so it is
instant on any store size), the creation time of the oldest queued record
and the size of the file.

Exit codes: 0 ok, 1 store error, 2 usage error.`,
		Example: `  xgate outbox stats
  xgate outbox stats --format json --store /var/lib/xgate/outbox.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutboxFormat(format); err != nil {
				return err
			}
			s, err := g.open(true)
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.Stats(outboxCtx(cmd.Context()))
			if err != nil {
				return err
			}
			return printStats(cmd.OutOrStdout(), st, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

type statsJSON struct {
	Outbound     map[outbox.State]int `json:"outbound"`
	Inbound      map[outbox.State]int `json:"inbound"`
	OldestQueued string               `json:"oldest_queued,omitempty"`
	SizeBytes    int64                `json:"size_bytes"`
}

func printStats(w io.Writer, st outbox.Stats, format string) error {
	if format == "json" {
		return writeJSON(w, statsJSON{Outbound: st.Outbound, Inbound: st.Inbound, OldestQueued: outboxTSOrEmpty(st.OldestQueued), SizeBytes: st.SizeBytes})
	}
	for _, part := range []struct {
		name   string
		states []outbox.State
		counts map[outbox.State]int
	}{{"Outbound", outbox.OutboundStates(), st.Outbound}, {"Inbound", outbox.InboundStates(), st.Inbound}} {
		total := 0
		for _, s := range part.states {
			total += part.counts[s]
		}
		fmt.Fprintf(w, "%-16s%10d\n", part.name, total)
		for _, s := range part.states {
			fmt.Fprintf(w, "  %-14s%10d\n", s, part.counts[s])
		}
	}
	if !st.OldestQueued.IsZero() {
		fmt.Fprintf(w, "Oldest queued: %s\n", outboxTS(st.OldestQueued))
	}
	fmt.Fprintf(w, "Store size: %d bytes\n", st.SizeBytes)
	return nil
}

// --- replay and cancel ----------------------------------------------------

type outboxActionOptions struct {
	reason, state, partner string
}

func newOutboxReplayCmd(g *outboxOptions) *cobra.Command {
	o := &outboxActionOptions{}
	cmd := &cobra.Command{
		Use:   "replay (ID... | --state failed|rejected [--partner K]) --reason TEXT",
		Short: "Queue failed or rejected records for delivery again",
		Long: `Replay moves failed or rejected records back to queued, due at once, with a
fresh attempt budget. Each replay is one audited transition with the actor
"operator:$USER" and --reason. Give record IDs, or --state (failed or
rejected) with an optional --partner to replay all of them.

Records keep their place in their ordering key: a replayed record is
delivered before later records of the same recipient and key that are still
waiting.

Exit codes: 0 all replayed, 1 some could not be (not found, or in a state
that cannot be replayed; each is named on standard error), 2 usage error.`,
		Example: `  xgate outbox replay --reason "certificate renewed (INC-4711)" 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11
  xgate outbox replay --state failed --partner dbs:azr-bva --reason "AZR outage over (INC-4712)"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxAction(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, outbox.StateQueued, args)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the audit chain (required)")
	cmd.Flags().StringVar(&o.state, "state", "", "replay every record in this state: failed or rejected")
	cmd.Flags().StringVar(&o.partner, "partner", "", "with --state: only records of this partner")
	return cmd
}

func newOutboxCancelCmd(g *outboxOptions) *cobra.Command {
	o := &outboxActionOptions{}
	cmd := &cobra.Command{
		Use:   "cancel ID... --reason TEXT",
		Short: "Cancel queued, failed or rejected records",
		Long: `Cancel ends records for good: queued ones are not delivered, failed and
rejected ones are not replayed. Each cancel is one audited transition with
the actor "operator:$USER" and --reason. A record being sent cannot be
cancelled; wait for its attempt to end.

Exit codes: 0 all cancelled, 1 some could not be (each is named on standard
error), 2 usage error.`,
		Example: `  xgate outbox cancel --reason "sent to the wrong authority (INC-4713)" 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxAction(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, outbox.StateCancelled, args)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the audit chain (required)")
	return cmd
}

func runOutboxAction(ctx context.Context, stdout, stderr io.Writer, g *outboxOptions, o *outboxActionOptions, to outbox.State, ids []string) error {
	verb := map[outbox.State]string{outbox.StateQueued: "replay", outbox.StateCancelled: "cancel"}[to]
	done := map[outbox.State]string{outbox.StateQueued: "replayed", outbox.StateCancelled: "cancelled"}[to]
	switch {
	case strings.TrimSpace(o.reason) == "":
		return usageError("--reason is required: it goes into the audit chain")
	case o.state == "" && len(ids) == 0:
		return usageError("give record IDs or --state")
	case o.state != "" && len(ids) > 0:
		return usageError("give record IDs or --state, not both")
	case o.state != "" && o.state != string(outbox.StateFailed) && o.state != string(outbox.StateRejected):
		return usageError("--state must be failed or rejected, not %q", o.state)
	case o.partner != "" && o.state == "":
		return usageError("--partner needs --state")
	}
	actor, err := operatorActor()
	if err != nil {
		return err
	}
	s, err := g.open(false)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = outboxCtx(ctx)
	if o.state != "" {
		// Collect first: replaying changes the index being walked.
		f := outbox.Filter{Direction: outbox.DirOut, State: outbox.State(o.state), Partner: o.partner, Limit: 1000}
		for {
			rs, err := s.List(ctx, f)
			if err != nil {
				return err
			}
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if len(rs) < f.Limit {
				break
			}
			f.AfterSeq = rs[len(rs)-1].Seq
		}
	}
	failed := 0
	for _, id := range ids {
		err := s.Apply(ctx, id, outbox.Action{To: to, At: time.Now(), Actor: actor, Reason: o.reason})
		var te *outbox.TransitionError
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "%s %s\n", done, id)
		case errors.As(err, &te):
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: it is %s, which cannot be %s\n", verb, id, te.From, done)
		case errors.Is(err, outbox.ErrNotFound):
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: no such record\n", verb, id)
		default:
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: %v\n", verb, id, err)
		}
	}
	fmt.Fprintf(stderr, "%d %s, %d refused\n", len(ids)-failed, done, failed)
	if failed > 0 {
		return silentExit(exitError)
	}
	return nil
}

// operator names the person acting, for the audit chain.
func operatorActor() (string, error) {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		return "", withExit(exitError, errors.New("cannot tell who you are: set USER"))
	}
	return "operator:" + name, nil
}

// --- shared ---------------------------------------------------------------

// recordJSON is the JSON shape of a record, without content.
type recordJSON struct {
	Seq            uint64         `json:"seq"`
	ID             string         `json:"id"`
	Direction      string         `json:"direction"`
	State          string         `json:"state"`
	Partner        string         `json:"partner"`
	Type           string         `json:"type,omitempty"`
	OrderingKey    string         `json:"ordering_key,omitempty"`
	Attempts       int            `json:"attempts"`
	Created        string         `json:"created"`
	Updated        string         `json:"updated"`
	NextAttempt    string         `json:"next_attempt,omitempty"`
	Lease          *leaseJSON     `json:"lease,omitempty"`
	LastError      *lastErrorJSON `json:"last_error,omitempty"`
	AusloeserUUID  string         `json:"ausloeser_uuid,omitempty"`
	AnswerDeadline string         `json:"answer_deadline,omitempty"`
}

type leaseJSON struct {
	Owner string `json:"owner"`
	Until string `json:"until"`
}

type lastErrorJSON struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

func toRecordJSON(r outbox.Record) recordJSON {
	j := recordJSON{Seq: r.Seq, ID: r.ID, Direction: string(r.Direction), State: string(r.State), Partner: r.Partner,
		Type: r.Type, OrderingKey: r.OrderingKey, Attempts: r.Attempts, Created: outboxTS(r.Created), Updated: outboxTS(r.Updated),
		AusloeserUUID: r.AusloeserUUID, AnswerDeadline: outboxTSOrEmpty(r.AnswerDeadline)}
	if r.State == outbox.StateQueued {
		j.NextAttempt = outboxTS(r.NextAttempt)
	}
	if r.Lease != nil {
		j.Lease = &leaseJSON{Owner: r.Lease.Owner, Until: outboxTS(r.Lease.Until)}
	}
	if r.LastError != nil {
		j.LastError = &lastErrorJSON{Code: r.LastError.Code, Text: r.LastError.Text, Reason: outboxErrorReason(r.LastError.Code)}
	}
	return j
}

func toEntryJSON(e audit.Entry) entryJSON {
	return entryJSON{Seq: e.Seq, Time: outboxTS(e.Time), From: e.From, To: e.To, Actor: e.Actor, Attempt: e.Attempt, Code: e.Code, Reason: e.Reason}
}

func outboxStateNames() []string {
	var out []string
	for _, s := range slices.Concat(outbox.OutboundStates(), outbox.InboundStates()) {
		out = append(out, string(s))
	}
	return out
}

func checkOutboxFormat(f string) error {
	if f != "text" && f != "json" {
		return usageError("--format must be text or json, not %q", f)
	}
	return nil
}

func outboxTS(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func outboxTSOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return outboxTS(t)
}

func outboxDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func outboxCtx(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
