package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// The tests in this file run the Relay against the real bbolt store
// (fsync'd commits, its Claim ordering, its NextDue index).

func openBolt(t *testing.T, clock outbox.Clock) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "outbox.db"), boltstore.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

func boltEnqueue(t *testing.T, st *boltstore.Store) func(outbox.Message) {
	return func(m outbox.Message) {
		t.Helper()
		if err := st.Enqueue(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBoltOrderingKeyFIFO: messages with the same key to the same partner
// arrive in acceptance order although the first fails three times, and
// other keys flow meanwhile — with the bbolt store's Claim doing the
// ordering.
func TestBoltOrderingKeyFIFO(t *testing.T) {
	clock := newFakeClock()
	st := openBolt(t, clock)
	testOrdering(t, st, boltEnqueue(t, st), clock)
	for _, id := range []string{"k1-1", "k1-5", "k2-3", "solo-2"} {
		r, err := st.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != outbox.StateDelivered || string(r.Evidence) != "receipt" {
			t.Fatalf("%s: %s evidence %q", id, r.State, r.Evidence)
		}
	}
	r, _ := st.Get(context.Background(), "k1-1")
	if r.Attempts != 4 {
		t.Fatalf("k1-1 attempts %d, want 4", r.Attempts)
	}
}

// TestBoltBreakerNoStorm is TestBreakerNoStorm on the bbolt store, whose
// Claim honours SkipPartners and Partners.
func TestBoltBreakerNoStorm(t *testing.T) {
	clock := newFakeClock()
	st := openBolt(t, clock)
	testNoStorm(t, st, boltEnqueue(t, st), clock)
}

// TestBoltIdleNoCPU: 10,000 queued records due in an hour, the Relay on
// the wall clock for 3 seconds. It must sleep: a handful of store calls and
// (almost) no CPU time. This counts work done; it does not time anything.
func TestBoltIdleNoCPU(t *testing.T) {
	const n = 10000
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "outbox.db"), boltstore.Config{MaxBatch: 1024, NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	due := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	ids := make(chan int)
	for range 512 { // concurrent enqueues share commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				m := msg(fmt.Sprintf("m%05d", i), fmt.Sprintf("dbs:partner-%02d", i%20), "", due)
				if err := st.Enqueue(context.Background(), m); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("enqueued %d records in %v", n, time.Since(due.Add(-time.Hour)).Round(time.Millisecond))

	cs := &countingStore{Store: st}
	d := &scriptDeliverer{clock: clock.Real{}, fn: ok}
	var r *Relay
	r, err = New(Config{Owner: "idle", Rand: rand.New(rand.NewPCG(1, 2))}, cs, d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)

	runtime.GC()
	before := cpuTime(t)
	start := time.Now()
	go func() { done <- r.Run(ctx) }()
	time.Sleep(3 * time.Second)
	used := cpuTime(t) - before
	elapsed := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	claims, nexts := cs.claims.Load(), cs.nextDues.Load()
	t.Logf("idle relay over %d records for %v: CPU %v (user+sys, whole process), %d Claim and %d NextDue calls, %d deliveries",
		n, elapsed.Round(time.Millisecond), used, claims, nexts, len(d.attempts("")))
	if len(d.attempts("")) != 0 {
		t.Fatal("delivered records that are not due")
	}
	if claims > 2 || nexts > 2 {
		t.Fatalf("relay woke up: %d claims, %d NextDue calls in 3s", claims, nexts)
	}
	if used > 50*time.Millisecond {
		t.Fatalf("idle relay used %v CPU in %v", used, elapsed)
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRelayBolt measures delivery throughput through the bbolt store
// with an instant deliverer: per record one Claim share and one fsync'd
// Settle. Records are enqueued before the timer starts.
func BenchmarkRelayBolt(b *testing.B) {
	for _, workers := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			st, err := boltstore.Open(filepath.Join(b.TempDir(), "outbox.db"), boltstore.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			ctx := context.Background()
			var wg sync.WaitGroup
			ids := make(chan int)
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range ids {
						if err := st.Enqueue(ctx, msg(fmt.Sprintf("m%07d", i), fmt.Sprintf("p%02d", i%16), "", time.Now())); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for i := range b.N {
				ids <- i
			}
			close(ids)
			wg.Wait()

			var delivered sync.WaitGroup
			delivered.Add(b.N)
			r, err := New(Config{Workers: workers, ClaimBatch: workers}, st, DelivererFunc(func(context.Context, outbox.Record) (Receipt, error) {
				delivered.Done()
				return Receipt{Evidence: []byte("r")}, nil
			}))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			go func() { _ = r.Run(ctx) }()
			delivered.Wait()
			if err := r.Shutdown(ctx); err != nil { // waits for the last settles
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
