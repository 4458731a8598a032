package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// TestStoreFull fills a store limited to 1 MiB: the write that does not
// fit fails with ErrStoreFull and writes nothing, everything accepted
// before reads back intact (also after reopening with the same limit),
// and intake resumes once space is freed inside the file (Expire) or the
// limit is raised.
func TestStoreFull(t *testing.T) {
	const limit = 1 << 20
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "small.db")
	day := 24 * time.Hour
	clock := &fakeClock{t: at(0)}
	cfg := boltstore.Config{MaxSize: limit, Clock: clock, DedupRetention: day}
	s, err := boltstore.Open(context.Background(), path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := func(id string, n int) []byte { return bytes.Repeat([]byte(id+";"), n/(len(id)+1)+1)[:n] }

	// Some acknowledged inbound messages that Expire may drop later.
	for i := range 10 {
		id := fmt.Sprintf("in-%02d", i)
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Opened: body(id, 16<<10), Receipt: []byte("r"), At: at(0)}); err != nil {
			t.Fatal(err)
		}
		for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
			if err := s.Apply(ctx, id, outbox.Action{To: to, At: at(1), Actor: "gateway"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Fill it.
	var accepted []string
	var full error
	for i := 0; i < 1000 && full == nil; i++ {
		id := fmt.Sprintf("out-%04d", i)
		err := s.Enqueue(ctx, outbox.Message{ID: id, Partner: "P", Type: "060001", Sealed: body(id, 6<<10), At: at(i)})
		switch {
		case err == nil:
			accepted = append(accepted, id)
		case errors.Is(err, outbox.ErrStoreFull):
			full = err
			if _, err := s.Get(ctx, id); !errors.Is(err, outbox.ErrNotFound) {
				t.Fatalf("the refused %s was written: %v", id, err)
			}
		default:
			t.Fatalf("Enqueue(%s): %v", id, err)
		}
	}
	if full == nil {
		t.Fatal("1000 messages of 6 KiB fit into 1 MiB")
	}
	t.Logf("full after %d messages: %v", len(accepted), full)
	// Free pages may still fit a smaller or luckier write; sooner or later
	// Receive is refused too, and a refused message leaves no trace (not
	// even its de-duplication entry).
	var received []string
	for i := 0; ; i++ {
		id := fmt.Sprintf("in-new-%02d", i)
		_, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Opened: body(id, 16<<10), Receipt: []byte("r"), At: at(2)})
		if err == nil {
			received = append(received, id)
			continue
		}
		if !errors.Is(err, outbox.ErrStoreFull) {
			t.Fatalf("Receive(%s): %v", id, err)
		}
		if _, err := s.Get(ctx, id); !errors.Is(err, outbox.ErrNotFound) {
			t.Fatalf("the refused %s was written: %v", id, err)
		}
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Opened: body(id, 16<<10), Receipt: []byte("r"), At: at(2)}); errors.Is(err, outbox.ErrDuplicate) {
			t.Fatalf("the refused %s left a de-duplication entry", id)
		}
		break
	}
	verify := func(s *boltstore.Store) {
		t.Helper()
		for _, id := range accepted {
			r, err := s.Get(ctx, id)
			if err != nil || !bytes.Equal(r.Sealed, body(id, 6<<10)) || r.State != outbox.StateQueued {
				t.Fatalf("accepted %s: %v (state %s, %d bytes)", id, err, r.State, len(r.Sealed))
			}
		}
		for _, id := range received {
			if r, err := s.Get(ctx, id); err != nil || !bytes.Equal(r.Opened, body(id, 16<<10)) {
				t.Fatalf("received %s: %v", id, err)
			}
		}
		mustCheck(t, s)
	}
	verify(s)
	if fi, _ := os.Stat(path); fi.Size() > limit {
		t.Fatalf("file is %d bytes, limit %d", fi.Size(), limit)
	}
	s.Close()

	// Reopening a full store with the same limit works.
	s, err = boltstore.Open(context.Background(), path, cfg)
	if err != nil {
		t.Fatalf("reopen a full store: %v", err)
	}
	verify(s)

	// Free space inside the file: the inbound messages expire.
	n, err := s.Expire(ctx, at(0).Add(2*day))
	if err != nil || n != 10 {
		t.Fatalf("Expire on a full store = %d, %v", n, err)
	}
	resumed := 0
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("after-expire-%d", i)
		if err := s.Enqueue(ctx, outbox.Message{ID: id, Partner: "P", Sealed: body(id, 6<<10), At: at(2000)}); err != nil {
			t.Fatalf("Enqueue after Expire freed space: %v", err)
		}
		accepted = append(accepted, id)
		resumed++
	}
	verify(s)
	s.Close()

	// Raise the limit.
	cfg.MaxSize = 4 << 20
	s = openAt(t, path, cfg)
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("after-raise-%03d", i)
		if err := s.Enqueue(ctx, outbox.Message{ID: id, Partner: "P", Sealed: body(id, 6<<10), At: at(3000)}); err != nil {
			t.Fatalf("Enqueue %d after raising the limit: %v", i, err)
		}
		accepted = append(accepted, id)
	}
	verify(s)
}

// TestStoreFullConcurrent: with concurrent producers sharing commits, a
// batch that does not fit is split so that whatever fits is still
// accepted, and no acknowledged message is lost.
func TestStoreFullConcurrent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "small.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		id  string
		err error
	}
	results := make(chan result, 400)
	for g := range 16 {
		go func() {
			for i := range 25 {
				id := fmt.Sprintf("c-%02d-%02d", g, i)
				err := s.Enqueue(ctx, outbox.Message{ID: id, Partner: "P", Sealed: bytes.Repeat([]byte{byte(i)}, 5<<10), At: at(i)})
				results <- result{id, err}
			}
		}()
	}
	var acked []string
	fulls := 0
	for range 400 {
		r := <-results
		switch {
		case r.err == nil:
			acked = append(acked, r.id)
		case errors.Is(r.err, outbox.ErrStoreFull):
			fulls++
		default:
			t.Fatal(r.err)
		}
	}
	if fulls == 0 {
		t.Fatal("never full")
	}
	s.Close()
	s = openAt(t, path, boltstore.Config{ReadOnly: true})
	for _, id := range acked {
		if _, err := s.Get(ctx, id); err != nil {
			t.Fatalf("acknowledged %s: %v", id, err)
		}
	}
	st, _ := s.Stats(ctx)
	if st.Outbound[outbox.StateQueued] != len(acked) {
		t.Fatalf("%d queued, %d acknowledged", st.Outbound[outbox.StateQueued], len(acked))
	}
	mustCheck(t, s)
	t.Logf("%d accepted, %d refused", len(acked), fulls)
}
