package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// auditPage is how many entries AuditEntries reads per read transaction.
const auditPage = 1000

// AuditEntries calls fn for every entry with Seq ≥ from, in order. It
// reads pages of entries in short read transactions and calls fn outside
// them, so fn may use the store.
func (s *Store) AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error {
	if from == 0 {
		from = 1
	}
	for {
		var (
			page    []audit.Entry
			lastKey uint64
			bad     error // an undecodable entry ends the walk after the ones before it
		)
		err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
			c := b.audit.Cursor()
			for k, v := c.Seek(u64(from)); k != nil && len(page) < auditPage; k, v = c.Next() {
				lastKey = beUint64(k)
				e, err := audit.UnmarshalEntry(v)
				if err != nil {
					bad = &audit.DecodeError{Key: lastKey, Err: err}
					return nil
				}
				page = append(page, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if bad != nil {
			return bad
		}
		if len(page) < auditPage {
			return nil
		}
		// Page by the bucket key, never by the stored Seq: an edited Seq
		// must not make the walk repeat or skip entries.
		from = lastKey + 1
	}
}

// Checkpoints returns the signed checkpoints in order.
func (s *Store) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var out []audit.Checkpoint
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		return b.checkpoints.ForEach(func(k, v []byte) error {
			var cp audit.Checkpoint
			if err := json.Unmarshal(v, &cp); err != nil {
				return fmt.Errorf("boltstore: decode checkpoint %x: %w", k, err)
			}
			out = append(out, cp)
			return nil
		})
	})
	return out, err
}

// History returns the audit entries of one record (outbound and inbound
// records of that ID alike), in order.
func (s *Store) History(ctx context.Context, id string) ([]audit.Entry, error) {
	var out []audit.Entry
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		for _, d := range []outbox.Direction{outbox.DirOut, outbox.DirIn} {
			p := histPrefix(d, id)
			c := b.auditByRec.Cursor()
			for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
				if len(k) != len(p)+8 {
					continue
				}
				v := b.audit.Get(k[len(p):])
				if v == nil {
					return fmt.Errorf("boltstore: audit entry %d of %s is missing", beUint64(k[len(p):]), id)
				}
				e, err := audit.UnmarshalEntry(v)
				if err != nil {
					return fmt.Errorf("boltstore: decode audit entry %d: %w", beUint64(k[len(p):]), err)
				}
				out = append(out, e)
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}
