package outboxtest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

func (s *suite) testEnqueueGet(t *testing.T, st outbox.Store) {
	m := outbox.Message{
		ID: "8c1f6f2e-0001", Partner: "dbs:azr-bva", Type: "060001", OrderingKey: "AZR-123456789012",
		Sealed: []byte("<sealed/>"), AusloeserUUID: "7d00-aaaa", AnswerDeadline: at(86400), At: at(0), Actor: "intake",
	}
	enqueue(t, st, m)
	r := get(t, st, m.ID)
	switch {
	case r.ID != m.ID || r.Direction != outbox.DirOut || r.Partner != m.Partner || r.Type != m.Type:
		t.Fatalf("identity fields: %+v", r)
	case r.OrderingKey != m.OrderingKey:
		t.Fatalf("OrderingKey = %q", r.OrderingKey)
	case r.Seq == 0:
		t.Fatal("Seq is zero")
	case r.State != outbox.StateQueued || r.Attempts != 0 || r.Lease != nil || r.LastError != nil:
		t.Fatalf("initial state: %+v", r)
	case !r.NextAttempt.Equal(m.At) || !r.Created.Equal(m.At) || !r.Updated.Equal(m.At) || !r.Queued.Equal(m.At):
		t.Fatalf("times: next %v created %v updated %v queued %v, want %v", r.NextAttempt, r.Created, r.Updated, r.Queued, m.At)
	case !bytes.Equal(r.Sealed, m.Sealed):
		t.Fatalf("Sealed = %q", r.Sealed)
	case r.AusloeserUUID != m.AusloeserUUID || !r.AnswerDeadline.Equal(m.AnswerDeadline):
		t.Fatalf("ausloeser/deadline: %q %v", r.AusloeserUUID, r.AnswerDeadline)
	case r.Evidence != nil || r.Opened != nil || r.Receipt != nil:
		t.Fatalf("unexpected bodies: %+v", r)
	}
	// An empty ordering key means the ID: no ordering applies.
	m2 := msg("8c1f6f2e-0002", "dbs:azr-bva", at(1))
	enqueue(t, st, m2)
	if r2 := get(t, st, m2.ID); r2.OrderingKey != m2.ID || r2.Seq <= r.Seq || !r2.AnswerDeadline.IsZero() {
		t.Fatalf("second record: key %q seq %d (first %d) deadline %v", r2.OrderingKey, r2.Seq, r.Seq, r2.AnswerDeadline)
	}
	s.wantHistory(t, st, m.ID, ">queued")
}

func (s *suite) testEnqueueDuplicate(t *testing.T, st outbox.Store) {
	m := msg("dup-1", "p", at(0))
	enqueue(t, st, m)
	m2 := m
	m2.Partner, m2.Sealed = "other", []byte("other bytes")
	wantErrIs(t, "second Enqueue", st.Enqueue(context.Background(), m2), outbox.ErrDuplicate)
	if r := get(t, st, m.ID); r.Partner != "p" || string(r.Sealed) != "sealed:dup-1" {
		t.Fatalf("duplicate changed the record: %+v", r)
	}
	s.wantHistory(t, st, m.ID, ">queued")
}

func (s *suite) testGetNotFound(t *testing.T, st outbox.Store) {
	_, err := st.Get(context.Background(), "nope")
	wantErrIs(t, "Get", err, outbox.ErrNotFound)
	err = st.Apply(context.Background(), "nope", outbox.Action{To: outbox.StateCancelled, At: at(0), Actor: "operator:x", Reason: "r"})
	wantErrIs(t, "Apply", err, outbox.ErrNotFound)
	err = st.Settle(context.Background(), "nope", outbox.Lease{Owner: "w", Token: 1}, outbox.Delivered{At: at(0)})
	wantErrIs(t, "Settle", err, outbox.ErrNotFound)
}

func (s *suite) testBytesAreCopies(t *testing.T, st outbox.Store) {
	m := msg("copy-1", "p", at(0))
	sealed := []byte("original")
	m.Sealed = sealed
	enqueue(t, st, m)
	sealed[0] = 'X'
	r := get(t, st, m.ID)
	if string(r.Sealed) != "original" {
		t.Fatalf("store kept the caller's slice: %q", r.Sealed)
	}
	r.Sealed[0] = 'Y'
	if r2 := get(t, st, m.ID); string(r2.Sealed) != "original" {
		t.Fatalf("store handed out its own slice: %q", r2.Sealed)
	}
	cl := claim(t, st, outbox.ClaimParams{Now: at(0)})
	wantIDs(t, "claim", cl, m.ID)
	if string(cl[0].Sealed) != "original" {
		t.Fatalf("claimed Sealed = %q", cl[0].Sealed)
	}
}

