package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// Store is the PostgreSQL outbox. It implements outbox.Store,
// outbox.AuditLog, outbox.Expirer, outbox.Checker and the scheduler's
// NextDueSkipper. Several Stores (in several processes) may share one
// database.
type Store struct {
	cfg     Config
	log     *slog.Logger
	pool    *pgxpool.Pool
	ownPool bool
	cp      *audit.Checkpointer

	mu     sync.RWMutex // held for reading by every call, for writing by Close
	closed bool

	size sizeCache // for Config.MaxBytes

	chainMu   sync.Mutex    // one linking transaction at a time in this process
	kick      chan struct{} // a write left entries to link
	stop      chan struct{}
	chainDone chan struct{}
}

var (
	_ outbox.Store    = (*Store)(nil)
	_ outbox.AuditLog = (*Store)(nil)
	_ outbox.Expirer  = (*Store)(nil)
	_ outbox.Checker  = (*Store)(nil)
)

// Open connects to the database named by dsn (a libpq connection string
// or URL, e.g. "host=/run/postgresql dbname=xgate user=xgate" or
// "postgres://xgate@db.example/xgate?sslmode=verify-full"), brings its
// schema to the current version (see Migrations in the package doc) and
// returns the store. Its pool holds up to cfg.MaxConns connections.
func Open(ctx context.Context, dsn string, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pgstore: invalid config: %w", err)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		pc.MaxConns = cfg.MaxConns
	}
	// An acknowledged write must be on disk: every commit waits for its
	// WAL flush, whatever the server's default.
	switch sc := pc.ConnConfig.RuntimeParams["synchronous_commit"]; sc {
	case "":
		pc.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	case "off":
		return nil, errors.New("pgstore: the DSN sets synchronous_commit=off: acknowledged messages could be lost in a crash; remove it")
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	s, err := open(ctx, pool, cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.ownPool = true
	return s, nil
}

// OpenPool is Open on a pool the caller made (and closes after Close).
func OpenPool(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pgstore: invalid config: %w", err)
	}
	return open(ctx, pool, cfg)
}

func open(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Store, error) {
	cp, err := audit.NewCheckpointer(audit.CheckpointerConfig{Every: uint64(cfg.CheckpointEvery), Interval: cfg.CheckpointInterval})
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	mctx, cancel := context.WithTimeout(ctx, cfg.MigrateTimeout)
	defer cancel()
	applied, err := migrate(mctx, pool, cfg.ReadOnly)
	if err != nil {
		var me *MigrationError
		if errors.As(err, &me) {
			return nil, err
		}
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if len(applied) > 0 {
		cfg.Logger.Info("outbox schema migrated", "versions", applied)
	}
	var fsync, syncCommit string
	if err := pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit); err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	if fsync != "on" || syncCommit == "off" {
		cfg.Logger.Warn("the database does not flush commits to disk: acknowledged messages can be lost in a crash",
			"fsync", fsync, "synchronous_commit", syncCommit)
	}
	s := &Store{cfg: cfg, log: cfg.Logger, pool: pool, cp: cp}
	if !cfg.ReadOnly {
		s.kick = make(chan struct{}, 1)
		s.stop = make(chan struct{})
		s.chainDone = make(chan struct{})
		go s.linker()
		// Entries another instance left unlinked (it died between its
		// commit and its linker's turn) are linked now.
		s.kickLinker()
	}
	return s, nil
}

// Pool returns the connection pool, for operators' tools and tests.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close links the entries still pending, stops the linker and closes the
// pool if Open made it. Calls after Close return outbox.ErrClosed; a
// second Close returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.stop != nil {
		close(s.stop)
		<-s.chainDone
	}
	if s.ownPool {
		s.pool.Close()
	}
	return nil
}

// enter holds the store open for one call.
func (s *Store) enter(ctx context.Context, write bool) (func(), error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, outbox.ErrClosed
	}
	if write && s.cfg.ReadOnly {
		s.mu.RUnlock()
		return nil, outbox.ErrReadOnly
	}
	if err := ctx.Err(); err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	return s.mu.RUnlock, nil
}

func (s *Store) now(t time.Time) time.Time {
	if t.IsZero() {
		return s.cfg.Clock.Now()
	}
	return t
}

// translate maps PostgreSQL's errors to the outbox sentinels.
func (s *Store) translate(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505": // unique_violation
		return fmt.Errorf("%w: %w", outbox.ErrDuplicate, err)
	case pe.Code == "53100": // disk_full
		s.log.Warn("outbox database full", "sqlstate", pe.Code)
		return fmt.Errorf("%w: %w", outbox.ErrStoreFull, err)
	case pe.Code == "25006": // read_only_sql_transaction: a standby
		return fmt.Errorf("%w: %w", outbox.ErrReadOnly, err)
	}
	return err
}

