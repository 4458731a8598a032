package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// Store is the bbolt outbox. It implements outbox.Store, outbox.AuditLog,
// outbox.Expirer and outbox.Checker.
type Store struct {
	path string
	cfg  Config
	log  *slog.Logger
	db   *bolt.DB
	cp   *audit.Checkpointer

	mu     sync.RWMutex // held for reading by every call, for writing by Close
	closed bool

	ops      chan *op
	loopDone chan struct{}

	expireChunk int // entries per Expire transaction; tests lower it

	commits atomic.Uint64 // committed write transactions
	reads   atomic.Uint64 // record metadata decoded by reads (List, Get)
}

var (
	_ outbox.Store    = (*Store)(nil)
	_ outbox.AuditLog = (*Store)(nil)
	_ outbox.Expirer  = (*Store)(nil)
	_ outbox.Checker  = (*Store)(nil)
)

// Open opens (creating if needed, unless cfg.ReadOnly) the store at path.
// It waits up to cfg.Timeout for the file lock (ErrLocked after that) and
// stops waiting when ctx is done. A read-write open moves every sending
// record back to queued (audited with actor "recovery"): no delivery can
// be in flight when this process holds the file lock. Recovery runs under
// ctx in transactions of up to 1000 records; a cancelled recovery leaves
// the rest sending (their leases expire) and Open returns ctx's error.
func Open(ctx context.Context, path string, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("boltstore: invalid config: %w", err)
	}
	opts := &bolt.Options{
		ReadOnly:       cfg.ReadOnly,
		MaxSize:        cfg.MaxSize,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: cfg.NoFreelistSync,
		NoSync:         cfg.unsafeNoSync,
	}
	db, err := openLocked(ctx, path, opts, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	cp, err := audit.NewCheckpointer(audit.CheckpointerConfig{Every: uint64(cfg.CheckpointEvery), Interval: cfg.CheckpointInterval})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	s := &Store{path: path, cfg: cfg, log: cfg.Logger, db: db, cp: cp, expireChunk: 1000}
	if err := s.init(); err != nil {
		db.Close()
		return nil, err
	}
	if !cfg.ReadOnly {
		s.ops = make(chan *op, cfg.MaxBatch)
		s.loopDone = make(chan struct{})
		go s.commitLoop()
		if err := s.recover(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// lockPoll is how long one attempt of openLocked waits for the lock.
const lockPoll = 100 * time.Millisecond

// openLocked opens the bbolt file, waiting up to timeout for its lock in
// short attempts so that ctx can end the wait. Once it holds the lock it
// checks that path still names the file it locked: Compact replaces the
// file by rename while a waiting opener may already hold the old one, and
// writing into that unlinked file would lose everything written. It then
// opens the new file (within the same timeout).
func openLocked(ctx context.Context, path string, opts *bolt.Options, timeout time.Duration) (*bolt.DB, error) {
	mode := "read-write"
	if opts.ReadOnly {
		mode = "read-only"
	}
	deadline := time.Now().Add(timeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
		o := *opts
		o.Timeout = min(lockPoll, max(time.Until(deadline), time.Millisecond))
		var held *os.File
		o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			held = f
			return f, err
		}
		db, err := bolt.Open(path, 0o600, &o)
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			if time.Now().Before(deadline) {
				continue
			}
			return nil, fmt.Errorf("boltstore: open %s %s: waited %v: %w (a running daemon?)", path, mode, timeout, ErrLocked)
		case errors.Is(err, berrors.ErrMaxSizeReached):
			return nil, fmt.Errorf("boltstore: open %s: %w: %w", path, outbox.ErrStoreFull, err)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
			return nil, fmt.Errorf("boltstore: open %s: %w: %w", path, ErrNotStore, err)
		case err != nil:
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		}
		if same, err := sameFile(held, path); err != nil {
			db.Close()
			return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
		} else if same {
			return db, nil
		}
		db.Close() // replaced while we waited: open the new file
	}
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("the file was removed while waiting for its lock")
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, now), nil
}

// init creates the buckets of a new file and checks the format of an
// existing one.
func (s *Store) init() error {
	check := func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta)
		if m == nil {
			return nil
		}
		if f := m.Get(keyFormat); !bytes.Equal(f, []byte(formatVersion)) {
			return fmt.Errorf("boltstore: %s: %w of format %s (found %q)", s.path, ErrNotStore, formatVersion, f)
		}
		return nil
	}
	if s.cfg.ReadOnly {
		return s.db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bktMeta) == nil {
				return fmt.Errorf("boltstore: %s: %w (no meta bucket)", s.path, ErrNotStore)
			}
			return check(tx)
		})
	}
	// Look before writing: a full store (MaxSize) must still open.
	complete := false
	if err := s.db.View(func(tx *bolt.Tx) error {
		_, complete = openBuckets(tx)
		return check(tx)
	}); err != nil {
		return err
	}
	if complete {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(bktMeta)
		if m.Get(keyFormat) == nil {
			return m.Put(keyFormat, []byte(formatVersion))
		}
		return nil
	})
	return s.translate(err)
}

// Path returns the file name.
func (s *Store) Path() string { return s.path }

// Close waits for running calls, stops the committer and closes the
// file. Calls after Close return outbox.ErrClosed; a second Close returns
// nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.ops != nil {
		close(s.ops)
		<-s.loopDone
	}
	return s.db.Close()
}

// view runs fn in a read transaction, unless the store is closed.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx, b buckets) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return outbox.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		b, ok := openBuckets(tx)
		if !ok {
			return fmt.Errorf("boltstore: %s: buckets missing", s.path)
		}
		return fn(tx, b)
	})
}

func (s *Store) now(t time.Time) time.Time {
	if t.IsZero() {
		return s.cfg.Clock.Now()
	}
	return t
}