func (s *suite) testInvalidArguments(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	for _, m := range []outbox.Message{
		{Partner: "p", Sealed: []byte("x"), At: at(0)},    // no ID
		{ID: "a", Sealed: []byte("x"), At: at(0)},         // no partner
		{ID: "a\x00b", Partner: "p", Sealed: []byte("x")}, // NUL in ID
		{ID: "a", Partner: "p\x00q", Sealed: []byte("x")}, // NUL in partner
	} {
		if err := st.Enqueue(ctx, m); err == nil {
			t.Errorf("Enqueue(%q, %q) accepted", m.ID, m.Partner)
		}
	}
	if _, err := st.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1, Now: at(0)}); err == nil {
		t.Error("Claim with LeaseFor 0 accepted")
	}
	if _, err := st.Claim(ctx, outbox.ClaimParams{Max: 1, LeaseFor: time.Minute, Now: at(0)}); err == nil {
		t.Error("Claim without Owner accepted")
	}
	enqueue(t, st, msg("inv-1", "p", at(0)))
	cl := claim(t, st, outbox.ClaimParams{Now: at(0)})
	settle(t, st, cl[0], outbox.Failed{At: at(1), Err: outbox.ErrorInfo{Code: "transport", Text: "gave up"}})
	err := st.Apply(ctx, "inv-1", outbox.Action{To: outbox.StateQueued, At: at(2), Actor: "operator:x"})
	if err == nil {
		t.Error("replay without a reason accepted")
	}
	var te *outbox.TransitionError
	if errors.As(err, &te) {
		t.Errorf("replay without a reason: %v is a TransitionError", err)
	}
	wantState(t, st, "inv-1", outbox.StateFailed)
}

func (s *suite) testClaimOnlyDue(t *testing.T, st outbox.Store) {
	enqueue(t, st, msg("due-now", "p", at(0)), msg("due-later", "p", at(60)))
	cl := claim(t, st, outbox.ClaimParams{Owner: "w1", LeaseFor: 30 * time.Second, Now: at(10)})
	wantIDs(t, "claim at +10s", cl, "due-now")
	r := cl[0]
	switch {
	case r.State != outbox.StateSending || r.Attempts != 1:
		t.Fatalf("claimed record: state %s attempts %d", r.State, r.Attempts)
	case r.Lease == nil || r.Lease.Owner != "w1" || !r.Lease.Until.Equal(at(40)):
		t.Fatalf("lease %+v, want owner w1 until %v", r.Lease, at(40))
	case string(r.Sealed) != "sealed:due-now":
		t.Fatalf("claimed record without its sealed bytes: %q", r.Sealed)
	}
	if g := wantState(t, st, "due-now", outbox.StateSending); g.Lease == nil || g.Lease.Token != r.Lease.Token {
		t.Fatalf("stored lease %+v, claimed %+v", g.Lease, r.Lease)
	}
	wantIDs(t, "claim again at +39s", claim(t, st, outbox.ClaimParams{Now: at(39)}))
	// At +60s the lease of due-now (until +40s) has expired: both are due,
	// earliest due first.
	wantIDs(t, "claim at +60s", claim(t, st, outbox.ClaimParams{Now: at(60)}), "due-now", "due-later")
	s.wantHistory(t, st, "due-now", ">queued", "queued>sending", "sending>queued", "queued>sending")
}

func (s *suite) testClaimMaxAndOrder(t *testing.T, st outbox.Store) {
	// Enqueued out of due order: claims come earliest due first.
	enqueue(t, st, msg("c", "p", at(3)), msg("a", "q", at(1)), msg("b", "p", at(2)), msg("d", "r", at(4)))
	wantIDs(t, "first two", claim(t, st, outbox.ClaimParams{Max: 2, Now: at(10)}), "a", "b")
	wantIDs(t, "max zero means one", claim(t, st, outbox.ClaimParams{Owner: "w", LeaseFor: time.Minute, Max: -1, Now: at(10)}), "c")
	wantIDs(t, "the rest", claim(t, st, outbox.ClaimParams{Max: 10, Now: at(10)}), "d")
}

func (s *suite) testLeaseExpiry(t *testing.T, st outbox.Store) {
	enqueue(t, st, msg("lease-1", "p", at(0)))
	first := claim(t, st, outbox.ClaimParams{Owner: "w1", LeaseFor: time.Minute, Now: at(0)})
	wantIDs(t, "first claim", first, "lease-1")
	wantIDs(t, "claim before expiry", claim(t, st, outbox.ClaimParams{Owner: "w2", Now: at(59)}))
	second := claim(t, st, outbox.ClaimParams{Owner: "w2", LeaseFor: time.Minute, Now: at(61)})
	wantIDs(t, "claim after expiry", second, "lease-1")
	if second[0].Attempts != 2 || second[0].Lease.Owner != "w2" || second[0].Lease.Token == first[0].Lease.Token {
		t.Fatalf("second claim: attempts %d lease %+v (first %+v)", second[0].Attempts, second[0].Lease, first[0].Lease)
	}
	err := st.Settle(context.Background(), "lease-1", *first[0].Lease, outbox.Delivered{At: at(62)})
	wantErrIs(t, "Settle with the expired lease", err, outbox.ErrLeaseLost)
	settle(t, st, second[0], outbox.Delivered{Evidence: []byte("receipt"), At: at(63)})
	wantState(t, st, "lease-1", outbox.StateDelivered)
	s.wantHistory(t, st, "lease-1", ">queued", "queued>sending", "sending>queued", "queued>sending", "sending>delivered")
}

