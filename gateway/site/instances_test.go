package site_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/internal/pgtest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/pgstore"
)

var pg = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }

// instance is one running site (one gateway process's worth).
type instance struct {
	s        *site.Site
	cancel   context.CancelFunc
	done     chan error
	received atomic.Int64 // messages this instance stored from a partner
}

// startInstance opens the site of cfgPath with the store DSN dsn (for
// postgres), lets mod change the loaded configuration, and runs it until
// the test ends (or stop).
func startInstance(t *testing.T, cfgPath, dsn, owner string, mod func(*config.Config)) *instance {
	t.Helper()
	getenv := func(k string) (string, bool) {
		if k == config.EnvStoreDSN && dsn != "" {
			return dsn, true
		}
		return "", false
	}
	cfg, err := config.Load(cfgPath, getenv)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen.Intake, cfg.Listen.Transport, cfg.Listen.Metrics = "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.Listen.AdminSocket = filepath.Join(t.TempDir(), "admin.sock")
	if mod != nil {
		mod(cfg)
	}
	in := &instance{done: make(chan error, 1)}
	s, err := site.Open(context.Background(), cfg, site.Options{
		Logger: testLogger(cfg.Site.Role + "/" + owner), SweepEvery: 100 * time.Millisecond, Owner: owner,
		OnEvent: func(e gateway.Event) {
			if e.Stage == "received" {
				in.received.Add(1)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	in.s = s
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	go func() { in.done <- s.Run(ctx) }()
	<-s.Gateway.Ready()
	t.Cleanup(in.stop)
	return in
}

// stop drains the instance and closes its site (once).
func (in *instance) stop() {
	if in.cancel == nil {
		return
	}
	in.cancel()
	<-in.done
	in.s.Close()
	in.cancel = nil
}

func testLogger(name string) *slog.Logger {
	if os.Getenv("XGATE_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("instance", name)
}

// roundRobin forwards the TCP connections arriving at addr to the
// backends in turn: a load balancer in front of a site's instances.
func roundRobin(t *testing.T, addr string, backends ...string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, err := net.Dial("tcp", backends[n%len(backends)])
				if err != nil {
					return
				}
				defer b.Close()
				go func() { _, _ = io.Copy(b, c); b.(*net.TCPConn).CloseWrite() }()
				_, _ = io.Copy(c, b)
			}()
		}
	}()
}

// webhook is local software that takes pushed messages: it counts each
// id and takes delay to answer status.
type webhook struct {
	mu     sync.Mutex
	pushes map[string]int
	delay  time.Duration
	status int
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Xgate-Id")
	_, _ = io.Copy(io.Discard, r.Body)
	time.Sleep(w.delay)
	if w.status != http.StatusOK {
		http.Error(rw, "down", w.status)
		return
	}
	w.mu.Lock()
	w.pushes[id]++
	w.mu.Unlock()
	rw.WriteHeader(http.StatusOK)
}

func (w *webhook) counts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]int, len(w.pushes))
	for k, v := range w.pushes {
		out[k] = v
	}
	return out
}

