package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

func ok(context.Context, outbox.Record) (Receipt, error) {
	return Receipt{Evidence: []byte("receipt")}, nil
}

func TestDeliversAndSleepsUntilNotify(t *testing.T) {
	st := &memStore{}
	for i := range 10 {
		st.enqueue(msg(fmt.Sprintf("m%02d", i), "A", "", t0))
	}
	h := newHarness(t, Config{Workers: 3}, st, ok)
	h.start(t)

	until := h.waitIdle(t)
	if got := len(h.d.attempts("")); got != 10 {
		t.Fatalf("%d deliveries, want 10", got)
	}
	for _, r := range st.all() {
		if r.State != outbox.StateDelivered || string(r.Evidence) != "receipt" || r.Attempts != 1 {
			t.Fatalf("record %s: state %s evidence %q attempts %d", r.ID, r.State, r.Evidence, r.Attempts)
		}
	}
	if want := t0.Add(time.Minute); !until.Equal(want) {
		t.Fatalf("empty store: relay sleeps until %v, want MaxSleep (%v)", until, want)
	}

	// A new record is found through Notify, without the clock moving.
	st.enqueue(msg("late", "A", "", t0))
	h.r.Notify()
	h.waitIdle(t)
	if r := st.get("late"); r.State != outbox.StateDelivered {
		t.Fatalf("after Notify: %s", r.State)
	}
	if h.clock.Now() != t0 {
		t.Fatal("clock moved")
	}
}

func TestSleepsUntilNextDue(t *testing.T) {
	st := &memStore{}
	st.enqueue(msg("later", "A", "", t0.Add(40*time.Second)))
	h := newHarness(t, Config{}, st, ok)
	h.start(t)
	if until := h.waitIdle(t); !until.Equal(t0.Add(40 * time.Second)) {
		t.Fatalf("sleeps until %v, want the record's due time", until)
	}
	h.runUntil(t, t0.Add(41*time.Second))
	if a := h.d.attempts(""); len(a) != 1 || !a[0].at.Equal(t0.Add(40*time.Second)) {
		t.Fatalf("attempts %+v", a)
	}
}

// TestBreakerNoStorm: partner X is down with 100 queued messages; Y has 100
// too. X gets one probe per breaker interval, while Y's messages all go
// through at once; when X returns, everything drains, in per-key order.
func TestBreakerNoStorm(t *testing.T) {
	st := &memStore{}
	testNoStorm(t, st, func(m outbox.Message) { st.enqueue(m) }, newFakeClock())
}

