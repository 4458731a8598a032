package scheduler

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/outbox"
)

// Store is the part of outbox.Store the Relay uses. Its methods must be
// safe for concurrent use; see outbox.Store for their contracts (Claim
// keeps the per ordering-key FIFO, Settle returns outbox.ErrLeaseLost,
// NextDue lets the Relay sleep instead of polling).
type Store interface {
	Claim(ctx context.Context, p outbox.ClaimParams) ([]outbox.Record, error)
	Settle(ctx context.Context, id string, lease outbox.Lease, o outbox.Outcome) error
	NextDue(ctx context.Context) (t time.Time, ok bool, err error)
}

// NextDueSkipper is an optional Store capability, detected with a type
// assertion: NextDue leaving out the given partners. With it the Relay
// knows the exact next due time even while partners with an open circuit
// breaker have due records; without it those records hide every later due
// time (see the package Caveats).
type NextDueSkipper interface {
	// NextDueSkipping is NextDue over the records of partners not in skip.
	NextDueSkipping(ctx context.Context, skip []string) (t time.Time, ok bool, err error)
}

// Deliverer sends one sealed message to its partner.
type Deliverer interface {
	// Deliver sends rec.Sealed to rec.Partner and returns the partner's
	// transport receipt. Errors follow the protocol documented at
	// ErrPermanent: permanent refusals are ErrPermanent (a *Rejection
	// carries code and evidence), everything else is transient (a
	// *RetryAfter sets a minimum wait, a *Transient a code).
	//
	// Deliver is called from several goroutines at once (Config.Workers),
	// must return when ctx is done, and must not keep rec's byte slices
	// after it returns.
	Deliver(ctx context.Context, rec outbox.Record) (Receipt, error)
}

// DelivererFunc adapts a function to Deliverer.
type DelivererFunc func(ctx context.Context, rec outbox.Record) (Receipt, error)

// Deliver calls f.
func (f DelivererFunc) Deliver(ctx context.Context, rec outbox.Record) (Receipt, error) {
	return f(ctx, rec)
}

// Receipt is the proof of a successful delivery.
type Receipt struct {
	// Evidence is the partner's signed transport receipt; it is stored
	// with the record.
	Evidence []byte
}

// Log attribute keys.
const (
	keyMsgID   = "msg_id"
	keyPartner = "partner"
	keyAttempt = "outbox_attempt"
	keyCode    = "err_code"
	keyRetryAt = "retry_at"
)

// settleTimeout bounds a Settle after a delivery, which runs even while
// shutting down.
const settleTimeout = 30 * time.Second

// maxKnown bounds the remembered future due times.
const maxKnown = 4096

// Relay claims due outbound records from the store and delivers them,
// with per-route back-off, a per-partner circuit breaker and at most
// Config.Workers deliveries in flight. Between due times it sleeps: it
// wakes at the store's NextDue, at a breaker's probe time, on Notify, when
// a delivery ends, and at the latest after Config.MaxSleep.
type Relay struct {
	cfg      Config
	store    Store
	d        Deliverer
	log      *slog.Logger
	policies map[string]Policy

	randMu sync.Mutex

	mu         sync.Mutex
	breakers   map[string]*breaker
	inflight   int
	pending    bool // a wake-up arrived (Notify, a delivery ended)
	sleeping   bool
	sleepUntil time.Time
	known      timeHeap  // future due times set by our own Retry outcomes
	hint       time.Time // the last future NextDue

	wakeCh   chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	started  atomic.Bool
	loopDone chan struct{}

	hardCtx    context.Context // parent of deliveries; cancelled when Shutdown gives up
	hardCancel context.CancelFunc
	wg         sync.WaitGroup // deliveries in flight
}

// New returns a Relay that delivers records of store through d.
func New(cfg Config, store Store, d Deliverer) (*Relay, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("scheduler: invalid config: %w", err)
	}
	if store == nil || d == nil {
		return nil, errors.New("scheduler: store and deliverer are required")
	}
	pol := make(map[string]Policy, len(cfg.Routes))
	for partner, p := range cfg.Routes {
		p.inherit(cfg.Policy)
		pol[partner] = p
	}
	hard, cancel := context.WithCancel(context.Background())
	return &Relay{
		cfg:        cfg,
		store:      store,
		d:          d,
		log:        cfg.Logger.With("component", "relay", "owner", cfg.Owner),
		policies:   pol,
		breakers:   map[string]*breaker{},
		wakeCh:     make(chan struct{}, 1),
		stop:       make(chan struct{}),
		loopDone:   make(chan struct{}),
		hardCtx:    hard,
		hardCancel: cancel,
	}, nil
}

// Notify tells the Relay that a record may have become due (intake calls
// it after Enqueue, the admin API after a replay). It never blocks and is
// safe for concurrent use.
func (r *Relay) Notify() {
	r.mu.Lock()
	r.poke()
	r.mu.Unlock()
}

