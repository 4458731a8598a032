package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/internal/pgtest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/outboxtest"
	"github.com/xgate/xgate/outbox/pgstore"
)

// pg is this test binary's PostgreSQL server (pg_stat_statements loaded,
// for the benchmarks' statement counts).
var pg = &pgtest.Shared{Options: pgtest.Options{Settings: map[string]string{
	"shared_preload_libraries": "pg_stat_statements",
}}}

func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// openDSN opens a store on dsn and closes it when t ends.
func openDSN(t testing.TB, dsn string, cfg pgstore.Config) *pgstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := pgstore.Open(ctx, dsn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openFresh opens a store in a fresh schema.
func openFresh(t testing.TB, cfg pgstore.Config) (*pgstore.Store, string) {
	t.Helper()
	dsn := pg.Schema(t)
	return openDSN(t, dsn, cfg), dsn
}

func TestStore(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outbox.Store {
		s, _ := openFresh(t, pgstore.Config{})
		return s
	}, outboxtest.Features{AuditLog: true})
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  pgstore.Config
		want string
	}{
		{"negative conns", pgstore.Config{MaxConns: -1}, "MaxConns"},
		{"negative retention", pgstore.Config{DedupRetention: -time.Hour}, "DedupRetention"},
		{"negative chain delay", pgstore.Config{ChainDelay: -1}, "ChainDelay"},
		{"negative batch", pgstore.Config{ChainBatch: -1}, "ChainBatch"},
		{"signer without key id", pgstore.Config{CheckpointSigner: noKeyID{}}, "KeyID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tc.want)
			}
			if _, err := pgstore.Open(context.Background(), "host=/nonexistent", tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want the config error", err)
			}
		})
	}
	if err := (pgstore.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

type noKeyID struct{}

func (noKeyID) Sign([]byte) ([]byte, error) { return nil, nil }
func (noKeyID) KeyID() string               { return "" }

// TestMigrationsConcurrentOpen: instances starting at once on an empty
// database migrate it once; the later ones wait for the advisory lock and
// find nothing to do.
func TestMigrationsConcurrentOpen(t *testing.T) {
	dsn := pg.Schema(t)
	ctx := context.Background()
	const n = 6
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := pgstore.Open(ctx, dsn, pgstore.Config{MaxConns: 2})
			if err == nil {
				err = s.Enqueue(ctx, msg(fmt.Sprintf("m-%p", s), "P", at(0)))
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := openDSN(t, dsn, pgstore.Config{})
	var versions, rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*), coalesce(max(version), 0) FROM xgate_schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if versions != pgstore.SchemaVersion() || rows != pgstore.SchemaVersion() {
		t.Fatalf("%d migration rows up to version %d, want %d", rows, versions, pgstore.SchemaVersion())
	}
	if st, err := s.Stats(ctx); err != nil || st.Outbound[outbox.StateQueued] != n {
		t.Fatalf("stats %+v, %v; want %d queued", st.Outbound, err, n)
	}
	mustCheck(t, s)
}

// TestMigrationsRefuse: a database migrated by a newer xgate, or whose
// applied migration differs from this build's, is refused; so is a
// read-only open of a database without the schema.
func TestMigrationsRefuse(t *testing.T) {
	ctx := context.Background()
	t.Run("read-only on an empty database", func(t *testing.T) {
		_, err := pgstore.Open(ctx, pg.Schema(t), pgstore.Config{ReadOnly: true})
		var me *pgstore.MigrationError
		if !errors.As(err, &me) {
			t.Fatalf("Open = %v, want a *MigrationError", err)
		}
	})
	for _, tc := range []struct {
		name, sql, want string
	}{
		{"newer", `INSERT INTO xgate_schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')`, "newer xgate"},
		{"edited", `UPDATE xgate_schema_migrations SET checksum = 'feed' WHERE version = 1`, "different content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dsn := openFresh(t, pgstore.Config{})
			if _, err := s.Pool().Exec(ctx, tc.sql); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				_, err := pgstore.Open(ctx, dsn, pgstore.Config{ReadOnly: ro})
				var me *pgstore.MigrationError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Open(ReadOnly %v) = %v, want a *MigrationError saying %q", ro, err, tc.want)
				}
			}
		})
	}
}

