package outboxtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// Features says what a backend supports; the suite skips what it does not.
type Features struct {
	// AuditLog: the store implements outbox.AuditLog. The suite then checks
	// that every transition has exactly one entry, with the right fields,
	// and that the chain links.
	AuditLog bool
	// Concurrency is the number of goroutines of the concurrency tests.
	// Defaults to 16.
	Concurrency int
	// PerGoroutine is how many records each of them enqueues. Defaults to
	// 50.
	PerGoroutine int
}

// T0 is the suite's base time.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// suite carries what every test needs.
type suite struct {
	open func(t *testing.T) outbox.Store
	f    Features
}

// Run runs every behavioural test against stores made by open, which must
// return a new, empty store (and arrange its Close with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) outbox.Store, f Features) {
	if f.Concurrency <= 0 {
		f.Concurrency = 16
	}
	if f.PerGoroutine <= 0 {
		f.PerGoroutine = 50
	}
	s := &suite{open: open, f: f}
	tests := []struct {
		name string
		fn   func(t *testing.T, st outbox.Store)
	}{
		{"EnqueueGetRoundTrip", s.testEnqueueGet},
		{"EnqueueDuplicate", s.testEnqueueDuplicate},
		{"GetNotFound", s.testGetNotFound},
		{"BytesAreCopies", s.testBytesAreCopies},
		{"InvalidArguments", s.testInvalidArguments},
		{"ClaimOnlyDue", s.testClaimOnlyDue},
		{"ClaimMaxAndOrder", s.testClaimMaxAndOrder},
		{"LeaseExpiry", s.testLeaseExpiry},
		{"SettleOutcomes", s.testSettleOutcomes},
		{"SettleStaleLease", s.testSettleStaleLease},
		{"IllegalTransitions", s.testIllegalTransitions},
		{"ReplayAndCancel", s.testReplayAndCancel},
		{"OrderingKeyFIFO", s.testOrderingFIFO},
		{"OrderingReleasedByFinalStates", s.testOrderingReleased},
		{"PartnerFilters", s.testPartnerFilters},
		{"NextDue", s.testNextDue},
		{"ListFiltersAndPaging", s.testList},
		{"ListAnswerDue", s.testListAnswerDue},
		{"Stats", s.testStats},
		{"ReceiveAndDuplicate", s.testReceive},
		{"InboundActions", s.testInboundActions},
		{"AuditEveryTransition", s.testAudit},
		{"ConcurrentEnqueueClaim", s.testConcurrentEnqueueClaim},
		{"ConcurrentDuplicates", s.testConcurrentDuplicates},
		{"ConcurrentClaimSameRecords", s.testConcurrentClaimers},
		{"Closed", s.testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			tc.fn(t, st)
			if c, ok := st.(outbox.Checker); ok {
				if err := c.Check(context.Background()); err != nil && !errors.Is(err, outbox.ErrClosed) {
					t.Errorf("Check after the test: %v", err)
				}
			}
		})
	}
}

// msg is an outbound message with an ordering key of its own.
func msg(id, partner string, at time.Time) outbox.Message {
	return outbox.Message{ID: id, Partner: partner, Type: "060001", Sealed: []byte("sealed:" + id), At: at, Actor: "intake"}
}

func keyed(id, partner, key string, at time.Time) outbox.Message {
	m := msg(id, partner, at)
	m.OrderingKey = key
	return m
}

func enqueue(t *testing.T, st outbox.Store, ms ...outbox.Message) {
	t.Helper()
	for _, m := range ms {
		if err := st.Enqueue(context.Background(), m); err != nil {
			t.Fatalf("Enqueue(%s): %v", m.ID, err)
		}
	}
}

func get(t *testing.T, st outbox.Store, id string) outbox.Record {
	t.Helper()
	r, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return r
}

func claim(t *testing.T, st outbox.Store, p outbox.ClaimParams) []outbox.Record {
	t.Helper()
	if p.Owner == "" {
		p.Owner = "worker-1"
	}
	if p.LeaseFor == 0 {
		p.LeaseFor = time.Minute
	}
	if p.Max == 0 {
		p.Max = 100
	}
	rs, err := st.Claim(context.Background(), p)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return rs
}

func ids(rs []outbox.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func wantIDs(t *testing.T, what string, rs []outbox.Record, want ...string) {
	t.Helper()
	if got := ids(rs); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func wantSameIDs(t *testing.T, what string, rs []outbox.Record, want ...string) {
	t.Helper()
	got := ids(rs)
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) && !(len(got) == 0 && len(w) == 0) {
		t.Fatalf("%s = %v, want %v (any order)", what, got, w)
	}
}

func settle(t *testing.T, st outbox.Store, r outbox.Record, o outbox.Outcome) {
	t.Helper()
	if r.Lease == nil {
		t.Fatalf("record %s has no lease", r.ID)
	}
	if err := st.Settle(context.Background(), r.ID, *r.Lease, o); err != nil {
		t.Fatalf("Settle(%s, %T): %v", r.ID, o, err)
	}
}

func wantState(t *testing.T, st outbox.Store, id string, want outbox.State) outbox.Record {
	t.Helper()
	r := get(t, st, id)
	if r.State != want {
		t.Fatalf("%s is %s, want %s", id, r.State, want)
	}
	return r
}

func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// history returns "from>to" of every audit entry of id, or nil when the
// store keeps no audit log.
func (s *suite) history(t *testing.T, st outbox.Store, id string) []string {
	t.Helper()
	al, ok := st.(outbox.AuditLog)
	if !s.f.AuditLog {
		return nil
	}
	if !ok {
		t.Fatal("Features.AuditLog is set but the store does not implement outbox.AuditLog")
	}
	es, err := al.History(context.Background(), id)
	if err != nil {
		t.Fatalf("History(%s): %v", id, err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.From + ">" + e.To
	}
	return out
}

func (s *suite) wantHistory(t *testing.T, st outbox.Store, id string, want ...string) {
	t.Helper()
	if !s.f.AuditLog {
		return
	}
	if got := s.history(t, st, id); !slices.Equal(got, want) {
		t.Fatalf("history of %s = %v, want %v", id, got, want)
	}
}

// chain reads the whole audit log and checks that it links.
func chain(t *testing.T, st outbox.Store) []audit.Entry {
	t.Helper()
	al := st.(outbox.AuditLog)
	var es []audit.Entry
	err := al.AuditEntries(context.Background(), 1, func(e audit.Entry) error {
		es = append(es, e)
		return nil
	})
	if err != nil {
		t.Fatalf("AuditEntries: %v", err)
	}
	for i, e := range es {
		var prev audit.Hash
		if i > 0 {
			prev = es[i-1].Hash
		}
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has Seq %d", i+1, e.Seq)
		}
		if e.Prev != prev {
			t.Fatalf("entry %d: Prev does not link", e.Seq)
		}
		if e.ComputeHash() != e.Hash {
			t.Fatalf("entry %d: Hash does not match", e.Seq)
		}
	}
	return es
}

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func id(prefix string, i int) string { return fmt.Sprintf("%s-%04d", prefix, i) }
