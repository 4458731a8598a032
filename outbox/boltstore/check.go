package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// maxProblems bounds the problems Check lists.
const maxProblems = 50

// Check reads the whole store in one read transaction and verifies:
// every record decodes, has a valid state of its direction and the
// fields that state requires (a lease exactly while sending); every
// index (seq, state, partner, ordering, due, counts, de-duplication)
// holds exactly the entries the records imply; the due bucket holds
// exactly the head of every ordering chain; every record's last audit
// entry names its state; the audit chain links (each Hash recomputed,
// each Prev equal to the previous Hash, Seqs consecutive from 1); and
// every checkpoint's Head is the hash of the entry it names. It does not
// verify checkpoint signatures. It returns nil, a *CheckError listing the
// first problems found, or the error that stopped it (I/O, ctx).
func (s *Store) Check(ctx context.Context) error {
	var problems []string
	bad := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == maxProblems {
			problems = append(problems, "…")
		}
	}
	err := s.view(ctx, func(_ *bolt.Tx, b buckets) error {
		if f := b.meta.Get(keyFormat); !bytes.Equal(f, []byte(formatVersion)) {
			bad("meta/format is %q, want %q", f, formatVersion)
		}
		// The audit chain first: the record checks use its last entries.
		lastTo := map[string]string{} // records key → To of its last entry
		var prev *audit.Entry
		hashes := map[uint64]audit.Hash{}
		nAudit := 0
		if err := b.audit.ForEach(func(k, v []byte) error {
			nAudit++
			e, err := audit.UnmarshalEntry(v)
			if err != nil {
				bad("audit %x: %v", k, err)
				return nil
			}
			want := uint64(1)
			if prev != nil {
				want = prev.Seq + 1
			}
			if len(k) != 8 || beUint64(k) != e.Seq {
				bad("audit key %x holds entry %d", k, e.Seq)
			}
			if e.Seq != want {
				bad("audit entry %d follows %d", e.Seq, want-1)
			}
			if prev != nil && e.Prev != prev.Hash || prev == nil && !e.Prev.IsZero() {
				bad("audit entry %d: prev does not link to the entry before", e.Seq)
			}
			if e.ComputeHash() != e.Hash {
				bad("audit entry %d: hash does not match its content", e.Seq)
			}
			if !has(b.auditByRec, histKey(outbox.Direction(e.Direction), e.RecordID, e.Seq)) {
				bad("audit entry %d of %s has no per-record index entry", e.Seq, e.RecordID)
			}
			lastTo[string(idKey(outbox.Direction(e.Direction), e.RecordID))] = e.To
			hashes[e.Seq] = e.Hash
			prev = &e
			return nil
		}); err != nil {
			return err
		}
		if n := b.auditByRec.Stats().KeyN; n != nAudit {
			bad("audit_by_record has %d entries for %d audit entries", n, nAudit)
		}
		if err := b.checkpoints.ForEach(func(k, v []byte) error {
			var cp audit.Checkpoint
			if err := json.Unmarshal(v, &cp); err != nil {
				bad("checkpoint %x: %v", k, err)
				return nil
			}
			if h, ok := hashes[cp.Seq]; !ok || h != cp.Head {
				bad("checkpoint %d: head is not the hash of audit entry %d", cp.Seq, cp.Seq)
			}
			return nil
		}); err != nil {
			return err
		}

		counts := map[outbox.State]int{}
		var nRec, nActive, nDue, nDedup int
		if err := b.records.ForEach(func(k, v []byte) error {
			nRec++
			if nRec%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := decodeStored(v)
			if err != nil {
				bad("record %x: %v", k, err)
				return nil
			}
			id := r.ID
			if len(k) != 8 || beUint64(k) != r.Seq {
				bad("record key %x holds seq %d", k, r.Seq)
			}
			states := outbox.OutboundStates()
			if r.Dir == outbox.DirIn {
				states = outbox.InboundStates()
			}
			if !slices.Contains(states, r.State) {
				bad("record %s: state %q is not a %s state", id, r.State, r.Dir)
			}
			counts[r.State]++
			if !bytes.Equal(b.ids.Get(idKey(r.Dir, r.ID)), k) {
				bad("record %s: ids entry missing or wrong", id)
			}
			if sk := stateKey(r.State, r.Seq); !has(b.byState, sk) {
				bad("record %s: by_state entry missing", id)
			} else if !bytes.Equal(b.byState.Get(sk), v) {
				bad("record %s: by_state copy differs from the record", id)
			}
			if !has(b.byPartner, partnerKey(r.Partner, r.Seq)) {
				bad("record %s: by_partner entry missing", id)
			}
			if to, ok := lastTo[string(idKey(r.Dir, r.ID))]; !ok {
				bad("record %s: no audit entry", id)
			} else if to != string(r.State) {
				bad("record %s: state %s but its last audit entry says %s", id, r.State, to)
			}
			switch {
			case r.State == outbox.StateSending && r.Lease == nil:
				bad("record %s: sending without a lease", id)
			case r.State != outbox.StateSending && r.Lease != nil:
				bad("record %s: %s with a lease", id, r.State)
			}
			if r.Dir == outbox.DirIn {
				if !has(b.bodies, bodyKey(r.Seq, bodyReceipt)) {
					bad("record %s: inbound without a receipt", id)
				}
				dv := b.dedup.Get([]byte(r.ID))
				if len(dv) != 8 {
					bad("record %s: inbound without a de-duplication entry", id)
				}
				if r.Due != nil {
					bad("record %s: inbound with a due entry", id)
				}
				return nil
			}
			if !has(b.bodies, bodyKey(r.Seq, bodySealed)) {
				bad("record %s: outbound without sealed bytes", id)
			}
			inOrder := has(b.byOrder, orderKey(r.Partner, r.Key, r.Seq))
			if active(r.State) != inOrder {
				bad("record %s: %s but in the ordering index: %v", id, r.State, inOrder)
			}
			if active(r.State) {
				nActive++
			}
			var head uint64
			if inOrder {
				p := orderPrefix(r.Partner, r.Key)
				if k2, _ := b.byOrder.Cursor().Seek(p); k2 != nil && bytes.HasPrefix(k2, p) {
					head = seqOf(k2)
				}
			}
			want := wantDue(r, head == r.Seq)
			if !sameTime(r.Due, want) {
				bad("record %s: due %v, want %v", id, r.Due, want)
			}
			if r.Due != nil {
				nDue++
				if !has(b.due, dueKey(r.Partner, *r.Due, r.Seq)) {
					bad("record %s: due entry missing", id)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, c := range []struct {
			name string
			b    *bolt.Bucket
			want int
		}{
			{"ids", b.ids, nRec}, {"by_state", b.byState, nRec}, {"by_partner", b.byPartner, nRec},
			{"by_order", b.byOrder, nActive}, {"due", b.due, nDue},
		} {
			if n := c.b.Stats().KeyN; n != c.want {
				bad("%s has %d entries, the records imply %d", c.name, n, c.want)
			}
		}
		for _, st := range append(outbox.OutboundStates(), outbox.InboundStates()...) {
			var n int
			if v := b.counts.Get([]byte(st)); len(v) == 8 {
				n = int(beUint64(v))
			}
			if n != counts[st] {
				bad("counts/%s is %d, the records hold %d", st, n, counts[st])
			}
		}
		if err := b.dedup.ForEach(func(k, v []byte) error {
			nDedup++
			if len(v) != 8 || !has(b.dedupByTime, dedupTimeKey(bitsTime(beUint64(v)), string(k))) {
				bad("dedup %s: no dedup_by_time entry", k)
			}
			return nil
		}); err != nil {
			return err
		}
		if n := b.dedupByTime.Stats().KeyN; n != nDedup {
			bad("dedup_by_time has %d entries, dedup %d", n, nDedup)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &CheckError{Path: s.path, Problems: problems}
	}
	return nil
}

// has reports whether b holds key k (whatever its value, even empty).
func has(b *bolt.Bucket, k []byte) bool {
	got, _ := b.Cursor().Seek(k)
	return got != nil && bytes.Equal(got, k)
}
