package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox"
)

// lockChainSQL takes the advisory lock of an ordering chain: writers that
// change which records of a chain are active hold it, so that they see
// each other's commits and keep exactly the earliest active record the
// head. It also makes Seq order commit order within a chain.
const lockChainSQL = `SELECT pg_advisory_xact_lock(xgate_chain_key($1, $2))`

// enqueueSQL inserts the record (the head of its chain if no other
// record of the chain is active) and its pending audit entry. It runs
// after lockChainSQL in the same transaction, so it sees every commit to
// the chain.
const enqueueSQL = `WITH r AS (
	INSERT INTO xgate_records (dir, id, partner, type, okey, state, head, next_attempt, created, queued, updated, ausloeser, deadline, sealed)
	VALUES ('out', $1, $2, $3, $4, 'queued',
		NOT EXISTS (SELECT 1 FROM xgate_records e WHERE e.partner = $2 AND e.okey = $4 AND e.state IN ('queued', 'sending')),
		$5, $5, $5, $5, $6, $7, $8)
	ON CONFLICT (dir, id) DO NOTHING
	RETURNING seq
), a AS (
	INSERT INTO xgate_audit_pending (entries) SELECT $9::jsonb FROM r
)
SELECT seq FROM r`

// Enqueue stores m in state queued. It returns when the transaction is
// committed (the server's WAL flushed); concurrent calls share flushes.
func (s *Store) Enqueue(ctx context.Context, m outbox.Message) error {
	for _, c := range []struct {
		what, v  string
		required bool
	}{{"message ID", m.ID, true}, {"partner", m.Partner, true}, {"ordering key", m.OrderingKey, false}, {"type", m.Type, false},
		{"ausloeserUUID", m.AusloeserUUID, false}} {
		if err := checkName(c.what, c.v, c.required); err != nil {
			return err
		}
	}
	leave, err := s.enter(ctx, true)
	if err != nil {
		return err
	}
	defer leave()
	if err := s.checkSize(ctx); err != nil {
		return err
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
	var deadline *time.Time
	if !m.AnswerDeadline.IsZero() {
		deadline = &m.AnswerDeadline
	}
	entry := pendingJSON(pendingEntry{T: entryTime(at), ID: m.ID, Dir: string(outbox.DirOut), Partner: m.Partner, Type: m.Type,
		To: string(outbox.StateQueued), Actor: text(actor)})
	// One round trip: the two statements run as one implicit transaction.
	b := &pgx.Batch{}
	b.Queue(lockChainSQL, m.Partner, key)
	b.Queue(enqueueSQL, m.ID, m.Partner, m.Type, key, at, m.AusloeserUUID, deadline, nonNil(m.Sealed), entry)
	var seq int64
	br := s.pool.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&seq)
	}
	if cerr := br.Close(); err == nil || errors.Is(err, pgx.ErrNoRows) && cerr != nil {
		err = cerr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("enqueue %s: %w", m.ID, outbox.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("pgstore: enqueue %s: %w", m.ID, s.translate(err))
	}
	s.kickLinker()
	return nil
}

