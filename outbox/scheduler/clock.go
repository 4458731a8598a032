package scheduler

import "time"

// Clock is the Relay's source of time: "now" for claims and outcomes, and
// timers for sleeping until the next due record. Tests inject a fake one.
// Implementations must be safe for concurrent use.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once, d from now.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the Relay uses.
type Timer interface {
	// C delivers the time when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// Rand is the jitter source: Int64N returns a uniform number in [0, n).
// *math/rand/v2.Rand implements it. The Relay serialises its calls.
type Rand interface {
	Int64N(n int64) int64
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }
