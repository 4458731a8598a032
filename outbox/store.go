package outbox

import (
	"context"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox/audit"
)

// Direction tells outbound from inbound records.
type Direction string

// Directions.
const (
	DirOut Direction = "out"
	DirIn  Direction = "in"
)

// Message is what Enqueue accepts: a sealed outbound message.
type Message struct {
	// ID is the nachrichtenUUID; it identifies the record.
	ID string
	// Partner is the recipient's kennung ("dbs:azr-bva").
	Partner string
	// Type is the six-digit message type code.
	Type string
	// OrderingKey groups messages that must reach Partner in acceptance
	// order: the person's AZR number, else the nachrichtenUUID (so that no
	// ordering applies). Empty means ID.
	OrderingKey string
	// Sealed is the signed and encrypted message; the store copies it.
	Sealed []byte
	// AusloeserUUID is the message this one answers, if any.
	AusloeserUUID string
	// AnswerDeadline is when a business answer is due; zero if none is
	// expected.
	AnswerDeadline time.Time
	// At is the acceptance time; it becomes Created, Updated and the first
	// NextAttempt.
	At time.Time
	// Actor names who accepted it, for the audit entry ("intake").
	Actor string
}

// ErrorInfo is the last error of a record: an XÖV code when one applies
// (T020, X001, …) or a transport code ("transport", "http-503"), and text.
type ErrorInfo struct {
	Code string
	Text string
}

// Lease is a claim on a record for one delivery attempt.
type Lease struct {
	Owner string
	Token uint64 // changes with every claim; Settle compares it
	Until time.Time
}

// Record is an outbound or inbound record. Byte slices are copies owned by
// the caller.
type Record struct {
	ID          string
	Direction   Direction
	Partner     string // recipient (outbound) or sender (inbound) kennung
	Type        string
	OrderingKey string
	Seq         uint64 // acceptance order within the store
	State       State
	Attempts    int
	NextAttempt time.Time
	LastError   *ErrorInfo
	Created     time.Time
	// Queued is when the record last entered the queue for a fresh round
	// of attempts: acceptance, or the latest operator replay. A retry
	// policy's maximum age counts from it.
	Queued         time.Time
	Updated        time.Time
	Sealed         []byte // outbound: the sealed bytes
	Evidence       []byte // outbound: the transport receipt or rejection received
	Opened         []byte // inbound: the opened (decrypted, verified) message
	Receipt        []byte // inbound: the transport receipt we sent
	AusloeserUUID  string
	AnswerDeadline time.Time
	Lease          *Lease // set while State is sending
}

// ClaimParams selects records for delivery.
type ClaimParams struct {
	// Owner names the claiming worker.
	Owner string
	// Max is the most records returned. Zero means 1.
	Max int
	// LeaseFor is how long the claim lasts before another worker may take
	// the record again.
	LeaseFor time.Duration
	// Now is the current time: records with NextAttempt ≤ Now are due.
	Now time.Time
	// Partners, if not empty, restricts the claim to these recipients.
	Partners []string
	// SkipPartners excludes recipients (an open circuit breaker).
	SkipPartners []string
}

// Outcome is the result of a delivery attempt, passed to Settle.
type Outcome interface{ outcome() }

// Delivered: the partner sent a signed transport receipt (Evidence).
type Delivered struct {
	Evidence []byte
	At       time.Time
}

// Retry: a transient error; try again at At.
type Retry struct {
	At  time.Time
	Now time.Time
	Err ErrorInfo
}

// Rejected: a permanent refusal (a signed Rückweisung, HTTP 4xx).
type Rejected struct {
	Evidence []byte
	At       time.Time
	Err      ErrorInfo
}

// Failed: attempts or age exhausted.
type Failed struct {
	At  time.Time
	Err ErrorInfo
}

func (Delivered) outcome() {}
func (Retry) outcome()     {}
func (Rejected) outcome()  {}
func (Failed) outcome()    {}

// Action is an operator's or the gateway's change to a record outside
// delivery: replay, cancel, answered, handed over, acknowledged.
type Action struct {
	// To is the target state.
	To State
	// At is the time of the change.
	At time.Time
	// Actor names who did it ("operator:jdoe", "gateway").
	Actor string
	// Reason is mandatory for operator actions; it goes into the audit.
	Reason string
}

// Filter selects records for List. Zero fields do not filter.
type Filter struct {
	Direction     Direction
	State         State
	Partner       string
	Type          string
	CreatedBefore time.Time // "older than"
	// AnswerDueBefore selects records waiting for a business answer that
	// is overdue: a non-zero AnswerDeadline before this time. Combine it
	// with State delivered for the records still unanswered (an answered
	// record keeps its deadline).
	AnswerDueBefore time.Time
	// AfterSeq pages: only records with Seq > AfterSeq.
	AfterSeq uint64
	// Limit caps the result; zero means 1000.
	Limit int
	// WithBodies makes List fill Sealed, Evidence, Opened and Receipt.
	// Without it those fields are nil: an operator listing a thousand
	// records should not copy a thousand messages.
	WithBodies bool
}

