package keycpu

// Measured reports whether this system has the per-thread CPU clock.
func Measured() bool {
	_, ok := threadCPU()
	return ok
}
