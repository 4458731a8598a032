package outboxtest

import (
	"context"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

func (s *suite) testOrderingFIFO(t *testing.T, st outbox.Store) {
	enqueue(t, st,
		keyed("a1", "P", "K", at(0)),
		keyed("a2", "P", "K", at(1)),
		keyed("a3", "P", "K", at(2)),
		keyed("b1", "P", "K2", at(3)), // other key, same partner
		keyed("c1", "Q", "K", at(4)),  // same key, other partner
	)
	cl := claim(t, st, outbox.ClaimParams{Now: at(10)})
	wantIDs(t, "first claim", cl, "a1", "b1", "c1")
	byID := map[string]outbox.Record{}
	for _, r := range cl {
		byID[r.ID] = r
	}
	// a1 sending: a2 waits.
	wantIDs(t, "while a1 is sending", claim(t, st, outbox.ClaimParams{Now: at(20)}))
	// a1 retrying: a2 still waits, even though it is due.
	settle(t, st, byID["a1"], outbox.Retry{At: at(100), Now: at(21), Err: outbox.ErrorInfo{Code: "transport", Text: "refused"}})
	wantIDs(t, "while a1 is retrying", claim(t, st, outbox.ClaimParams{Now: at(50)}))
	// Other keys and partners are not blocked by a1.
	settle(t, st, byID["b1"], outbox.Delivered{At: at(22)})
	settle(t, st, byID["c1"], outbox.Delivered{At: at(22)})
	enqueue(t, st, keyed("b2", "P", "K2", at(30)), keyed("c2", "Q", "K", at(31)))
	wantIDs(t, "other keys flow", claim(t, st, outbox.ClaimParams{Now: at(50)}), "b2", "c2")
	// a1 again, then a2, then a3.
	a1 := claim(t, st, outbox.ClaimParams{Now: at(100)})
	wantIDs(t, "a1 due again", a1, "a1")
	settle(t, st, a1[0], outbox.Delivered{At: at(101)})
	a2 := claim(t, st, outbox.ClaimParams{Now: at(102)})
	wantIDs(t, "a2 after a1", a2, "a2")
	wantIDs(t, "a3 waits for a2", claim(t, st, outbox.ClaimParams{Now: at(103)}))
	settle(t, st, a2[0], outbox.Delivered{At: at(104)})
	wantIDs(t, "a3 last", claim(t, st, outbox.ClaimParams{Now: at(105)}), "a3")
}

func (s *suite) testOrderingReleased(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	// Each final outcome of the head releases the next record.
	for i, o := range []outbox.Outcome{
		outbox.Rejected{At: at(5), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}},
		outbox.Failed{At: at(5), Err: outbox.ErrorInfo{Code: "transport", Text: "gave up"}},
		outbox.Delivered{At: at(5)},
	} {
		key := id("key", i)
		enqueue(t, st, keyed(id("head", i), "P", key, at(0)), keyed(id("next", i), "P", key, at(1)))
		cl := claim(t, st, outbox.ClaimParams{Now: at(2)})
		wantIDs(t, "head", cl, id("head", i))
		settle(t, st, cl[0], o)
		cl = claim(t, st, outbox.ClaimParams{Now: at(6)})
		wantIDs(t, "next", cl, id("next", i))
		settle(t, st, cl[0], outbox.Delivered{At: at(7)})
	}
	// Cancelling a queued head releases the next one too.
	enqueue(t, st, keyed("x1", "P", "KX", at(0)), keyed("x2", "P", "KX", at(1)))
	if err := st.Apply(ctx, "x1", outbox.Action{To: outbox.StateCancelled, At: at(2), Actor: "operator:o", Reason: "wrong"}); err != nil {
		t.Fatal(err)
	}
	cl := claim(t, st, outbox.ClaimParams{Now: at(3)})
	wantIDs(t, "after cancel", cl, "x2")
	// A replayed earlier record takes the head again: y2 waits for it.
	enqueue(t, st, keyed("y1", "P", "KY", at(0)))
	cl = claim(t, st, outbox.ClaimParams{Now: at(3), Partners: []string{"P"}})
	wantIDs(t, "y1", cl, "y1")
	settle(t, st, cl[0], outbox.Failed{At: at(4), Err: outbox.ErrorInfo{Code: "transport", Text: "x"}})
	enqueue(t, st, keyed("y2", "P", "KY", at(5)))
	if err := st.Apply(ctx, "y1", outbox.Action{To: outbox.StateQueued, At: at(6), Actor: "operator:o", Reason: "retry"}); err != nil {
		t.Fatal(err)
	}
	cl = claim(t, st, outbox.ClaimParams{Now: at(7), Partners: []string{"P"}})
	wantIDs(t, "replayed head first", cl, "y1")
}