// claimSQL takes due heads of ordering chains: per partner, the earliest
// due heads that no other transaction has locked (FOR UPDATE SKIP
// LOCKED: rows another instance is claiming or settling are passed over,
// not waited for), read from one short range of the due index, so that a
// partner's backlog or an open circuit breaker costs nothing. Of those it
// takes the earliest due, moves them to sending under a fresh lease and
// writes their audit entries (lease expiry first where a lease expired)
// as one pending row: one statement. %s is the partner list:
// allPartners or givenPartners.
const claimSQL = `WITH RECURSIVE parts(partner) AS (%s),
c AS (
	SELECT x.seq, x.state AS old_state, x.lease_owner AS old_owner, x.due AS old_due
	FROM (SELECT partner FROM parts WHERE partner IS NOT NULL AND NOT (partner = ANY($3::text[]))) p
	CROSS JOIN LATERAL (
		SELECT r.seq, r.state, r.lease_owner, r.due FROM xgate_records r
		WHERE r.partner = p.partner AND r.due IS NOT NULL AND r.due <= $1
		ORDER BY r.due, r.seq
		LIMIT $4
		FOR UPDATE SKIP LOCKED) x
	ORDER BY x.due, x.seq
	LIMIT $4
), u AS (
	UPDATE xgate_records r
	SET state = 'sending', attempts = r.attempts + 1, lease_owner = $5::text,
		lease_token = nextval('xgate_lease_token'), lease_until = $6, updated = $1
	FROM c WHERE r.seq = c.seq
	RETURNING ` + prefixedMeta + `, r.sealed, r.evidence, r.opened, r.receipt, c.old_state, c.old_owner, c.old_due
), a AS (
	INSERT INTO xgate_audit_pending (entries)
	SELECT jsonb_agg(x.e ORDER BY u.old_due, u.seq, x.n)
	FROM u CROSS JOIN LATERAL (VALUES
		(1, CASE WHEN u.old_state = 'sending' THEN jsonb_build_object('t', $7::text, 'id', u.id, 'dir', 'out',
			'partner', u.partner, 'type', u.type, 'from', 'sending', 'to', 'queued', 'actor', 'lease-expiry',
			'reason', 'lease of ' || u.old_owner || ' expired', 'attempt', u.attempts - 1) END),
		(2, jsonb_build_object('t', $7::text, 'id', u.id, 'dir', 'out', 'partner', u.partner, 'type', u.type,
			'from', 'queued', 'to', 'sending', 'actor', $5::text, 'attempt', u.attempts))
	) AS x(n, e)
	WHERE x.e IS NOT NULL
	HAVING count(*) > 0
)
SELECT * FROM u ORDER BY old_due, seq`

// allPartners lists the partners that have due heads by skipping through
// the due index (a loose index scan: one probe per partner). $2 is the
// empty partner list.
const allPartners = `(SELECT partner FROM xgate_records WHERE due IS NOT NULL AND cardinality($2::text[]) = 0 ORDER BY partner LIMIT 1)
	UNION ALL
	SELECT (SELECT r.partner FROM xgate_records r WHERE r.due IS NOT NULL AND r.partner > p.partner ORDER BY r.partner LIMIT 1)
	FROM parts p WHERE p.partner IS NOT NULL`

// givenPartners is the partner list $2.
const givenPartners = `SELECT DISTINCT unnest($2::text[])`

var (
	claimAllSQL   = fmt.Sprintf(claimSQL, allPartners)
	claimGivenSQL = fmt.Sprintf(claimSQL, givenPartners)
)

// prefixedMeta is metaCols qualified by the table alias r (a test
// compares the two).
const prefixedMeta = `r.seq, r.dir, r.id, r.partner, r.type, r.okey, r.state, r.attempts, r.next_attempt, r.err_code, r.err_text,
	r.created, r.queued, r.updated, r.ausloeser, r.deadline, r.lease_owner, r.lease_token, r.lease_until`