// poke records a wake-up; r.mu is held.
func (r *Relay) poke() {
	r.pending = true
	select {
	case r.wakeCh <- struct{}{}:
	default:
	}
}

// Run claims and delivers until ctx is done or Shutdown is called, then
// returns nil; deliveries in flight go on (Shutdown waits for them). It
// returns an error only if the store is closed under it, and ErrRunning
// if called twice.
func (r *Relay) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer close(r.loopDone)
	for {
		if ctx.Err() != nil || r.stopped() {
			return nil
		}
		wakeAt, err := r.fill(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, outbox.ErrClosed) {
				return fmt.Errorf("scheduler: %w", err)
			}
			r.log.Error("store call failed; pausing", "err", err, "pause", r.cfg.StoreRetry)
			wakeAt = r.cfg.Clock.Now().Add(r.cfg.StoreRetry)
		}
		r.sleep(ctx, wakeAt)
	}
}

// Shutdown stops claiming and waits for the deliveries in flight to end
// and settle. If ctx ends first it cancels them (each is then settled as a
// retry, in the background) and returns ctx.Err(); records whose settle
// does not happen stay sending until the store's crash recovery or their
// lease returns them to queued.
func (r *Relay) Shutdown(ctx context.Context) error {
	r.stopOnce.Do(func() { close(r.stop) })
	if r.started.Load() {
		select {
		case <-r.loopDone:
		case <-ctx.Done():
			r.hardCancel()
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		r.hardCancel()
		return nil
	case <-ctx.Done():
		r.hardCancel()
		return ctx.Err()
	}
}

func (r *Relay) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// fill claims and dispatches due records until the workers are busy or
// nothing more is due, then returns when to look again.
func (r *Relay) fill(ctx context.Context) (time.Time, error) {
	var now time.Time
	for {
		now = r.cfg.Clock.Now()
		free := r.free()
		if free == 0 {
			return now.Add(r.cfg.MaxSleep), nil // a delivery's end wakes us
		}
		for _, p := range r.probesDue(now) {
			if free == 0 {
				break
			}
			recs, err := r.store.Claim(ctx, r.params(now, 1, []string{p}, nil))
			if err != nil {
				return time.Time{}, fmt.Errorf("claim probe: %w", err)
			}
			for _, rec := range recs {
				r.dispatch(rec, rec.Partner == p)
				free--
			}
		}
		if free == 0 {
			continue
		}
		n := min(free, r.cfg.ClaimBatch)
		recs, err := r.store.Claim(ctx, r.params(now, n, nil, r.skipped()))
		if err != nil {
			return time.Time{}, fmt.Errorf("claim: %w", err)
		}
		for _, rec := range recs {
			r.dispatch(rec, false)
		}
		if len(recs) < n {
			break
		}
	}

	var (
		next time.Time
		ok   bool
		err  error
	)
	if ns, can := r.store.(NextDueSkipper); can {
		next, ok, err = ns.NextDueSkipping(ctx, r.waiting(now))
	} else {
		next, ok, err = r.store.NextDue(ctx)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("next due: %w", err)
	}
	wake := now.Add(r.cfg.MaxSleep)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.breakers {
		if b.open && !b.probing && b.probeAt.After(now) {
			wake = minTime(wake, b.probeAt)
		}
	}
	if ok && next.After(now) {
		// The exact answer: nothing claimable is due before next.
		r.hint = next
		return minTime(wake, next), nil
	}
	// Either nothing is stored (wait for Notify), or what is due belongs to
	// partners behind an open breaker and hides every later due time: use
	// the due times we know of.
	for r.known.Len() > 0 && !r.known[0].After(now) {
		heap.Pop(&r.known)
	}
	if r.known.Len() > 0 {
		wake = minTime(wake, r.known[0])
	}
	if r.hint.After(now) {
		wake = minTime(wake, r.hint)
	}
	return wake, nil
}

func (r *Relay) params(now time.Time, max int, partners, skip []string) outbox.ClaimParams {
	return outbox.ClaimParams{
		Owner:        r.cfg.Owner,
		Max:          max,
		LeaseFor:     r.cfg.LeaseFor,
		Now:          now,
		Partners:     partners,
		SkipPartners: skip,
	}
}

// sleep waits until wakeAt, a wake-up, ctx or Shutdown.
func (r *Relay) sleep(ctx context.Context, wakeAt time.Time) {
	r.mu.Lock()
	d := wakeAt.Sub(r.cfg.Clock.Now())
	if r.pending || d <= 0 {
		r.pending = false
		select {
		case <-r.wakeCh:
		default:
		}
		r.mu.Unlock()
		return
	}
	t := r.cfg.Clock.NewTimer(d)
	r.sleeping, r.sleepUntil = true, wakeAt
	r.mu.Unlock()

	select {
	case <-t.C():
	case <-r.wakeCh:
	case <-ctx.Done():
	case <-r.stop:
	}
	t.Stop()

	r.mu.Lock()
	r.sleeping, r.pending = false, false
	select {
	case <-r.wakeCh:
	default:
	}
	r.mu.Unlock()
}

func (r *Relay) free() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.Workers - r.inflight
}