// TestInstancesHandOverOnce: a partner (ABH, bolt) delivers to an MB site
// of two instances on one PostgreSQL database behind a round-robin
// balancer; inbound messages are pushed to a webhook.
//
//   - slow webhook: each push takes a while, so a message one instance
//     received sits in received while the other instance's sweep (every
//     100ms) sees it; each message is still pushed exactly once, by the
//     instance that received it.
//   - receiver cannot push: instance A's webhook is down; the messages A
//     received are taken over by B after the grace (the delivery lease) and
//     pushed once.
//
// Either way every message is handed over and acknowledged once in the
// records' history, the store check passes and the audit chain verifies.
func TestInstancesHandOverOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lease      string
		aWebhookOK bool
	}{
		{"slow webhook", "1m", true},
		{"receiver cannot push", "3s", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 24
			ok := &webhook{pushes: map[string]int{}, delay: 150 * time.Millisecond, status: http.StatusOK}
			okSrv := httptest.NewServer(ok)
			defer okSrv.Close()
			down := httptest.NewServer(&webhook{pushes: map[string]int{}, status: http.StatusServiceUnavailable})
			defer down.Close()

			quiet := map[string]any{"answers.reminders": 0}
			mbExtra := map[string]any{"answers.reminders": 0, "store": map[string]any{"kind": "postgres"},
				"delivery.timeout": "1s", "delivery.lease": tc.lease,
				"inbox.webhook": map[string]any{"url": okSrv.URL, "retry_initial": "200ms", "retry_max": "500ms"}}
			nt, err := devnet.Create(context.Background(), filepath.Join(t.TempDir(), "net"), devnet.Spec{
				GenerateKey: certstest.KeyGenerator(),
				Sites:       []devnet.SiteSpec{{ID: "abh", Extra: quiet}, {ID: "mb", Extra: mbExtra}},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nt.Close)
			abhSite, mbSite := nt.Sites["abh"], nt.Sites["mb"]
			dsn := pg.Database(t)
			a := startInstance(t, mbSite.Config, dsn, "mb-a", func(c *config.Config) {
				if !tc.aWebhookOK {
					c.Inbox.Webhook.URL = down.URL
				}
			})
			b := startInstance(t, mbSite.Config, dsn, "mb-b", nil)
			roundRobin(t, mbSite.Transport, a.s.Addrs().Transport, b.s.Addrs().Transport)
			abh := startInstance(t, abhSite.Config, "", "", nil)

			gen, err := devnet.NewGenerator()
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for i := range n {
				data, id, _, err := gen.Anmeldung(i, n, abhSite.Identity, mbSite.Identity)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.Post("http://"+abh.s.Addrs().Intake+"/v1/messages", "application/xml", bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					t.Fatalf("submit %d: %d", i, resp.StatusCode)
				}
				ids = append(ids, id)
			}
			st := b.s.Store
			ctx := context.Background()
			deadline := time.Now().Add(60 * time.Second)
			for {
				acked, err := st.List(ctx, outbox.Filter{Direction: outbox.DirIn, State: outbox.StateAcknowledged})
				if err != nil {
					t.Fatal(err)
				}
				if len(acked) == n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d inbound messages acknowledged after 60s", len(acked), n)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if a.received.Load() == 0 || b.received.Load() == 0 {
				t.Fatalf("the balancer did not spread the deliveries: A received %d, B %d", a.received.Load(), b.received.Load())
			}
			// The hand-over events went through watermill-sql's tables in
			// the site's database, consumed by the site's one group.
			pool := b.s.Store.(*pgstore.Store).Pool()
			var events, acked int64
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM "watermill_inbound.received"`).Scan(&events); err != nil {
				t.Fatal(err)
			}
			if err := pool.QueryRow(ctx, `SELECT coalesce(max(offset_acked), 0) FROM "watermill_offsets_inbound.received" WHERE consumer_group = $1`,
				"xgate-"+string(mbSite.Identity.Kennung)+"-hand-over").Scan(&acked); err != nil {
				t.Fatal(err)
			}
			// (The group's offset may lag behind the sweep, which hands a
			// message over too once the grace is over.)
			if events < int64(n) || acked == 0 {
				t.Errorf("watermill-sql carried %d hand-over events, the site's group acknowledged up to offset %d; want at least %d events, some consumed", events, acked, n)
			}
			pushes := ok.counts()
			for _, id := range ids {
				if pushes[id] != 1 {
					t.Errorf("%s pushed %d times", id, pushes[id])
				}
				h, err := st.History(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				var handed, acked []string
				for _, e := range h {
					if e.Direction != string(outbox.DirIn) {
						continue
					}
					switch outbox.State(e.To) {
					case outbox.StateHandedOver:
						handed = append(handed, e.Actor)
					case outbox.StateAcknowledged:
						acked = append(acked, e.Actor)
					}
				}
				if len(handed) != 1 || len(acked) != 1 {
					t.Errorf("%s: handed over %v, acknowledged %v; want once each", id, handed, acked)
				}
			}
			t.Logf("A received %d, B %d; %d pushes for %d messages", a.received.Load(), b.received.Load(), total(pushes), n)
			for _, in := range []*instance{a, b, abh} {
				in.stop()
			}
			checkDatabase(t, dsn, nt, "mb")
		})
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// checkDatabase runs the store check on the database and verifies its
// audit chain with the site's signing certificate.
func checkDatabase(t *testing.T, dsn string, nt *devnet.Net, id string) {
	t.Helper()
	ctx := context.Background()
	st, err := pgstore.Open(ctx, dsn, pgstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(ctx); err != nil {
		t.Fatal(err)
	}
	p, _ := nt.Manifest.ByID(id)
	f, _ := p.Files(certs.Signing)
	kp, err := nt.Manifest.KeyPair(f)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewCertVerifier(kp.Cert)
	if err != nil {
		t.Fatal(err)
	}
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
		return st.AuditEntries(ctx, 1, fn)
	}), cps, v)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.CheckpointsVerified == 0 {
		t.Fatalf("audit: %+v", rep)
	}
}
