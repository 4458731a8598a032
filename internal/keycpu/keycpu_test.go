package keycpu_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/internal/keycpu"
)

// record keeps what a wrapper reported.
type record struct {
	mu  sync.Mutex
	ops []keycpu.Op
	cpu []time.Duration
}

func (r *record) RecordKeyOp(op keycpu.Op, cpu time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	r.cpu = append(r.cpu, cpu)
}

func (r *record) last(t *testing.T, want keycpu.Op) time.Duration {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ops) == 0 {
		t.Fatalf("nothing recorded, want %s", want)
	}
	if op := r.ops[len(r.ops)-1]; op != want {
		t.Fatalf("recorded %s, want %s", op, want)
	}
	return r.cpu[len(r.cpu)-1]
}

func measured(t *testing.T) {
	t.Helper()
	if !keycpu.Measured() {
		t.Skip("no per-thread CPU clock on this system")
	}
}

// fake is a key whose operations fail with err after sleeping for sleep
// or spinning for spin (wall time).
type fake struct {
	pub         crypto.PublicKey
	err         error
	sleep, spin time.Duration
}

func (f fake) Public() crypto.PublicKey { return f.pub }

func (f fake) work() ([]byte, error) {
	time.Sleep(f.sleep)
	for t := time.Now(); time.Since(t) < f.spin; {
	}
	return []byte("out"), f.err
}

func (f fake) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return f.work() }

func (f fake) Decrypt(io.Reader, []byte, crypto.DecrypterOpts) ([]byte, error) { return f.work() }

