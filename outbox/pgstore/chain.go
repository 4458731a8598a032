package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox/audit"
)

// kickLinker tells the linker that a write left entries to link.
func (s *Store) kickLinker() {
	if s.kick == nil {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// linker links pending audit entries into the chain: ChainDelay after a
// write, so that one linking transaction serves the writes of that
// moment, and once more when the store closes.
func (s *Store) linker() {
	defer close(s.chainDone)
	ctx := context.Background()
	var retry <-chan time.Time
	for {
		select {
		case <-s.stop:
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			if _, err := s.link(cctx); err != nil {
				s.log.Warn("audit entries left unlinked at close; the next instance links them", "error", err)
			}
			cancel()
			return
		case <-s.kick:
		case <-retry:
		}
		retry = nil
		select {
		case <-time.After(s.cfg.ChainDelay):
		case <-s.stop:
		}
		if _, err := s.link(ctx); err != nil {
			s.log.Warn("linking audit entries failed; retrying", "error", err)
			retry = time.After(time.Second)
		}
	}
}

// link links every pending entry visible now, in batches of ChainBatch,
// and returns how many it linked.
func (s *Store) link(ctx context.Context) (int, error) {
	s.chainMu.Lock()
	defer s.chainMu.Unlock()
	total := 0
	for {
		n, rows, err := s.linkBatch(ctx)
		total += n
		if err != nil || rows < s.cfg.ChainBatch {
			return total, err
		}
	}
}

// linkBatch links the entries of up to ChainBatch pending rows in one
// transaction and returns how many entries and rows it linked. With
// nothing pending it takes no lock and writes nothing.
//
// The row lock on xgate_audit_head makes linkers (of all instances) take
// turns. Pending rows are read after the lock is held, in the order of
// their ids; a row's entries are in the order its transaction wrote them.
// Rows committed later (even with smaller ids) are linked in a later
// batch. Two transactions that changed the same record committed one
// after the other, and the later one took its id after the earlier one
// committed: per record, the chain keeps the order of the changes.
func (s *Store) linkBatch(ctx context.Context) (n, rows int, err error) {
	var pending bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM xgate_audit_pending)`).Scan(&pending); err != nil || !pending {
		return 0, 0, s.translate(err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n, rows = 0, 0
		var (
			headSeq  int64
			headHash []byte
		)
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM xgate_audit_head FOR UPDATE`).Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("read chain head: %w", err)
		}
		pr, err := tx.Query(ctx, `SELECT id, entries FROM xgate_audit_pending ORDER BY id LIMIT $1`, s.cfg.ChainBatch)
		if err != nil {
			return err
		}
		defer pr.Close()
		var (
			ids     []int64
			entries []audit.Entry
		)
		for pr.Next() {
			var (
				id  int64
				raw []byte
			)
			if err := pr.Scan(&id, &raw); err != nil {
				return err
			}
			es, err := decodePending(id, raw)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			entries = append(entries, es...)
		}
		if err := pr.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		var prev *audit.Entry
		if headSeq > 0 {
			prev = &audit.Entry{Seq: uint64(headSeq)}
			copy(prev.Hash[:], headHash)
		}
		last, err := s.lastCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		var cps []audit.Checkpoint
		for i := range entries {
			entries[i] = audit.Link(prev, entries[i])
			prev = &entries[i]
			if cp, ok := s.maybeCheckpoint(last, *prev); ok {
				cps = append(cps, cp)
				last = cp
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"xgate_audit"}, auditColumns,
			pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) { return entryRow(entries[i]), nil })); err != nil {
			return fmt.Errorf("append entries: %w", err)
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM xgate_audit_pending WHERE id = ANY($1)`, ids)
		b.Queue(`UPDATE xgate_audit_head SET seq = $1, hash = $2`, int64(prev.Seq), prev.Hash[:])
		for _, cp := range cps {
			at, ns := splitTime(cp.Time)
			b.Queue(`INSERT INTO xgate_checkpoints (seq, head, at, at_ns, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)`,
				int64(cp.Seq), cp.Head[:], at, ns, cp.KeyID, cp.Signature)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		n, rows = len(entries), len(ids)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("pgstore: link audit entries: %w", s.translate(err))
	}
	return n, rows, nil
}

// entryRow is e as a row of xgate_audit.
func entryRow(e audit.Entry) []any {
	at, ns := splitTime(e.Time)
	return []any{int64(e.Seq), at, ns, e.RecordID, e.Direction, e.Partner, e.Type, e.From, e.To, e.Actor,
		e.Reason, e.Code, e.Attempt, e.Prev[:], e.Hash[:]}
}

// lastCheckpoint returns the newest checkpoint (zero if none), when this
// instance signs checkpoints.
func (s *Store) lastCheckpoint(ctx context.Context, tx pgx.Tx) (audit.Checkpoint, error) {
	if s.cfg.CheckpointSigner == nil {
		return audit.Checkpoint{}, nil
	}
	cps, err := readCheckpoints(ctx, tx, `ORDER BY seq DESC LIMIT 1`)
	if err != nil || len(cps) == 0 {
		return audit.Checkpoint{}, err
	}
	return cps[0], nil
}

// maybeCheckpoint signs head if a checkpoint is due after last.
func (s *Store) maybeCheckpoint(last audit.Checkpoint, head audit.Entry) (audit.Checkpoint, bool) {
	signer := s.cfg.CheckpointSigner
	if signer == nil {
		return audit.Checkpoint{}, false
	}
	now := s.cfg.Clock.Now()
	if !s.cp.Due(last, head.Seq, now) {
		return audit.Checkpoint{}, false
	}
	cp, err := audit.NewCheckpoint(signer, head, now)
	if err != nil {
		// A failing signer must not stop the chain: the next link tries again.
		s.log.Warn("audit checkpoint not signed", "audit_seq", head.Seq, "error", err)
		return audit.Checkpoint{}, false
	}
	return cp, true
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readCheckpoints(ctx context.Context, q querier, tail string) ([]audit.Checkpoint, error) {
	rows, err := q.Query(ctx, `SELECT seq, head, at, at_ns, key_id, signature FROM xgate_checkpoints `+tail)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Checkpoint
	for rows.Next() {
		var (
			cp   audit.Checkpoint
			seq  int64
			head []byte
			at   time.Time
			ns   int32
		)
		if err := rows.Scan(&seq, &head, &at, &ns, &cp.KeyID, &cp.Signature); err != nil {
			return nil, err
		}
		cp.Seq, cp.Time = uint64(seq), joinTime(at, ns)
		copy(cp.Head[:], head)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// linkForRead links what is pending before an audit read, so that the
// reader sees every committed change. A read-only store cannot; it sees
// what the writing instances have linked.
func (s *Store) linkForRead(ctx context.Context) error {
	if s.cfg.ReadOnly {
		return nil
	}
	_, err := s.link(ctx)
	return err
}

// auditPage is how many entries AuditEntries reads per query.
const auditPage = 1000

// AuditEntries calls fn for every entry with Seq ≥ from, in order. It
// first links the pending entries, then reads pages of entries and calls
// fn between the queries, so fn may use the store.
func (s *Store) AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return err
	}
	defer leave()
	if err := s.linkForRead(ctx); err != nil {
		return err
	}
	if from == 0 {
		from = 1
	}
	for {
		page, err := s.entries(ctx, `WHERE seq >= $1 ORDER BY seq LIMIT $2`, int64(from), auditPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		// Page by the stored key; a tampered entry is still yielded as
		// stored (Verify judges it).
		from = page[len(page)-1].Seq + 1
	}
}

// entries reads audit entries; a row that does not decode ends the page
// with a *audit.DecodeError after the entries before it.
func (s *Store) entries(ctx context.Context, tail string, args ...any) ([]audit.Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+auditCols+` FROM xgate_audit `+tail, args...)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read audit: %w", s.translate(err))
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			var de *audit.DecodeError
			if errors.As(err, &de) {
				return out, de
			}
			return nil, fmt.Errorf("pgstore: read audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: read audit: %w", s.translate(err))
	}
	return out, nil
}

// Checkpoints returns the signed checkpoints in order.
func (s *Store) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := s.linkForRead(ctx); err != nil {
		return nil, err
	}
	cps, err := readCheckpoints(ctx, s.pool, `ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read checkpoints: %w", s.translate(err))
	}
	return cps, nil
}

// History returns the audit entries of one record (outbound and inbound
// records of that ID alike), in order.
func (s *Store) History(ctx context.Context, id string) ([]audit.Entry, error) {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := s.linkForRead(ctx); err != nil {
		return nil, err
	}
	return s.entries(ctx, `WHERE record_id = $1 ORDER BY seq`, id)
}

// Link links every pending audit entry now (the linker does it
// ChainDelay after writes) and returns how many it linked. Operators'
// tools call it before reading the chain directly from the database.
func (s *Store) Link(ctx context.Context) (int, error) {
	leave, err := s.enter(ctx, true)
	if err != nil {
		return 0, err
	}
	defer leave()
	return s.link(ctx)
}
