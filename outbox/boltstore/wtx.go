package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// buckets holds the open buckets of one transaction.
type buckets struct {
	meta, records, ids, bodies, byState, byPartner, byOrder, due, counts,
	dedup, dedupByTime, audit, auditByRec, checkpoints *bolt.Bucket
}

// openBuckets returns the buckets of tx; in a read transaction on a store
// that was never written, ok is false.
func openBuckets(tx *bolt.Tx) (b buckets, ok bool) {
	b = buckets{
		meta: tx.Bucket(bktMeta), records: tx.Bucket(bktRecords), ids: tx.Bucket(bktIDs), bodies: tx.Bucket(bktBodies),
		byState: tx.Bucket(bktByState), byPartner: tx.Bucket(bktByPartner),
		byOrder: tx.Bucket(bktByOrder), due: tx.Bucket(bktDue), counts: tx.Bucket(bktCounts),
		dedup: tx.Bucket(bktDedup), dedupByTime: tx.Bucket(bktDedupByTime), audit: tx.Bucket(bktAudit),
		auditByRec: tx.Bucket(bktAuditByRec), checkpoints: tx.Bucket(bktCheckpoints),
	}
	for _, x := range []*bolt.Bucket{b.meta, b.records, b.ids, b.bodies, b.byState, b.byPartner, b.byOrder,
		b.due, b.counts, b.dedup, b.dedupByTime, b.audit, b.auditByRec, b.checkpoints} {
		if x == nil {
			return b, false
		}
	}
	return b, true
}

// wtx is one write transaction: the operations of a group commit run one
// after the other on the same wtx. It caches the audit chain head.
type wtx struct {
	s  *Store
	tx *bolt.Tx
	buckets
	head     *audit.Entry // last audit entry, loaded on first use
	headRead bool
	cp       audit.Checkpoint // last checkpoint (zero if none), loaded on first use
	cpRead   bool
}

func (s *Store) newWtx(tx *bolt.Tx) (*wtx, error) {
	b, ok := openBuckets(tx)
	if !ok {
		return nil, fmt.Errorf("boltstore: buckets missing")
	}
	// Keys that only grow (sequence numbers, times) fill pages almost
	// completely; bbolt's default of half-full pages would double the
	// size of the audit chain on disk.
	for _, x := range []*bolt.Bucket{b.audit, b.records, b.bodies, b.dedupByTime, b.checkpoints} {
		x.FillPercent = 0.95
	}
	return &wtx{s: s, tx: tx, buckets: b}, nil
}

// load reads a record's metadata by direction and ID; nil if absent.
func (w *wtx) load(d outbox.Direction, id string) (*stored, error) {
	return loadByID(w.buckets, d, id)
}

func loadByID(b buckets, d outbox.Direction, id string) (*stored, error) {
	v := b.ids.Get(idKey(d, id))
	if v == nil {
		return nil, nil
	}
	if len(v) != 8 {
		return nil, fmt.Errorf("boltstore: bad ids entry of %s", id)
	}
	r, err := loadBySeq(b.records, beUint64(v))
	if err == nil && r == nil {
		err = fmt.Errorf("boltstore: ids entry of %s names missing record %d", id, beUint64(v))
	}
	return r, err
}

// loadBySeq reads a record's metadata by Seq; nil if absent.
func loadBySeq(records *bolt.Bucket, seq uint64) (*stored, error) {
	v := records.Get(recKey(seq))
	if v == nil {
		return nil, nil
	}
	return decodeStored(v)
}

// putMeta writes r's metadata under its Seq and, as a covering copy,
// under its by_state key, so that listing a state reads only that dense
// range of the index and never pages of records scattered over the file.
func (w *wtx) putMeta(r *stored) error {
	v, err := r.encode()
	if err != nil {
		return err
	}
	if err := w.records.Put(recKey(r.Seq), v); err != nil {
		return err
	}
	return w.byState.Put(stateKey(r.State, r.Seq), bytes.Clone(v))
}

func (w *wtx) putBody(seq uint64, kind byte, b []byte) error {
	if b == nil {
		return w.bodies.Delete(bodyKey(seq, kind))
	}
	return w.bodies.Put(bodyKey(seq, kind), bytes.Clone(b))
}

func (w *wtx) count(s outbox.State, delta int64) error {
	k := []byte(s)
	var n int64
	if v := w.counts.Get(k); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	if n < 0 {
		return fmt.Errorf("boltstore: count of %s would become negative", s)
	}
	return w.counts.Put(k, u64(uint64(n)))
}

// chainHead returns the Seq of the earliest active record of (partner,
// key), or 0.
func (w *wtx) chainHead(partner, key string) uint64 {
	p := orderPrefix(partner, key)
	k, _ := w.byOrder.Cursor().Seek(p)
	if k == nil || !bytes.HasPrefix(k, p) || len(k) != len(p)+8 {
		return 0
	}
	return seqOf(k)
}

// wantDue is the due time of r if it is the head of its chain.
func wantDue(r *stored, isHead bool) *time.Time {
	if r.Dir != outbox.DirOut || !isHead {
		return nil
	}
	switch r.State {
	case outbox.StateQueued:
		return timePtr(r.Next)
	case outbox.StateSending:
		if r.Lease != nil {
			return timePtr(r.Lease.Until)
		}
	}
	return nil
}

func (w *wtx) setDue(r *stored, t *time.Time) error {
	if sameTime(r.Due, t) {
		return nil
	}
	if r.Due != nil {
		if err := w.due.Delete(dueKey(r.Partner, *r.Due, r.Seq)); err != nil {
			return err
		}
	}
	if t != nil {
		if err := w.due.Put(dueKey(r.Partner, *t, r.Seq), empty); err != nil {
			return err
		}
	}
	r.Due = t
	return nil
}