// Claim moves up to p.Max due records to sending under a new lease. A
// record whose lease expired is audited sending → queued (actor
// "lease-expiry") and then claimed again. Records come earliest due
// first. Rows that another instance is claiming or settling at this
// moment are skipped, not waited for.
func (s *Store) Claim(ctx context.Context, p outbox.ClaimParams) ([]outbox.Record, error) {
	if err := checkName("claim owner", p.Owner, true); err != nil {
		return nil, err
	}
	if p.LeaseFor <= 0 {
		return nil, invalid("claim: LeaseFor must be positive")
	}
	leave, err := s.enter(ctx, true)
	if err != nil {
		return nil, err
	}
	defer leave()
	max := p.Max
	if max <= 0 {
		max = 1
	}
	now := s.now(p.Now)
	q := claimAllSQL
	if len(p.Partners) > 0 {
		q = claimGivenSQL
	}
	rows, err := s.pool.Query(ctx, q, now, nonNilStrings(p.Partners), nonNilStrings(p.SkipPartners), max,
		p.Owner, now.Add(p.LeaseFor), entryTime(now))
	if err != nil {
		return nil, fmt.Errorf("pgstore: claim: %w", s.translate(err))
	}
	defer rows.Close()
	var out []outbox.Record
	for rows.Next() {
		var (
			oldState string
			oldOwner *string
			oldDue   time.Time
		)
		r, err := scanRecord(rows, true, &oldState, &oldOwner, &oldDue)
		if err != nil {
			return nil, fmt.Errorf("pgstore: claim: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: claim: %w", s.translate(err))
	}
	if len(out) > 0 {
		s.kickLinker()
	}
	return out, nil
}

// settleSQL ends a lease: the record changes only if it is still sending
// under exactly that lease. A final outcome ends its headship; promoteSQL
// then makes the next active record of the chain its head. Both run after
// lockChainSQL (here lockRecordChainSQL) in one transaction.
const settleSQL = `WITH u AS (
	UPDATE xgate_records SET
		state = $4::text, lease_owner = NULL, lease_token = NULL, lease_until = NULL, updated = $5,
		head = head AND $4::text = 'queued',
		next_attempt = coalesce($6::timestamptz, next_attempt),
		err_code = CASE WHEN $7::boolean THEN $8::text ELSE err_code END,
		err_text = CASE WHEN $7::boolean THEN $9::text ELSE err_text END,
		evidence = CASE WHEN $10::boolean THEN $11::bytea ELSE evidence END
	WHERE dir = 'out' AND id = $1::text AND state = 'sending' AND lease_owner = $2::text AND lease_token = $3
	RETURNING partner, type, attempts
), a AS (
	INSERT INTO xgate_audit_pending (entries)
	SELECT jsonb_build_array(jsonb_build_object('t', $12::text, 'id', $1::text, 'dir', 'out', 'partner', u.partner,
		'type', u.type, 'from', 'sending', 'to', $4::text, 'actor', $2::text, 'code', $8::text, 'attempt', u.attempts))
	FROM u
)
SELECT count(*) FROM u`

// lockRecordChainSQL takes the chain lock of the outbound record $1.
const lockRecordChainSQL = `SELECT pg_advisory_xact_lock(xgate_chain_key(partner, okey)) FROM xgate_records WHERE dir = 'out' AND id = $1`

// promoteSQL makes the earliest active record of the chain of the
// outbound record $1 its head, if it is not already. After a change that
// may end a head's activity it restores the invariant; otherwise it
// changes nothing.
const promoteSQL = `UPDATE xgate_records SET head = true
WHERE seq = (SELECT f.seq FROM xgate_records x CROSS JOIN LATERAL (` + earliestActive + `) f
	WHERE x.dir = 'out' AND x.id = $1)
AND NOT head`

// earliestActive is the earliest active record of x's chain, written so
// that the planner walks the chain's index (not the whole table in Seq
// order).
const earliestActive = `SELECT e.seq FROM xgate_records e
	WHERE e.partner = x.partner AND e.okey = x.okey AND e.state IN ('queued', 'sending')
	ORDER BY e.partner, e.okey, e.seq LIMIT 1`

// demoteSQL takes the headship from any record of the chain of the
// outbound record $1 that is not its earliest active one (a replayed
// earlier record takes the head back). It runs before promoteSQL.
const demoteSQL = `UPDATE xgate_records r SET head = false
FROM xgate_records x
WHERE x.dir = 'out' AND x.id = $1 AND r.partner = x.partner AND r.okey = x.okey AND r.head
	AND r.seq IS DISTINCT FROM (` + earliestActive + `)`

// Settle records the outcome of the attempt made under lease.
func (s *Store) Settle(ctx context.Context, id string, lease outbox.Lease, o outbox.Outcome) error {
	o = derefOutcome(o)
	var (
		state    outbox.State
		at       time.Time
		next     *time.Time
		setErr   bool
		errInfo  outbox.ErrorInfo
		setEv    bool
		evidence []byte
	)
	switch o := o.(type) {
	case outbox.Delivered:
		state, at, setEv, evidence = outbox.StateDelivered, s.now(o.At), true, o.Evidence
	case outbox.Retry:
		state, at, setErr, errInfo = outbox.StateQueued, s.now(o.Now), true, o.Err
		n := o.At
		if n.IsZero() {
			n = at
		}
		next = &n
	case outbox.Rejected:
		state, at, setErr, errInfo, setEv, evidence = outbox.StateRejected, s.now(o.At), true, o.Err, true, o.Evidence
	case outbox.Failed:
		state, at, setErr, errInfo = outbox.StateFailed, s.now(o.At), true, o.Err
	default:
		return invalid("settle %s: unknown outcome %T", id, o)
	}
	leave, err := s.enter(ctx, true)
	if err != nil {
		return err
	}
	defer leave()
	errInfo = outbox.ErrorInfo{Code: text(errInfo.Code), Text: text(errInfo.Text)}
	if lease.Token > math.MaxInt64 {
		return s.settleFailed(ctx, id)
	}
	b := &pgx.Batch{}
	b.Queue(lockRecordChainSQL, id)
	b.Queue(settleSQL, id, lease.Owner, int64(lease.Token), string(state), at, next,
		setErr, errInfo.Code, errInfo.Text, setEv, evidence, entryTime(at))
	b.Queue(promoteSQL, id)
	var n int
	br := s.pool.SendBatch(ctx, b)
	_, err = br.Exec()
	if err == nil {
		err = br.QueryRow().Scan(&n)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgstore: settle %s: %w", id, s.translate(err))
	}
	if n == 0 {
		return s.settleFailed(ctx, id)
	}
	s.kickLinker()
	return nil
}

// settleFailed tells why a Settle changed nothing.
func (s *Store) settleFailed(ctx context.Context, id string) error {
	var state string
	err := s.pool.QueryRow(ctx, `SELECT state FROM xgate_records WHERE dir = 'out' AND id = $1`, id).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("settle %s: %w", id, outbox.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("pgstore: settle %s: %w", id, s.translate(err))
	}
	return fmt.Errorf("settle %s (state %s): %w", id, state, outbox.ErrLeaseLost)
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
	leave, err := s.enter(ctx, true)
	if err != nil {
		return err
	}
	defer leave()
	dir, other := outbox.DirOut, outbox.DirIn
	if slices.Contains(outbox.InboundStates(), a.To) {
		dir, other = outbox.DirIn, outbox.DirOut
	}
	at := s.now(a.At)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var seq int64
		err := tx.QueryRow(ctx, `SELECT seq FROM xgate_records WHERE dir = $1 AND id = $2`, string(dir), id).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			// A record of the other direction cannot reach a.To either.
			var otherState string
			err = tx.QueryRow(ctx, `SELECT state FROM xgate_records WHERE dir = $1 AND id = $2`, string(other), id).Scan(&otherState)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("apply %s to %s: %w", a.To, id, outbox.ErrNotFound)
			}
			if err != nil {
				return err
			}
			return &outbox.TransitionError{ID: id, From: outbox.State(otherState), To: a.To}
		}
		if err != nil {
			return err
		}
		chain := dir == outbox.DirOut && (a.To == outbox.StateQueued || a.To == outbox.StateCancelled)
		if chain {
			// The chain lock before the row lock, as Settle takes them.
			if _, err := tx.Exec(ctx, lockRecordChainSQL, id); err != nil {
				return err
			}
		}
		var (
			from, partner, typ string
			attempts           int
		)
		if err := tx.QueryRow(ctx, `SELECT state, partner, type, attempts FROM xgate_records WHERE seq = $1 FOR UPDATE`, seq).
			Scan(&from, &partner, &typ, &attempts); err != nil {
			return err
		}
		old := outbox.State(from)
		if !slices.Contains(actionTargets, a.To) || !outbox.CanTransition(old, a.To) ||
			(a.To == outbox.StateQueued && old == outbox.StateSending) {
			return &outbox.TransitionError{ID: id, From: old, To: a.To}
		}
		if a.To == outbox.StateQueued {
			// A replay starts a fresh round: attempts and the retry age
			// count from now.
			attempts = 0
			_, err = tx.Exec(ctx, `UPDATE xgate_records SET state = 'queued', head = false, updated = $2, attempts = 0,
				next_attempt = $2, queued = $2 WHERE seq = $1`, seq, at)
		} else {
			_, err = tx.Exec(ctx, `UPDATE xgate_records SET state = $2, head = false, updated = $3 WHERE seq = $1`, seq, string(a.To), at)
		}
		if err != nil {
			return err
		}
		if chain {
			// A replayed record may be the earliest active one again; a
			// cancelled head hands the headship on.
			if _, err := tx.Exec(ctx, demoteSQL, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, promoteSQL, id); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO xgate_audit_pending (entries) VALUES ($1::jsonb)`, pendingJSON(pendingEntry{
			T: entryTime(at), ID: id, Dir: string(dir), Partner: partner, Type: typ, From: from, To: string(a.To),
			Actor: text(a.Actor), Reason: text(a.Reason), Attempt: attempts}))
		return err
	})
	if err != nil {
		var te *outbox.TransitionError
		if errors.As(err, &te) || errors.Is(err, outbox.ErrNotFound) {
			return err
		}
		return fmt.Errorf("pgstore: apply %s to %s: %w", a.To, id, s.translate(err))
	}
	s.kickLinker()
	return nil
}

// ReleaseLeases moves every record that owner holds in sending back to
// queued, due at at (zero: the Clock), audited with actor "recovery". An
// instance that restarts under the same relay owner name calls it at
// start, so that its deliveries cut short by the restart go out again at
// once instead of after their leases expire. Leases of other owners are
// not touched: other instances may be delivering them right now. It
// returns how many records it released.
func (s *Store) ReleaseLeases(ctx context.Context, owner string, at time.Time) (int, error) {
	if err := checkName("owner", owner, true); err != nil {
		return 0, err
	}
	leave, err := s.enter(ctx, true)
	if err != nil {
		return 0, err
	}
	defer leave()
	at = s.now(at)
	var n int
	err = s.pool.QueryRow(ctx, `WITH u AS (
		UPDATE xgate_records SET state = 'queued', lease_owner = NULL, lease_token = NULL, lease_until = NULL,
			next_attempt = $2, updated = $2
		WHERE dir = 'out' AND state = 'sending' AND lease_owner = $1
		RETURNING seq, id, partner, type, attempts
	), a AS (
		INSERT INTO xgate_audit_pending (entries)
		SELECT jsonb_agg(jsonb_build_object('t', $3::text, 'id', u.id, 'dir', 'out', 'partner', u.partner, 'type', u.type,
			'from', 'sending', 'to', 'queued', 'actor', 'recovery', 'reason', 'instance restarted; lease of ' || $1::text || ' dropped',
			'attempt', u.attempts) ORDER BY u.seq)
		FROM u HAVING count(*) > 0
	)
	SELECT count(*) FROM u`, owner, at, entryTime(at)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: release leases of %s: %w", owner, s.translate(err))
	}
	if n > 0 {
		s.log.Info("released leases", "owner", owner, "count", n)
		s.kickLinker()
	}
	return n, nil
}
