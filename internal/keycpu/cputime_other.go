//go:build !(linux || darwin || freebsd)

package keycpu

import "time"

// threadCPU has no per-thread CPU clock to read here: nothing is
// recorded.
func threadCPU() (time.Duration, bool) { return 0, false }
