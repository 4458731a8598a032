package scheduler

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/errcode"
)

func TestWindow(t *testing.T) {
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, 5 * time.Second},
		{1, 5 * time.Second},
		{2, 10 * time.Second},
		{3, 20 * time.Second},
		{10, 2560 * time.Second},
		{11, time.Hour},
		{1000, time.Hour}, // no overflow
	}
	for _, tc := range tests {
		if got := window(5*time.Second, time.Hour, tc.n); got != tc.want {
			t.Errorf("window(n=%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestDecide(t *testing.T) {
	created := t0
	now := t0.Add(time.Minute)
	pol := Policy{}
	pol.setDefaults()
	rec := func(attempts int) outbox.Record {
		return outbox.Record{ID: "m", Partner: "A", Attempts: attempts, Created: created}
	}
	replayed := func(attempts int, at time.Time) outbox.Record {
		r := rec(attempts)
		r.Queued = at
		return r
	}
	maxJitter := func(n int64) int64 { return n - 1 }
	noJitter := func(int64) int64 { return 0 }
	tests := []struct {
		name   string
		rec    outbox.Record
		err    error
		pol    func(*Policy)
		jitter func(int64) int64
		now    time.Time
		want   outbox.Outcome
	}{
		{name: "delivered", rec: rec(1), err: nil,
			want: outbox.Delivered{Evidence: []byte("r"), At: now}},
		{name: "rejection with evidence", rec: rec(1), err: fmt.Errorf("send: %w", &Rejection{Code: "http-403", Evidence: []byte("body")}),
			want: outbox.Rejected{Evidence: []byte("body"), At: now, Err: outbox.ErrorInfo{Code: "http-403", Text: "send: rejected by partner (http-403)"}}},
		{name: "bare ErrPermanent", rec: rec(1), err: fmt.Errorf("http 404: %w", ErrPermanent),
			want: outbox.Rejected{At: now, Err: outbox.ErrorInfo{Code: CodeRejected, Text: "http 404: " + ErrPermanent.Error()}}},
		{name: "rejection carrying an XÖV code", rec: rec(1), err: &Rejection{Err: &errcode.Error{Code: errcode.SignatureInvalid, Op: "verify"}},
			want: outbox.Rejected{At: now, Err: outbox.ErrorInfo{Code: "T011", Text: "rejected by partner: T011 Signatur ungültig: verify"}}},
		{name: "first failure, max jitter", rec: rec(1), err: errors.New("refused"), jitter: maxJitter,
			want: outbox.Retry{At: now.Add(5 * time.Second), Now: now, Err: outbox.ErrorInfo{Code: CodeTransport, Text: "refused"}}},
		{name: "fourth failure, max jitter", rec: rec(4), err: &Transient{Code: "http-503"}, jitter: maxJitter,
			want: outbox.Retry{At: now.Add(40 * time.Second), Now: now, Err: outbox.ErrorInfo{Code: "http-503", Text: "http-503"}}},
		{name: "capped", rec: rec(40), err: &Transient{Code: "http-503"}, jitter: maxJitter,
			want: outbox.Retry{At: now.Add(time.Hour), Now: now, Err: outbox.ErrorInfo{Code: "http-503", Text: "http-503"}}},
		{name: "zero jitter retries at once", rec: rec(3), err: context.DeadlineExceeded, jitter: noJitter,
			want: outbox.Retry{At: now, Now: now, Err: outbox.ErrorInfo{Code: CodeTimeout, Text: "context deadline exceeded"}}},
		{name: "retry-after is a floor", rec: rec(1), err: &RetryAfter{Wait: 10 * time.Minute}, jitter: maxJitter,
			want: outbox.Retry{At: now.Add(10 * time.Minute), Now: now, Err: outbox.ErrorInfo{Code: CodeThrottled, Text: "retry after 10m0s"}}},
		{name: "retry-after with a code", rec: rec(1), err: &RetryAfter{Wait: time.Second, Err: &Transient{Code: "http-429"}}, jitter: maxJitter,
			want: outbox.Retry{At: now.Add(5 * time.Second), Now: now, Err: outbox.ErrorInfo{Code: "http-429", Text: "retry after 1s: http-429"}}},
		{name: "last retry at the deadline", rec: rec(12), err: errors.New("x"), jitter: maxJitter, now: created.Add(72*time.Hour - time.Minute),
			want: outbox.Retry{At: created.Add(72 * time.Hour), Now: created.Add(72*time.Hour - time.Minute), Err: outbox.ErrorInfo{Code: CodeTransport, Text: "x"}}},
		{name: "too old", rec: rec(50), err: errors.New("x"), now: created.Add(72 * time.Hour),
			want: outbox.Failed{At: created.Add(72 * time.Hour), Err: outbox.ErrorInfo{Code: CodeTransport, Text: "gave up after 50 attempts, older than 72h0m0s: x"}}},
		{name: "replayed: age counts from the replay", rec: replayed(1, created.Add(100*time.Hour)), err: errors.New("x"), jitter: noJitter, now: created.Add(101 * time.Hour),
			want: outbox.Retry{At: created.Add(101 * time.Hour), Now: created.Add(101 * time.Hour), Err: outbox.ErrorInfo{Code: CodeTransport, Text: "x"}}},
		{name: "replayed and too old again", rec: replayed(9, created.Add(100*time.Hour)), err: errors.New("x"), now: created.Add(172 * time.Hour),
			want: outbox.Failed{At: created.Add(172 * time.Hour), Err: outbox.ErrorInfo{Code: CodeTransport, Text: "gave up after 9 attempts, older than 72h0m0s: x"}}},
		{name: "attempts exhausted", rec: rec(5), err: errors.New("x"), pol: func(p *Policy) { p.MaxAttempts = 5 },
			want: outbox.Failed{At: now, Err: outbox.ErrorInfo{Code: CodeTransport, Text: "gave up after 5 attempts: x"}}},
		{name: "attempts left", rec: rec(4), err: errors.New("x"), pol: func(p *Policy) { p.MaxAttempts = 5 }, jitter: noJitter,
			want: outbox.Retry{At: now, Now: now, Err: outbox.ErrorInfo{Code: CodeTransport, Text: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pol
			if tc.pol != nil {
				tc.pol(&p)
			}
			j := tc.jitter
			if j == nil {
				j = func(int64) int64 { t.Fatal("jitter used"); return 0 }
			}
			at := now
			if !tc.now.IsZero() {
				at = tc.now
			}
			got := decide(tc.rec, Receipt{Evidence: []byte("r")}, tc.err, at, p, j)
			if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestBreakerRecord(t *testing.T) {
	p := Policy{}
	p.setDefaults()
	var b breaker
	now := t0
	for i := 1; i <= 2; i++ {
		if opened, _ := b.record(resultDown, false, now, p); opened || b.open {
			t.Fatalf("opened after %d failures", i)
		}
	}
	if opened, _ := b.record(resultDown, false, now, p); !opened || !b.probeAt.Equal(now.Add(5*time.Second)) {
		t.Fatalf("third failure: opened=%v probeAt=%v", opened, b.probeAt)
	}
	if b.probeDue(now.Add(4*time.Second)) || !b.probeDue(now.Add(5*time.Second)) {
		t.Fatal("probe due at the wrong time")
	}
	// A straggler failing while open changes nothing.
	b.record(resultDown, false, now.Add(time.Second), p)
	if !b.probeAt.Equal(now.Add(5 * time.Second)) {
		t.Fatal("straggler moved the probe")
	}
	// Failed probes double the interval up to the cap.
	at := now.Add(5 * time.Second)
	for _, gap := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second} {
		b.probing = true
		b.record(resultDown, true, at, p)
		if b.probing || !b.probeAt.Equal(at.Add(gap)) {
			t.Fatalf("after failed probe at %v: probeAt %v, want +%v", at.Sub(now), b.probeAt.Sub(now), gap)
		}
		at = b.probeAt
	}
	b.record(resultNeutral, true, at, p)
	if !b.open {
		t.Fatal("an interrupted probe closed the breaker")
	}
	if _, closed := b.record(resultUp, true, at, p); !closed || !b.idle() {
		t.Fatal("success did not close the breaker")
	}
	// Successes in between reset the count: failures must be consecutive.
	b.record(resultDown, false, at, p)
	b.record(resultDown, false, at, p)
	b.record(resultUp, false, at, p)
	if opened, _ := b.record(resultDown, false, at, p); opened {
		t.Fatal("non-consecutive failures opened the breaker")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"routes inherit", Config{Routes: map[string]Policy{"dbs:azr": {Base: time.Second}}}, true},
		{"route cap below base", Config{Routes: map[string]Policy{"dbs:azr": {Base: 2 * time.Hour}}}, false},
		{"empty route name", Config{Routes: map[string]Policy{"": {}}}, false},
		{"negative workers", Config{Workers: -1}, false},
		{"deliver timeout not below lease", Config{LeaseFor: time.Minute, DeliverTimeout: time.Minute}, false},
		{"negative max attempts", Config{Policy: Policy{MaxAttempts: -1}}, false},
		{"breaker cap below base", Config{Policy: Policy{BreakerBase: time.Hour}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.setDefaults()
			if err := cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			_, err := New(tc.cfg, &memStore{}, &scriptDeliverer{})
			if (err == nil) != tc.ok {
				t.Fatalf("New() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if _, err := New(Config{}, nil, &scriptDeliverer{}); err == nil {
		t.Fatal("New without a store succeeded")
	}
}

func TestRoutePolicy(t *testing.T) {
	r, err := New(Config{Routes: map[string]Policy{"dbs:azr": {Base: time.Second, MaxAttempts: 2}}}, &memStore{}, &scriptDeliverer{})
	if err != nil {
		t.Fatal(err)
	}
	p := r.policy("dbs:azr")
	if p.Base != time.Second || p.MaxAttempts != 2 || p.Cap != time.Hour || p.MaxAge != 72*time.Hour || p.BreakerThreshold != 3 {
		t.Fatalf("route policy %+v", p)
	}
	if d := r.policy("other"); d.Base != 5*time.Second || d.MaxAttempts != 0 {
		t.Fatalf("default policy %+v", d)
	}
}
