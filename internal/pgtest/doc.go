// Package pgtest starts a real PostgreSQL server for tests: the Debian
// packages' binaries, a cluster made by initdb in a temporary folder,
// listening only on a Unix socket in that folder, stopped (and the folder
// removed) when the test binary is done. No mock, no in-memory stand-in.
//
// # Overview
//
// One server per test binary, one fresh database per test:
//
//	var pg = &pgtest.Shared{}
//
//	func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pg.Database(t) // CREATE DATABASE; dropped when t ends
//		…
//	}
//
// Tests that manage a server themselves (a crash test that kills it, an
// end-to-end test that hands the DSN to other processes) call Start and
// Stop directly:
//
//	srv, err := pgtest.Start(ctx, pgtest.Options{})
//	defer srv.Stop()
//	dsn, err := srv.CreateDatabase(ctx, "e2e")
//	// dsn: "host=/tmp/xgate-pg-…/ port=5432 user=xgate dbname=e2e sslmode=disable"
//
// The server runs as an unprivileged user: PostgreSQL refuses to run as
// root. As root (CI) Start runs initdb and postgres as the "postgres"
// system user that the Debian package creates (and chowns the folder to
// it); as any other user it runs them as that user. The cluster's
// superuser is "xgate", with trust authentication on the socket only.
//
// Binaries: Options.BinDir, else $XGATE_PG_BIN, else
// /usr/lib/postgresql/15/bin, else the newest /usr/lib/postgresql/*/bin,
// else `pg_config --bindir`. .ci/deps.sh installs postgresql-15.
//
// If $XGATE_TEST_POSTGRES_DSN names an existing server (a maintenance
// database with the right to CREATE DATABASE), Shared uses it instead of
// starting one.
//
// # Required or skipped
//
// When no server can be started, Shared.Database fails the test if
// PostgreSQL is required — $CI is set, or XGATE_REQUIRE_POSTGRES=1, or
// XGATE_REQUIRE_TOOLS=1 (the variable `make test` sets for every tool the
// tests need, as XGATE_REQUIRE_XMLSEC1 for xmlsec1) — and skips it with
// the reason otherwise.
//
// # Caveats
//
// Options.TestOnlyNoFsync turns fsync, synchronous_commit and
// full_page_writes off: faster, and fine for tests of behaviour, but such
// a cluster loses committed transactions when the machine crashes. No
// durability claim may rest on it; Shared never sets it.
//
// The server process gets SIGKILL if the test binary dies without
// stopping it (Linux parent-death signal), so no orphan server survives a
// panic or a `go test -timeout`; its folder is then left in the
// temporary directory (named xgate-pg-*).
package pgtest
