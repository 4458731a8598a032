package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
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
	s, err := boltstore.Open(context.Background(), o.store, boltstore.Config{ReadOnly: readOnly, Timeout: o.timeout})
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
