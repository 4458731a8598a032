package directory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
)

// Errors of a Source besides Verify's.
var (
	// ErrNotLoaded: no directory has been loaded yet.
	ErrNotLoaded = errors.New("directory: none loaded")
	// ErrRollback: the file holds an older edition (lower serial) than the
	// one in use, or the same serial with other content. A replayed old
	// directory could bring back revoked partners or certificates.
	ErrRollback = errors.New("directory: older than the one in use")
)

// SourceStatus is the state of a Source, for logs, metrics and the status
// page.
type SourceStatus struct {
	Path string
	// Serial, Issued and NotAfter are the current directory's (zero if
	// none is loaded).
	Serial           uint64
	Issued, NotAfter time.Time
	Participants     int
	// Loaded is when the current directory was loaded.
	Loaded time.Time
	// LastAttempt is when the file was last read; LastError says why that
	// failed ("" if it did not).
	LastAttempt time.Time
	LastError   string
	// LastCode is the XÖV code of LastError when it has one (T010 unsigned,
	// T011 bad signature, T002 wrong signer, …).
	LastCode errcode.Code
	// Failures counts failed loads and reloads since the Source was made.
	Failures uint64
	// Reloads counts loads that brought a new edition.
	Reloads uint64
	// Expired is true when the current directory is past its NotAfter (or
	// older than the maximum age) now: the gateway must not route with it.
	Expired bool
}

// Source keeps the current routing directory of a gateway: it reads the
// signed file, verifies it and keeps the last good edition when a reload
// fails. It is safe for concurrent use.
type Source struct {
	path string
	v    *certs.Verifier
	clk  clock.Clock
	log  *slog.Logger

	mu      sync.RWMutex
	maxAge  time.Duration
	cur     *Directory
	digest  [32]byte
	status  SourceStatus
	loading sync.Mutex // one load at a time
}

// NewSource returns a Source for the signed directory file at path,
// verified with v (the directory authority's certificate must chain to its
// roots and pass its CRL policy). clk nil means the wall clock; log nil
// discards.
func NewSource(path string, v *certs.Verifier, clk clock.Clock, log *slog.Logger) *Source {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{path: path, v: v, clk: clock.Or(clk), log: log, status: SourceStatus{Path: path}}
}

// SetMaxAge makes the Source refuse a directory issued longer than d ago,
// even before its NotAfter (config directory.max_age); 0 turns it off.
// Call it before Load.
func (s *Source) SetMaxAge(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxAge = d
}

// Load reads and verifies the file. Without a current directory an error
// leaves the Source empty (the daemon refuses to start); with one, Load is
// Reload.
func (s *Source) Load(ctx context.Context) error { return s.load(ctx) }

// Reload reads and verifies the file again. A bad file (unreadable,
// unsigned, badly signed, expired, older than the current edition) leaves
// the current directory in place; the failure is logged, counted in
// Status().Failures and returned. The same edition again is not a change.
func (s *Source) Reload(ctx context.Context) error { return s.load(ctx) }

func (s *Source) load(ctx context.Context) error {
	s.loading.Lock()
	defer s.loading.Unlock()
	now := s.clk.Now()
	d, digest, err := s.read(ctx, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastAttempt = now
	if err == nil && s.cur != nil {
		switch {
		case d.Serial < s.cur.Serial:
			err = fmt.Errorf("%w: %s has serial %d, the one in use %d", ErrRollback, s.path, d.Serial, s.cur.Serial)
		case d.Serial == s.cur.Serial && digest != s.digest:
			err = fmt.Errorf("%w: %s has serial %d, as the one in use, but other content", ErrRollback, s.path, d.Serial)
		case d.Serial == s.cur.Serial:
			s.status.LastError, s.status.LastCode = "", ""
			return nil // unchanged
		}
	}
	if err != nil {
		s.status.Failures++
		s.status.LastError = err.Error()
		s.status.LastCode, _ = errcode.Of(err)
		attrs := []any{"path", s.path, "error", err.Error(), "failures", s.status.Failures}
		if code, ok := errcode.Of(err); ok {
			attrs = append(attrs, "xoev_code", string(code))
		}
		if s.cur != nil {
			s.log.Error("directory reload failed, keeping the last good one", append(attrs, "serial", s.cur.Serial)...)
		} else {
			s.log.Error("directory load failed, no directory in use", attrs...)
		}
		return err
	}
	previous := uint64(0)
	if s.cur != nil {
		previous = s.cur.Serial
	}
	s.cur, s.digest = d, digest
	s.status.Serial, s.status.Issued, s.status.NotAfter = d.Serial, d.Issued, d.NotAfter
	s.status.Participants = len(d.Participants)
	s.status.Loaded = now
	s.status.LastError, s.status.LastCode = "", ""
	s.status.Reloads++
	s.log.Info("directory loaded", "path", s.path, "serial", d.Serial, "previous_serial", previous,
		"participants", len(d.Participants), "not_after", d.NotAfter)
	return nil
}

// read reads and verifies the file, without touching the state.
func (s *Source) read(ctx context.Context, now time.Time) (*Directory, [32]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("directory: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("directory: read %s: %w", s.path, err)
	}
	if len(data) > MaxBytes {
		return nil, [32]byte{}, fmt.Errorf("directory: %s is larger than %d bytes", s.path, MaxBytes)
	}
	d, err := Verify(ctx, data, s.v, now)
	if err != nil {
		return nil, [32]byte{}, err
	}
	s.mu.RLock()
	maxAge := s.maxAge
	s.mu.RUnlock()
	if err := tooOld(d, maxAge, now); err != nil {
		return nil, [32]byte{}, err
	}
	return d, sha256.Sum256(bytes.TrimSpace(data)), nil
}

func tooOld(d *Directory, maxAge time.Duration, now time.Time) error {
	if maxAge > 0 && now.Sub(d.Issued) > maxAge {
		return fmt.Errorf("%w: serial %d was issued %s, more than %s ago (max age)", ErrExpired, d.Serial, stamp(d.Issued), maxAge)
	}
	return nil
}

// Current returns the directory in use (the last good one), or nil before
// the first successful Load. It may be expired: Fresh says so.
func (s *Source) Current() *Directory {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur
}

// Fresh returns the directory in use if it is still valid now: loaded, not
// past its NotAfter, not older than the maximum age. Route only with a
// fresh directory.
func (s *Source) Fresh() (*Directory, error) {
	s.mu.RLock()
	d, maxAge := s.cur, s.maxAge
	s.mu.RUnlock()
	if d == nil {
		return nil, ErrNotLoaded
	}
	now := s.clk.Now()
	if !now.Before(d.NotAfter) {
		return nil, fmt.Errorf("%w: serial %d was valid until %s", ErrExpired, d.Serial, stamp(d.NotAfter))
	}
	if err := tooOld(d, maxAge, now); err != nil {
		return nil, err
	}
	return d, nil
}

// Status returns the state of the Source now.
func (s *Source) Status() SourceStatus {
	s.mu.RLock()
	st := s.status
	s.mu.RUnlock()
	if st.Serial != 0 {
		_, err := s.Fresh()
		st.Expired = err != nil
	}
	return st
}

// Run reloads the file every interval until ctx is done (a failed reload
// keeps the last good directory, logs and counts). every <= 0 only waits
// for ctx. SIGHUP is the daemon's: it calls Reload.
func (s *Source) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		<-ctx.Done()
		return
	}
	tc, ok := s.clk.(clock.TimerClock)
	if !ok {
		tc = clock.Real{}
	}
	for {
		t := tc.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
			_ = s.Reload(ctx) // logged and counted by load
		}
	}
}
