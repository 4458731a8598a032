package scheduler

import "time"

// breaker is the circuit breaker of one partner. Closed, it counts
// consecutive transient failures; at the policy's threshold it opens. Open,
// the partner gets no claims until probeAt; then exactly one record is
// claimed for it (the probe). A success — or a permanent refusal, which
// also proves the partner is reachable — closes the breaker; a transient
// failure of the probe opens it again for twice as long, up to
// BreakerCap. Results of deliveries that were already in flight when the
// breaker opened count only if they succeed.
//
// The Relay guards breakers with its mutex.
type breaker struct {
	failures int       // consecutive transient failures while closed
	open     bool      //
	probeAt  time.Time // open: when the next probe may be claimed
	probing  bool      // open: a probe is in flight
	fails    int       // open: failed probes since it opened
}

// result is what a delivery attempt says about the partner.
type result int

const (
	resultUp      result = iota // delivered or refused: the partner answered
	resultDown                  // transient failure
	resultNeutral               // interrupted by our own shutdown: says nothing
)

// record applies the result of an attempt (probe says whether it was the
// probe) and reports whether the breaker changed between open and closed.
func (b *breaker) record(r result, probe bool, now time.Time, p Policy) (opened, closed bool) {
	if probe {
		b.probing = false
	}
	switch r {
	case resultUp:
		wasOpen := b.open
		*b = breaker{}
		return false, wasOpen
	case resultDown:
		if !b.open {
			b.failures++
			if b.failures >= p.BreakerThreshold {
				b.open, b.fails = true, 0
				b.probeAt = now.Add(p.BreakerBase)
				return true, false
			}
			return false, false
		}
		if probe {
			b.fails++
			b.probeAt = now.Add(window(p.BreakerBase, p.BreakerCap, b.fails+1))
		}
	case resultNeutral:
	}
	return false, false
}

// skip reports whether general claims must leave the partner out.
func (b *breaker) skip() bool { return b.open }

// probeDue reports whether a probe may be claimed now.
func (b *breaker) probeDue(now time.Time) bool {
	return b.open && !b.probing && !now.Before(b.probeAt)
}

// idle reports whether the breaker holds no information and can be
// forgotten.
func (b *breaker) idle() bool { return !b.open && b.failures == 0 }