// probesDue lists the partners whose breaker allows a probe now.
func (r *Relay) probesDue(now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p, b := range r.breakers {
		if b.probeDue(now) {
			out = append(out, p)
		}
	}
	return out
}

// skipped lists the partners general claims leave out.
func (r *Relay) skipped() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p, b := range r.breakers {
		if b.skip() {
			out = append(out, p)
		}
	}
	return out
}

// waiting lists the partners whose due records cannot be claimed before
// a breaker event: open, and either probing or not yet due for a probe.
func (r *Relay) waiting(now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p, b := range r.breakers {
		if b.open && (b.probing || now.Before(b.probeAt)) {
			out = append(out, p)
		}
	}
	return out
}

func (r *Relay) breaker(partner string) *breaker {
	b, ok := r.breakers[partner]
	if !ok {
		b = &breaker{}
		r.breakers[partner] = b
	}
	return b
}

func (r *Relay) policy(partner string) Policy {
	if p, ok := r.policies[partner]; ok {
		return p
	}
	return r.cfg.Policy
}

func (r *Relay) jitter(n int64) int64 {
	r.randMu.Lock()
	defer r.randMu.Unlock()
	return r.cfg.Rand.Int64N(n)
}

func (r *Relay) dispatch(rec outbox.Record, probe bool) {
	r.mu.Lock()
	r.inflight++
	if probe {
		r.breaker(rec.Partner).probing = true
	}
	r.mu.Unlock()
	r.wg.Add(1)
	go r.deliver(rec, probe)
}

// deliver makes one attempt, settles its outcome and updates the breaker.
func (r *Relay) deliver(rec outbox.Record, probe bool) {
	defer r.wg.Done()
	log := r.log.With(keyMsgID, rec.ID, keyPartner, rec.Partner, keyAttempt, rec.Attempts)

	ctx, cancel := context.WithTimeout(r.hardCtx, r.cfg.DeliverTimeout)
	receipt, err := r.d.Deliver(ctx, rec)
	cancel()
	now := r.cfg.Clock.Now()
	pol := r.policy(rec.Partner)

	var (
		o   outbox.Outcome
		res = resultUp
	)
	switch {
	case err != nil && r.hardCtx.Err() != nil:
		o = outbox.Retry{At: now, Now: now, Err: outbox.ErrorInfo{Code: CodeShutdown, Text: "interrupted by shutdown: " + err.Error()}}
		res = resultNeutral
	default:
		o = decide(rec, receipt, err, now, pol, r.jitter)
		if err != nil && !errors.Is(err, ErrPermanent) {
			res = resultDown
		}
	}

	var serr error
	if rec.Lease == nil {
		serr = errors.New("claimed record has no lease")
	} else {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(r.hardCtx), settleTimeout)
		serr = r.store.Settle(sctx, rec.ID, *rec.Lease, o)
		scancel()
	}

	r.mu.Lock()
	b := r.breaker(rec.Partner)
	opened, closed := b.record(res, probe, now, pol)
	probeAt := b.probeAt
	if b.idle() {
		delete(r.breakers, rec.Partner)
	}
	if rt, ok := o.(outbox.Retry); ok && serr == nil && !b.open && r.known.Len() < maxKnown {
		// Remembered for when an open breaker hides it from NextDue; a
		// record behind this open breaker waits for the probe anyway.
		heap.Push(&r.known, rt.At)
	}
	r.inflight--
	r.poke()
	r.mu.Unlock()

	switch {
	case errors.Is(serr, outbox.ErrLeaseLost):
		log.Warn("lease lost before settle; another worker owns the record")
	case serr != nil:
		log.Error("settle failed; the record returns when its lease expires", "err", serr)
	}
	if serr == nil {
		switch o := o.(type) {
		case outbox.Delivered:
			log.Debug("delivered", "probe", probe)
		case outbox.Retry:
			log.Info("delivery failed, will retry", keyCode, o.Err.Code, keyRetryAt, o.At, "probe", probe)
		case outbox.Rejected:
			log.Warn("rejected by partner", keyCode, o.Err.Code)
		case outbox.Failed:
			log.Error("delivery given up", keyCode, o.Err.Code)
		}
	}
	if opened {
		log.Warn("circuit breaker opened", "probe_at", probeAt)
	}
	if closed {
		log.Info("circuit breaker closed")
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// timeHeap is a min-heap of times.
type timeHeap []time.Time

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h timeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timeHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *timeHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// Breakers reports, for every partner the relay has delivered to, whether
// its circuit breaker is open (metrics: breaker state per partner).
func (r *Relay) Breakers() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]bool, len(r.breakers))
	for p, b := range r.breakers {
		out[p] = b.open
	}
	return out
}
