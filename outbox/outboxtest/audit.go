package outboxtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// testAudit runs one record through every kind of transition and checks
// that each produced exactly one entry with the right fields, and that
// the whole log is one linked chain.
func (s *suite) testAudit(t *testing.T, st outbox.Store) {
	if !s.f.AuditLog {
		t.Skip("backend keeps no audit log")
	}
	ctx := context.Background()
	type step struct{ from, to, actor, reason, code string }
	var want []step
	note := func(from, to, actor, reason, code string) { want = append(want, step{from, to, actor, reason, code}) }

	enqueue(t, st, msg("au-1", "P", at(0)))
	note("", "queued", "intake", "", "")
	cl := claim(t, st, outbox.ClaimParams{Owner: "w1", Now: at(1), LeaseFor: 10e9})
	note("queued", "sending", "w1", "", "")
	settle(t, st, cl[0], outbox.Retry{At: at(20), Now: at(2), Err: outbox.ErrorInfo{Code: "http-503", Text: "busy"}})
	note("sending", "queued", "w1", "", "http-503")
	claim(t, st, outbox.ClaimParams{Owner: "w2", Now: at(20), LeaseFor: 10e9})
	note("queued", "sending", "w2", "", "")
	cl = claim(t, st, outbox.ClaimParams{Owner: "w3", Now: at(31), LeaseFor: 10e9}) // w2's lease expired
	note("sending", "queued", "lease-expiry", "*", "")
	note("queued", "sending", "w3", "", "")
	settle(t, st, cl[0], outbox.Rejected{At: at(32), Evidence: []byte("rw"), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}})
	note("sending", "rejected", "w3", "", "X001")
	if err := st.Apply(ctx, "au-1", outbox.Action{To: outbox.StateQueued, At: at(40), Actor: "operator:jdoe", Reason: "fixed"}); err != nil {
		t.Fatal(err)
	}
	note("rejected", "queued", "operator:jdoe", "fixed", "")
	cl = claim(t, st, outbox.ClaimParams{Owner: "w4", Now: at(41), LeaseFor: 10e9})
	note("queued", "sending", "w4", "", "")
	settle(t, st, cl[0], outbox.Delivered{At: at(42), Evidence: []byte("receipt")})
	note("sending", "delivered", "w4", "", "")
	if err := st.Apply(ctx, "au-1", outbox.Action{To: outbox.StateAnswered, At: at(50), Actor: "gateway"}); err != nil {
		t.Fatal(err)
	}
	note("delivered", "answered", "gateway", "", "")
	// Failed operations write nothing.
	_ = st.Apply(ctx, "au-1", outbox.Action{To: outbox.StateQueued, At: at(60), Actor: "operator:jdoe", Reason: "again"})
	_ = st.Settle(ctx, "au-1", *cl[0].Lease, outbox.Delivered{At: at(60)})
	_ = st.Enqueue(ctx, msg("au-1", "P", at(60)))

	es, err := st.(outbox.AuditLog).History(ctx, "au-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(want) {
		for _, e := range es {
			t.Logf("entry %d: %s>%s %s %q %s", e.Seq, e.From, e.To, e.Actor, e.Reason, e.Code)
		}
		t.Fatalf("%d entries, want %d", len(es), len(want))
	}
	for i, e := range es {
		w := want[i]
		if e.From != w.from || e.To != w.to || e.Actor != w.actor || (w.reason != "*" && e.Reason != w.reason) || e.Code != w.code ||
			e.RecordID != "au-1" || e.Direction != "out" || e.Partner != "P" || e.Type != "060001" {
			t.Errorf("entry %d = %+v, want %+v", i+1, e, w)
		}
	}
	if es[1].Attempt != 1 || es[3].Attempt != 2 || es[5].Attempt != 3 {
		t.Errorf("attempts %d %d %d, want 1 2 3", es[1].Attempt, es[3].Attempt, es[5].Attempt)
	}
	all := chain(t, st)
	if len(all) != len(want) {
		t.Fatalf("the log has %d entries, the record %d", len(all), len(want))
	}
	// AuditEntries from the middle.
	var from []uint64
	if err := st.(outbox.AuditLog).AuditEntries(ctx, 5, func(e audit.Entry) error {
		from = append(from, e.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(from) != fmt.Sprint([]uint64{5, 6, 7, 8, 9, 10, 11}) {
		t.Fatalf("AuditEntries(5) = %v", from)
	}
}