// Get returns the record with that ID, the outbound one if both exist.
func (s *Store) Get(ctx context.Context, id string) (outbox.Record, error) {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return outbox.Record{}, err
	}
	defer leave()
	r, err := scanRecord(s.pool.QueryRow(ctx, `SELECT `+cols(true)+` FROM xgate_records
		WHERE (dir = 'out' AND id = $1) OR (dir = 'in' AND id = $1) ORDER BY dir DESC LIMIT 1`, id), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return outbox.Record{}, outbox.ErrNotFound // as the bbolt store: the operator verbs print the same
	}
	return r, s.translate(err)
}

// List returns records matching f in Seq order.
func (s *Store) List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error) {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return nil, err
	}
	defer leave()
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	where := []string{"seq > $1"}
	args := []any{int64(f.AfterSeq)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Direction != "" {
		add("dir = $%d", string(f.Direction))
	}
	if f.State != "" {
		add("state = $%d", string(f.State))
	}
	if f.Partner != "" {
		add("partner = $%d", f.Partner)
	}
	if f.Type != "" {
		add("type = $%d", f.Type)
	}
	if !f.CreatedBefore.IsZero() {
		add("created < $%d", f.CreatedBefore)
	}
	if !f.AnswerDueBefore.IsZero() {
		add("deadline IS NOT NULL AND deadline < $%d", f.AnswerDueBefore)
	}
	args = append(args, limit)
	q := fmt.Sprintf(`SELECT %s FROM xgate_records WHERE %s ORDER BY seq LIMIT $%d`, cols(f.WithBodies), strings.Join(where, " AND "), len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, s.translate(err)
	}
	defer rows.Close()
	var out []outbox.Record
	for rows.Next() {
		r, err := scanRecord(rows, f.WithBodies)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, s.translate(rows.Err())
}

// NextDue returns the earliest due time among the heads of the ordering
// chains: queued records by NextAttempt, sending ones by lease expiry.
func (s *Store) NextDue(ctx context.Context) (time.Time, bool, error) {
	return s.NextDueSkipping(ctx, nil)
}

// NextDueSkipping is NextDue over the partners not in skip (those with an
// open circuit breaker). It implements the scheduler's optional
// NextDueSkipper capability.
func (s *Store) NextDueSkipping(ctx context.Context, skip []string) (time.Time, bool, error) {
	leave, err := s.enter(ctx, false)
	if err != nil {
		return time.Time{}, false, err
	}
	defer leave()
	// The earliest due head of each partner (one index probe each).
	var due *time.Time
	err = s.pool.QueryRow(ctx, `WITH RECURSIVE parts(partner) AS (`+allPartners+`)
		SELECT min(x.due) FROM parts p CROSS JOIN LATERAL (
			SELECT r.due FROM xgate_records r WHERE r.partner = p.partner AND r.due IS NOT NULL ORDER BY r.due LIMIT 1) x
		WHERE p.partner IS NOT NULL AND NOT (p.partner = ANY($1::text[]))`, nonNilStrings(skip), []string{}).Scan(&due)
	if err != nil {
		return time.Time{}, false, s.translate(err)
	}
	if due == nil {
		return time.Time{}, false, nil
	}
	return due.UTC(), true, nil
}

// Stats counts records by state. It counts rows (an index-only scan of
// the state index), so it costs time in proportion to the table.
func (s *Store) Stats(ctx context.Context) (outbox.Stats, error) {
	st := outbox.Stats{Outbound: map[outbox.State]int{}, Inbound: map[outbox.State]int{}}
	leave, err := s.enter(ctx, false)
	if err != nil {
		return st, err
	}
	defer leave()
	for _, state := range outbox.OutboundStates() {
		st.Outbound[state] = 0
	}
	for _, state := range outbox.InboundStates() {
		st.Inbound[state] = 0
	}
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT dir, state, count(*) FROM xgate_records GROUP BY dir, state`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				dir, state string
				n          int
			)
			if err := rows.Scan(&dir, &state, &n); err != nil {
				return err
			}
			if dir == string(outbox.DirIn) {
				st.Inbound[outbox.State(state)] = n
			} else {
				st.Outbound[outbox.State(state)] = n
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var oldest *time.Time
		if err := tx.QueryRow(ctx, `SELECT created FROM xgate_records WHERE state = 'queued' ORDER BY seq LIMIT 1`).Scan(&oldest); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if oldest != nil {
			st.OldestQueued = oldest.UTC()
		}
		return tx.QueryRow(ctx, sizeQuery).Scan(&st.SizeBytes)
	})
	return st, s.translate(err)
}
