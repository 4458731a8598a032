// Package keycpu measures the CPU time of private-key operations. Signer
// and Decrypter wrap a crypto.Signer or crypto.Decrypter; every Sign or
// Decrypt runs with its goroutine locked to its OS thread, and the CPU
// time that thread spent in the call (CLOCK_THREAD_CPUTIME_ID before and
// after) goes to a Recorder. The gateway reports it as Prometheus
// counters, so that xgate bench can split a message's CPU into its
// private-key operations and everything else.
//
// The time is the calling thread's CPU time, not wall time: waiting for a
// core does not count; work the runtime does on that thread during the
// call (a GC assist for the call's allocations) does. Where the operating
// system has no per-thread CPU clock (only Linux, macOS and FreeBSD are
// measured) the operations run unmeasured and nothing is recorded.
package keycpu

import (
	"crypto"
	"io"
	"runtime"
	"time"
)

// Op names a private-key operation; it is the value of the metrics' op
// label.
type Op string

// The operations.
const (
	OpSign    Op = "sign"
	OpDecrypt Op = "decrypt"
)

// Recorder receives each measured operation. It is called after every
// Sign and Decrypt, failed or not (the CPU was spent either way), from
// the goroutine that made the call: it must be safe for concurrent use
// and cheap.
type Recorder interface {
	RecordKeyOp(op Op, cpu time.Duration)
}

// Signer returns k with the CPU time of every Sign reported to r. Public
// is k's. A nil r measures nothing: Signer returns k itself (and nil for
// a nil k).
func Signer(k crypto.Signer, r Recorder) crypto.Signer {
	if k == nil || r == nil {
		return k
	}
	return signer{k: k, r: r}
}

// Decrypter returns k with the CPU time of every Decrypt reported to r.
// Public is k's. A nil r measures nothing: Decrypter returns k itself
// (and nil for a nil k).
func Decrypter(k crypto.Decrypter, r Recorder) crypto.Decrypter {
	if k == nil || r == nil {
		return k
	}
	return decrypter{k: k, r: r}
}

type signer struct {
	k crypto.Signer
	r Recorder
}

func (s signer) Public() crypto.PublicKey { return s.k.Public() }

func (s signer) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) (sig []byte, err error) {
	measure(s.r, OpSign, func() { sig, err = s.k.Sign(rand, digest, opts) })
	return sig, err
}

type decrypter struct {
	k crypto.Decrypter
	r Recorder
}

func (d decrypter) Public() crypto.PublicKey { return d.k.Public() }

func (d decrypter) Decrypt(rand io.Reader, msg []byte, opts crypto.DecrypterOpts) (plain []byte, err error) {
	measure(d.r, OpDecrypt, func() { plain, err = d.k.Decrypt(rand, msg, opts) })
	return plain, err
}

// measure runs f on one OS thread and records that thread's CPU time in
// it. A panic in f is not recorded and leaves the thread unlocked.
func measure(r Recorder, op Op, f func()) {
	if d, ok := Measure(f); ok {
		r.RecordKeyOp(op, d)
	}
}

// Measure runs f with its goroutine locked to its OS thread and returns
// the CPU time that thread spent in f; ok is false where there is no
// per-thread CPU clock (f still runs). A panic in f propagates.
func Measure(f func()) (cpu time.Duration, ok bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0, ok0 := threadCPU()
	f()
	t1, ok1 := threadCPU()
	if !ok0 || !ok1 {
		return 0, false
	}
	return t1 - t0, true
}

// Measured reports whether this system has the per-thread CPU clock that
// Measure, Signer and Decrypter read.
func Measured() bool {
	_, ok := threadCPU()
	return ok
}
