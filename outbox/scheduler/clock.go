package scheduler

import "github.com/xgate/xgate/internal/clock"

// Clock is the Relay's source of time: "now" for claims and outcomes, and
// timers for sleeping until the next due record. It is xgate's one clock
// type; tests inject a fake one.
type Clock = clock.TimerClock

// Timer is the part of *time.Timer the Relay uses.
type Timer = clock.Timer

// Rand is the jitter source: Int64N returns a uniform number in [0, n).
// *math/rand/v2.Rand implements it. The Relay serialises its calls.
type Rand interface {
	Int64N(n int64) int64
}
