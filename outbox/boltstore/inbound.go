package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// Receive stores an inbound message in state received together with its
// de-duplication entry. A nachrichtenUUID seen within the retention
// returns the stored record (with the original Receipt) and
// outbox.ErrDuplicate.
func (s *Store) Receive(ctx context.Context, in outbox.InboundMessage) (outbox.Record, error) {
	if err := checkName("message ID", in.ID, true); err != nil {
		return outbox.Record{}, err
	}
	if err := checkName("sender", in.Sender, true); err != nil {
		return outbox.Record{}, err
	}
	if err := checkName("type", in.Type, false); err != nil {
		return outbox.Record{}, err
	}
	// Retransmissions are common on the wire: answer them from a read
	// transaction, without a commit.
	var rec outbox.Record
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		var err error
		rec, err = duplicate(b, in.ID)
		return err
	})
	if err != nil {
		return rec, err
	}
	at := s.now(in.At)
	actor := in.Actor
	if actor == "" {
		actor = "intake"
	}
	err = s.write(ctx, func(w *wtx) error {
		var err error
		if rec, err = duplicate(w.buckets, in.ID); err != nil {
			return err
		}
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		r := &stored{Dir: outbox.DirIn, ID: in.ID, Partner: in.Sender, Type: in.Type, Seq: seq,
			State: outbox.StateReceived, Next: at, Created: at, Updated: at}
		if err := w.putBody(seq, bodyOpened, nonNil(in.Opened)); err != nil {
			return err
		}
		if err := w.putBody(seq, bodyReceipt, nonNil(in.Receipt)); err != nil {
			return err
		}
		if err := w.dedup.Put([]byte(in.ID), u64(timeBits(at))); err != nil {
			return err
		}
		if err := w.dedupByTime.Put(dedupTimeKey(at, in.ID), nil); err != nil {
			return err
		}
		if err := w.save(nil, r); err != nil {
			return err
		}
		if err := w.appendAudit(audit.Entry{Time: at, RecordID: in.ID, Direction: string(outbox.DirIn),
			Partner: in.Sender, Type: in.Type, To: string(outbox.StateReceived), Actor: actor}); err != nil {
			return err
		}
		rec = r.record()
		rec.Opened, rec.Receipt = bytes.Clone(nonNil(in.Opened)), bytes.Clone(nonNil(in.Receipt))
		return nil
	})
	return rec, err
}

// duplicate returns the stored record and ErrDuplicate if id has a
// de-duplication entry, or a zero record and nil.
func duplicate(b buckets, id string) (outbox.Record, error) {
	if b.dedup.Get([]byte(id)) == nil {
		return outbox.Record{}, nil
	}
	r, err := loadByID(b, outbox.DirIn, id)
	if err != nil {
		return outbox.Record{}, err
	}
	rec := outbox.Record{ID: id, Direction: outbox.DirIn}
	if r != nil {
		rec = fullRecord(b, r)
	}
	return rec, fmt.Errorf("receive %s: %w", id, outbox.ErrDuplicate)
}

// Expire drops de-duplication entries received before now minus
// DedupRetention, together with their inbound records (bodies and
// indexes; the audit entries stay) once those are acknowledged. Entries
// of records still in received or handed-over are kept. It works in
// transactions of at most 1000 entries each.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-s.cfg.DedupRetention)
	var (
		total int
		after []byte
	)
	for {
		var (
			n    int
			more bool
			last []byte
		)
		err := s.write(ctx, func(w *wtx) error {
			n, more, last = 0, false, nil
			type victim struct {
				key []byte
				id  string
			}
			var vs []victim
			c := w.dedupByTime.Cursor()
			k, _ := c.First()
			if after != nil {
				k, _ = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil; k, _ = c.Next() {
				if len(k) < 8 || !bitsTime(beUint64(k[:8])).Before(cutoff) {
					break
				}
				if len(vs) == s.expireChunk {
					more = true
					break
				}
				vs = append(vs, victim{key: bytes.Clone(k), id: string(k[8:])})
			}
			for _, v := range vs {
				last = v.key
				r, err := w.load(outbox.DirIn, v.id)
				if err != nil {
					return err
				}
				if r != nil && r.State != outbox.StateAcknowledged {
					continue // still being processed: keep it and its entry
				}
				if r != nil {
					if err := w.remove(r); err != nil {
						return err
					}
				}
				if err := w.dedup.Delete([]byte(v.id)); err != nil {
					return err
				}
				if err := w.dedupByTime.Delete(v.key); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if !more {
			break
		}
		after = last
	}
	if total > 0 {
		s.log.Info("expired de-duplication entries", "count", total, "cutoff", cutoff)
	}
	return total, nil
}
