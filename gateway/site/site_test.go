package site_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
)

// pgNet is a development network whose ABH keeps its store in
// PostgreSQL.
func pgNet(t *testing.T) *devnet.Net {
	t.Helper()
	nt, err := devnet.Create(context.Background(), filepath.Join(t.TempDir(), "net"), devnet.Spec{
		GenerateKey: certstest.KeyGenerator(),
		Sites: []devnet.SiteSpec{{ID: "abh", Extra: map[string]any{"answers.reminders": 0,
			"store": map[string]any{"kind": "postgres"}, "delivery.timeout": "1s", "delivery.lease": "1h"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nt.Close)
	return nt
}

// TestPostgresSite: a site with store.kind postgres opens its database
// (migrating it), names its relay's leases after its process, serves the
// admin API over the store (without the DSN's password), and on stopping
// hands back the records it still held in sending.
func TestPostgresSite(t *testing.T) {
	nt := pgNet(t)
	dsn := pg.Database(t) + " password=pw-SECRET" // trust authentication ignores it
	in := startInstance(t, nt.Sites["abh"].Config, dsn, "", nil)
	s := in.s
	if want := site.InstanceOwner("azr:999901"); s.Owner != want || !strings.HasPrefix(want, "relay-azr:999901-") {
		t.Errorf("owner %q, want %q", s.Owner, want)
	}
	if _, ok := s.Store.(*pgstore.Store); !ok {
		t.Fatalf("store is %T", s.Store)
	}
	ctx := context.Background()
	c, err := admin.Dial(ctx, "unix://"+s.Addrs().Admin, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if info := c.Info(); !strings.HasPrefix(info.Store, "postgres://xgate@") || strings.Contains(info.Store, "SECRET") {
		t.Errorf("admin info names the store %q", info.Store)
	}
	// A record this instance holds in sending (as if its relay had claimed
	// it; the lease outlives the test). It is due only in half an hour, so
	// that the running relay does not claim it before the test does.
	now := time.Now().Add(30 * time.Minute)
	if err := s.Store.Enqueue(ctx, outbox.Message{ID: "held-1", Partner: "dbs:499990020000", Type: "060001", Sealed: []byte("x"), At: now}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Store.Claim(ctx, outbox.ClaimParams{Owner: s.Owner, Max: 1, LeaseFor: time.Hour, Now: now, Partners: []string{"dbs:499990020000"}})
	if err != nil || len(rs) != 1 {
		t.Fatalf("claim: %d, %v", len(rs), err)
	}
	problems, err := c.Check(ctx)
	if err != nil || len(problems) != 0 {
		t.Fatalf("check over the admin API: %v %v", problems, err)
	}
	got, err := c.Get(ctx, "held-1")
	if err != nil || got.State != outbox.StateSending || got.Lease == nil || got.Lease.Owner != s.Owner {
		t.Fatalf("through the admin API: %+v %v", got, err)
	}
	in.stop()

	st, err := pgstore.Open(ctx, dsn, pgstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.Get(ctx, "held-1")
	if err != nil || rec.State != outbox.StateQueued {
		t.Fatalf("after stop: %+v %v; want queued (handed back)", rec, err)
	}
	h, err := st.History(ctx, "held-1")
	if err != nil || len(h) == 0 || h[len(h)-1].Actor != "recovery" {
		t.Fatalf("history %+v %v; want the hand-back last", h, err)
	}
}

// TestPostgresRefused: a database that cannot be reached fails Open with
// the key to fix, and without the DSN's password; no DSN is a
// configuration error.
func TestPostgresRefused(t *testing.T) {
	nt := pgNet(t)
	for _, tc := range []struct {
		name, dsn, want string
	}{
		{"no server", "host=" + t.TempDir() + " dbname=x user=x password=pw-SECRET connect_timeout=2", "store.dsn:"},
		{"no dsn", "", "store.dsn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) (string, bool) {
				if k == config.EnvStoreDSN && tc.dsn != "" {
					return tc.dsn, true
				}
				return "", false
			}
			cfg, err := config.Load(nt.Sites["abh"].Config, getenv)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Listen.AdminSocket = filepath.Join(t.TempDir(), "admin.sock")
			_, err = site.Open(context.Background(), cfg, site.Options{Logger: testLogger("refused")})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("Open = %v, want %q without the password", err, tc.want)
			}
		})
	}
}

func TestDatabaseName(t *testing.T) {
	for dsn, want := range map[string]string{
		"host=/run/postgresql dbname=xgate user=gw password=x":          "postgres://gw@[/run/postgresql]:5432/xgate",
		"postgres://gw:secret@db.example:6543/site?sslmode=verify-full": "postgres://gw@db.example:6543/site",
		"::not a dsn": "postgres",
	} {
		if got := site.DatabaseName(dsn); got != want {
			t.Errorf("DatabaseName(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// TestCommitLingerBound: the configuration's bound on store.commit_linger
// is the store's (gateway/config may not import outbox/boltstore).
func TestCommitLingerBound(t *testing.T) {
	if config.MaxCommitLinger != boltstore.MaxCommitLinger {
		t.Errorf("config.MaxCommitLinger %v, boltstore.MaxCommitLinger %v", config.MaxCommitLinger, boltstore.MaxCommitLinger)
	}
}
