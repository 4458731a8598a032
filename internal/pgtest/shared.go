package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names an existing server to use instead of starting one.
const EnvDSN = "XGATE_TEST_POSTGRES_DSN"

// EnvRequire, set to 1, makes a server that cannot start fail the tests
// instead of skipping them (as CI does). EnvRequireTools, the variable
// `make test` sets for every tool the tests need, does the same.
const (
	EnvRequire      = "XGATE_REQUIRE_POSTGRES"
	EnvRequireTools = "XGATE_REQUIRE_TOOLS"
)

// Required reports whether tests must fail, not skip, without a server:
// when $CI is set, or XGATE_REQUIRE_POSTGRES=1 or XGATE_REQUIRE_TOOLS=1.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv(EnvRequire) == "1" || os.Getenv(EnvRequireTools) == "1"
}

// Shared is the server of one test binary: started on first use by
// Database or Server, stopped by Main after the tests. Its zero value is
// ready; set Options before the first use.
type Shared struct {
	// Options configure the server started; ignored with EnvDSN.
	Options Options

	mu       sync.Mutex
	started  bool
	srv      *Server
	external string // EnvDSN
	err      error
	n        int
	schemaDB string // the database Schema creates schemas in
}

// Main runs the tests and stops the server afterwards; call it from
// TestMain: os.Exit(pg.Main(m)).
func (s *Shared) Main(m *testing.M) int {
	code := m.Run()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		if err := s.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: stop:", err)
		}
		s.srv = nil
	}
	return code
}

// start starts the server once; it returns why there is none.
func (s *Shared) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return s.err
	}
	s.started = true
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		s.external = dsn
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.srv, s.err = Start(ctx, s.Options)
	return s.err
}

func (s *Shared) unavailable(t testing.TB, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("PostgreSQL is required (CI or %s=1) but not available: %v", EnvRequire, err)
	}
	t.Skipf("PostgreSQL not available (set %s=1 to fail instead): %v", EnvRequire, err)
}

// Server returns the running server, starting it if needed; it skips or
// fails t (see Required) when there is none, and also when EnvDSN points
// to an external server (whose process a test cannot control).
func (s *Shared) Server(t testing.TB) *Server {
	t.Helper()
	if err := s.start(); err != nil {
		s.unavailable(t, err)
	}
	if s.srv == nil {
		t.Skipf("the test needs a server of its own; %s points to an external one", EnvDSN)
	}
	return s.srv
}

// Available reports whether a server runs (starting it if needed), and
// why not. A test that covers more than PostgreSQL asks it first and
// leaves out only its PostgreSQL cases when there is none; it fails t
// when PostgreSQL is required (see Required).
func (s *Shared) Available(t testing.TB) (bool, error) {
	t.Helper()
	err := s.start()
	if err != nil && Required() {
		t.Fatalf("PostgreSQL is required (CI or %s=1) but not available: %v", EnvRequire, err)
	}
	return err == nil, err
}

// Database creates a fresh database for t, returns its DSN and drops it
// (ending its connections) when t and its subtests are done.
func (s *Shared) Database(t testing.TB) string {
	t.Helper()
	if err := s.start(); err != nil {
		s.unavailable(t, err)
	}
	s.mu.Lock()
	s.n++
	name := dbName(s.n, t.Name())
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn, err := s.createDatabase(ctx, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		if s.srv != nil {
			err = s.srv.DropDatabase(ctx, name)
		} else {
			err = adminExec(ctx, s.external, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		}
		if err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return dsn
}

// Schema creates a fresh schema for t in a database shared by the test
// binary and returns a DSN whose search_path is that schema; the schema
// is dropped when t is done. It is much cheaper than Database (a few
// milliseconds against a quarter of a second with fsync on), for code
// whose SQL names no schema.
func (s *Shared) Schema(t testing.TB) string {
	t.Helper()
	if err := s.start(); err != nil {
		s.unavailable(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.mu.Lock()
	s.n++
	name := dbName(s.n, t.Name())
	if s.schemaDB == "" {
		dsn, err := s.createDatabase(ctx, "xgate_schemas")
		if err != nil {
			s.mu.Unlock()
			t.Fatalf("pgtest: %v", err)
		}
		s.schemaDB = dsn
	}
	base := s.schemaDB
	s.mu.Unlock()
	ident := pgx.Identifier{name}.Sanitize()
	if err := adminExec(ctx, base, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, base, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	return withParam(base, "search_path", name)
}

func (s *Shared) createDatabase(ctx context.Context, name string) (string, error) {
	if s.srv != nil {
		return s.srv.CreateDatabase(ctx, name)
	}
	dsn, err := withDatabase(s.external, name)
	if err != nil {
		return "", err
	}
	return dsn, adminExec(ctx, s.external, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// dbName makes a database name from a counter and the test's name
// (PostgreSQL names have at most 63 bytes).
func dbName(n int, test string) string {
	name := fmt.Sprintf("t%03d_%s", n, unsafeChars.ReplaceAllString(strings.ToLower(test), "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// withParam returns dsn with the parameter key set to v.
func withParam(dsn, key, v string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set(key, v)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + key + "=" + quote(v)
}

// withDatabase returns dsn with its database replaced by db.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %w", EnvDSN, err)
		}
		u.Path = "/" + db
		return u.String(), nil
	}
	return dsn + " dbname=" + quote(db), nil
}
