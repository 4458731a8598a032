package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fakeClock is a manual clock: timers fire only when Set moves time past
// their deadline.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	ch      chan time.Time
	pending bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	t.pending = true
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.pending
	t.pending = false
	t.c.timers = slices.DeleteFunc(t.c.timers, func(x *fakeTimer) bool { return x == t })
	return was
}

// Set moves the clock to at (never backwards) and fires due timers.
func (c *fakeClock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.Before(c.now) {
		panic("fake clock going backwards")
	}
	c.now = at
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.at.After(at) {
			return false
		}
		t.pending = false
		t.ch <- at
		return true
	})
}

// memStore is an in-memory outbox for the Relay's unit tests. It keeps the
// parts of the outbox.Store contract the Relay relies on: per (partner,
// ordering key) only the oldest unfinished record is claimable, Claim
// counts the attempt and returns earliest due first, Settle checks the
// lease, NextDue looks at chain heads.
type memStore struct {
	mu    sync.Mutex
	recs  []*outbox.Record // by Seq
	token uint64
}

func (s *memStore) enqueue(m outbox.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := m.OrderingKey
	if key == "" {
		key = m.ID
	}
	s.recs = append(s.recs, &outbox.Record{
		ID: m.ID, Direction: outbox.DirOut, Partner: m.Partner, Type: m.Type, OrderingKey: key,
		Seq: uint64(len(s.recs) + 1), State: outbox.StateQueued, NextAttempt: m.At,
		Created: m.At, Updated: m.At, Sealed: m.Sealed,
	})
}

func (s *memStore) get(id string) outbox.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if r.ID == id {
			return *r
		}
	}
	panic("no record " + id)
}

func (s *memStore) all() []outbox.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]outbox.Record, len(s.recs))
	for i, r := range s.recs {
		out[i] = *r
	}
	return out
}

func unfinished(st outbox.State) bool { return st == outbox.StateQueued || st == outbox.StateSending }

// heads returns the chain heads: the oldest unfinished record per key.
func (s *memStore) heads() []*outbox.Record {
	seen := map[[2]string]bool{}
	var out []*outbox.Record
	for _, r := range s.recs {
		k := [2]string{r.Partner, r.OrderingKey}
		if seen[k] || !unfinished(r.State) {
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out
}

func due(r *outbox.Record) time.Time {
	if r.State == outbox.StateSending {
		return r.Lease.Until
	}
	return r.NextAttempt
}

func (s *memStore) Claim(_ context.Context, p outbox.ClaimParams) ([]outbox.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cands []*outbox.Record
	for _, r := range s.heads() {
		if due(r).After(p.Now) ||
			(len(p.Partners) > 0 && !slices.Contains(p.Partners, r.Partner)) ||
			slices.Contains(p.SkipPartners, r.Partner) {
			continue
		}
		cands = append(cands, r)
	}
	slices.SortStableFunc(cands, func(a, b *outbox.Record) int { return due(a).Compare(due(b)) })
	var out []outbox.Record
	for _, r := range cands[:min(len(cands), max(p.Max, 1))] {
		s.token++
		r.State = outbox.StateSending
		r.Attempts++
		r.Lease = &outbox.Lease{Owner: p.Owner, Token: s.token, Until: p.Now.Add(p.LeaseFor)}
		c := *r
		l := *r.Lease
		c.Lease = &l
		out = append(out, c)
	}
	return out, nil
}

func (s *memStore) Settle(_ context.Context, id string, lease outbox.Lease, o outbox.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recs {
		if r.ID != id {
			continue
		}
		if r.State != outbox.StateSending || r.Lease == nil || *r.Lease != lease {
			return outbox.ErrLeaseLost
		}
		r.Lease = nil
		switch o := o.(type) {
		case outbox.Delivered:
			r.State, r.Evidence, r.Updated = outbox.StateDelivered, o.Evidence, o.At
		case outbox.Retry:
			e := o.Err
			r.State, r.NextAttempt, r.LastError, r.Updated = outbox.StateQueued, o.At, &e, o.Now
		case outbox.Rejected:
			e := o.Err
			r.State, r.Evidence, r.LastError, r.Updated = outbox.StateRejected, o.Evidence, &e, o.At
		case outbox.Failed:
			e := o.Err
			r.State, r.LastError, r.Updated = outbox.StateFailed, &e, o.At
		default:
			return fmt.Errorf("unknown outcome %T", o)
		}
		return nil
	}
	return outbox.ErrNotFound
}

func (s *memStore) NextDue(context.Context) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		best time.Time
		ok   bool
	)
	for _, r := range s.heads() {
		if d := due(r); !ok || d.Before(best) {
			best, ok = d, true
		}
	}
	return best, ok, nil
}

// attempt is one Deliver call as the deliverer saw it.
type attempt struct {
	id, partner string
	at          time.Time
	ok          bool
}

