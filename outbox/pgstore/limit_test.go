package pgstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/pgstore"
)

// TestMaxBytes: the store accepts while it is below the limit and, once a
// size read finds it at the limit, Enqueue and Receive refuse with
// outbox.ErrStoreFull and write nothing, while claims and settles go on so
// that the backlog drains. A size read is reused for SizeEvery by the
// store's clock.
func TestMaxBytes(t *testing.T) {
	ctx := context.Background()
	clk := &stepClock{t: at(0)}
	free, dsn := openFresh(t, pgstore.Config{})
	st, err := free.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	limit := st.SizeBytes + 256<<10
	s := openDSN(t, dsn, pgstore.Config{MaxBytes: limit, SizeEvery: time.Minute, Clock: clk})
	body := bytes.Repeat([]byte("x"), 16<<10)
	full := -1
	for i := range 200 {
		clk.set(at(60 * i)) // every call reads the size again
		m := msg(fmt.Sprintf("fill-%03d", i), "azr:999902", at(60*i))
		m.Sealed = body
		err := s.Enqueue(ctx, m)
		if errors.Is(err, outbox.ErrStoreFull) {
			full = i
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if full < 1 {
		t.Fatalf("Enqueue never refused (limit %d bytes, 200 × 16 KiB), or refused at once (%d)", limit, full)
	}
	if _, err := s.Get(ctx, fmt.Sprintf("fill-%03d", full)); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("a refused Enqueue wrote its record: %v", err)
	}
	if _, err := s.Receive(ctx, outbox.InboundMessage{ID: "in-refused", Sender: "azr:999902", Type: "060010", At: clk.Now()}); !errors.Is(err, outbox.ErrStoreFull) {
		t.Fatalf("Receive at the limit = %v, want ErrStoreFull", err)
	}
	now := clk.Now().Add(time.Second)
	rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1, LeaseFor: time.Minute, Now: now})
	if err != nil || len(rs) != 1 {
		t.Fatalf("Claim at the limit = %d records, %v", len(rs), err)
	}
	if err := s.Settle(ctx, rs[0].ID, *rs[0].Lease, outbox.Delivered{At: now, Evidence: []byte("receipt")}); err != nil {
		t.Fatalf("Settle at the limit: %v", err)
	}
	// Another instance with a larger limit still accepts: each instance
	// judges by its own limit.
	big := openDSN(t, dsn, pgstore.Config{MaxBytes: 1 << 40, Clock: clk})
	if err := big.Enqueue(ctx, msg("roomy", "azr:999902", now)); err != nil {
		t.Fatalf("Enqueue under a large limit: %v", err)
	}
	mustCheck(t, s)
}

// stepClock is a clock the test sets.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}
