package scheduler

import (
	"errors"
	"fmt"
	"time"

	"github.com/xgate/xgate/outbox"
)

// window is the back-off window after the n-th failed attempt (n ≥ 1):
// min(cap, base·2^(n-1)), without overflow.
func window(base, cap time.Duration, n int) time.Duration {
	w := base
	for i := 1; i < n && w < cap; i++ {
		w *= 2
	}
	return min(w, cap)
}

// decide turns the result of one delivery attempt into the outcome to
// settle. now is when the attempt ended; jitter(n) returns a number in
// [0, n). rec.Attempts, as Claim returns it, counts this attempt too
// (outbox.Store contract: the first claim returns Attempts 1).
func decide(rec outbox.Record, receipt Receipt, err error, now time.Time, p Policy, jitter func(int64) int64) outbox.Outcome {
	if err == nil {
		return outbox.Delivered{Evidence: receipt.Evidence, At: now}
	}
	info := outbox.ErrorInfo{Code: codeOf(err), Text: err.Error()}
	if errors.Is(err, ErrPermanent) {
		var rej *Rejection
		var evidence []byte
		if errors.As(err, &rej) {
			evidence = rej.Evidence
		}
		return outbox.Rejected{Evidence: evidence, At: now, Err: info}
	}

	attempt := max(rec.Attempts, 1)
	if p.MaxAttempts > 0 && attempt >= p.MaxAttempts {
		info.Text = fmt.Sprintf("gave up after %d attempts: %s", attempt, info.Text)
		return outbox.Failed{At: now, Err: info}
	}
	start := rec.Queued
	if start.IsZero() {
		start = rec.Created
	}
	deadline := start.Add(p.MaxAge)
	if !now.Before(deadline) {
		info.Text = fmt.Sprintf("gave up after %d attempts, older than %s: %s", attempt, p.MaxAge, info.Text)
		return outbox.Failed{At: now, Err: info}
	}
	delay := time.Duration(jitter(int64(window(p.Base, p.Cap, attempt)) + 1))
	var ra *RetryAfter
	if errors.As(err, &ra) {
		delay = max(delay, ra.Wait)
	}
	at := now.Add(delay)
	if at.After(deadline) {
		at = deadline // one last try at the end of its life
	}
	return outbox.Retry{At: at, Now: now, Err: info}
}
