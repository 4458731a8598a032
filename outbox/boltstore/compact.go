package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Defaults of CompactConfig.
const (
	DefaultCompactTxMaxSize        = 64 << 20
	DefaultCompactProgressInterval = time.Second
)

// CompactConfig configures Compact. A CompactConfig must not be changed
// after it has been passed to Compact.
type CompactConfig struct {
	// Timeout is how long Compact waits for the file's exclusive lock
	// before it gives up with ErrLocked. Defaults to DefaultTimeout (2s).
	Timeout time.Duration
	// TxMaxSize bounds the bytes copied per write transaction of the new
	// file; cancellation takes effect at the next transaction. Defaults
	// to 64 MiB.
	TxMaxSize int64
	// Progress, if set, is called from another goroutine about every
	// ProgressInterval with the current size of the new file.
	Progress func(written int64)
	// ProgressInterval is the time between Progress calls. Defaults to 1s.
	ProgressInterval time.Duration
}

func (c *CompactConfig) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.TxMaxSize == 0 {
		c.TxMaxSize = DefaultCompactTxMaxSize
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = DefaultCompactProgressInterval
	}
}

// Validate reports a configuration that cannot work.
func (c CompactConfig) Validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout must not be negative"))
	}
	if c.TxMaxSize < 0 {
		errs = append(errs, errors.New("tx max size must not be negative"))
	}
	if c.ProgressInterval < 0 {
		errs = append(errs, errors.New("progress interval must not be negative"))
	}
	return errors.Join(errs...)
}

// CompactResult reports what Compact did.
type CompactResult struct {
	// Before and After are the file sizes in bytes.
	Before, After int64
}

// Compact rewrites the store file at path to reclaim the space that
// deleted data left inside it (bbolt never shrinks a file): it copies
// every bucket, key and bucket sequence into a new file beside it (as
// bbolt's Compact does, which cannot be cancelled), compares the key count and sequence of every bucket of
// the copy with the original, fsyncs the copy and renames it over the
// original (then fsyncs the folder). Until that rename the original is
// untouched; on any error or cancellation the copy is removed and the
// original stays as it was. The new file gets the original's mode.
//
// Compact holds the original's exclusive lock from start to end, so it
// waits at most cfg.Timeout for a running daemon or reader and then
// returns an error wrapping ErrLocked. Open, waiting for the lock while
// Compact runs, notices the rename and opens the new file.
//
// The copy needs free disk space of about the size of the live data.
func Compact(ctx context.Context, path string, cfg CompactConfig) (res CompactResult, err error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return res, fmt.Errorf("boltstore: invalid compact config: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	// Read-write for the exclusive lock; NoFreelistSync so that opening
	// writes nothing. Nothing is ever written to src.
	src, err := openLocked(ctx, path, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType}, cfg.Timeout)
	if err != nil {
		return res, err
	}
	defer src.Close()
	if err := src.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta)
		if m == nil || !bytes.Equal(m.Get(keyFormat), []byte(formatVersion)) {
			return fmt.Errorf("boltstore: compact %s: %w of format %s", path, ErrNotStore, formatVersion)
		}
		return nil
	}); err != nil {
		return res, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	res.Before = st.Size()

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".compact-*")
	if err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	dst, err := bolt.Open(tmpName, st.Mode().Perm(), &bolt.Options{Timeout: time.Second, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return res, fmt.Errorf("boltstore: compact: open the new file: %w", err)
	}
	progressStop := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if cfg.Progress == nil {
			return
		}
		t := time.NewTicker(cfg.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-progressStop:
				return
			case <-t.C:
				if fi, err := os.Stat(tmpName); err == nil {
					cfg.Progress(fi.Size())
				}
			}
		}
	}()
	cerr := copyDB(ctx, dst, src, cfg.TxMaxSize)
	close(progressStop)
	<-progressDone
	if ctx.Err() != nil {
		dst.Close()
		return res, fmt.Errorf("boltstore: compact %s: stopped, the store is unchanged: %w", path, context.Cause(ctx))
	}
	if cerr == nil {
		cerr = sameContent(src, dst)
	}
	if err := dst.Close(); cerr == nil {
		cerr = err
	}
	if cerr != nil {
		return res, fmt.Errorf("boltstore: compact %s: %w", path, cerr)
	}
	if err := syncFile(tmpName); err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	fi, err := os.Stat(tmpName)
	if err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	res.After = fi.Size()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("boltstore: compact %s: stopped, the store is unchanged: %w", path, context.Cause(ctx))
	}
	if err := os.Rename(tmpName, path); err != nil {
		return res, fmt.Errorf("boltstore: compact: %w", err)
	}
	renamed = true
	if err := syncFile(filepath.Dir(path)); err != nil {
		return res, fmt.Errorf("boltstore: compact: the new file is in place, but syncing its folder failed: %w", err)
	}
	return res, nil
}

