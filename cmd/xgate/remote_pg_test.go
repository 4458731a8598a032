package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox/pgstore"
	"github.com/xgate/xgate/outbox/storemigrate"
)

// loadPostgres copies the bbolt file fixture into a fresh database (as
// xgate store migrate does) and returns its DSN. tamper, if set, is SQL
// run on the copy with the append-only triggers off (a superuser editing
// the chain).
func loadPostgres(t *testing.T, fixture, tamper string) string {
	t.Helper()
	ctx := context.Background()
	dsn := pg.Database(t)
	st, err := pgstore.Open(ctx, dsn, pgstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := storemigrate.BoltToPostgres(ctx, fixture, st, storemigrate.Config{}); err != nil {
		t.Fatal(err)
	}
	if tamper != "" {
		conn, err := st.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, "SET session_replication_role = replica; "+tamper+"; RESET session_replication_role")
		conn.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	return dsn
}

// startPostgresDaemon stands in for xgate serve on the PostgreSQL store
// dsn: the store served on an admin socket as the daemon serves it
// (site.PostgresBackend), with the daemon's clock at the fixtures' time.
func startPostgresDaemon(t *testing.T, dsn string) (server string, shutdown func()) {
	t.Helper()
	st, err := pgstore.Open(context.Background(), dsn, pgstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), admin.DefaultSocket)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: admin.NewHandler(site.PostgresBackend(st), admin.HandlerConfig{Store: site.DatabaseName(dsn)}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	done := false
	shutdown = func() {
		if !done {
			done = true
			srv.Close()
			st.Close()
		}
	}
	t.Cleanup(shutdown)
	return "unix://" + sock, shutdown
}

// TestRemotePostgresSameOutput: operators see no difference. Every
// scenario of TestRemoteSameOutput runs against a daemon whose store is
// PostgreSQL, holding the same content, through its admin socket, and
// prints byte for byte what the verbs print on the bbolt file — outbox
// list, show, stats, replay, cancel, check, audit verify (a good chain, a
// wrong certificate, an edited entry) and export — and so does each
// scenario run with --store postgres: on the database itself (the DSN in
// $XGATE_STORE_DSN, its password never printed). Only the store's size
// may differ (normalizeRun).
func TestRemotePostgresSameOutput(t *testing.T) {
	if ok, err := pg.Available(t); !ok {
		t.Skipf("PostgreSQL not available: %v", err)
	}
	t.Setenv("USER", "jdoe")
	scenarios := remoteScenarios(t)
	auditStore, outboxStore := "", ""
	for _, sc := range scenarios {
		switch sc.name {
		case "audit verify":
			auditStore = sc.fixture
		case "list":
			outboxStore = sc.fixture
		}
	}
	// The store check of a consistent store reads the same too (what a
	// check finds in a damaged store is the store's own: the two keep
	// different indexes).
	scenarios = append(scenarios, remoteScenario{"check", "outbox", outboxStore, []cliStep{
		{[]string{"check"}, 0},
		{[]string{"check", "--format", "json"}, 0},
	}, false})
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			fixture, tamper := sc.fixture, ""
			switch sc.name {
			case "audit verify edited":
				// The same edit as the bbolt fixture's, made in the
				// database: entry 9's actor.
				fixture, tamper = auditStore, `UPDATE xgate_audit SET actor = 'mallory' WHERE seq = 9`
			case "audit verify unreadable":
				t.Skip("a PostgreSQL row has typed columns: an entry cannot be stored half-written as in a bbolt value")
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "xgate.db")
			out, steps := "", sc.steps
			if sc.out {
				out = filepath.Join(t.TempDir(), "export.json")
				steps = nil
				for _, st := range sc.steps {
					args := append([]string{}, st.args...)
					for i := range args {
						args[i] = strings.ReplaceAll(args[i], "$OUT", out)
					}
					steps = append(steps, cliStep{args, st.code})
				}
			}
			auditCopyFile(t, sc.fixture, path)
			local := transcript(t, sc.noun, []string{"--store", path}, steps, out)

			os.Remove(path) // from here on nothing but the database answers
			norm := func(s, server string) string {
				return sizeBytes.ReplaceAllString(normalizeRun(s, path, server), "${1}<size>")
			}
			l := norm(local, "")

			// Through a daemon's admin socket.
			server, shutdown := startPostgresDaemon(t, loadPostgres(t, fixture, tamper))
			got := transcript(t, sc.noun, []string{"--server", server}, steps, out)
			shutdown()
			if g := norm(got, server); l != g {
				t.Errorf("a PostgreSQL-backed daemon answers differently from the store file\n%s", firstDiff(l, g))
			}

			// The database itself: --store postgres: with the DSN (and
			// its password) in $XGATE_STORE_DSN.
			dsn := loadPostgres(t, fixture, tamper)
			t.Setenv(envStoreDSN, dsn+" password=pw-SECRET")
			got = transcript(t, sc.noun, []string{"--store", "postgres:"}, steps, out)
			if strings.Contains(got, "SECRET") {
				t.Errorf("the password is printed:\n%s", got)
			}
			if g := norm(got, site.DatabaseName(dsn)); l != g {
				t.Errorf("--store postgres: answers differently from the store file\n%s", firstDiff(l, g))
			}
		})
	}
}