// TestReadOnly: a read-only store reads what the writers wrote and
// refuses to write.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	w, dsn := openFresh(t, pgstore.Config{})
	if err := w.Enqueue(ctx, msg("ro-1", "P", at(0))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Link(ctx); err != nil {
		t.Fatal(err)
	}
	r := openDSN(t, dsn, pgstore.Config{ReadOnly: true})
	if got, err := r.Get(ctx, "ro-1"); err != nil || string(got.Sealed) != "sealed:ro-1" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if h := history(t, r, "ro-1"); !slices.Equal(h, []string{">queued"}) {
		t.Fatalf("history %v", h)
	}
	wantErrIs(t, "Enqueue", r.Enqueue(ctx, msg("ro-2", "P", at(0))), outbox.ErrReadOnly)
	_, err := r.Claim(ctx, outbox.ClaimParams{Owner: "w", LeaseFor: time.Minute, Now: at(1)})
	wantErrIs(t, "Claim", err, outbox.ErrReadOnly)
	_, err = r.Receive(ctx, outbox.InboundMessage{ID: "x", Sender: "S", Receipt: []byte("r")})
	wantErrIs(t, "Receive", err, outbox.ErrReadOnly)
	wantErrIs(t, "Apply", r.Apply(ctx, "ro-1", outbox.Action{To: outbox.StateCancelled, Actor: "operator:x", Reason: "r"}), outbox.ErrReadOnly)
	_, err = r.Expire(ctx, at(0))
	wantErrIs(t, "Expire", err, outbox.ErrReadOnly)
	mustCheck(t, r)
}

func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
}

// TestAuditTamper: the chain table refuses updates and deletes; an edit
// made around that guard (as a superuser can) is found by Check and by
// audit.Verify, which names the entry.
func TestAuditTamper(t *testing.T) {
	ctx := context.Background()
	s, _ := openFresh(t, pgstore.Config{CheckpointSigner: signer(t), CheckpointEvery: 4})
	for i := range 10 {
		if err := s.Enqueue(ctx, msg(fmt.Sprintf("tm-%d", i), "P", at(i))); err != nil {
			t.Fatal(err)
		}
	}
	rep := verify(t, s)
	if rep.Entries != 10 || rep.CheckpointsVerified < 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, sql := range []string{
		`UPDATE xgate_audit SET actor = 'operator:mallory' WHERE seq = 5`,
		`DELETE FROM xgate_audit WHERE seq = 10`,
		`TRUNCATE xgate_audit`,
		`DELETE FROM xgate_checkpoints`,
	} {
		if _, err := s.Pool().Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: err = %v, want the append-only refusal", sql, err)
		}
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `SET session_replication_role = replica; UPDATE xgate_audit SET actor = 'operator:mallory' WHERE seq = 6; RESET session_replication_role`)
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(ctx)
	var ce *pgstore.CheckError
	if !errors.As(err, &ce) || len(ce.Problems) == 0 || !strings.HasPrefix(ce.Problems[0], "audit entry 6: hash does not match") {
		t.Fatalf("Check = %v, want a *CheckError naming entry 6 first", err)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := audit.NewCertVerifier(signer(t).Certificate())
	rep, err = audit.Verify(ctx, audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
		return s.AuditEntries(ctx, 1, fn)
	}), cps, v)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem == nil || rep.Problem.Kind != audit.Edited || rep.Problem.Seq != 6 || rep.Problem.RecordID != "tm-5" {
		t.Fatalf("Verify problem %+v, want entry 6 (tm-5) edited", rep.Problem)
	}
}

// TestSynchronousCommit: the store's sessions wait for the WAL flush even
// where the database's default says otherwise, and a DSN that turns it
// off is refused.
func TestSynchronousCommit(t *testing.T) {
	ctx := context.Background()
	dsn := pg.Database(t) // ALTER DATABASE below: a database of its own
	if _, err := pgstore.Open(ctx, dsn+" synchronous_commit=off", pgstore.Config{}); err == nil || !strings.Contains(err.Error(), "synchronous_commit") {
		t.Fatalf("Open with synchronous_commit=off: %v", err)
	}
	admin := openDSN(t, dsn, pgstore.Config{})
	var db string
	if err := admin.Pool().QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Pool().Exec(ctx, `ALTER DATABASE `+db+` SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	s := openDSN(t, dsn, pgstore.Config{})
	var got string
	if err := s.Pool().QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got); err != nil || got != "on" {
		t.Fatalf("synchronous_commit in the store's session = %q, %v; want on", got, err)
	}
}