// copyDB copies every bucket (nested ones too), key and bucket sequence
// of src into the empty dst, committing whenever txMaxSize bytes of keys
// and values have been written; pages are filled completely. It checks
// ctx between keys. It is bbolt's Compact with a context: that one
// cannot be stopped (and panics when its destination is closed under
// it).
func copyDB(ctx context.Context, dst, src *bolt.DB, txMaxSize int64) error {
	tx, err := dst.Begin(true)
	if err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	var size int64
	// parent returns the destination bucket for a path of bucket names.
	parent := func(path [][]byte) *bolt.Bucket {
		b := tx.Bucket(path[0])
		for _, name := range path[1:] {
			b = b.Bucket(name)
		}
		b.FillPercent = 1.0
		return b
	}
	var walk func(path [][]byte, b *bolt.Bucket) error
	walk = func(path [][]byte, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if size += int64(len(k) + len(v)); size > txMaxSize {
				if err := tx.Commit(); err != nil {
					tx = nil
					return err
				}
				if tx, err = dst.Begin(true); err != nil {
					tx = nil
					return err
				}
				size = int64(len(k) + len(v))
			}
			if v != nil {
				return parent(path).Put(k, v)
			}
			sub := b.Bucket(k)
			nb, err := parent(path).CreateBucket(k)
			if err != nil {
				return err
			}
			if err := nb.SetSequence(sub.Sequence()); err != nil {
				return err
			}
			return walk(append(path[:len(path):len(path)], k), sub)
		})
	}
	err = src.View(func(stx *bolt.Tx) error {
		return stx.ForEach(func(name []byte, b *bolt.Bucket) error {
			nb, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			if err := nb.SetSequence(b.Sequence()); err != nil {
				return err
			}
			return walk([][]byte{name}, b)
		})
	})
	if err != nil {
		return err
	}
	err = tx.Commit()
	tx = nil
	return err
}

// sameContent compares every top-level bucket of a and b: the same
// names, key counts and sequences.
func sameContent(a, b *bolt.DB) error {
	type summary struct {
		keys int
		seq  uint64
	}
	read := func(db *bolt.DB) (map[string]summary, error) {
		out := map[string]summary{}
		err := db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
				out[string(name)] = summary{keys: bk.Stats().KeyN, seq: bk.Sequence()}
				return nil
			})
		})
		return out, err
	}
	sa, err := read(a)
	if err != nil {
		return err
	}
	sb, err := read(b)
	if err != nil {
		return err
	}
	if len(sa) != len(sb) {
		return fmt.Errorf("the copy has %d buckets, the original %d", len(sb), len(sa))
	}
	for name, want := range sa {
		if got, ok := sb[name]; !ok || got != want {
			return fmt.Errorf("bucket %s: the copy has %d keys (sequence %d), the original %d (sequence %d)", name, got.keys, got.seq, want.keys, want.seq)
		}
	}
	return nil
}

// syncFile fsyncs a file or folder.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
