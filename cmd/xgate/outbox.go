package main

import (
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

func newOutboxCmd(g *storeFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "Inspect, check and compact the durable outbox; replay or cancel records",
		Long: `The outbox verbs work on one gateway's outbox: the store file (--store,
$XGATE_STORE, default ./xgate.db) or the running daemon's admin API
(--server, $XGATE_SERVER: unix:///path/admin.sock, or
http://127.0.0.1:PORT with the token in $XGATE_ADMIN_TOKEN). list, show,
stats and check only read (the file is opened read-only); replay and
cancel record every change in the audit chain with the actor
"operator:$USER" and the --reason given; compact rewrites the file.

bbolt allows one writer and no readers beside it: while the daemon runs,
these verbs cannot open its store file. They then go through the admin
socket beside the store file (admin.sock, the daemon's default) if the
daemon there says it serves that file; else, after --lock-timeout, they
give up with exit 4 and say so. Use --server then. Output and exit codes
are the same either way; a daemon that does not answer is exit 4.

A site of several instances on PostgreSQL has no file: --store
postgres:DSN (or postgres: with $XGATE_STORE_DSN) works on the shared
database itself, whether instances run or not, and --server on any
instance's admin socket; both answer as for a bbolt file. compact is for
bbolt files only.`,
	}
	g.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(newOutboxListCmd(g), newOutboxShowCmd(g), newOutboxStatsCmd(g),
		newOutboxReplayCmd(g), newOutboxCancelCmd(g), newOutboxCheckCmd(g), newOutboxCompactCmd(g))
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
