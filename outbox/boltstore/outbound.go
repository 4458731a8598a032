package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// maxIDLen bounds IDs, partner names and ordering keys (they are keys).
const maxIDLen = 512

func checkName(what, v string, required bool) error {
	switch {
	case v == "" && required:
		return invalid("%s is empty", what)
	case len(v) > maxIDLen:
		return invalid("%s is longer than %d bytes", what, maxIDLen)
	case strings.IndexByte(v, 0) >= 0:
		return invalid("%s contains a NUL byte", what)
	}
	return nil
}

// Enqueue stores m in state queued. Concurrent calls share commits; each
// returns only after its commit is fsync'd.
func (s *Store) Enqueue(ctx context.Context, m outbox.Message) error {
	for _, c := range []struct {
		what, v  string
		required bool
	}{{"message ID", m.ID, true}, {"partner", m.Partner, true}, {"ordering key", m.OrderingKey, false}, {"type", m.Type, false}} {
		if err := checkName(c.what, c.v, c.required); err != nil {
			return err
		}
	}
	at := s.now(m.At)
	key := m.OrderingKey
	if key == "" {
		key = m.ID
	}
	actor := m.Actor
	if actor == "" {
		actor = "intake"
	}
	return s.write(ctx, func(w *wtx) error {
		if w.ids.Get(idKey(outbox.DirOut, m.ID)) != nil {
			return fmt.Errorf("enqueue %s: %w", m.ID, outbox.ErrDuplicate)
		}
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		r := &stored{
			Dir: outbox.DirOut, ID: m.ID, Partner: m.Partner, Type: m.Type, Key: key, Seq: seq,
			State: outbox.StateQueued, Next: at, Created: at, Updated: at, Ausloeser: m.AusloeserUUID,
		}
		if !m.AnswerDeadline.IsZero() {
			r.Deadline = timePtr(m.AnswerDeadline)
		}
		if err := w.putBody(seq, bodySealed, nonNil(m.Sealed)); err != nil {
			return err
		}
		if err := w.save(nil, r); err != nil {
			return err
		}
		return w.appendAudit(audit.Entry{
			Time: at, RecordID: m.ID, Direction: string(outbox.DirOut), Partner: m.Partner, Type: m.Type,
			To: string(outbox.StateQueued), Actor: actor,
		})
	})
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// candidate is a due record found in the due bucket.
type candidate struct {
	due time.Time
	seq uint64
}

// dueCandidates returns up to max heads due at now, earliest first, from
// the partners p allows. Skipped partners cost nothing: their part of the
// due bucket is never read.
func (w *wtx) dueCandidates(now time.Time, max int, only, skip []string) ([]candidate, error) {
	partners := only
	c := w.due.Cursor()
	if len(partners) == 0 {
		for k, _ := c.First(); k != nil; {
			p, _, _, ok := parseDueKey(k)
			if !ok {
				return nil, fmt.Errorf("boltstore: bad due key %x", k)
			}
			partners = append(partners, p)
			k, _ = c.Seek(append([]byte(p), 1))
		}
	}
	var out []candidate
	seen := map[string]bool{}
	for _, p := range partners {
		if seen[p] || slices.Contains(skip, p) {
			continue
		}
		seen[p] = true
		prefix := duePrefix(p)
		n := 0
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n < max; k, _ = c.Next() {
			_, t, seq, ok := parseDueKey(k)
			if !ok {
				return nil, fmt.Errorf("boltstore: bad due key %x", k)
			}
			if t.After(now) {
				break
			}
			out = append(out, candidate{due: t, seq: seq})
			n++
		}
	}
	sortDue(out)
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
}

// Claim moves up to p.Max due records to sending under a new lease. A
// record whose lease expired is audited sending → queued (actor
// "lease-expiry") and then claimed again. Records come earliest due first.
func (s *Store) Claim(ctx context.Context, p outbox.ClaimParams) ([]outbox.Record, error) {
	if err := checkName("claim owner", p.Owner, true); err != nil {
		return nil, err
	}
	if p.LeaseFor <= 0 {
		return nil, invalid("claim: LeaseFor must be positive")
	}
	max := p.Max
	if max <= 0 {
		max = 1
	}
	now := s.now(p.Now)
	var out []outbox.Record
	err := s.write(ctx, func(w *wtx) error {
		out = nil
		cands, err := w.dueCandidates(now, max, p.Partners, p.SkipPartners)
		if err != nil {
			return err
		}
		for _, c := range cands {
			old, err := loadBySeq(w.records, c.seq)
			if err != nil {
				return err
			}
			if old == nil {
				return fmt.Errorf("boltstore: due entry names missing record %d", c.seq)
			}
			r := *old
			base := audit.Entry{Time: now, RecordID: r.ID, Direction: string(outbox.DirOut), Partner: r.Partner, Type: r.Type}
			if r.State == outbox.StateSending {
				e := base
				e.From, e.To, e.Actor, e.Attempt = string(outbox.StateSending), string(outbox.StateQueued), "lease-expiry", r.Attempts
				e.Reason = "lease of " + r.Lease.Owner + " expired"
				if err := w.appendAudit(e); err != nil {
					return err
				}
			}
			tok, err := w.nextToken()
			if err != nil {
				return err
			}
			r.State = outbox.StateSending
			r.Attempts++
			r.Lease = &storedLease{Owner: p.Owner, Token: tok, Until: now.Add(p.LeaseFor)}
			r.Updated = now
			if err := w.save(old, &r); err != nil {
				return err
			}
			e := base
			e.From, e.To, e.Actor, e.Attempt = string(outbox.StateQueued), string(outbox.StateSending), p.Owner, r.Attempts
			if err := w.appendAudit(e); err != nil {
				return err
			}
			out = append(out, fullRecord(w.buckets, &r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Settle records the outcome of the attempt made under lease.
func (s *Store) Settle(ctx context.Context, id string, lease outbox.Lease, o outbox.Outcome) error {
	o = derefOutcome(o)
	switch o.(type) {
	case outbox.Delivered, outbox.Retry, outbox.Rejected, outbox.Failed:
	default:
		return invalid("settle %s: unknown outcome %T", id, o)
	}
	return s.write(ctx, func(w *wtx) error {
		old, err := w.load(outbox.DirOut, id)
		if err != nil {
			return err
		}
		if old == nil {
			return fmt.Errorf("settle %s: %w", id, outbox.ErrNotFound)
		}
		if old.State != outbox.StateSending || old.Lease == nil || old.Lease.Token != lease.Token || old.Lease.Owner != lease.Owner {
			return fmt.Errorf("settle %s (state %s): %w", id, old.State, outbox.ErrLeaseLost)
		}
		r := *old
		r.Lease = nil
		e := audit.Entry{RecordID: id, Direction: string(outbox.DirOut), Partner: r.Partner, Type: r.Type,
			From: string(outbox.StateSending), Actor: lease.Owner, Attempt: r.Attempts}
		switch o := o.(type) {
		case outbox.Delivered:
			e.Time = s.now(o.At)
			r.State = outbox.StateDelivered
			if err := w.putBody(r.Seq, bodyEvidence, o.Evidence); err != nil {
				return err
			}
		case outbox.Retry:
			e.Time = s.now(o.Now)
			r.State = outbox.StateQueued
			r.Next = o.At
			if r.Next.IsZero() {
				r.Next = e.Time
			}
			r.setErr(o.Err)
			e.Code = o.Err.Code
		case outbox.Rejected:
			e.Time = s.now(o.At)
			r.State = outbox.StateRejected
			r.setErr(o.Err)
			e.Code = o.Err.Code
			if err := w.putBody(r.Seq, bodyEvidence, o.Evidence); err != nil {
				return err
			}
		case outbox.Failed:
			e.Time = s.now(o.At)
			r.State = outbox.StateFailed
			r.setErr(o.Err)
			e.Code = o.Err.Code
		}
		e.To = string(r.State)
		r.Updated = e.Time
		if err := w.save(old, &r); err != nil {
			return err
		}
		return w.appendAudit(e)
	})
}

func derefOutcome(o outbox.Outcome) outbox.Outcome {
	switch p := o.(type) {
	case *outbox.Delivered:
		if p != nil {
			return *p
		}
	case *outbox.Retry:
		if p != nil {
			return *p
		}
	case *outbox.Rejected:
		if p != nil {
			return *p
		}
	case *outbox.Failed:
		if p != nil {
			return *p
		}
	}
	return o
}

// actionTargets are the states Apply may move a record to; the other
// transitions belong to Claim and Settle.
var actionTargets = []outbox.State{outbox.StateQueued, outbox.StateCancelled, outbox.StateAnswered,
	outbox.StateHandedOver, outbox.StateAcknowledged}

// Apply performs an operator's or the gateway's action. Replay (to
// queued, from failed or rejected) resets Attempts and makes the record
// due at a.At; replay and cancel need a reason.
func (s *Store) Apply(ctx context.Context, id string, a outbox.Action) error {
	if !a.To.Valid() {
		return invalid("apply to %s: unknown state %q", id, a.To)
	}
	if err := checkName("actor", a.Actor, true); err != nil {
		return err
	}
	if (a.To == outbox.StateQueued || a.To == outbox.StateCancelled) && strings.TrimSpace(a.Reason) == "" {
		return invalid("%s of %s needs a reason", a.To, id)
	}
	dir := outbox.DirOut
	if slices.Contains(outbox.InboundStates(), a.To) {
		dir = outbox.DirIn
	}
	at := s.now(a.At)
	return s.write(ctx, func(w *wtx) error {
		old, err := w.load(dir, id)
		if err != nil {
			return err
		}
		if old == nil {
			// A record of the other direction cannot reach a.To either.
			other := outbox.DirIn
			if dir == outbox.DirIn {
				other = outbox.DirOut
			}
			if o, err := w.load(other, id); err != nil {
				return err
			} else if o != nil {
				return &outbox.TransitionError{ID: id, From: o.State, To: a.To}
			}
			return fmt.Errorf("apply %s to %s: %w", a.To, id, outbox.ErrNotFound)
		}
		if !slices.Contains(actionTargets, a.To) || !outbox.CanTransition(old.State, a.To) ||
			(a.To == outbox.StateQueued && old.State == outbox.StateSending) {
			return &outbox.TransitionError{ID: id, From: old.State, To: a.To}
		}
		r := *old
		r.State, r.Updated = a.To, at
		if a.To == outbox.StateQueued {
			// A replay starts a fresh round: attempts and the retry age
			// count from now.
			replayed := at
			r.Attempts, r.Next, r.Lease, r.Replayed = 0, at, nil, &replayed
		}
		if err := w.save(old, &r); err != nil {
			return err
		}
		return w.appendAudit(audit.Entry{
			Time: at, RecordID: id, Direction: string(dir), Partner: r.Partner, Type: r.Type,
			From: string(old.State), To: string(a.To), Actor: a.Actor, Reason: a.Reason, Attempt: r.Attempts,
		})
	})
}