func (s *suite) testPartnerFilters(t *testing.T, st outbox.Store) {
	enqueue(t, st, msg("f-a", "A", at(0)), msg("f-b", "B", at(1)), msg("f-c", "C", at(2)), msg("f-a2", "A", at(3)))
	wantIDs(t, "skip A", claim(t, st, outbox.ClaimParams{Now: at(10), Max: 1, SkipPartners: []string{"A"}}), "f-b")
	wantIDs(t, "only A and C", claim(t, st, outbox.ClaimParams{Now: at(10), Partners: []string{"A", "C"}, SkipPartners: []string{"C"}}), "f-a", "f-a2")
	wantIDs(t, "only unknown", claim(t, st, outbox.ClaimParams{Now: at(10), Partners: []string{"Z"}}))
	wantIDs(t, "the rest", claim(t, st, outbox.ClaimParams{Now: at(10)}), "f-c")
}

func (s *suite) testNextDue(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	want := func(what string, wantT time.Time, wantOK bool) {
		t.Helper()
		got, ok, err := st.NextDue(ctx)
		if err != nil {
			t.Fatalf("%s: NextDue: %v", what, err)
		}
		if ok != wantOK || ok && !got.Equal(wantT) {
			t.Fatalf("%s: NextDue = %v, %v; want %v, %v", what, got, ok, wantT, wantOK)
		}
	}
	want("empty", time.Time{}, false)
	enqueue(t, st, keyed("n1", "P", "K", at(50)), keyed("n2", "P", "K", at(10)), msg("n3", "Q", at(70)))
	// n2 is due earlier but waits behind n1: it does not count.
	want("n1 heads its key", at(50), true)
	cl := claim(t, st, outbox.ClaimParams{Now: at(50), LeaseFor: time.Minute, Partners: []string{"P"}})
	wantIDs(t, "claim", cl, "n1")
	want("lease expiry of n1 before n3", at(70), true)
	settle(t, st, cl[0], outbox.Retry{At: at(65), Now: at(51)})
	want("retry of n1", at(65), true)
	cl = claim(t, st, outbox.ClaimParams{Now: at(65), Partners: []string{"P"}})
	settle(t, st, cl[0], outbox.Delivered{At: at(66)})
	want("n2 is head now", at(10), true)
	cl = claim(t, st, outbox.ClaimParams{Now: at(80), LeaseFor: time.Hour})
	wantSameIDs(t, "claim all", cl, "n2", "n3")
	want("leases", at(80+3600), true)
	for _, r := range cl {
		settle(t, st, r, outbox.Delivered{At: at(81)})
	}
	want("nothing left", time.Time{}, false)
}

