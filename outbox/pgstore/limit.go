package pgstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/xgate/xgate/outbox"
)

// sizeQuery is the size of the store on disk: the xgate_ tables with
// their indexes and TOAST.
const sizeQuery = `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
	WHERE c.relkind = 'r' AND c.relname LIKE 'xgate\_%' AND c.relnamespace = current_schema()::regnamespace`

// sizeCache is the last size read for Config.MaxBytes.
type sizeCache struct {
	mu    sync.Mutex
	at    time.Time
	bytes int64
}

// checkSize returns outbox.ErrStoreFull when the store has reached
// Config.MaxBytes. The size is read at most every Config.SizeEvery; the
// callers in between share the last reading.
func (s *Store) checkSize(ctx context.Context) error {
	if s.cfg.MaxBytes <= 0 {
		return nil
	}
	c := &s.size
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.Clock.Now()
	if c.at.IsZero() || now.Sub(c.at) >= s.cfg.SizeEvery || now.Before(c.at) {
		var n int64
		if err := s.pool.QueryRow(ctx, sizeQuery).Scan(&n); err != nil {
			return s.translate(err)
		}
		c.at, c.bytes = now, n
	}
	if c.bytes >= s.cfg.MaxBytes {
		return fmt.Errorf("pgstore: the store holds %d bytes, its limit is %d: %w", c.bytes, s.cfg.MaxBytes, outbox.ErrStoreFull)
	}
	return nil
}
