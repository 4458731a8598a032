package pgstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// ErrNotEmpty is returned by Import when the database already holds
// records, de-duplication entries, audit entries or checkpoints.
var ErrNotEmpty = errors.New("pgstore: the database already holds outbox data")

// ImportSource is a whole outbox store to copy into an empty pgstore
// (package outbox/storemigrate reads it from a bbolt file).
type ImportSource struct {
	// Records yields every record with its bodies, in ascending Seq; the
	// Seq is kept, so ordering chains keep their order.
	Records iter.Seq2[outbox.Record, error]
	// Dedup yields the de-duplication entries.
	Dedup iter.Seq2[DedupEntry, error]
	// Audit yields the audit chain in storage order; entries are copied
	// verbatim (Seq, times, Prev, Hash), so the chain verifies as before.
	Audit iter.Seq2[audit.Entry, error]
	// Checkpoints are copied verbatim.
	Checkpoints []audit.Checkpoint
	// Actor names the copy in the audit entries Import adds. Defaults to
	// "migration".
	Actor string
}

// DedupEntry is a remembered nachrichtenUUID and when it was received.
type DedupEntry struct {
	ID       string
	Received time.Time
}

// ImportStats counts what Import copied.
type ImportStats struct {
	Records, Dedup, Audit, Checkpoints int
	// Requeued counts records that were sending in the source: their
	// leases belong to a process that no longer runs, so they are
	// imported as queued, due at once, each with an audit entry
	// sending → queued appended to the chain.
	Requeued int
	// Head is the last copied audit entry's Seq and Hash.
	HeadSeq  uint64
	HeadHash audit.Hash
}

// Import copies src into this store in one transaction, which also locks
// the tables against other instances' writes: either everything is
// copied or nothing is. The store must be empty (else ErrNotEmpty).
// Records that were sending are requeued (see ImportStats.Requeued); all
// else is copied as it is, times to the microsecond (audit and checkpoint
// times exactly).
func (s *Store) Import(ctx context.Context, src ImportSource) (ImportStats, error) {
	var st ImportStats
	leave, err := s.enter(ctx, true)
	if err != nil {
		return st, err
	}
	defer leave()
	actor := src.Actor
	if actor == "" {
		actor = "migration"
	}
	now := s.cfg.Clock.Now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		st = ImportStats{}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE xgate_records, xgate_dedup, xgate_audit, xgate_audit_pending,
			xgate_audit_head, xgate_checkpoints IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM xgate_records) OR EXISTS (SELECT 1 FROM xgate_dedup)
			OR EXISTS (SELECT 1 FROM xgate_audit) OR EXISTS (SELECT 1 FROM xgate_audit_pending)
			OR EXISTS (SELECT 1 FROM xgate_checkpoints) OR (SELECT seq FROM xgate_audit_head) <> 0`).Scan(&used); err != nil {
			return err
		}
		if used {
			return ErrNotEmpty
		}

		var (
			requeue []pendingEntry
			lastSeq uint64
		)
		recs := &copySource[outbox.Record]{seq: src.Records, row: func(r outbox.Record) ([]any, error) {
			if r.Seq <= lastSeq {
				return nil, fmt.Errorf("record %s: Seq %d after %d", r.ID, r.Seq, lastSeq)
			}
			lastSeq = r.Seq
			if r.State == outbox.StateSending {
				owner := ""
				if r.Lease != nil {
					owner = r.Lease.Owner
				}
				requeue = append(requeue, pendingEntry{T: entryTime(now), ID: r.ID, Dir: string(r.Direction), Partner: r.Partner,
					Type: r.Type, From: string(outbox.StateSending), To: string(outbox.StateQueued), Actor: actor,
					Reason: "store migrated; lease of " + owner + " dropped", Attempt: r.Attempts})
				r.State, r.Lease, r.NextAttempt, r.Updated = outbox.StateQueued, nil, now, now
			}
			return recordRow(r), nil
		}}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"xgate_records"}, recordCols, recs)
		if err := errors.Join(err, recs.err); err != nil {
			return fmt.Errorf("copy records: %w", err)
		}
		st.Records, st.Requeued = int(n), len(requeue)

		ds := &copySource[DedupEntry]{seq: src.Dedup, row: func(d DedupEntry) ([]any, error) {
			return []any{d.ID, d.Received}, nil
		}}
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"xgate_dedup"}, []string{"id", "received"}, ds)
		if err := errors.Join(err, ds.err); err != nil {
			return fmt.Errorf("copy de-duplication entries: %w", err)
		}
		st.Dedup = int(n)

		var last *audit.Entry
		as := &copySource[audit.Entry]{seq: src.Audit, row: func(e audit.Entry) ([]any, error) {
			last = &e
			return entryRow(e), nil
		}}
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"xgate_audit"}, auditColumns, as)
		if err := errors.Join(err, as.err); err != nil {
			return fmt.Errorf("copy audit entries: %w", err)
		}
		st.Audit = int(n)

		b := &pgx.Batch{}
		if last != nil {
			st.HeadSeq, st.HeadHash = last.Seq, last.Hash
			b.Queue(`UPDATE xgate_audit_head SET seq = $1, hash = $2`, int64(last.Seq), last.Hash[:])
		}
		for _, cp := range src.Checkpoints {
			at, ns := splitTime(cp.Time)
			b.Queue(`INSERT INTO xgate_checkpoints (seq, head, at, at_ns, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
				int64(cp.Seq), cp.Head[:], at, ns, cp.KeyID, cp.Signature)
		}
		st.Checkpoints = len(src.Checkpoints)
		if lastSeq > 0 {
			b.Queue(`SELECT setval('xgate_record_seq', $1)`, int64(lastSeq))
			b.Queue(`UPDATE xgate_records r SET head = true WHERE r.state IN ('queued', 'sending') AND NOT EXISTS (
				SELECT 1 FROM xgate_records e WHERE e.partner = r.partner AND e.okey = r.okey
				AND e.state IN ('queued', 'sending') AND e.seq < r.seq)`)
		}
		if len(requeue) > 0 {
			b.Queue(`INSERT INTO xgate_audit_pending (entries) VALUES ($1::jsonb)`, pendingJSON(requeue...))
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		if errors.Is(err, ErrNotEmpty) {
			return ImportStats{}, err
		}
		return ImportStats{}, fmt.Errorf("pgstore: import: %w", s.translate(err))
	}
	s.log.Info("outbox imported", "records", st.Records, "dedup", st.Dedup, "audit_entries", st.Audit,
		"checkpoints", st.Checkpoints, "requeued", st.Requeued)
	s.kickLinker()
	return st, nil
}