// fullRecord converts r and copies its bodies out of the transaction.
func fullRecord(b buckets, r *stored) outbox.Record {
	rec := r.record()
	get := func(kind byte) []byte {
		if v := b.bodies.Get(bodyKey(r.Seq, kind)); v != nil {
			return bytes.Clone(v)
		}
		return nil
	}
	if r.Dir == outbox.DirOut {
		rec.Sealed, rec.Evidence = get(bodySealed), get(bodyEvidence)
	} else {
		rec.Opened, rec.Receipt = get(bodyOpened), get(bodyReceipt)
	}
	return rec
}

// Get returns the record with that ID (outbound first, then inbound).
func (s *Store) Get(ctx context.Context, id string) (outbox.Record, error) {
	var rec outbox.Record
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		for _, d := range []outbox.Direction{outbox.DirOut, outbox.DirIn} {
			r, err := loadByID(b, d, id)
			if err != nil {
				return err
			}
			if r != nil {
				s.reads.Add(1)
				rec = fullRecord(b, r)
				return nil
			}
		}
		return outbox.ErrNotFound
	})
	return rec, err
}

// List returns records matching f in Seq order. It walks the state index
// when f.State is set, else the partner index when f.Partner is set, else
// all records in Seq order; the other filters are applied to what the
// index yields.
func (s *Store) List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	var out []outbox.Record
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		var (
			c      *bolt.Cursor
			prefix []byte
		)
		switch {
		case f.State != "":
			c, prefix = b.byState.Cursor(), statePrefix(f.State)
		case f.Partner != "":
			c, prefix = b.byPartner.Cursor(), duePrefix(f.Partner)
		default:
			c = b.records.Cursor() // keyed by Seq itself
		}
		start := binaryAppend(prefix, f.AfterSeq+1)
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			var (
				r   *stored
				err error
			)
			if prefix == nil || (f.State != "" && len(v) > 0) {
				// records, or the covering copy in by_state
				r, err = decodeStored(v)
			} else if r, err = loadBySeq(b.records, seqOf(k)); err == nil && r == nil {
				err = fmt.Errorf("boltstore: index entry %q names missing record %d", k, seqOf(k))
			}
			if err != nil {
				return err
			}
			s.reads.Add(1)
			if !matches(r, f) {
				continue
			}
			if f.WithBodies {
				out = append(out, fullRecord(b, r))
			} else {
				out = append(out, r.record())
			}
			if len(out) == limit {
				break
			}
			if len(out)%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

func binaryAppend(prefix []byte, v uint64) []byte {
	k := make([]byte, len(prefix), len(prefix)+8)
	copy(k, prefix)
	return append(k, u64(v)...)
}

func matches(r *stored, f outbox.Filter) bool {
	return (f.Direction == "" || r.Dir == f.Direction) &&
		(f.State == "" || r.State == f.State) &&
		(f.Partner == "" || r.Partner == f.Partner) &&
		(f.Type == "" || r.Type == f.Type) &&
		(f.CreatedBefore.IsZero() || r.Created.Before(f.CreatedBefore)) &&
		(f.AnswerDueBefore.IsZero() || r.Deadline != nil && !r.Deadline.IsZero() && r.Deadline.Before(f.AnswerDueBefore)) &&
		r.Seq > f.AfterSeq
}

// NextDue returns the earliest due time among the heads of the ordering
// chains: queued records by NextAttempt, sending ones by lease expiry. It
// reads one due entry per partner.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	return s.NextDueSkipping(ctx, nil)
}

// NextDueSkipping is NextDue over the partners not in skip (those with an
// open circuit breaker); the skipped partners' entries are not read. It
// implements the scheduler's optional NextDueSkipper capability.
func (s *Store) NextDueSkipping(ctx context.Context, skip []string) (time.Time, bool, error) {
	var (
		best time.Time
		ok   bool
	)
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		c := b.due.Cursor()
		for k, _ := c.First(); k != nil; {
			partner, t, _, good := parseDueKey(k)
			if !good {
				return fmt.Errorf("boltstore: bad due key %x", k)
			}
			if !slices.Contains(skip, partner) && (!ok || t.Before(best)) {
				best, ok = t, true
			}
			k, _ = c.Seek(append([]byte(partner), 1)) // the next partner
		}
		return nil
	})
	return best, ok, err
}

// Stats counts records by state from the counts bucket (no scan).
func (s *Store) Stats(ctx context.Context) (outbox.Stats, error) {
	st := outbox.Stats{Outbound: map[outbox.State]int{}, Inbound: map[outbox.State]int{}}
	err := s.view(ctx, func(tx *bolt.Tx, b buckets) error {
		read := func(m map[outbox.State]int, states []outbox.State) {
			for _, state := range states {
				var n int
				if v := b.counts.Get([]byte(state)); len(v) == 8 {
					n = int(beUint64(v))
				}
				m[state] = n
			}
		}
		read(st.Outbound, outbox.OutboundStates())
		read(st.Inbound, outbox.InboundStates())
		p := statePrefix(outbox.StateQueued)
		if k, v := b.byState.Cursor().Seek(p); k != nil && bytes.HasPrefix(k, p) {
			r, err := decodeStored(v)
			if err != nil {
				return err
			}
			st.OldestQueued = r.Created
		}
		st.SizeBytes = tx.Size()
		return nil
	})
	return st, err
}

// Commits returns how many write transactions were committed since Open;
// with Enqueue counts it shows how well group commit batches.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// sortDue orders claim candidates by due time, then Seq.
func sortDue(c []candidate) {
	sort.Slice(c, func(i, j int) bool {
		if !c[i].due.Equal(c[j].due) {
			return c[i].due.Before(c[j].due)
		}
		return c[i].seq < c[j].seq
	})
}