// save writes r with all its indexes. old is the stored version (nil for a
// new record); r must have been copied from it, so that r.Due is current.
// For outbound records it keeps the due bucket holding exactly the heads
// of the ordering chains.
func (w *wtx) save(old, r *stored) error {
	var oldHead uint64
	if r.Dir == outbox.DirOut {
		oldHead = w.chainHead(r.Partner, r.Key)
	}
	if old == nil {
		if err := w.ids.Put(idKey(r.Dir, r.ID), u64(r.Seq)); err != nil {
			return err
		}
		if err := w.byPartner.Put(partnerKey(r.Partner, r.Seq), empty); err != nil {
			return err
		}
	}
	if old == nil || old.State != r.State {
		if old != nil {
			if err := w.byState.Delete(stateKey(old.State, old.Seq)); err != nil {
				return err
			}
			if err := w.count(old.State, -1); err != nil {
				return err
			}
		}
		// putMeta below writes the new by_state entry.
		if err := w.count(r.State, 1); err != nil {
			return err
		}
	}
	if r.Dir == outbox.DirOut {
		wasActive := old != nil && active(old.State)
		if isActive := active(r.State); wasActive != isActive {
			k := orderKey(r.Partner, r.Key, r.Seq)
			var err error
			if isActive {
				err = w.byOrder.Put(k, empty)
			} else {
				err = w.byOrder.Delete(k)
			}
			if err != nil {
				return err
			}
		}
		newHead := w.chainHead(r.Partner, r.Key)
		if err := w.setDue(r, wantDue(r, newHead == r.Seq)); err != nil {
			return err
		}
		for i, seq := range []uint64{oldHead, newHead} {
			if seq == 0 || seq == r.Seq || (i == 1 && seq == oldHead) {
				continue
			}
			o, err := loadBySeq(w.records, seq)
			if err != nil {
				return err
			}
			if o == nil {
				return fmt.Errorf("boltstore: ordering index names missing record %d", seq)
			}
			want := wantDue(o, seq == newHead)
			if sameTime(o.Due, want) {
				continue
			}
			if err := w.setDue(o, want); err != nil {
				return err
			}
			if err := w.putMeta(o); err != nil {
				return err
			}
		}
	}
	return w.putMeta(r)
}

// remove deletes record r with its indexes and bodies (Expire). Its
// audit entries and their per-record index stay.
func (w *wtx) remove(r *stored) error {
	if r.Dir == outbox.DirOut && active(r.State) {
		return fmt.Errorf("boltstore: cannot remove active record %s", r.ID)
	}
	for _, del := range []struct {
		b *bolt.Bucket
		k []byte
	}{
		{w.ids, idKey(r.Dir, r.ID)},
		{w.byPartner, partnerKey(r.Partner, r.Seq)},
		{w.byState, stateKey(r.State, r.Seq)},
		{w.records, recKey(r.Seq)},
	} {
		if err := del.b.Delete(del.k); err != nil {
			return err
		}
	}
	for _, kind := range []byte{bodySealed, bodyEvidence, bodyOpened, bodyReceipt} {
		if err := w.bodies.Delete(bodyKey(r.Seq, kind)); err != nil {
			return err
		}
	}
	return w.count(r.State, -1)
}

// appendAudit links e to the chain, stores it with its per-record index
// and writes a checkpoint when one is due.
func (w *wtx) appendAudit(e audit.Entry) error {
	if !w.headRead {
		k, v := w.audit.Cursor().Last()
		if k != nil {
			h, err := audit.UnmarshalEntry(v)
			if err != nil {
				return fmt.Errorf("boltstore: decode audit entry %x: %w", k, err)
			}
			w.head = &h
		}
		w.headRead = true
	}
	e.Time = e.Time.UTC()
	e = audit.Link(w.head, e)
	v, err := e.Marshal()
	if err != nil {
		return err
	}
	if err := w.audit.Put(u64(e.Seq), v); err != nil {
		return err
	}
	if err := w.auditByRec.Put(histKey(outbox.Direction(e.Direction), e.RecordID, e.Seq), empty); err != nil {
		return err
	}
	w.head = &e
	return w.maybeCheckpoint(e)
}

func (w *wtx) maybeCheckpoint(e audit.Entry) error {
	signer := w.s.cfg.CheckpointSigner
	if signer == nil {
		return nil
	}
	if !w.cpRead {
		if k, v := w.checkpoints.Cursor().Last(); k != nil {
			var cp audit.Checkpoint
			if err := json.Unmarshal(v, &cp); err != nil {
				return fmt.Errorf("boltstore: decode checkpoint %x: %w", k, err)
			}
			w.cp = cp
		}
		w.cpRead = true
	}
	now := w.s.cfg.Clock.Now()
	if !w.s.cp.Due(w.cp, e.Seq, now) {
		return nil
	}
	cp, err := audit.NewCheckpoint(signer, e, now)
	if err != nil {
		// A failing signer must not stop intake: the next entry tries again.
		w.s.log.Warn("audit checkpoint not signed", "audit_seq", e.Seq, "error", err)
		return nil
	}
	v, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := w.checkpoints.Put(u64(cp.Seq), v); err != nil {
		return err
	}
	w.cp = cp
	return nil
}

// nextToken returns a fresh lease token.
func (w *wtx) nextToken() (uint64, error) { return w.meta.NextSequence() }

// nextSeq returns the next record sequence number.
func (w *wtx) nextSeq() (uint64, error) { return w.records.NextSequence() }
