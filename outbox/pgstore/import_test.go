package pgstore_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/pgstore"
)

func seqOf[T any](vs []T, failAt int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i, v := range vs {
			if i == failAt {
				var zero T
				yield(zero, errors.New("source broke"))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// TestImport: a source copied in; a sending record comes back queued with
// an audit entry after the copied chain; a failing source leaves the
// database empty; a non-empty database is refused.
func TestImport(t *testing.T) {
	ctx := context.Background()
	var chain []audit.Entry
	var prev *audit.Entry
	for _, e := range []audit.Entry{
		{Time: at(0).Add(123), RecordID: "a", Direction: "out", Partner: "P", To: "queued", Actor: "intake"},
		{Time: at(1), RecordID: "a", Direction: "out", Partner: "P", From: "queued", To: "sending", Actor: "w", Attempt: 1},
		{Time: at(2), RecordID: "b", Direction: "in", Partner: "S", To: "received", Actor: "intake"},
	} {
		e = audit.Link(prev, e)
		chain = append(chain, e)
		prev = &chain[len(chain)-1]
	}
	records := []outbox.Record{
		{ID: "a", Direction: outbox.DirOut, Partner: "P", OrderingKey: "K", Seq: 7, State: outbox.StateSending, Attempts: 1,
			NextAttempt: at(0), Created: at(0), Queued: at(0), Updated: at(1), Sealed: []byte("s"),
			Lease: &outbox.Lease{Owner: "w", Token: 3, Until: at(61)}},
		{ID: "b", Direction: outbox.DirIn, Partner: "S", Seq: 9, State: outbox.StateReceived, NextAttempt: at(2), Created: at(2),
			Queued: at(2), Updated: at(2), Opened: []byte("o"), Receipt: []byte("r")},
	}
	dedup := []pgstore.DedupEntry{{ID: "b", Received: at(2)}}
	src := func(failAt int) pgstore.ImportSource {
		return pgstore.ImportSource{Records: seqOf(records, -1), Dedup: seqOf(dedup, -1), Audit: seqOf(chain, failAt)}
	}
	s, _ := openFresh(t, pgstore.Config{Clock: clock.Fixed(at(100))})
	if _, err := s.Import(ctx, src(2)); err == nil {
		t.Fatal("Import of a failing source succeeded")
	}
	if st, _ := s.Stats(ctx); st.Outbound[outbox.StateQueued]+st.Outbound[outbox.StateSending]+st.Inbound[outbox.StateReceived] != 0 {
		t.Fatalf("a failed import left records: %+v", st)
	}
	st, err := s.Import(ctx, src(-1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 2 || st.Dedup != 1 || st.Audit != 3 || st.Requeued != 1 || st.HeadSeq != 3 || st.HeadHash != chain[2].Hash {
		t.Fatalf("stats %+v", st)
	}
	a, err := s.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if a.State != outbox.StateQueued || a.Lease != nil || a.Seq != 7 || !a.NextAttempt.Equal(at(100)) || a.Attempts != 1 || a.OrderingKey != "K" {
		t.Fatalf("requeued record %+v", a)
	}
	if h := history(t, s, "a"); len(h) != 3 || h[2] != "sending>queued" {
		t.Fatalf("history %v", h)
	}
	if _, err := s.Receive(ctx, outbox.InboundMessage{ID: "b", Sender: "S", Receipt: []byte("x")}); !errors.Is(err, outbox.ErrDuplicate) {
		t.Fatalf("Receive of an imported ID: %v", err)
	}
	if err := s.Enqueue(ctx, msg("c", "P", at(101))); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Get(ctx, "c"); c.Seq <= 9 {
		t.Fatalf("new record got Seq %d, imported ones reach 9", c.Seq)
	}
	mustCheck(t, s)
	es, err := s.History(ctx, "a")
	if err != nil || es[0].Hash != chain[0].Hash || !es[0].Time.Equal(at(0).Add(123)) {
		t.Fatalf("copied entry %+v, %v; want the source's", es[0], err)
	}
	if _, err := s.Import(ctx, src(-1)); !errors.Is(err, pgstore.ErrNotEmpty) {
		t.Fatalf("second Import: %v, want ErrNotEmpty", err)
	}
}