func (s *suite) testSettleOutcomes(t *testing.T, st outbox.Store) {
	errInfo := outbox.ErrorInfo{Code: "T011", Text: "signature does not verify"}
	cases := []struct {
		name    string
		outcome outbox.Outcome
		state   outbox.State
		ev      string
		err     *outbox.ErrorInfo
		next    time.Time
	}{
		{"delivered", outbox.Delivered{Evidence: []byte("receipt"), At: at(5)}, outbox.StateDelivered, "receipt", nil, at(0)},
		{"retry", outbox.Retry{At: at(300), Now: at(5), Err: outbox.ErrorInfo{Code: "http-503", Text: "unavailable"}}, outbox.StateQueued, "",
			&outbox.ErrorInfo{Code: "http-503", Text: "unavailable"}, at(300)},
		{"rejected", outbox.Rejected{Evidence: []byte("rueckweisung"), At: at(5), Err: errInfo}, outbox.StateRejected, "rueckweisung", &errInfo, at(0)},
		{"failed", outbox.Failed{At: at(5), Err: outbox.ErrorInfo{Code: "transport", Text: "3 days"}}, outbox.StateFailed, "",
			&outbox.ErrorInfo{Code: "transport", Text: "3 days"}, at(0)},
		{"pointer outcome", &outbox.Delivered{Evidence: []byte("r2"), At: at(5)}, outbox.StateDelivered, "r2", nil, at(0)},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rid := id("settle", i)
			enqueue(t, st, msg(rid, "p"+rid, at(0)))
			cl := claim(t, st, outbox.ClaimParams{Partners: []string{"p" + rid}, Now: at(0)})
			wantIDs(t, "claim", cl, rid)
			settle(t, st, cl[0], tc.outcome)
			r := wantState(t, st, rid, tc.state)
			if string(r.Evidence) != tc.ev {
				t.Errorf("Evidence = %q, want %q", r.Evidence, tc.ev)
			}
			if (r.LastError == nil) != (tc.err == nil) || r.LastError != nil && *r.LastError != *tc.err {
				t.Errorf("LastError = %+v, want %+v", r.LastError, tc.err)
			}
			if r.Lease != nil || r.Attempts != 1 || !r.Updated.Equal(at(5)) || !r.NextAttempt.Equal(tc.next) {
				t.Errorf("after settle: lease %+v attempts %d updated %v next %v", r.Lease, r.Attempts, r.Updated, r.NextAttempt)
			}
			err := st.Settle(context.Background(), rid, *cl[0].Lease, tc.outcome)
			wantErrIs(t, "second Settle", err, outbox.ErrLeaseLost)
			s.wantHistory(t, st, rid, ">queued", "queued>sending", "sending>"+string(tc.state))
		})
	}
}

func (s *suite) testSettleStaleLease(t *testing.T, st outbox.Store) {
	enqueue(t, st, msg("stale-1", "p", at(0)))
	cl := claim(t, st, outbox.ClaimParams{Owner: "w1", Now: at(0)})
	wrong := *cl[0].Lease
	wrong.Token++
	wantErrIs(t, "wrong token", st.Settle(context.Background(), "stale-1", wrong, outbox.Delivered{At: at(1)}), outbox.ErrLeaseLost)
	wrong = *cl[0].Lease
	wrong.Owner = "w2"
	wantErrIs(t, "wrong owner", st.Settle(context.Background(), "stale-1", wrong, outbox.Delivered{At: at(1)}), outbox.ErrLeaseLost)
	wantState(t, st, "stale-1", outbox.StateSending)
	// Never claimed: any lease is stale.
	enqueue(t, st, msg("stale-2", "q", at(100)))
	wantErrIs(t, "queued record", st.Settle(context.Background(), "stale-2", outbox.Lease{Owner: "w1", Token: cl[0].Lease.Token},
		outbox.Delivered{At: at(1)}), outbox.ErrLeaseLost)
	settle(t, st, cl[0], outbox.Retry{At: at(10), Now: at(1)})
	wantState(t, st, "stale-1", outbox.StateQueued)
}
