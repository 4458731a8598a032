package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox"
)

// receiveSQL claims the nachrichtenUUID in the de-duplication table and,
// only if that succeeded, stores the record and its audit entry: one
// statement. A concurrent Receive of the same ID (on any instance) waits
// on the primary key until the first commits, then inserts nothing.
const receiveSQL = `WITH d AS (
	INSERT INTO xgate_dedup (id, received) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id
), r AS (
	INSERT INTO xgate_records (dir, id, partner, type, state, next_attempt, created, queued, updated, opened, receipt)
	SELECT 'in', d.id, $3, $4, 'received', $2, $2, $2, $2, $5, $6 FROM d
	RETURNING seq
), a AS (
	INSERT INTO xgate_audit_pending (entries) SELECT $7::jsonb FROM r
)
SELECT seq FROM r`

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
	leave, err := s.enter(ctx, true)
	if err != nil {
		return outbox.Record{}, err
	}
	defer leave()
	if err := s.checkSize(ctx); err != nil {
		return outbox.Record{}, err
	}
	at := s.now(in.At)
	actor := in.Actor
	if actor == "" {
		actor = "intake"
	}
	opened, receipt := nonNil(in.Opened), nonNil(in.Receipt)
	entry := pendingJSON(pendingEntry{T: entryTime(at), ID: in.ID, Dir: string(outbox.DirIn), Partner: in.Sender, Type: in.Type,
		To: string(outbox.StateReceived), Actor: text(actor)})
	var seq int64
	err = s.pool.QueryRow(ctx, receiveSQL, in.ID, at, in.Sender, in.Type, opened, receipt, entry).Scan(&seq)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return s.duplicate(ctx, in.ID)
	case err != nil:
		err = s.translate(err)
		if errors.Is(err, outbox.ErrDuplicate) { // an inbound record without its entry
			return s.duplicate(ctx, in.ID)
		}
		return outbox.Record{}, fmt.Errorf("pgstore: receive %s: %w", in.ID, err)
	}
	s.kickLinker()
	us := at.UTC().Truncate(time.Microsecond)
	return outbox.Record{ID: in.ID, Direction: outbox.DirIn, Partner: in.Sender, Type: in.Type, Seq: uint64(seq),
		State: outbox.StateReceived, NextAttempt: us, Created: us, Queued: us, Updated: us,
		Opened: append([]byte{}, opened...), Receipt: append([]byte{}, receipt...)}, nil
}

// duplicate returns the stored inbound record of id and ErrDuplicate.
func (s *Store) duplicate(ctx context.Context, id string) (outbox.Record, error) {
	r, err := scanRecord(s.pool.QueryRow(ctx, `SELECT `+cols(true)+` FROM xgate_records WHERE dir = 'in' AND id = $1`, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		r, err = outbox.Record{ID: id, Direction: outbox.DirIn}, nil
	}
	if err != nil {
		return outbox.Record{}, fmt.Errorf("pgstore: receive %s: %w", id, s.translate(err))
	}
	return r, fmt.Errorf("receive %s: %w", id, outbox.ErrDuplicate)
}

// expireChunk is how many de-duplication entries one Expire transaction
// drops.
const expireChunk = 1000

// Expire drops de-duplication entries received before now minus
// DedupRetention, together with their inbound records once those are
// acknowledged; their audit entries stay. Entries of records still in
// received or handed-over are kept. It works in transactions of at most
// 1000 entries; instances may run it at the same time.
func (s *Store) Expire(ctx context.Context, now time.Time) (int, error) {
	leave, err := s.enter(ctx, true)
	if err != nil {
		return 0, err
	}
	defer leave()
	cutoff := now.Add(-s.cfg.DedupRetention)
	total := 0
	for {
		var n int
		err := s.pool.QueryRow(ctx, `WITH v AS (
			SELECT d.id FROM xgate_dedup d
			WHERE d.received < $1 AND NOT EXISTS (
				SELECT 1 FROM xgate_records r WHERE r.dir = 'in' AND r.id = d.id AND r.state <> 'acknowledged')
			ORDER BY d.received
			LIMIT $2
			FOR UPDATE OF d SKIP LOCKED
		), dr AS (
			DELETE FROM xgate_records r USING v WHERE r.dir = 'in' AND r.id = v.id AND r.state = 'acknowledged'
		), dd AS (
			DELETE FROM xgate_dedup d USING v WHERE d.id = v.id RETURNING 1
		)
		SELECT count(*) FROM dd`, cutoff, expireChunk).Scan(&n)
		if err != nil {
			return total, fmt.Errorf("pgstore: expire: %w", s.translate(err))
		}
		total += n
		if n < expireChunk {
			break
		}
	}
	if total > 0 {
		s.log.Info("expired de-duplication entries", "count", total, "cutoff", cutoff)
	}
	return total, nil
}
