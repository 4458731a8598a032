package outboxtest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

// testConcurrentEnqueueClaim: producers enqueue while claimers claim and
// settle. No record is claimed twice under a live lease, none is lost.
func (s *suite) testConcurrentEnqueueClaim(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	P, M := s.f.Concurrency, s.f.PerGoroutine
	total := P * M
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		failed  firstErr
	)
	fail := failed.set
	var producers sync.WaitGroup
	var produced atomic.Int64
	for p := range P {
		producers.Add(1)
		go func() {
			defer producers.Done()
			for i := range M {
				rid := id(id("cc", p), i)
				// A few shared ordering keys, so that chains form too.
				m := keyed(rid, []string{"A", "B", "C"}[i%3], id("k", (p*M+i)%7), at(0))
				if err := st.Enqueue(ctx, m); err != nil {
					fail(err)
					return
				}
				produced.Add(1)
			}
		}()
	}
	var done atomic.Bool
	var claimers sync.WaitGroup
	var settled atomic.Int64
	for c := range P / 2 {
		claimers.Add(1)
		go func() {
			defer claimers.Done()
			owner := id("claimer", c)
			deadline := time.Now().Add(60 * time.Second)
			for settled.Load() < int64(total) && failed.get() == nil {
				if time.Now().After(deadline) {
					fail(errors.New("records still unclaimed after 60s"))
					return
				}
				rs, err := st.Claim(ctx, outbox.ClaimParams{Owner: owner, Max: 4, LeaseFor: time.Hour, Now: at(1)})
				if err != nil {
					fail(err)
					return
				}
				if len(rs) == 0 {
					if done.Load() && settled.Load() >= int64(total) {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				}
				for _, r := range rs {
					mu.Lock()
					claimed[r.ID]++
					n := claimed[r.ID]
					mu.Unlock()
					if n > 1 {
						fail(errors.New("record " + r.ID + " claimed twice under a live lease"))
						return
					}
					if err := st.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{At: at(2)}); err != nil {
						fail(err)
						return
					}
					settled.Add(1)
				}
			}
		}()
	}
	producers.Wait()
	done.Store(true)
	waitOrFail(t, &claimers, 60*time.Second)
	if err := failed.get(); err != nil {
		t.Fatal(err)
	}
	if len(claimed) != total || int(produced.Load()) != total {
		t.Fatalf("claimed %d distinct, produced %d, want %d", len(claimed), produced.Load(), total)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Outbound[outbox.StateDelivered] != total || stats.Outbound[outbox.StateQueued] != 0 || stats.Outbound[outbox.StateSending] != 0 {
		t.Fatalf("stats %+v, want %d delivered", stats.Outbound, total)
	}
	if s.f.AuditLog {
		if es := chain(t, st); len(es) != 3*total {
			t.Fatalf("%d audit entries, want %d", len(es), 3*total)
		}
	}
}

// testConcurrentDuplicates: many goroutines enqueue and receive the same
// IDs; exactly one of each wins.
func (s *suite) testConcurrentDuplicates(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	const ids = 5
	var wins, dups, rwins, rdups atomic.Int64
	var wg sync.WaitGroup
	for g := range s.f.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				err := st.Enqueue(ctx, msg(id("same", i), "P", at(g)))
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, outbox.ErrDuplicate):
					dups.Add(1)
				default:
					t.Error(err)
				}
				_, err = st.Receive(ctx, outbox.InboundMessage{ID: id("rsame", i), Sender: "S", Opened: []byte("o"), Receipt: []byte("r"), At: at(g)})
				switch {
				case err == nil:
					rwins.Add(1)
				case errors.Is(err, outbox.ErrDuplicate):
					rdups.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	n := int64(s.f.Concurrency)
	if wins.Load() != ids || dups.Load() != ids*(n-1) || rwins.Load() != ids || rdups.Load() != ids*(n-1) {
		t.Fatalf("enqueue: %d won, %d duplicate; receive: %d won, %d duplicate; want %d and %d",
			wins.Load(), dups.Load(), rwins.Load(), rdups.Load(), ids, ids*(n-1))
	}
}

// testConcurrentClaimers: many claimers race for the same due records;
// each record goes to exactly one of them.
func (s *suite) testConcurrentClaimers(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	const n = 200
	for i := range n {
		enqueue(t, st, msg(id("race", i), []string{"A", "B"}[i%2], at(0)))
	}
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	for c := range s.f.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := id("w", c)
			for {
				rs, err := st.Claim(ctx, outbox.ClaimParams{Owner: owner, Max: 3, LeaseFor: time.Hour, Now: at(1)})
				if err != nil {
					t.Error(err)
					return
				}
				if len(rs) == 0 {
					return
				}
				mu.Lock()
				for _, r := range rs {
					if prev, ok := got[r.ID]; ok {
						mu.Unlock()
						t.Errorf("%s claimed by %s and %s", r.ID, prev, owner)
						return
					}
					got[r.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != n {
		t.Fatalf("%d records claimed, want %d", len(got), n)
	}
}

func waitOrFail(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("goroutines still running after %v", d)
	}
}

func (s *suite) testClosed(t *testing.T, st outbox.Store) {
	ctx := context.Background()
	enqueue(t, st, msg("cl-1", "P", at(0)))
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := st.Get(ctx, "cl-1")
	wantErrIs(t, "Get", err, outbox.ErrClosed)
	wantErrIs(t, "Enqueue", st.Enqueue(ctx, msg("cl-2", "P", at(0))), outbox.ErrClosed)
	_, err = st.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1, LeaseFor: time.Minute, Now: at(0)})
	wantErrIs(t, "Claim", err, outbox.ErrClosed)
	wantErrIs(t, "Settle", st.Settle(ctx, "cl-1", outbox.Lease{Owner: "w", Token: 1}, outbox.Delivered{}), outbox.ErrClosed)
	wantErrIs(t, "Apply", st.Apply(ctx, "cl-1", outbox.Action{To: outbox.StateCancelled, Actor: "operator:x", Reason: "r"}), outbox.ErrClosed)
	_, err = st.Receive(ctx, outbox.InboundMessage{ID: "x", Sender: "S", Receipt: []byte("r")})
	wantErrIs(t, "Receive", err, outbox.ErrClosed)
	_, err = st.List(ctx, outbox.Filter{})
	wantErrIs(t, "List", err, outbox.ErrClosed)
	_, _, err = st.NextDue(ctx)
	wantErrIs(t, "NextDue", err, outbox.ErrClosed)
	_, err = st.Stats(ctx)
	wantErrIs(t, "Stats", err, outbox.ErrClosed)
	if al, ok := st.(outbox.AuditLog); ok {
		_, err = al.History(ctx, "cl-1")
		wantErrIs(t, "History", err, outbox.ErrClosed)
	}
	if err := st.Close(); err != nil && !errors.Is(err, outbox.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// firstErr keeps the first error reported by any goroutine.
type firstErr struct {
	mu  sync.Mutex
	err error
}

func (f *firstErr) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
