package boltstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/xgate/xgate/outbox"
)

// op is one write operation waiting for the committer.
type op struct {
	fn   func(w *wtx) error
	err  error
	done chan struct{}
	// state: 0 waiting, 1 taken by the committer, 2 abandoned by its caller.
	state atomic.Int32
}

// write runs fn in a write transaction shared with other concurrent
// writers (group commit) and returns when that transaction is durable.
//
// fn must check everything it needs before its first write and report a
// precondition failure with a "clean" error (isClean); any other error
// rolls back the shared transaction, after which every operation of the
// group runs again in a transaction of its own. fn may therefore run more
// than once: it must reset whatever results it captures.
func (s *Store) write(ctx context.Context, fn func(w *wtx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return outbox.ErrClosed
	}
	if s.cfg.ReadOnly {
		return outbox.ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	o := &op{fn: fn, done: make(chan struct{})}
	select {
	case s.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		if o.state.CompareAndSwap(0, 2) {
			return ctx.Err()
		}
		<-o.done // already in a commit: its outcome is the truth
		return o.err
	}
}

// commitLoop is the committer goroutine: it takes the first waiting
// operation, adds whatever else is waiting (up to MaxBatch) and commits
// them together. Without CommitLinger a lone writer waits for no timer;
// with it, the batch stays open that long for writers that come a little
// later. Either way many writers share one fsync.
func (s *Store) commitLoop() {
	defer close(s.loopDone)
	batch := make([]*op, 0, s.cfg.MaxBatch)
	var linger *time.Timer
	if s.cfg.CommitLinger > 0 {
		linger = time.NewTimer(s.cfg.CommitLinger)
		linger.Stop()
	}
	for o := range s.ops {
		batch = append(batch[:0], o)
		if linger == nil {
			batch = s.fill(batch, nil)
		} else {
			linger.Reset(s.cfg.CommitLinger)
			batch = s.fill(batch, linger.C)
			linger.Stop() // Go 1.23+: no stale tick after Stop and Reset
		}
		s.commit(batch)
	}
}

// fill adds waiting operations to batch, up to MaxBatch: those already
// waiting when linger is nil, else those that arrive before it fires.
func (s *Store) fill(batch []*op, linger <-chan time.Time) []*op {
	for len(batch) < s.cfg.MaxBatch {
		var (
			o  *op
			ok bool
		)
		if linger == nil {
			select {
			case o, ok = <-s.ops:
			default:
				return batch
			}
		} else {
			select {
			case o, ok = <-s.ops:
			case <-linger:
				return batch
			}
		}
		if !ok {
			return batch
		}
		batch = append(batch, o)
	}
	return batch
}

func (s *Store) commit(batch []*op) {
	taken := batch[:0]
	for _, o := range batch {
		if o.state.CompareAndSwap(0, 1) {
			taken = append(taken, o)
		}
	}
	if len(taken) == 0 {
		return
	}
	if len(taken) > 1 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			w, err := s.newWtx(tx)
			if err != nil {
				return err
			}
			for _, o := range taken {
				o.err = o.fn(w)
				if o.err != nil && !isClean(o.err) {
					return errAbortBatch
				}
			}
			return nil
		})
		if err == nil {
			s.commits.Add(1)
			for _, o := range taken {
				close(o.done)
			}
			return
		}
		// Run each alone, so that one bad operation (or a full store)
		// fails only itself.
	}
	for _, o := range taken {
		o.err = s.db.Update(func(tx *bolt.Tx) error {
			w, err := s.newWtx(tx)
			if err != nil {
				return err
			}
			return o.fn(w)
		})
		if o.err == nil {
			s.commits.Add(1)
		}
		o.err = s.translate(o.err)
		close(o.done)
	}
}

var errAbortBatch = errors.New("boltstore: abort batch")

// isClean reports errors that operations return before writing anything.
func isClean(err error) bool {
	var te *outbox.TransitionError
	var ie *invalidError
	return errors.Is(err, outbox.ErrDuplicate) || errors.Is(err, outbox.ErrNotFound) ||
		errors.Is(err, outbox.ErrLeaseLost) || errors.As(err, &te) || errors.As(err, &ie)
}

// translate maps bbolt's errors to the outbox sentinels.
func (s *Store) translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrMaxSizeReached):
		s.log.Warn("outbox store full", "path", s.path, "max_size", s.cfg.MaxSize)
		return fmt.Errorf("%w (limit %d bytes): %w", outbox.ErrStoreFull, s.cfg.MaxSize, err)
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return outbox.ErrClosed
	case errors.Is(err, berrors.ErrDatabaseReadOnly):
		return outbox.ErrReadOnly
	}
	return err
}

// invalidError reports bad arguments (an empty ID, a zero lease).
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return "outbox: " + e.msg }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}