// testNoStorm is shared by the in-memory and the bbolt test.
func testNoStorm(t *testing.T, store Store, enqueue func(outbox.Message), clock *fakeClock) {
	t.Helper()
	// X's messages concern 10 persons (ordering keys), 10 messages each.
	for i := range 100 {
		enqueue(msg(fmt.Sprintf("x%03d", i), "X", fmt.Sprintf("azr-%d", i%10), t0))
	}
	for i := range 100 {
		enqueue(msg(fmt.Sprintf("y%03d", i), "Y", "", t0))
	}
	st := &countingStore{Store: store}
	var xUp atomic.Bool
	h := newHarness(t, Config{Workers: 4, Clock: clock}, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
		if rec.Partner == "X" && !xUp.Load() {
			return Receipt{}, &Transient{Code: "http-503", Err: errors.New("service unavailable")}
		}
		return ok(ctx, rec)
	})
	h.start(t)
	h.waitIdle(t) // t0: Y is through, X's breaker is open
	claims0, nexts0 := st.claims.Load(), st.nextDues.Load()
	end := t0.Add(10 * time.Minute)
	wakes := h.runUntil(t, end)

	y := h.d.attempts("Y")
	if len(y) != 100 {
		t.Fatalf("Y: %d deliveries, want 100", len(y))
	}
	for _, a := range y {
		if !a.ok || !a.at.Equal(t0) {
			t.Fatalf("Y delivery %+v: want all at once at t0", a)
		}
	}

	x := h.d.attempts("X")
	var burst, probes []attempt
	for _, a := range x {
		if a.at.Equal(t0) {
			burst = append(burst, a)
		} else {
			probes = append(probes, a)
		}
	}
	// Until the breaker opens (3 failures), each ended delivery frees a
	// worker that may claim another X record: at most threshold+workers.
	if len(burst) < 3 || len(burst) > 3+4 {
		t.Fatalf("X burst at t0: %d attempts, want 3..7", len(burst))
	}
	// Then one probe per breaker interval: 5s, doubling, capped at 5m.
	var want []time.Time
	at := t0
	for gap := 5 * time.Second; ; gap = min(2*gap, 5*time.Minute) {
		at = at.Add(gap)
		if at.After(end) {
			break
		}
		want = append(want, at)
	}
	var got []time.Time
	for _, p := range probes {
		got = append(got, p.at)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("X probes at %v,\nwant %v", offsets(got), offsets(want))
	}
	t.Logf("X down for 10 min: %d X attempts (%d at t0, %d probes); after t0: %d relay wake-ups, %d Claim and %d NextDue calls",
		len(x), len(burst), len(probes), wakes, st.claims.Load()-claims0, st.nextDues.Load()-nexts0)
	if wakes > 60 {
		t.Fatalf("%d wake-ups in 10 minutes of outage", wakes)
	}

	// X comes back: the next probe succeeds and the queue drains.
	xUp.Store(true)
	h.runUntil(t, end.Add(10*time.Minute))
	delivered := map[string]bool{}
	for _, a := range h.d.attempts("") {
		if a.ok {
			if delivered[a.id] {
				t.Fatalf("%s delivered twice", a.id)
			}
			delivered[a.id] = true
		}
	}
	if len(delivered) != 200 {
		t.Fatalf("%d records delivered after X came back, want 200", len(delivered))
	}
	// Per person, in acceptance order.
	last := map[string]int{}
	for _, a := range h.d.attempts("X") {
		if !a.ok {
			continue
		}
		var i int
		fmt.Sscanf(a.id, "x%03d", &i)
		key := fmt.Sprintf("azr-%d", i%10)
		if prev, seen := last[key]; seen && i < prev {
			t.Fatalf("key %s: %s delivered after x%03d", key, a.id, prev)
		}
		last[key] = i
	}
	h.r.mu.Lock()
	n := len(h.r.breakers)
	h.r.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d breakers left", n)
	}
}

func offsets(ts []time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(t0)
	}
	return out
}

// TestOrderingKeyFIFO: the first message of a key fails three times and
// the second twice; their successors wait, other keys flow meanwhile, and
// the key's messages arrive in acceptance order.
func TestOrderingKeyFIFO(t *testing.T) {
	st := &memStore{}
	testOrdering(t, st, func(m outbox.Message) { st.enqueue(m) }, newFakeClock())
}

// testOrdering is shared by the in-memory and the bbolt test.
func testOrdering(t *testing.T, st Store, enqueue func(outbox.Message), clock *fakeClock) {
	t.Helper()
	for i := 1; i <= 5; i++ {
		enqueue(msg(fmt.Sprintf("k1-%d", i), "P", "azr-1", t0))
		enqueue(msg(fmt.Sprintf("k2-%d", i), "P", "azr-2", t0))
		enqueue(msg(fmt.Sprintf("solo-%d", i), "P", "", t0))
	}
	var fails, fails2 atomic.Int32
	cfg := Config{Workers: 4, Clock: clock, Routes: map[string]Policy{"P": {BreakerThreshold: 100}}}
	h := newHarness(t, cfg, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
		if (rec.ID == "k1-1" && fails.Add(1) <= 3) || (rec.ID == "k1-2" && fails2.Add(1) <= 2) {
			return Receipt{}, &Transient{Code: "tls", Err: errors.New("handshake timeout")}
		}
		return ok(ctx, rec)
	})
	h.start(t)
	h.runUntil(t, t0.Add(10*time.Minute))

	var k1 []string
	var firstK1OK time.Time
	othersDone := t0
	for _, a := range h.d.attempts("P") {
		switch {
		case a.id[:2] == "k1":
			if a.id != "k1-1" && firstK1OK.IsZero() {
				t.Fatalf("%s attempted before k1-1 was delivered", a.id)
			}
			if a.ok {
				k1 = append(k1, a.id)
				if firstK1OK.IsZero() {
					firstK1OK = a.at
				}
			}
		case a.at.After(othersDone):
			othersDone = a.at
		}
	}
	if want := []string{"k1-1", "k1-2", "k1-3", "k1-4", "k1-5"}; !slices.Equal(k1, want) {
		t.Fatalf("key azr-1 delivered as %v, want %v", k1, want)
	}
	if fails.Load() != 4 || fails2.Load() != 3 {
		t.Fatalf("k1-1 attempted %d times, k1-2 %d times, want 4 and 3", fails.Load(), fails2.Load())
	}
	if !othersDone.Before(firstK1OK) {
		t.Fatalf("other keys finished at %v, after k1-1 succeeded at %v: they were blocked", othersDone.Sub(t0), firstK1OK.Sub(t0))
	}
	if n := len(h.d.attempts("P")); n != 15+3+2 {
		t.Fatalf("%d attempts, want 20", n)
	}
}

