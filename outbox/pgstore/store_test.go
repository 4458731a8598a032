package pgstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/xgate/xgate/internal/pgtest"
	"github.com/xgate/xgate/outbox"
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
