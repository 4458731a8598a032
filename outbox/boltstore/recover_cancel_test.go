package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// stopAfter is a context that ends at its k+1-th Err call: Open's lock
// wait and the first recovery batch see it live, the second batch sees it
// cancelled. No timing is involved.
type stopAfter struct {
	context.Context
	mu    sync.Mutex
	calls int
	k     int
	done  chan struct{}
}

func newStopAfter(k int) *stopAfter {
	return &stopAfter{Context: context.Background(), k: k, done: make(chan struct{})}
}

func (c *stopAfter) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.calls > c.k {
		select {
		case <-c.done:
		default:
			close(c.done)
		}
		return context.Canceled
	}
	return nil
}

func (c *stopAfter) Done() <-chan struct{} { return c.done }

func countState(t *testing.T, path string, st outbox.State) int {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stats, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return stats.Outbound[st]
}

// TestRecoveryCancelled: a context that ends during recovery stops it
// between batches: Open fails with the context's error, the batches done
// stay done, and the next Open recovers the rest.
func TestRecoveryCancelled(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(ctx, path, boltstore.Config{Clock: &fakeClock{t: at(0)}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2500
	for i := range n {
		if err := s.Enqueue(ctx, msg(fmt.Sprintf("5b0c8e2a-4d7f-4e1a-9c3b-%012d", i), "dbs:1", at(0))); err != nil {
			t.Fatal(err)
		}
	}
	if cl, err := s.Claim(ctx, outbox.ClaimParams{Owner: "dead", Max: n, LeaseFor: time.Hour, Now: at(1)}); err != nil || len(cl) != n {
		t.Fatalf("claimed %d: %v", len(cl), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cancelled := false
	for k := 1; k < 20 && !cancelled; k++ {
		_, err := boltstore.Open(newStopAfter(k), path, boltstore.Config{})
		if err == nil {
			t.Fatalf("Open with a context ending after %d checks recovered everything", k)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Open: %v, want context.Canceled", err)
		}
		left := countState(t, path, outbox.StateSending)
		if left < n {
			cancelled = true
			if left == 0 {
				t.Fatalf("recovery finished although its context ended")
			}
		}
	}
	if !cancelled {
		t.Fatal("no context ending let recovery start")
	}
	s, err = boltstore.Open(ctx, path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if left := countState(t, path, outbox.StateSending); left != 0 {
		t.Errorf("%d records still sending after a full recovery", left)
	}
}