func TestRejectedIsFinal(t *testing.T) {
	st := &memStore{}
	st.enqueue(msg("bad", "A", "", t0))
	st.enqueue(msg("after", "A", "", t0))
	h := newHarness(t, Config{}, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
		if rec.ID == "bad" {
			return Receipt{}, fmt.Errorf("transport: %w", &Rejection{Code: "X001", Evidence: []byte("<Rueckweisung/>")})
		}
		return ok(ctx, rec)
	})
	h.start(t)
	h.runUntil(t, t0.Add(2*time.Hour))
	r := st.get("bad")
	if r.State != outbox.StateRejected || string(r.Evidence) != "<Rueckweisung/>" || r.LastError == nil || r.LastError.Code != "X001" {
		t.Fatalf("rejected record: %s evidence %q error %+v", r.State, r.Evidence, r.LastError)
	}
	if n := len(h.d.attempts("A")); n != 2 {
		t.Fatalf("%d attempts, want 2 (no retry of a rejection)", n)
	}
}

func TestGivesUp(t *testing.T) {
	down := func(context.Context, outbox.Record) (Receipt, error) {
		return Receipt{}, errors.New("connection refused")
	}
	tests := []struct {
		name     string
		pol      Policy
		attempts int // exact, or 0 to check only the age bound
	}{
		{"max attempts", Policy{MaxAttempts: 4, BreakerThreshold: 1000}, 4},
		{"max age", Policy{MaxAge: 10 * time.Minute, BreakerThreshold: 1000}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			st.enqueue(msg("m", "A", "", t0))
			h := newHarness(t, Config{Policy: tc.pol}, st, down)
			h.start(t)
			h.runUntil(t, t0.Add(time.Hour))
			r := st.get("m")
			if r.State != outbox.StateFailed || r.LastError == nil || r.LastError.Code != CodeTransport {
				t.Fatalf("state %s error %+v", r.State, r.LastError)
			}
			a := h.d.attempts("A")
			if tc.attempts > 0 && len(a) != tc.attempts {
				t.Fatalf("%d attempts, want %d", len(a), tc.attempts)
			}
			if tc.pol.MaxAge > 0 {
				last := a[len(a)-1].at
				if !last.Equal(t0.Add(tc.pol.MaxAge)) {
					t.Fatalf("last attempt at +%v, want exactly at MaxAge", last.Sub(t0))
				}
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	st := &memStore{}
	st.enqueue(msg("m", "A", "", t0))
	var n atomic.Int32
	h := newHarness(t, Config{}, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
		if n.Add(1) == 1 {
			return Receipt{}, &RetryAfter{Wait: 17 * time.Minute, Err: errors.New("429")}
		}
		return ok(ctx, rec)
	})
	h.start(t)
	h.runUntil(t, t0.Add(time.Hour))
	a := h.d.attempts("A")
	if len(a) != 2 || a[1].at.Before(t0.Add(17*time.Minute)) {
		t.Fatalf("attempts at %v, want the second after 17m", a)
	}
	if r := st.get("m"); r.State != outbox.StateDelivered {
		t.Fatalf("state %s", r.State)
	}
}

func TestShutdown(t *testing.T) {
	t.Run("drains", func(t *testing.T) {
		st := &memStore{}
		st.enqueue(msg("m", "A", "", t0))
		release, started := make(chan struct{}), make(chan struct{})
		h := newHarness(t, Config{}, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
			close(started)
			<-release
			return ok(ctx, rec)
		})
		go func() { h.done <- h.r.Run(context.Background()) }()
		<-started
		res := make(chan error, 1)
		go func() { res <- h.r.Shutdown(context.Background()) }()
		if err := <-h.done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		select {
		case err := <-res:
			t.Fatalf("Shutdown returned %v with a delivery in flight", err)
		default:
		}
		close(release)
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		if r := st.get("m"); r.State != outbox.StateDelivered {
			t.Fatalf("state %s", r.State)
		}
		if err := h.r.Run(context.Background()); !errors.Is(err, ErrRunning) {
			t.Fatalf("second Run: %v", err)
		}
	})
	t.Run("deadline cancels", func(t *testing.T) {
		st := &memStore{}
		st.enqueue(msg("m", "A", "", t0))
		started := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		h := newHarness(t, Config{}, st, func(ctx context.Context, rec outbox.Record) (Receipt, error) {
			defer wg.Done()
			close(started)
			<-ctx.Done()
			return Receipt{}, ctx.Err()
		})
		go func() { h.done <- h.r.Run(context.Background()) }()
		<-started
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := h.r.Shutdown(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Shutdown: %v", err)
		}
		wg.Wait()
		<-h.done
		// The interrupted attempt is settled as a retry in the background.
		deadline := time.Now().Add(10 * time.Second)
		for st.get("m").State != outbox.StateQueued {
			if time.Now().After(deadline) {
				t.Fatalf("state %s", st.get("m").State)
			}
			time.Sleep(time.Millisecond)
		}
		if r := st.get("m"); r.LastError.Code != CodeShutdown || !r.NextAttempt.Equal(t0) {
			t.Fatalf("interrupted record: %+v next %v", r.LastError, r.NextAttempt)
		}
	})
}

// TestMaskedDueTimes: while open-breaker partner X has due records, the
// store's NextDue says "now"; the Relay must still deliver Y's retry at
// the time it set and not spin. With a NextDueSkipper store it also finds
// Y's first due time, which it did not set itself, exactly.
func TestMaskedDueTimes(t *testing.T) {
	for _, skipper := range []bool{false, true} {
		t.Run(fmt.Sprintf("skipper=%v", skipper), func(t *testing.T) {
			mem := &memStore{}
			var st Store = mem
			if skipper {
				st = skippingStore{mem}
			}
			for i := range 20 {
				mem.enqueue(msg(fmt.Sprintf("x%02d", i), "X", "", t0))
			}
			yDue := t0.Add(90 * time.Second) // after X's breaker opened
			mem.enqueue(msg("y", "Y", "", yDue))
			var yFails atomic.Int32
			h := newHarness(t, Config{Workers: 1, Policy: Policy{BreakerBase: 10 * time.Minute, BreakerCap: 10 * time.Minute}}, st,
				func(ctx context.Context, rec outbox.Record) (Receipt, error) {
					if rec.Partner == "X" || yFails.Add(1) == 1 {
						return Receipt{}, errors.New("down")
					}
					return ok(ctx, rec)
				})
			h.start(t)
			wakes := h.runUntil(t, t0.Add(5*time.Minute))
			y := h.d.attempts("Y")
			if len(y) != 2 || mem.get("y").State != outbox.StateDelivered {
				t.Fatalf("Y attempts %+v, state %s", y, mem.get("y").State)
			}
			// Y's retry time is known to the relay; it must be kept exactly:
			// within the first back-off window after the failure.
			if gap := y[1].at.Sub(y[0].at); gap > 5*time.Second {
				t.Fatalf("Y retried after %v, beyond its back-off window", gap)
			}
			if skipper && !y[0].at.Equal(yDue) {
				t.Fatalf("Y first attempted at +%v, want exactly at +%v", y[0].at.Sub(t0), yDue.Sub(t0))
			}
			if !skipper && y[0].at.Sub(yDue) > time.Minute {
				t.Fatalf("Y first attempted %v late, more than MaxSleep", y[0].at.Sub(yDue))
			}
			if len(h.d.attempts("X")) != 3 {
				t.Fatalf("X attempts %d, want 3 (then the breaker waits 10 minutes)", len(h.d.attempts("X")))
			}
			t.Logf("Y due +%v, attempted at +%v and +%v; %d wake-ups in 5 minutes",
				yDue.Sub(t0), y[0].at.Sub(t0), y[1].at.Sub(t0), wakes)
			if wakes > 10 {
				t.Fatalf("%d wake-ups in 5 minutes", wakes)
			}
		})
	}
}