// Stats counts records by direction and state.
type Stats struct {
	Outbound map[State]int
	Inbound  map[State]int
	// OldestQueued is the creation time of the oldest queued record.
	OldestQueued time.Time
	// SizeBytes is the size of the store on disk, where known.
	SizeBytes int64
}

// Store is the durable outbox. Every method is safe for concurrent use,
// is one transaction, and writes the audit entry of any state change in
// the same transaction. Methods after Close return ErrClosed.
type Store interface {
	// Enqueue stores m durably (fsync'd before it returns) in state queued.
	// It returns ErrDuplicate if a record with m.ID exists, ErrStoreFull at
	// the size limit. Concurrent Enqueues may share one commit.
	Enqueue(ctx context.Context, m Message) error

	// Claim moves due queued records to sending under a new lease and
	// returns them (with Sealed), earliest due first, then by Seq. For each
	// (Partner, OrderingKey) only the earliest record that is not
	// delivered, answered, rejected, failed or cancelled can be claimed: a
	// later one waits while an earlier one retries. Records whose lease
	// expired count as due again (at Lease.Until); re-claiming one is
	// audited as sending → queued (actor "lease-expiry") and queued →
	// sending. Each claim increments Attempts, so the first claim returns
	// Attempts 1.
	Claim(ctx context.Context, p ClaimParams) ([]Record, error)

	// Settle records the outcome of a delivery attempt. It returns
	// ErrLeaseLost if lease no longer holds the record (another claim, a
	// recovery on open, or a record that is not sending); a lease that
	// expired but was not claimed again still holds. Zero times in the
	// Outcome mean the store's clock; a zero Retry.At means at once.
	Settle(ctx context.Context, id string, lease Lease, o Outcome) error

	// Apply performs an Action if the state machine allows it, else it
	// returns *TransitionError: replay (failed or rejected → queued, due at
	// a.At, Attempts reset to 0), cancel (queued, failed or rejected →
	// cancelled), answered (delivered →), handed-over and acknowledged
	// (inbound). Replay and cancel need a Reason. Transitions that belong
	// to Claim and Settle are TransitionErrors here.
	Apply(ctx context.Context, id string, a Action) error

	// Receive stores an inbound message in state received before its
	// transport receipt goes out. For a nachrichtenUUID processed within
	// the retention period it returns the stored record and ErrDuplicate.
	Receive(ctx context.Context, in InboundMessage) (Record, error)

	// Get returns the record with that ID, or ErrNotFound. An outbound
	// and an inbound record may share an ID (a gateway that sends to
	// itself); Get then returns the outbound one.
	Get(ctx context.Context, id string) (Record, error)

	// List returns records matching f ordered by Seq, without their
	// byte fields unless f.WithBodies is set.
	List(ctx context.Context, f Filter) ([]Record, error)

	// NextDue returns the earliest NextAttempt (or lease expiry) of a
	// record Claim could return; ok is false when there is none. A
	// scheduler sleeps until then instead of polling.
	NextDue(ctx context.Context) (t time.Time, ok bool, err error)

	// Stats counts records by state.
	Stats(ctx context.Context) (Stats, error)

	// Close releases the store.
	Close() error
}

// InboundMessage is what Receive accepts.
type InboundMessage struct {
	ID      string // nachrichtenUUID
	Sender  string // autor kennung
	Type    string
	Opened  []byte // decrypted, verified message
	Receipt []byte // the signed transport receipt to send (and resend)
	At      time.Time
	Actor   string
}

// AuditLog is implemented by stores that keep the audit chain: callers
// detect it with a type assertion.
type AuditLog interface {
	// AuditEntries calls fn for every entry with Seq ≥ from, in order.
	AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error
	// Checkpoints returns the signed checkpoints in order.
	Checkpoints(ctx context.Context) ([]audit.Checkpoint, error)
	// History returns the audit entries of one record (of both records
	// if an outbound and an inbound one share the ID), in order.
	History(ctx context.Context, id string) ([]audit.Entry, error)
}

// Expirer is implemented by stores that keep de-duplication entries for a
// retention period: callers (a daily maintenance job) detect it with a
// type assertion.
type Expirer interface {
	// Expire drops de-duplication entries older than the store's
	// retention, measured back from now, together with their inbound
	// records once those are acknowledged. It returns how many it dropped.
	// Entries whose record is still being processed are kept.
	Expire(ctx context.Context, now time.Time) (int, error)
}

// Checker is implemented by stores that can verify their own
// consistency (indexes against records, states, audit chain links).
type Checker interface {
	// Check reads the whole store and returns an error describing every
	// inconsistency it finds, or nil.
	Check(ctx context.Context) error
}

// Clock gives the time to components that need "now" outside a request:
// xgate's one clock type.
type Clock = clock.Clock
