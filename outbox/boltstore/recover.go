package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// recover moves every sending record back to queued, due now, in
// transactions of up to 1000 records. Holding the file lock proves that
// no delivery is in flight. A full store does not stop Open: the records
// then stay sending until their leases expire, which makes them due again
// anyway.
func (s *Store) recover(ctx context.Context) error {
	total := 0
	for {
		n := 0
		err := s.write(ctx, func(w *wtx) error {
			n = 0
			now := s.cfg.Clock.Now()
			p := statePrefix(outbox.StateSending)
			var seqs []uint64
			c := w.byState.Cursor()
			for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(seqs) < 1000; k, _ = c.Next() {
				seqs = append(seqs, seqOf(k))
			}
			for _, seq := range seqs {
				old, err := loadBySeq(w.records, seq)
				if err != nil {
					return err
				}
				if old == nil {
					return fmt.Errorf("boltstore: state index names missing record %d", seq)
				}
				id := old.ID
				r := *old
				owner := ""
				if r.Lease != nil {
					owner = r.Lease.Owner
				}
				r.State, r.Lease, r.Next, r.Updated = outbox.StateQueued, nil, now, now
				if err := w.save(old, &r); err != nil {
					return err
				}
				if err := w.appendAudit(audit.Entry{Time: now, RecordID: id, Direction: string(outbox.DirOut),
					Partner: r.Partner, Type: r.Type, From: string(outbox.StateSending), To: string(outbox.StateQueued),
					Actor: "recovery", Reason: "store reopened; lease of " + owner + " dropped", Attempt: r.Attempts}); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if errors.Is(err, outbox.ErrStoreFull) {
			s.log.Warn("recovery stopped: store full; sending records wait for their leases to expire", "path", s.path, "recovered", total)
			return nil
		}
		if err != nil {
			return fmt.Errorf("boltstore: recover sending records: %w", err)
		}
		total += n
		if n < 1000 {
			break
		}
	}
	if total > 0 {
		s.log.Info("recovered sending records", "path", s.path, "count", total)
	}
	return nil
}
