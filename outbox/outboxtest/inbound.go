package outboxtest

import (
	"context"
	"testing"

	"github.com/xgate/xgate/outbox"
)

func (s *suite) testReceive(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	in := outbox.InboundMessage{ID: "in-7", Sender: "dbs:meldebehoerde-1", Type: "060010",
		Opened: []byte("<opened/>"), Receipt: []byte("<receipt 1/>"), At: at(0), Actor: "intake"}
	r, err := st.Receive(ctx, in)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if r.ID != in.ID || r.State != outbox.StateReceived || r.Direction != outbox.DirIn || r.Partner != in.Sender ||
		r.Type != in.Type || string(r.Receipt) != "<receipt 1/>" || string(r.Opened) != "<opened/>" || r.Seq == 0 {
		t.Fatalf("Receive returned %+v", r)
	}
	g := get(t, st, in.ID)
	if g.State != outbox.StateReceived || string(g.Opened) != "<opened/>" || string(g.Receipt) != "<receipt 1/>" ||
		!g.Created.Equal(at(0)) || g.Sealed != nil || g.Lease != nil {
		t.Fatalf("Get returned %+v", g)
	}
	// A retransmission, with a receipt we would sign anew: the stored one
	// is returned, nothing else changes.
	again := in
	again.Receipt, again.Opened, again.At = []byte("<receipt 2/>"), []byte("<other/>"), at(60)
	d, err := st.Receive(ctx, again)
	wantErrIs(t, "second Receive", err, outbox.ErrDuplicate)
	if string(d.Receipt) != "<receipt 1/>" || d.State != outbox.StateReceived || d.ID != in.ID {
		t.Fatalf("duplicate returned %+v, want the stored receipt", d)
	}
	if g := get(t, st, in.ID); string(g.Opened) != "<opened/>" || !g.Created.Equal(at(0)) {
		t.Fatalf("duplicate changed the record: %+v", g)
	}
	// Received messages are never claimed for sending.
	wantIDs(t, "claim", claim(t, st, outbox.ClaimParams{Now: at(1000)}))
	s.wantHistory(t, st, in.ID, ">received")
	// An inbound and an outbound message may share an ID (a gateway that
	// sends to itself); they are different records.
	enqueue(t, st, msg("in-7", "dbs:meldebehoerde-1", at(1)))
	if r := get(t, st, "in-7"); r.Direction != outbox.DirOut {
		t.Fatalf("Get prefers the outbound record, got %s", r.Direction)
	}
	if _, err := st.Receive(ctx, in); err == nil {
		t.Fatal("Receive after Enqueue of the same ID: no ErrDuplicate")
	}
}

func (s *suite) testInboundActions(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	in := outbox.InboundMessage{ID: "in-9", Sender: "S", Type: "060010", Opened: []byte("o"), Receipt: []byte("r"), At: at(0)}
	if _, err := st.Receive(ctx, in); err != nil {
		t.Fatal(err)
	}
	for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
		if err := st.Apply(ctx, in.ID, outbox.Action{To: to, At: at(5), Actor: "gateway"}); err != nil {
			t.Fatalf("Apply %s: %v", to, err)
		}
		wantState(t, st, in.ID, to)
	}
	// Acknowledged messages are still duplicates.
	d, err := st.Receive(ctx, in)
	wantErrIs(t, "Receive after acknowledge", err, outbox.ErrDuplicate)
	if d.State != outbox.StateAcknowledged || string(d.Receipt) != "r" {
		t.Fatalf("duplicate returned %+v", d)
	}
	s.wantHistory(t, st, in.ID, ">received", "received>handed-over", "handed-over>acknowledged")
}