func (s *suite) testList(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	for i := range 10 {
		m := msg(id("l", i), []string{"A", "B"}[i%2], at(i))
		if i >= 8 {
			m.Type = "060002"
		}
		enqueue(t, st, m)
	}
	cl := claim(t, st, outbox.ClaimParams{Now: at(100), Max: 3})
	for _, r := range cl {
		settle(t, st, r, outbox.Failed{At: at(101), Err: outbox.ErrorInfo{Code: "transport", Text: "x"}})
	}
	if _, err := st.Receive(ctx, outbox.InboundMessage{ID: "in-1", Sender: "A", Type: "060003", Opened: []byte("o"), Receipt: []byte("r"), At: at(50)}); err != nil {
		t.Fatal(err)
	}
	list := func(f outbox.Filter) []outbox.Record {
		t.Helper()
		rs, err := st.List(ctx, f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		for i := 1; i < len(rs); i++ {
			if rs[i].Seq <= rs[i-1].Seq {
				t.Fatalf("List(%+v) not in Seq order: %v", f, ids(rs))
			}
		}
		return rs
	}
	all := list(outbox.Filter{})
	if len(all) != 11 {
		t.Fatalf("List() = %d records", len(all))
	}
	wantIDs(t, "failed", list(outbox.Filter{State: outbox.StateFailed}), "l-0000", "l-0001", "l-0002")
	wantIDs(t, "failed of A", list(outbox.Filter{State: outbox.StateFailed, Partner: "A"}), "l-0000", "l-0002")
	wantIDs(t, "partner B", list(outbox.Filter{Partner: "B"}), "l-0001", "l-0003", "l-0005", "l-0007", "l-0009")
	wantIDs(t, "type", list(outbox.Filter{Type: "060002"}), "l-0008", "l-0009")
	wantIDs(t, "inbound", list(outbox.Filter{Direction: outbox.DirIn}), "in-1")
	wantIDs(t, "received", list(outbox.Filter{State: outbox.StateReceived}), "in-1")
	wantIDs(t, "older than +2s", list(outbox.Filter{CreatedBefore: at(2)}), "l-0000", "l-0001")
	wantIDs(t, "outbound of A", list(outbox.Filter{Partner: "A", Direction: outbox.DirOut}), "l-0000", "l-0002", "l-0004", "l-0006", "l-0008")
	// Paging by Seq.
	var paged []string
	after := uint64(0)
	for {
		page := list(outbox.Filter{Partner: "A", Limit: 2, AfterSeq: after})
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d", len(page))
		}
		paged = append(paged, ids(page)...)
		after = page[len(page)-1].Seq
	}
	wantIDs(t, "paged", recordsOf(paged), "l-0000", "l-0002", "l-0004", "l-0006", "l-0008", "in-1")
	// Bodies only on request.
	if rs := list(outbox.Filter{State: outbox.StateFailed, Limit: 1}); rs[0].Sealed != nil {
		t.Fatalf("List without WithBodies returned Sealed")
	}
	if rs := list(outbox.Filter{State: outbox.StateFailed, Limit: 1, WithBodies: true}); string(rs[0].Sealed) != "sealed:l-0000" {
		t.Fatalf("List WithBodies: Sealed = %q", rs[0].Sealed)
	}
	if rs := list(outbox.Filter{State: outbox.StateFailed, Limit: 1}); rs[0].LastError == nil || rs[0].LastError.Code != "transport" {
		t.Fatalf("List: LastError = %+v", rs[0].LastError)
	}
}