// scriptDeliverer answers with fn and records every call.
type scriptDeliverer struct {
	clock Clock
	fn    func(ctx context.Context, rec outbox.Record) (Receipt, error)

	mu          sync.Mutex
	log         []attempt
	inflight    map[string]int // per partner
	maxInflight map[string]int
}

func (d *scriptDeliverer) Deliver(ctx context.Context, rec outbox.Record) (Receipt, error) {
	d.mu.Lock()
	if d.inflight == nil {
		d.inflight, d.maxInflight = map[string]int{}, map[string]int{}
	}
	d.inflight[rec.Partner]++
	d.maxInflight[rec.Partner] = max(d.maxInflight[rec.Partner], d.inflight[rec.Partner])
	d.mu.Unlock()

	rc, err := d.fn(ctx, rec)

	d.mu.Lock()
	d.inflight[rec.Partner]--
	d.log = append(d.log, attempt{id: rec.ID, partner: rec.Partner, at: d.clock.Now(), ok: err == nil})
	d.mu.Unlock()
	return rc, err
}

func (d *scriptDeliverer) attempts(partner string) []attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []attempt
	for _, a := range d.log {
		if partner == "" || a.partner == partner {
			out = append(out, a)
		}
	}
	return out
}

// harness runs a Relay on a fake clock.
type harness struct {
	clock *fakeClock
	store Store
	d     *scriptDeliverer
	r     *Relay
	done  chan error
}

func newHarness(t *testing.T, cfg Config, store Store, fn func(context.Context, outbox.Record) (Receipt, error)) *harness {
	t.Helper()
	h := &harness{clock: newFakeClock(), store: store, done: make(chan error, 1)}
	if cfg.Clock == nil {
		cfg.Clock = h.clock
	} else {
		h.clock = cfg.Clock.(*fakeClock)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	cfg.Owner = "test-relay"
	h.d = &scriptDeliverer{clock: cfg.Clock, fn: fn}
	r, err := New(cfg, store, h.d)
	if err != nil {
		t.Fatal(err)
	}
	h.r = r
	return h
}

func (h *harness) start(t *testing.T) {
	t.Helper()
	go func() { h.done <- h.r.Run(context.Background()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// quiescent reports whether the Relay is asleep on a timer that has not
// fired, with nothing in flight and no wake-up pending, and until when.
func (r *Relay) quiescent(now time.Time) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sleepUntil, r.sleeping && !r.pending && r.inflight == 0 && r.sleepUntil.After(now)
}

// waitIdle waits (on the wall clock, as a deadlock guard only) until the
// Relay is quiescent and returns its wake-up time.
func (h *harness) waitIdle(t *testing.T) time.Time {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if until, ok := h.r.quiescent(h.clock.Now()); ok {
			return until
		}
		if time.Now().After(deadline) {
			t.Fatal("relay never became idle")
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// runUntil lets the Relay run on the fake clock, jumping from one wake-up
// to the next, until end. It returns the number of wake-ups.
func (h *harness) runUntil(t *testing.T, end time.Time) int {
	t.Helper()
	wakes := 0
	for range 100000 {
		until := h.waitIdle(t)
		if until.After(end) {
			h.clock.Set(end)
			h.waitIdle(t)
			return wakes
		}
		h.clock.Set(until)
		wakes++
	}
	t.Fatal("relay keeps waking up: spinning?")
	return wakes
}

func msg(id, partner, key string, at time.Time) outbox.Message {
	return outbox.Message{ID: id, Partner: partner, Type: "000001", OrderingKey: key, Sealed: []byte("sealed " + id), At: at, Actor: "test"}
}

// countingStore counts the Relay's store calls.
type countingStore struct {
	Store
	claims, settles, nextDues atomic.Int64
}

func (s *countingStore) Claim(ctx context.Context, p outbox.ClaimParams) ([]outbox.Record, error) {
	s.claims.Add(1)
	return s.Store.Claim(ctx, p)
}

func (s *countingStore) Settle(ctx context.Context, id string, l outbox.Lease, o outbox.Outcome) error {
	s.settles.Add(1)
	return s.Store.Settle(ctx, id, l, o)
}

func (s *countingStore) NextDue(ctx context.Context) (time.Time, bool, error) {
	s.nextDues.Add(1)
	return s.Store.NextDue(ctx)
}

// skippingStore is a memStore with the NextDueSkipper capability.
type skippingStore struct{ *memStore }

func (s skippingStore) NextDueSkipping(_ context.Context, skip []string) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		best time.Time
		ok   bool
	)
	for _, r := range s.heads() {
		if slices.Contains(skip, r.Partner) {
			continue
		}
		if d := due(r); !ok || d.Before(best) {
			best, ok = d, true
		}
	}
	return best, ok, nil
}