// An RSA-2048 private-key operation costs hundreds of µs to a few ms of
// CPU; the recorded time is at least 100µs and at most the wall time of
// the call (one thread cannot use more CPU than time passes), and the
// result is the key's.
func TestRSARecordsThreadCPU(t *testing.T) {
	measured(t)
	k := certstest.Key(t, 2048)
	digest := sha256.Sum256([]byte("keycpu"))
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, []byte("session key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &record{}
	s, d := keycpu.Signer(k, rec), keycpu.Decrypter(k, rec)
	tests := []struct {
		op  keycpu.Op
		run func() error
	}{
		{keycpu.OpSign, func() error {
			sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				return err
			}
			return rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig)
		}},
		{keycpu.OpDecrypt, func() error {
			plain, err := d.Decrypt(rand.Reader, ct, &rsa.OAEPOptions{Hash: crypto.SHA256})
			if err != nil {
				return err
			}
			if string(plain) != "session key" {
				t.Errorf("decrypted %q", plain)
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(string(tc.op), func(t *testing.T) {
			for range 5 {
				start := time.Now()
				if err := tc.run(); err != nil {
					t.Fatal(err)
				}
				wall := time.Since(start)
				cpu := rec.last(t, tc.op)
				if cpu < 100*time.Microsecond || cpu > wall+time.Millisecond {
					t.Errorf("recorded %v of CPU for a call of %v wall time, want 100µs … wall time", cpu, wall)
				}
			}
		})
	}
}

// The recorded time is the calling thread's CPU, not wall time nor the
// process's CPU: a key that sleeps 30ms records almost nothing, also while
// another goroutine keeps a core busy; one that spins 30ms records (on a
// loaded machine part of) it, never more.
func TestCPUNotWallTime(t *testing.T) {
	measured(t)
	tests := []struct {
		name     string
		key      fake
		busy     bool // another goroutine spins meanwhile
		min, max time.Duration
	}{
		{"sleeps", fake{sleep: 30 * time.Millisecond}, false, 0, 5 * time.Millisecond},
		{"sleeps while the process works", fake{sleep: 30 * time.Millisecond}, true, 0, 5 * time.Millisecond},
		{"spins", fake{spin: 30 * time.Millisecond}, false, 3 * time.Millisecond, 31 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.busy {
				var stop atomic.Bool
				done := make(chan struct{})
				go func() {
					defer close(done)
					for !stop.Load() { // keeps a core busy
					}
				}()
				defer func() { stop.Store(true); <-done }()
			}
			rec := &record{}
			if _, err := keycpu.Signer(tc.key, rec).Sign(nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			if cpu := rec.last(t, keycpu.OpSign); cpu < tc.min || cpu > tc.max {
				t.Errorf("recorded %v, want %v … %v", cpu, tc.min, tc.max)
			}
			if _, err := keycpu.Decrypter(tc.key, rec).Decrypt(nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			if cpu := rec.last(t, keycpu.OpDecrypt); cpu < tc.min || cpu > tc.max {
				t.Errorf("recorded %v, want %v … %v", cpu, tc.min, tc.max)
			}
		})
	}
}

// Errors come back unchanged; the failed operation is recorded all the
// same (its CPU was spent).
func TestErrorsPassThrough(t *testing.T) {
	measured(t)
	errKey := errors.New("no such key")
	rec := &record{}
	k := fake{err: errKey}
	if _, err := keycpu.Signer(k, rec).Sign(nil, nil, nil); err != errKey {
		t.Errorf("Sign: %v, want %v", err, errKey)
	}
	rec.last(t, keycpu.OpSign)
	if _, err := keycpu.Decrypter(k, rec).Decrypt(nil, nil, nil); err != errKey {
		t.Errorf("Decrypt: %v, want %v", err, errKey)
	}
	rec.last(t, keycpu.OpDecrypt)
	// A real one: OAEP over bytes that are no ciphertext of this key.
	rk := certstest.Key(t, 2048)
	_, want := rk.Decrypt(nil, make([]byte, 256), &rsa.OAEPOptions{Hash: crypto.SHA256})
	_, got := keycpu.Decrypter(rk, rec).Decrypt(nil, make([]byte, 256), &rsa.OAEPOptions{Hash: crypto.SHA256})
	if want == nil || got != want {
		t.Errorf("Decrypt of garbage: %v, want %v", got, want)
	}
}

// Public is the key's: xml/secure asserts *rsa.PublicKey and compares it
// with the certificate's.
func TestPublicPassesThrough(t *testing.T) {
	k := certstest.Key(t, 2048)
	for name, pub := range map[string]crypto.PublicKey{
		"signer":    keycpu.Signer(k, &record{}).Public(),
		"decrypter": keycpu.Decrypter(k, &record{}).Public(),
	} {
		p, ok := pub.(*rsa.PublicKey)
		if !ok || !p.Equal(&k.PublicKey) {
			t.Errorf("%s: Public is %T %v, want the key's", name, pub, pub)
		}
	}
}

// A nil Recorder measures nothing: the key comes back as it is. A nil key
// stays nil, so that "no key" checks still see none.
func TestNilRecorderAndKey(t *testing.T) {
	k := certstest.Key(t, 2048)
	if s := keycpu.Signer(k, nil); s != crypto.Signer(k) {
		t.Errorf("Signer(k, nil) = %T, want k", s)
	}
	if d := keycpu.Decrypter(k, nil); d != crypto.Decrypter(k) {
		t.Errorf("Decrypter(k, nil) = %T, want k", d)
	}
	if s := keycpu.Signer(nil, &record{}); s != nil {
		t.Errorf("Signer(nil, r) = %T, want nil", s)
	}
	if d := keycpu.Decrypter(nil, &record{}); d != nil {
		t.Errorf("Decrypter(nil, r) = %T, want nil", d)
	}
}

// Concurrent calls are each recorded once (run with -race).
func TestConcurrent(t *testing.T) {
	measured(t)
	rec := &record{}
	s := keycpu.Signer(fake{spin: 100 * time.Microsecond}, rec)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := s.Sign(nil, nil, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(rec.ops) != 80 {
		t.Errorf("%d operations recorded, want 80", len(rec.ops))
	}
}

// Measure gives the thread CPU of any function: spinning counts, sleeping
// does not.
func TestMeasure(t *testing.T) {
	measured(t)
	spin := func(d time.Duration) func() {
		return func() {
			for end := time.Now().Add(d); time.Now().Before(end); {
			}
		}
	}
	tests := []struct {
		name     string
		f        func()
		min, max time.Duration
	}{
		{"spins", spin(30 * time.Millisecond), 3 * time.Millisecond, 31 * time.Millisecond},
		{"sleeps", func() { time.Sleep(30 * time.Millisecond) }, 0, 5 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cpu, ok := keycpu.Measure(tc.f)
			if !ok {
				t.Fatal("Measure: no thread CPU clock")
			}
			if cpu < tc.min || cpu > tc.max {
				t.Errorf("Measure = %v, want %v … %v", cpu, tc.min, tc.max)
			}
		})
	}
}
