package outboxtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

// reach makes a record rid in state want through the public API and
// returns it.
func reach(t *testing.T, st outbox.Store, rid string, want outbox.State) outbox.Record {
	t.Helper()
	ctx := context.Background()
	partner := "p-" + rid
	apply := func(to outbox.State) {
		t.Helper()
		if err := st.Apply(ctx, rid, outbox.Action{To: to, At: at(20), Actor: "gateway", Reason: "test"}); err != nil {
			t.Fatalf("Apply(%s → %s): %v", rid, to, err)
		}
	}
	sending := func() outbox.Record {
		t.Helper()
		enqueue(t, st, msg(rid, partner, at(0)))
		cl := claim(t, st, outbox.ClaimParams{Partners: []string{partner}, Now: at(0), LeaseFor: 3600e9})
		wantIDs(t, "claim", cl, rid)
		return cl[0]
	}
	switch want {
	case outbox.StateQueued:
		enqueue(t, st, msg(rid, partner, at(0)))
	case outbox.StateSending:
		sending()
	case outbox.StateDelivered, outbox.StateAnswered:
		settle(t, st, sending(), outbox.Delivered{Evidence: []byte("receipt"), At: at(10)})
		if want == outbox.StateAnswered {
			apply(outbox.StateAnswered)
		}
	case outbox.StateRejected:
		settle(t, st, sending(), outbox.Rejected{Evidence: []byte("rw"), At: at(10), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}})
	case outbox.StateFailed:
		settle(t, st, sending(), outbox.Failed{At: at(10), Err: outbox.ErrorInfo{Code: "transport", Text: "gave up"}})
	case outbox.StateCancelled:
		enqueue(t, st, msg(rid, partner, at(0)))
		apply(outbox.StateCancelled)
	case outbox.StateReceived, outbox.StateHandedOver, outbox.StateAcknowledged:
		if _, err := st.Receive(ctx, outbox.InboundMessage{ID: rid, Sender: partner, Type: "060002",
			Opened: []byte("<opened/>"), Receipt: []byte("<receipt/>"), At: at(0), Actor: "intake"}); err != nil {
			t.Fatalf("Receive(%s): %v", rid, err)
		}
		if want != outbox.StateReceived {
			apply(outbox.StateHandedOver)
		}
		if want == outbox.StateAcknowledged {
			apply(outbox.StateAcknowledged)
		}
	default:
		t.Fatalf("reach: unknown state %s", want)
	}
	return wantState(t, st, rid, want)
}

// actions are the transitions Apply performs; every other pair is illegal
// for Apply (Claim and Settle own queued → sending → …).
var actions = map[[2]outbox.State]bool{
	{outbox.StateFailed, outbox.StateQueued}:           true,
	{outbox.StateRejected, outbox.StateQueued}:         true,
	{outbox.StateQueued, outbox.StateCancelled}:        true,
	{outbox.StateFailed, outbox.StateCancelled}:        true,
	{outbox.StateRejected, outbox.StateCancelled}:      true,
	{outbox.StateDelivered, outbox.StateAnswered}:      true,
	{outbox.StateReceived, outbox.StateHandedOver}:     true,
	{outbox.StateHandedOver, outbox.StateAcknowledged}: true,
}

func (s *suite) testIllegalTransitions(t *testing.T, st outbox.Store) {
	all := append(outbox.OutboundStates(), outbox.InboundStates()...)
	n := 0
	for _, from := range all {
		for _, to := range all {
			n++
			rid := fmt.Sprintf("tr-%03d", n)
			reach(t, st, rid, from)
			err := st.Apply(context.Background(), rid, outbox.Action{To: to, At: at(30), Actor: "operator:test", Reason: "suite"})
			if actions[[2]outbox.State{from, to}] {
				if err != nil {
					t.Errorf("%s → %s: %v", from, to, err)
					continue
				}
				wantState(t, st, rid, to)
				continue
			}
			var te *outbox.TransitionError
			if !errors.As(err, &te) {
				t.Errorf("%s → %s: err = %v, want *TransitionError", from, to, err)
				continue
			}
			if te.ID != rid || te.From != from || te.To != to {
				t.Errorf("%s → %s: TransitionError %+v", from, to, te)
			}
			wantState(t, st, rid, from)
		}
	}
}

func (s *suite) testReplayAndCancel(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	reach(t, st, "rp-failed", outbox.StateFailed)
	reach(t, st, "rp-rejected", outbox.StateRejected)
	for _, rid := range []string{"rp-failed", "rp-rejected"} {
		if err := st.Apply(ctx, rid, outbox.Action{To: outbox.StateQueued, At: at(100), Actor: "operator:jdoe", Reason: "partner fixed"}); err != nil {
			t.Fatalf("replay %s: %v", rid, err)
		}
		r := wantState(t, st, rid, outbox.StateQueued)
		if r.Attempts != 0 || !r.NextAttempt.Equal(at(100)) || r.Lease != nil {
			t.Fatalf("replayed %s: attempts %d next %v lease %+v", rid, r.Attempts, r.NextAttempt, r.Lease)
		}
		if !r.Queued.Equal(at(100)) || r.Created.Equal(at(100)) {
			t.Fatalf("replayed %s: queued %v (want the replay time %v), created %v (want unchanged)", rid, r.Queued, at(100), r.Created)
		}
	}
	wantIDs(t, "claim before the replay time", claim(t, st, outbox.ClaimParams{Now: at(99)}))
	wantSameIDs(t, "claim replayed", claim(t, st, outbox.ClaimParams{Now: at(100), LeaseFor: 24 * time.Hour}), "rp-failed", "rp-rejected")
	s.wantHistory(t, st, "rp-failed", ">queued", "queued>sending", "sending>failed", "failed>queued", "queued>sending")

	reach(t, st, "cx-queued", outbox.StateQueued)
	if err := st.Apply(ctx, "cx-queued", outbox.Action{To: outbox.StateCancelled, At: at(5), Actor: "operator:jdoe", Reason: "sent by mistake"}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "cancelled is not claimed", claim(t, st, outbox.ClaimParams{Now: at(1000)}))
	if s.f.AuditLog {
		es, err := st.(outbox.AuditLog).History(ctx, "rp-rejected")
		if err != nil {
			t.Fatal(err)
		}
		var replay bool
		for _, e := range es {
			if e.From == "rejected" && e.To == "queued" {
				replay = e.Actor == "operator:jdoe" && e.Reason == "partner fixed" && e.Time.Equal(at(100)) && e.RecordID == "rp-rejected"
			}
		}
		if !replay {
			t.Fatalf("replay entry missing or wrong: %+v", es)
		}
	}
}