// recordCols are the columns Import copies, in recordRow's order.
var recordCols = []string{"seq", "dir", "id", "partner", "type", "okey", "state", "attempts", "next_attempt", "err_code", "err_text",
	"created", "queued", "updated", "ausloeser", "deadline", "lease_owner", "lease_token", "lease_until",
	"sealed", "evidence", "opened", "receipt"}

func recordRow(r outbox.Record) []any {
	var (
		errCode, errText, owner *string
		token                   *int64
		deadline, until         *time.Time
	)
	if r.LastError != nil {
		errCode, errText = &r.LastError.Code, &r.LastError.Text
	}
	if !r.AnswerDeadline.IsZero() {
		deadline = &r.AnswerDeadline
	}
	if r.Lease != nil {
		tok := int64(r.Lease.Token)
		owner, token, until = &r.Lease.Owner, &tok, &r.Lease.Until
	}
	okey := ""
	if r.Direction == outbox.DirOut {
		okey = r.OrderingKey
		if okey == "" {
			okey = r.ID
		}
	}
	queued := r.Queued
	if queued.IsZero() {
		queued = r.Created
	}
	return []any{int64(r.Seq), string(r.Direction), r.ID, r.Partner, r.Type, okey, string(r.State), r.Attempts, r.NextAttempt,
		errCode, errText, r.Created, queued, r.Updated, r.AusloeserUUID, deadline, owner, token, until,
		r.Sealed, r.Evidence, r.Opened, r.Receipt}
}

var auditColumns = []string{"seq", "at", "at_ns", "record_id", "direction", "partner", "type", "from_state", "to_state", "actor",
	"reason", "code", "attempt", "prev", "hash"}

// copySource adapts an iterator to pgx.CopyFromSource; an error of the
// iterator ends the copy and is kept in err.
type copySource[T any] struct {
	seq  iter.Seq2[T, error]
	row  func(T) ([]any, error)
	next func() (T, error, bool)
	stop func()
	cur  []any
	err  error
}

func (c *copySource[T]) Next() bool {
	if c.seq == nil || c.err != nil {
		return false
	}
	if c.next == nil {
		c.next, c.stop = iter.Pull2(c.seq)
	}
	v, err, ok := c.next()
	if !ok {
		c.stop()
		return false
	}
	if err == nil {
		c.cur, err = c.row(v)
	}
	if err != nil {
		c.err = err
		c.stop()
		return false
	}
	return true
}

func (c *copySource[T]) Values() ([]any, error) { return c.cur, nil }
func (c *copySource[T]) Err() error             { return c.err }
