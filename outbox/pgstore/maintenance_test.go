package pgstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/pgstore"
)

// TestExpire: entries older than the retention go together with their
// acknowledged records; entries of records still in processing stay; the
// audit entries stay; a message received again after expiry is new.
func TestExpire(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{DedupRetention: 24 * time.Hour})
	recv := func(id string, when time.Time) {
		t.Helper()
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "ags:08999001", Type: "060010",
			Opened: []byte("o"), Receipt: []byte("r"), At: when}); err != nil {
			t.Fatal(err)
		}
	}
	ack := func(id string) {
		t.Helper()
		for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
			if err := s.Apply(ctx, id, outbox.Action{To: to, At: at(10), Actor: "gateway"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	recv("old-acked", at(0))
	ack("old-acked")
	recv("old-open", at(0)) // never acknowledged
	recv("young-acked", at(20*3600))
	ack("young-acked")
	n, err := s.Expire(ctx, at(0).Add(25*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(ctx, "old-acked"); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("expired record still there: %v", err)
	}
	for _, id := range []string{"old-open", "young-acked"} {
		if _, err := s.Get(ctx, id); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Receipt: []byte("r2"), At: at(100)}); !errors.Is(err, outbox.ErrDuplicate) {
			t.Fatalf("%s: Receive = %v, want ErrDuplicate", id, err)
		}
	}
	if h := history(t, s, "old-acked"); len(h) != 3 {
		t.Fatalf("audit entries of the expired record: %v", h)
	}
	recv("old-acked", at(0).Add(26*time.Hour))
	mustCheck(t, s)
	verify(t, s)
}

// TestExpireChunks: more than one transaction's worth of entries.
func TestExpireChunks(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{DedupRetention: time.Hour})
	const n = 2100
	if _, err := s.Pool().Exec(ctx, `INSERT INTO xgate_dedup (id, received)
		SELECT 'bulk-' || i, $1::timestamptz FROM generate_series(1, $2::int) i`, at(0), n); err != nil {
		t.Fatal(err)
	}
	got, err := s.Expire(ctx, at(7200))
	if err != nil || got != n {
		t.Fatalf("Expire = %d, %v; want %d", got, err, n)
	}
}

// TestReleaseLeases: a restarted instance gives back its own leases at
// once, audited; other owners' leases stay.
func TestReleaseLeases(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{})
	for _, id := range []string{"r1", "r2", "r3"} {
		if err := s.Enqueue(ctx, msg(id, "P-"+id, at(0))); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := s.Claim(ctx, outbox.ClaimParams{Owner: "instance-a", Max: 2, LeaseFor: time.Hour, Now: at(1)})
	if err != nil || len(mine) != 2 {
		t.Fatalf("claim: %v %v", mine, err)
	}
	theirs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "instance-b", Max: 2, LeaseFor: time.Hour, Now: at(1)})
	if err != nil || len(theirs) != 1 {
		t.Fatalf("claim: %v %v", theirs, err)
	}
	n, err := s.ReleaseLeases(ctx, "instance-a", at(5))
	if err != nil || n != 2 {
		t.Fatalf("ReleaseLeases = %d, %v", n, err)
	}
	for _, r := range mine {
		got, _ := s.Get(ctx, r.ID)
		if got.State != outbox.StateQueued || got.Lease != nil || !got.NextAttempt.Equal(at(5)) {
			t.Fatalf("%s after release: %+v", r.ID, got)
		}
		if h := history(t, s, r.ID); !slices.Equal(h, []string{">queued", "queued>sending", "sending>queued"}) {
			t.Fatalf("history %v", h)
		}
		if err := s.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{At: at(6)}); !errors.Is(err, outbox.ErrLeaseLost) {
			t.Fatalf("Settle with a released lease: %v", err)
		}
	}
	if got, _ := s.Get(ctx, theirs[0].ID); got.State != outbox.StateSending {
		t.Fatalf("other owner's record: %s", got.State)
	}
	again, err := s.Claim(ctx, outbox.ClaimParams{Owner: "instance-a", Max: 5, LeaseFor: time.Hour, Now: at(5)})
	if err != nil || len(again) != 2 {
		t.Fatalf("claim after release: %v %v", again, err)
	}
	mustCheck(t, s)
}

// TestNextDueSkipping: a partner with an open breaker does not hide the
// due times of the others.
func TestNextDueSkipping(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{})
	for _, m := range []outbox.Message{msg("a1", "A", at(10)), msg("a2", "A", at(20)), msg("b1", "B", at(50)), msg("c1", "C", at(70))} {
		if err := s.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		skip []string
		want time.Time
		ok   bool
	}{
		{nil, at(10), true},
		{[]string{"A"}, at(50), true},
		{[]string{"A", "B"}, at(70), true},
		{[]string{"A", "B", "C"}, time.Time{}, false},
	} {
		got, ok, err := s.NextDueSkipping(ctx, tc.skip)
		if err != nil || ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("NextDueSkipping(%v) = %v, %v, %v; want %v, %v", tc.skip, got, ok, err, tc.want, tc.ok)
		}
	}
}

// TestSettleOddErrorText: a partner's error text with invalid UTF-8 and
// NUL bytes does not make Settle fail (the record would stay sending
// until its lease expired, again and again); it is stored cleaned.
func TestSettleOddErrorText(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{})
	if err := s.Enqueue(ctx, msg("odd-1", "P", at(0))); err != nil {
		t.Fatal(err)
	}
	cl, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1, LeaseFor: time.Minute, Now: at(1)})
	if err != nil || len(cl) != 1 {
		t.Fatalf("claim: %v %v", cl, err)
	}
	odd := outbox.ErrorInfo{Code: "http-502\x00", Text: "bad gateway: \xff\xfe<html>\x00"}
	if err := s.Settle(ctx, "odd-1", *cl[0].Lease, outbox.Retry{At: at(60), Now: at(2), Err: odd}); err != nil {
		t.Fatalf("Settle: %v", err)
	}
	r, err := s.Get(ctx, "odd-1")
	if err != nil || r.LastError == nil || r.LastError.Code != "http-502" || r.LastError.Text != "bad gateway: \uFFFD<html>" {
		t.Fatalf("LastError %+v, %v", r.LastError, err)
	}
	mustCheck(t, s)
	verify(t, s)
}
