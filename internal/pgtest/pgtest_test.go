package pgtest_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/internal/pgtest"
)

var pg = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestDatabase: each test gets its own, empty, database on one server,
// reached through the socket in the server's folder.
func TestDatabase(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := pg.Database(t), pg.Database(t)
	if dsnA == dsnB {
		t.Fatalf("two calls gave the same database %q", dsnA)
	}
	a, b := connect(t, dsnA), connect(t, dsnB)
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("database B sees A's table: n=%d err=%v", n, err)
	}
	var version string
	if err := a.QueryRow(ctx, "SHOW server_version_num").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "15") && os.Getenv(pgtest.EnvDSN) == "" {
		t.Errorf("server_version_num %s, want PostgreSQL 15", version)
	}
}

// TestServerRunsUnprivileged: the server is a real process that does not
// run as root, and it syncs its WAL (fsync on) unless told otherwise.
func TestServerRunsUnprivileged(t *testing.T) {
	srv := pg.Server(t)
	c := connect(t, pg.Database(t))
	ctx := context.Background()
	var pid int
	var fsync, dir string
	if err := c.QueryRow(ctx, "SELECT pg_backend_pid(), current_setting('fsync'), current_setting('data_directory')").Scan(&pid, &fsync, &dir); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" {
		t.Errorf("fsync = %s, want on", fsync)
	}
	if dir != srv.DataDir() {
		t.Errorf("data_directory %s, want %s", dir, srv.DataDir())
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/"+itoa(pid), &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid == 0 {
		t.Errorf("backend %d runs as root", pid)
	}
	// CPUTime counts the server's processes: the work so far (start-up, a
	// CREATE DATABASE, this session) took some.
	before, err := srv.CPUTime()
	if err != nil || before <= 0 {
		t.Fatalf("CPUTime = %v, %v", before, err)
	}
	if _, err := c.Exec(ctx, `SELECT count(*) FROM generate_series(1, 3000000)`); err != nil {
		t.Fatal(err)
	}
	if after, err := srv.CPUTime(); err != nil || after <= before {
		t.Fatalf("CPUTime after a query: %v (before %v), %v", after, before, err)
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// TestKillRestartStop: a server of its own, killed with SIGKILL, comes back
// with every committed row (crash recovery from the WAL); Stop ends it and
// removes its folder.
func TestKillRestartStop(t *testing.T) {
	if _, err := os.Stat("/usr/lib/postgresql"); err != nil && !pgtest.Required() {
		t.Skip("no PostgreSQL installed")
	}
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		if pgtest.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer srv.Stop()
	dsn, err := srv.CreateDatabase(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 1000)"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err == nil {
		t.Fatal("connection still works after SIGKILL of the server's processes")
	}
	c.Close(ctx)
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	c2, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c2.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after crash recovery: %d rows, %v; want 1000", n, err)
	}
	c2.Close(ctx)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(srv.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("folder %s still there after Stop: %v", srv.Dir(), err)
	}
	if _, err := pgx.Connect(ctx, dsn); err == nil {
		t.Fatal("connected after Stop")
	}
}

// TestSchema: a fresh schema per test, on the search_path of its DSN.
func TestSchema(t *testing.T) {
	ctx := context.Background()
	a, b := connect(t, pg.Schema(t)), connect(t, pg.Schema(t))
	if _, err := a.Exec(ctx, "CREATE TABLE x (v int); INSERT INTO x VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "CREATE TABLE x (v int); INSERT INTO x VALUES (2), (3)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.QueryRow(ctx, "SELECT count(*) FROM x").Scan(&n); err != nil || n != 1 {
		t.Fatalf("schema A sees %d rows (%v), want its own 1", n, err)
	}
}
