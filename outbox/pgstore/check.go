package pgstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox/audit"
)

// maxProblems bounds the problems Check lists.
const maxProblems = 50

// Check links the pending audit entries (unless read-only), then reads the
// whole store in one repeatable-read snapshot and verifies what the
// schema's constraints do not: the schema is current; exactly the
// earliest active record of each ordering chain is marked its head; every inbound
// record has its de-duplication entry; every record's last audit entry
// (linked or pending) names its state; the record sequence is ahead of
// every Seq; the audit chain links (each Hash recomputed, each Prev equal
// to the previous Hash, Seqs consecutive from 1) and ends at the head
// row; pending entries decode; every checkpoint's Head is the hash of the
// entry it names. It does not verify checkpoint signatures (audit.Verify
// does, with the certificates). It returns nil, a *CheckError listing the
// first problems found, or the error that stopped it.
func (s *Store) Check(ctx context.Context) error {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return err
	}
	defer leave()
	if err := s.linkForRead(ctx); err != nil {
		return err
	}
	var problems []string
	bad := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == maxProblems {
			problems = append(problems, "…")
		}
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		problems = nil
		var version int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM xgate_schema_migrations`).Scan(&version); err != nil {
			return err
		}
		if want := SchemaVersion(); version != want {
			bad("schema version %d, want %d", version, want)
		}
		if err := eachRow(ctx, tx, func(r pgx.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			bad("record %s: inbound without a de-duplication entry", id)
			return nil
		}, `SELECT r.id FROM xgate_records r WHERE r.dir = 'in'
			AND NOT EXISTS (SELECT 1 FROM xgate_dedup d WHERE d.id = r.id) ORDER BY r.seq LIMIT $1`, maxProblems+1); err != nil {
			return err
		}
		if err := eachRow(ctx, tx, func(r pgx.Rows) error {
			var (
				id   string
				head bool
			)
			if err := r.Scan(&id, &head); err != nil {
				return err
			}
			if head {
				bad("record %s: marked head of its ordering chain, but it is not the earliest active record", id)
			} else {
				bad("record %s: the earliest active record of its ordering chain, but not marked head", id)
			}
			return nil
		}, `SELECT r.id, r.head FROM xgate_records r
			WHERE r.head IS DISTINCT FROM (r.state IN ('queued', 'sending') AND NOT EXISTS (
				SELECT 1 FROM xgate_records e WHERE e.partner = r.partner AND e.okey = r.okey
				AND e.state IN ('queued', 'sending') AND e.seq < r.seq))
			ORDER BY r.seq LIMIT $1`, maxProblems+1); err != nil {
			return err
		}
		// The last entry of each record: a pending one if any (pending
		// entries of a record always come after its linked ones), else
		// the linked one with the highest Seq.
		if err := eachRow(ctx, tx, func(r pgx.Rows) error {
			var (
				dir, id, state string
				last           *string
			)
			if err := r.Scan(&dir, &id, &state, &last); err != nil {
				return err
			}
			if last == nil {
				bad("record %s (%s): no audit entry", id, dir)
			} else {
				bad("record %s (%s): state %s but its last audit entry says %s", id, dir, state, *last)
			}
			return nil
		}, `WITH p AS (
				SELECT DISTINCT ON (x.e->>'dir', x.e->>'id') x.e->>'dir' AS dir, x.e->>'id' AS id, x.e->>'to' AS to_state
				FROM xgate_audit_pending p, jsonb_array_elements(p.entries) WITH ORDINALITY AS x(e, n)
				ORDER BY x.e->>'dir', x.e->>'id', p.id DESC, x.n DESC
			)
			SELECT r.dir, r.id, r.state, coalesce(p.to_state, l.to_state)
			FROM xgate_records r
			LEFT JOIN p ON p.dir = r.dir AND p.id = r.id
			LEFT JOIN LATERAL (SELECT a.to_state FROM xgate_audit a
				WHERE a.record_id = r.id AND a.direction = r.dir ORDER BY a.seq DESC LIMIT 1) l ON true
			WHERE coalesce(p.to_state, l.to_state) IS DISTINCT FROM r.state
			ORDER BY r.seq LIMIT $1`, maxProblems+1); err != nil {
			return err
		}
		var (
			maxSeq, lastValue int64
			isCalled          bool
		)
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT max(seq) FROM xgate_records), 0), last_value, is_called FROM xgate_record_seq`).
			Scan(&maxSeq, &lastValue, &isCalled); err != nil {
			return err
		}
		next := lastValue
		if isCalled {
			next++
		}
		if maxSeq >= next {
			bad("record sequence would hand out %d again, records reach %d", next, maxSeq)
		}
		if err := eachRow(ctx, tx, func(r pgx.Rows) error {
			var (
				id  int64
				raw []byte
			)
			if err := r.Scan(&id, &raw); err != nil {
				return err
			}
			if _, err := decodePending(id, raw); err != nil {
				bad("%v", err)
			}
			return nil
		}, `SELECT id, entries FROM xgate_audit_pending ORDER BY id`); err != nil {
			return err
		}

		// The chain, streamed in Seq order.
		hashes := map[uint64]audit.Hash{}
		var prev *audit.Entry
		if err := eachRow(ctx, tx, func(r pgx.Rows) error {
			e, err := scanEntry(r)
			if err != nil {
				bad("audit entry %d: %v", e.Seq, err)
				return nil
			}
			want := uint64(1)
			if prev != nil {
				want = prev.Seq + 1
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
			hashes[e.Seq] = e.Hash
			prev = &e
			return nil
		}, `SELECT `+auditCols+` FROM xgate_audit ORDER BY seq`); err != nil {
			return err
		}
		var (
			headSeq  int64
			headHash []byte
		)
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM xgate_audit_head`).Scan(&headSeq, &headHash); err != nil {
			return err
		}
		switch {
		case prev == nil && headSeq != 0:
			bad("audit head names entry %d of an empty chain", headSeq)
		case prev != nil && (uint64(headSeq) != prev.Seq || string(headHash) != string(prev.Hash[:])):
			bad("audit head (entry %d) is not the last entry %d", headSeq, prev.Seq)
		}
		cps, err := readCheckpoints(ctx, tx, `ORDER BY seq`)
		if err != nil {
			return err
		}
		for _, cp := range cps {
			if h, ok := hashes[cp.Seq]; !ok || h != cp.Head {
				bad("checkpoint %d: head is not the hash of audit entry %d", cp.Seq, cp.Seq)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: check: %w", s.translate(err))
	}
	if len(problems) > 0 {
		return &CheckError{Problems: problems}
	}
	return nil
}

// CheckError is what Check found: the first problems, one line each (a
// last "…" when there were more).
type CheckError struct {
	Problems []string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("pgstore: check: %d problem(s):\n%s", len(e.Problems), strings.Join(e.Problems, "\n"))
}

// eachRow runs a query and calls fn for each row.
func eachRow(ctx context.Context, tx pgx.Tx, fn func(pgx.Rows) error, sql string, args ...any) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