// testListAnswerDue: Filter.AnswerDueBefore selects the records whose
// business answer was due before the given time: a deadline strictly
// before it, never a record without one, in any state and with the other
// filters (xgate outbox list --overdue: delivered, out, due before now).
func (s *suite) testListAnswerDue(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	due := func(id, partner string, deadline time.Time) outbox.Message {
		m := msg(id, partner, at(0))
		m.AnswerDeadline = deadline
		return m
	}
	enqueue(t, st,
		due("d-early", "A", at(100)), // delivered, due at +100: overdue at +101
		due("d-exact", "A", at(200)), // delivered, due exactly at the bound: not before it
		due("d-late", "B", at(300)),  // delivered, due later
		msg("d-none", "A", at(0)),    // delivered, no answer expected
		due("d-answered", "B", at(50)),
		due("d-queued", "C", at(60)), // still queued, already overdue
	)
	for _, p := range []string{"A", "B"} {
		for _, r := range claim(t, st, outbox.ClaimParams{Partners: []string{p}, Now: at(1)}) {
			settle(t, st, r, outbox.Delivered{Evidence: []byte("receipt"), At: at(2)})
		}
	}
	if err := st.Apply(ctx, "d-answered", outbox.Action{To: outbox.StateAnswered, At: at(40), Actor: "gateway"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Receive(ctx, outbox.InboundMessage{ID: "d-in", Sender: "A", Type: "060003", Opened: []byte("o"), Receipt: []byte("r"), At: at(3)}); err != nil {
		t.Fatal(err)
	}
	list := func(f outbox.Filter) []outbox.Record {
		t.Helper()
		rs, err := st.List(ctx, f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		return rs
	}
	wantIDs(t, "due before +200", list(outbox.Filter{AnswerDueBefore: at(200)}), "d-early", "d-answered", "d-queued")
	wantIDs(t, "delivered, due before +200", list(outbox.Filter{AnswerDueBefore: at(200), State: outbox.StateDelivered}), "d-early")
	wantIDs(t, "delivered out, due before +201", list(outbox.Filter{AnswerDueBefore: at(201), State: outbox.StateDelivered, Direction: outbox.DirOut}), "d-early", "d-exact")
	wantIDs(t, "due before +1000 of B", list(outbox.Filter{AnswerDueBefore: at(1000), Partner: "B"}), "d-late", "d-answered")
	wantIDs(t, "due before +1000, delivered, paged", list(outbox.Filter{AnswerDueBefore: at(1000), State: outbox.StateDelivered, Limit: 2}), "d-early", "d-exact")
	wantIDs(t, "due before +10", list(outbox.Filter{AnswerDueBefore: at(10)}))
	wantIDs(t, "answered, due before +1000", list(outbox.Filter{AnswerDueBefore: at(1000), State: outbox.StateAnswered}), "d-answered")
	if rs := list(outbox.Filter{AnswerDueBefore: at(101), State: outbox.StateDelivered}); len(rs) != 1 || !rs[0].AnswerDeadline.Equal(at(100)) {
		t.Fatalf("overdue record: %+v", rs)
	}
	// Without the filter every record is listed, with or without a deadline.
	if n := len(list(outbox.Filter{})); n != 7 {
		t.Fatalf("List() = %d records, want 7", n)
	}
}

func recordsOf(ids []string) []outbox.Record {
	out := make([]outbox.Record, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	return out
}

func (s *suite) testStats(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	reach(t, st, "s-q", outbox.StateQueued)
	reach(t, st, "s-s", outbox.StateSending)
	reach(t, st, "s-d", outbox.StateDelivered)
	reach(t, st, "s-f", outbox.StateFailed)
	reach(t, st, "s-f2", outbox.StateFailed)
	reach(t, st, "s-r", outbox.StateReceived)
	reach(t, st, "s-a", outbox.StateAcknowledged)
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for state, n := range map[outbox.State]int{outbox.StateQueued: 1, outbox.StateSending: 1, outbox.StateDelivered: 1,
		outbox.StateFailed: 2, outbox.StateAnswered: 0, outbox.StateCancelled: 0, outbox.StateRejected: 0} {
		if stats.Outbound[state] != n {
			t.Errorf("Outbound[%s] = %d, want %d", state, stats.Outbound[state], n)
		}
	}
	for state, n := range map[outbox.State]int{outbox.StateReceived: 1, outbox.StateHandedOver: 0, outbox.StateAcknowledged: 1} {
		if stats.Inbound[state] != n {
			t.Errorf("Inbound[%s] = %d, want %d", state, stats.Inbound[state], n)
		}
	}
	if !stats.OldestQueued.Equal(at(0)) {
		t.Errorf("OldestQueued = %v, want %v", stats.OldestQueued, at(0))
	}
}
