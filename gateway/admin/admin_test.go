package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

var base = time.Date(2026, 4, 1, 8, 0, 0, 123456789, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func uuid(n int) string { return fmt.Sprintf("3f6c1a2e-8b4d-4c7e-9a1f-%012d", n) }

// fixture is a store with records in most states, bodies (one empty), an
// answer deadline, a lease, and a signed audit chain with checkpoints.
func fixture(t *testing.T) (string, *boltstore.Store) {
	t.Helper()
	kp := certstest.SelfSigned(t, certs.Signing)
	sig, err := audit.NewRSASigner(kp.Key, kp.Cert)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "xgate.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: clock.Fixed(at(900)), CheckpointSigner: sig, CheckpointEvery: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 6; i++ {
		m := outbox.Message{ID: uuid(i), Partner: "dbs:499990020000", Type: "910001", Sealed: []byte(fmt.Sprintf("<sealed n=\"%d\"/>", i)),
			At: at(i), Actor: "intake", AnswerDeadline: at(3600 + i)}
		if i == 6 {
			m.Sealed, m.AnswerDeadline, m.AusloeserUUID = []byte{}, time.Time{}, uuid(1)
		}
		must(s.Enqueue(ctx, m))
	}
	rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "relay-1", Max: 5, LeaseFor: time.Minute, Now: at(10)})
	must(err)
	must(s.Settle(ctx, rs[0].ID, *rs[0].Lease, outbox.Delivered{Evidence: []byte("<Transportquittung/>"), At: at(11)}))
	must(s.Settle(ctx, rs[1].ID, *rs[1].Lease, outbox.Rejected{Evidence: []byte("<Rueckweisung/>"), At: at(11), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}}))
	must(s.Settle(ctx, rs[2].ID, *rs[2].Lease, outbox.Failed{At: at(12), Err: outbox.ErrorInfo{Code: "transport", Text: "refused"}}))
	must(s.Settle(ctx, rs[3].ID, *rs[3].Lease, outbox.Retry{At: at(60), Now: at(12), Err: outbox.ErrorInfo{Code: "http-503", Text: "busy"}}))
	// rs[4] stays sending, with its lease.
	_, err = s.Receive(ctx, outbox.InboundMessage{ID: uuid(7), Sender: "ags:08999001", Type: "910002", Opened: []byte("<opened/>"),
		Receipt: []byte("<q/>"), At: at(13), Actor: "intake"})
	must(err)
	return path, s
}

// serve runs the handler on a real unix socket and on loopback TCP and
// returns both addresses.
func serve(t testing.TB, h http.Handler) (unixURL, tcpURL string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), admin.DefaultSocket)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return "unix://" + sock, ts.URL
}

func dial(t *testing.T, cfg admin.ClientConfig) *admin.Client {
	t.Helper()
	c, err := admin.DialConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSameAnswers: every Backend method answers the same through the
// client (unix socket and loopback TCP with a token) as on the store
// itself: records with bodies, leases, deadlines and nanoseconds, empty
// versus nil bodies, audit entries that still hash, checkpoints, stats,
// check, and the errors with their text.
func TestSameAnswers(t *testing.T) {
	path, s := fixture(t)
	local := admin.StoreBackend(s)
	abs, _ := filepath.Abs(path)
	unixURL, _ := serve(t, admin.NewHandler(local, admin.HandlerConfig{Store: abs}))
	tokenUnix, tokenURL := serve(t, admin.NewHandler(local, admin.HandlerConfig{Store: abs, Token: "s3cret-token"}))
	ctx := context.Background()
	for _, tc := range []struct{ name, server, token string }{{"unix", unixURL, ""}, {"unix+token", tokenUnix, "s3cret-token"}, {"tcp+token", tokenURL, "s3cret-token"}} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, admin.ClientConfig{Server: tc.server, Token: tc.token})
			if c.Info().API != admin.APIVersion || c.Info().Store != abs {
				t.Fatalf("info %+v", c.Info())
			}
			var remote admin.Backend = c
			same := func(what string, a, b any) {
				t.Helper()
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s differs:\nlocal  %#v\nremote %#v", what, a, b)
				}
			}
			for i := 1; i <= 8; i++ {
				lr, lerr := local.Get(ctx, uuid(i))
				rr, rerr := remote.Get(ctx, uuid(i))
				same("Get "+uuid(i), lr, rr)
				same("Get error "+uuid(i), fmt.Sprint(lerr), fmt.Sprint(rerr))
				lh, lerr := local.History(ctx, uuid(i))
				rh, rerr := remote.History(ctx, uuid(i))
				same("History "+uuid(i), lh, rh)
				same("History error "+uuid(i), fmt.Sprint(lerr), fmt.Sprint(rerr))
			}
			if r, _ := remote.Get(ctx, uuid(6)); r.Sealed == nil || len(r.Sealed) != 0 {
				t.Errorf("an empty body arrived as %#v", r.Sealed)
			}
			if r, _ := remote.Get(ctx, uuid(5)); r.Lease == nil || r.State != outbox.StateSending {
				t.Errorf("record 5: %+v", r)
			}
			if _, err := remote.Get(ctx, uuid(99)); !errors.Is(err, outbox.ErrNotFound) {
				t.Errorf("Get of a missing record: %v", err)
			}
			for _, f := range []outbox.Filter{{}, {State: outbox.StateFailed}, {Partner: "dbs:499990020000", Direction: outbox.DirOut, Limit: 2, AfterSeq: 1},
				{AnswerDueBefore: at(3604)}, {CreatedBefore: at(3).Add(time.Nanosecond)}, {Type: "910002", WithBodies: true}, {State: outbox.StateCancelled}} {
				lr, lerr := local.List(ctx, f)
				rr, rerr := remote.List(ctx, f)
				same(fmt.Sprintf("List %+v", f), lr, rr)
				same("List error", lerr, rerr)
			}
			ls, _ := local.Stats(ctx)
			rs, err := remote.Stats(ctx)
			same("Stats", ls, rs)
			if err != nil {
				t.Error(err)
			}
			lp, lerr := local.Check(ctx)
			rp, rerr := remote.Check(ctx)
			same("Check", lp, rp)
			same("Check error", lerr, rerr)
			lc, _ := local.Checkpoints(ctx)
			rc, err := remote.Checkpoints(ctx)
			same("Checkpoints", lc, rc)
			if err != nil || len(rc) < 2 {
				t.Errorf("checkpoints %d %v", len(rc), err)
			}
			var le, re []audit.Entry
			if err := local.AuditEntries(ctx, 1, func(e audit.Entry) error { le = append(le, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := remote.AuditEntries(ctx, 1, func(e audit.Entry) error { re = append(re, e); return nil }); err != nil {
				t.Fatal(err)
			}
			same("AuditEntries", le, re)
			rep, err := audit.Verify(ctx, audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
				return remote.AuditEntries(ctx, 1, fn)
			}), rc, nil)
			if err != nil || !rep.OK() || rep.Entries != uint64(len(le)) {
				t.Errorf("the streamed chain does not verify: %+v %v", rep, err)
			}
			var from4 []audit.Entry
			if err := remote.AuditEntries(ctx, 4, func(e audit.Entry) error { from4 = append(from4, e); return nil }); err != nil || from4[0].Seq != 4 {
				t.Errorf("AuditEntries from 4: %v", err)
			}
			stop := errors.New("enough")
			if err := remote.AuditEntries(ctx, 1, func(audit.Entry) error { return stop }); err != stop {
				t.Errorf("fn's error came back as %v", err)
			}
		})
	}
}

// TestApply: replay and cancel through the API are audited with the
// operator and the reason, at the daemon's clock; refused transitions come
// back as *outbox.TransitionError with the store's text; the gateway's own
// transitions and a missing actor or reason are refused by the API.
func TestApply(t *testing.T) {
	_, s := fixture(t)
	srvNow := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	unixURL, _ := serve(t, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Clock: clock.Fixed(srvNow)}))
	c := dial(t, admin.ClientConfig{Server: unixURL})
	ctx := context.Background()
	replay := outbox.Action{To: outbox.StateQueued, At: time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "operator:jdoe", Reason: "INC-1"}
	if err := c.Apply(ctx, uuid(3), replay); err != nil { // failed → queued
		t.Fatal(err)
	}
	h, _ := s.History(ctx, uuid(3))
	last := h[len(h)-1]
	if last.From != "failed" || last.To != "queued" || last.Actor != "operator:jdoe" || last.Reason != "INC-1" || !last.Time.Equal(srvNow) {
		t.Fatalf("audit entry %+v", last)
	}
	// Delivered cannot be replayed: the same error as the store's.
	localErr := admin.StoreBackend(s).Apply(ctx, uuid(1), replay)
	err := c.Apply(ctx, uuid(1), replay)
	var te *outbox.TransitionError
	if !errors.As(err, &te) || te.ID != uuid(1) || te.From != outbox.StateDelivered || te.To != outbox.StateQueued || err.Error() != localErr.Error() {
		t.Fatalf("replay of a delivered record: %v (local: %v)", err, localErr)
	}
	if err := c.Apply(ctx, uuid(99), replay); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("missing record: %v", err)
	}
	var se *admin.ServerError
	for _, a := range []outbox.Action{
		{To: outbox.StateAnswered, Actor: "operator:jdoe", Reason: "x"},
		{To: outbox.StateCancelled, Actor: "gateway", Reason: "x"},
		{To: outbox.StateCancelled, Actor: "operator:", Reason: "x"},
		{To: outbox.StateCancelled, Actor: "operator:jdoe", Reason: " "},
	} {
		if err := c.Apply(ctx, uuid(2), a); !errors.As(err, &se) || se.Status/100 != 4 {
			t.Errorf("%+v: %v", a, err)
		}
	}
	if r, _ := s.Get(ctx, uuid(2)); r.State != outbox.StateRejected {
		t.Fatalf("a refused action changed the record: %s", r.State)
	}
	if err := c.Apply(ctx, uuid(2), outbox.Action{To: outbox.StateCancelled, Actor: "operator:jdoe", Reason: "wrong authority"}); err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyStore: the daemon's errors that are the store's come back
// as the outbox's sentinels.
func TestReadOnlyStore(t *testing.T) {
	path, s := fixture(t)
	s.Close()
	ro, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	unixURL, _ := serve(t, admin.NewHandler(admin.StoreBackend(ro), admin.HandlerConfig{}))
	c := dial(t, admin.ClientConfig{Server: unixURL})
	err = c.Apply(context.Background(), uuid(3), outbox.Action{To: outbox.StateQueued, Actor: "operator:jdoe", Reason: "x"})
	if !errors.Is(err, outbox.ErrReadOnly) {
		t.Fatalf("apply on a read-only store: %v", err)
	}
	ro.Close()
	if _, err := c.Stats(context.Background()); !errors.Is(err, admin.ErrUnavailable) || !errors.Is(err, outbox.ErrClosed) {
		t.Fatalf("stats on a closed store: %v", err)
	}
}

func TestToken(t *testing.T) {
	_, s := fixture(t)
	_, tcpURL := serve(t, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Token: "right"}))
	for _, tok := range []string{"", "wrong", "righ", "right2"} {
		if _, err := admin.Dial(context.Background(), tcpURL, tok); !errors.Is(err, admin.ErrUnauthorized) {
			t.Errorf("token %q: %v", tok, err)
		}
	}
	resp, err := http.Get(tcpURL + "/v1/admin/stats")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: HTTP %d", resp.StatusCode)
	}
	if _, err := admin.Dial(context.Background(), tcpURL, "right"); err != nil {
		t.Fatal(err)
	}
}

// TestNoTokenNoTCP: a handler without a token answers on its unix socket
// only.
func TestNoTokenNoTCP(t *testing.T) {
	_, s := fixture(t)
	unixURL, tcpURL := serve(t, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{}))
	var se *admin.ServerError
	if _, err := admin.Dial(context.Background(), tcpURL, ""); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Fatalf("TCP without a token: %v", err)
	}
	if _, err := admin.Dial(context.Background(), unixURL, ""); err != nil {
		t.Fatal(err)
	}
}

func TestBadServer(t *testing.T) {
	for _, s := range []string{"", "https://127.0.0.1:8443", "http://10.0.0.7:9000", "http://example.org:80", "http://127.0.0.1",
		"http://127.0.0.1:9/v1", "unix://host/admin.sock", "unix://", "ftp://x", "http://u:p@127.0.0.1:1", "127.0.0.1:9000", "http://127.0.0.1:1?x=1"} {
		if _, err := admin.Dial(context.Background(), s, ""); !errors.Is(err, admin.ErrBadServer) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// TestNoAnswer: a daemon that is not there, or accepts and never
// answers, or stalls in the middle of a call or a stream, is
// ErrUnavailable within the timeouts, never a hang; the caller's own
// cancellation is reported as itself.
func TestNoAnswer(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	quick := admin.ClientConfig{Timeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond}
	within := func(t *testing.T, what string, max time.Duration, fn func() error) {
		t.Helper()
		start := time.Now()
		err := fn()
		if d := time.Since(start); d > max {
			t.Errorf("%s took %v", what, d)
		}
		if !errors.Is(err, admin.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", what, err)
		}
	}
	cfg := func(server string) admin.ClientConfig { c := quick; c.Server = server; return c }

	// Nothing listens: a missing socket, a stale socket file, a closed port.
	stale := filepath.Join(dir, "stale.sock")
	ln, _ := net.Listen("unix", stale)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	tcp, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + tcp.Addr().String()
	tcp.Close()
	for _, s := range []string{"unix://" + filepath.Join(dir, "none.sock"), "unix://" + stale, closed} {
		within(t, s, time.Second, func() error { _, err := admin.DialConfig(ctx, cfg(s)); return err })
	}

	// Accepts, never answers.
	mute, _ := net.Listen("unix", filepath.Join(dir, "mute.sock"))
	defer mute.Close()
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); defer c.Close(); time.Sleep(3 * time.Second) }()
		}
	}()
	within(t, "mute dial", 2*time.Second, func() error {
		_, err := admin.DialConfig(ctx, cfg("unix://"+mute.Addr().String()))
		return err
	})

	// Answers Info, then stalls on everything else, including a stream
	// that stops after some entries.
	release := make(chan struct{})
	defer close(release)
	h := http.NewServeMux()
	h.HandleFunc("/v1/admin/info", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(admin.Info{API: admin.APIVersion})
	})
	h.HandleFunc("/v1/admin/audit/entries", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		e := audit.Link(nil, audit.Entry{Time: base, RecordID: "x", Direction: "out", To: "queued", Actor: "intake"})
		json.NewEncoder(w).Encode(map[string]any{"entry": e})
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	h.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	unixURL, _ := serve(t, h)
	c := dial(t, cfg(unixURL))
	within(t, "stalled stats", 2*time.Second, func() error { _, err := c.Stats(ctx); return err })
	within(t, "stalled apply", 2*time.Second, func() error {
		return c.Apply(ctx, "x", outbox.Action{To: outbox.StateCancelled, Actor: "operator:a", Reason: "r"})
	})
	got := 0
	within(t, "stalled stream", 2*time.Second, func() error {
		return c.AuditEntries(ctx, 1, func(audit.Entry) error { got++; return nil })
	})
	if got != 1 {
		t.Errorf("the stalled stream gave %d entries before the error, want 1", got)
	}

	// The caller's cancellation is not the daemon's fault.
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := c.Stats(cctx); !errors.Is(err, context.Canceled) || errors.Is(err, admin.ErrUnavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestStreamCutOff: a stream that ends without its last line, or whose
// count does not match, is an error, never a shorter chain.
func TestStreamCutOff(t *testing.T) {
	e1 := audit.Link(nil, audit.Entry{Time: base, RecordID: "x", Direction: "out", To: "queued", Actor: "intake"})
	e2 := audit.Link(&e1, audit.Entry{Time: base, RecordID: "x", Direction: "out", From: "queued", To: "sending", Actor: "relay"})
	line := func(v any) string { b, _ := json.Marshal(v); return string(b) + "\n" }
	for _, tc := range []struct{ name, body string }{
		{"no end", line(map[string]any{"entry": e1}) + line(map[string]any{"entry": e2})},
		{"half a line", line(map[string]any{"entry": e1}) + `{"entry":{"seq":2,"ti`},
		{"wrong count", line(map[string]any{"entry": e1}) + line(map[string]any{"end": map[string]int{"count": 2}})},
		{"garbage", line(map[string]any{"entry": e1}) + "<html>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.NewServeMux()
			h.HandleFunc("/v1/admin/info", func(w http.ResponseWriter, r *http.Request) {
				json.NewEncoder(w).Encode(admin.Info{API: admin.APIVersion})
			})
			h.HandleFunc("/v1/admin/audit/entries", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-ndjson")
				w.Write([]byte(tc.body))
				// The handler returns: the connection ends the body.
			})
			unixURL, _ := serve(t, h)
			c := dial(t, admin.ClientConfig{Server: unixURL, Timeout: time.Second})
			err := c.AuditEntries(context.Background(), 1, func(audit.Entry) error { return nil })
			if !errors.Is(err, admin.ErrUnavailable) {
				t.Fatalf("%v, want ErrUnavailable", err)
			}
		})
	}
}

// TestStreamed: the server sends entries while it walks the chain, and
// the client hands them on as they arrive: a backend that waits for the
// client to have seen entry 1000 before it goes on would deadlock (and
// time out) if either side held the chain whole.
func TestStreamed(t *testing.T) {
	seen := make(chan struct{})
	b := &stepBackend{seen: seen}
	unixURL, _ := serve(t, admin.NewHandler(b, admin.HandlerConfig{}))
	c := dial(t, admin.ClientConfig{Server: unixURL, Timeout: 3 * time.Second})
	n := 0
	err := c.AuditEntries(context.Background(), 1, func(e audit.Entry) error {
		n++
		if n == 1000 {
			close(seen)
		}
		return nil
	})
	if err != nil || n != 2500 {
		t.Fatalf("%d entries, %v", n, err)
	}
}

type stepBackend struct {
	admin.Backend
	seen chan struct{}
}

func (b *stepBackend) AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error {
	var prev *audit.Entry
	for i := 1; i <= 2500; i++ {
		if i == 1001 {
			select {
			case <-b.seen:
			case <-time.After(5 * time.Second):
				return errors.New("the client has not seen entry 1000: not streamed")
			}
		}
		e := audit.Link(prev, audit.Entry{Time: base, RecordID: "r", Direction: "out", To: "queued", Actor: "intake"})
		if err := fn(e); err != nil {
			return err
		}
		prev = &e
	}
	return nil
}

// TestDecodeError: an audit entry the store cannot decode reaches the
// client as the same *audit.DecodeError, after the entries before it, so
// that audit verify reports it the same way.
func TestDecodeError(t *testing.T) {
	path, s := fixture(t)
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		k := make([]byte, 8)
		k[7] = 5
		return tx.Bucket([]byte("audit")).Put(k, []byte(`{"seq":5,"time":"not a time"`))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	local := admin.StoreBackend(ro)
	unixURL, _ := serve(t, admin.NewHandler(local, admin.HandlerConfig{}))
	c := dial(t, admin.ClientConfig{Server: unixURL})
	var ln, rn int
	lerr := local.AuditEntries(context.Background(), 1, func(audit.Entry) error { ln++; return nil })
	rerr := c.AuditEntries(context.Background(), 1, func(audit.Entry) error { rn++; return nil })
	var de *audit.DecodeError
	if !errors.As(rerr, &de) || de.Key != 5 || rerr.Error() != lerr.Error() || ln != 4 || rn != 4 {
		t.Fatalf("local %d %v\nremote %d %v", ln, lerr, rn, rerr)
	}
}

// TestOddIDs: record IDs travel in the path escaped.
func TestOddIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := []string{"a/b", "a b", "../records", "%2F", "ä?x=1#y"}
	for _, id := range ids {
		if err := s.Enqueue(context.Background(), outbox.Message{ID: id, Partner: "p", Sealed: []byte("x"), At: base, Actor: "intake"}); err != nil {
			t.Fatal(err)
		}
	}
	unixURL, _ := serve(t, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{}))
	c := dial(t, admin.ClientConfig{Server: unixURL})
	for _, id := range ids {
		r, err := c.Get(context.Background(), id)
		if err != nil || r.ID != id {
			t.Errorf("Get(%q) = %q, %v", id, r.ID, err)
		}
		if h, err := c.History(context.Background(), id); err != nil || len(h) != 1 || h[0].RecordID != id {
			t.Errorf("History(%q) = %v, %v", id, h, err)
		}
	}
}

// TestLogs: the handler logs refusals and actions with ids and codes,
// never a reason or record content.
func TestLogs(t *testing.T) {
	_, s := fixture(t)
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slogJSON(&buf, &mu)
	unixURL, tcpURL := serve(t, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Logger: log, Token: "t"}))
	_ = unixURL
	c := dial(t, admin.ClientConfig{Server: tcpURL, Token: "t"})
	if err := c.Apply(context.Background(), uuid(3), outbox.Action{To: outbox.StateQueued, Actor: "operator:jdoe", Reason: "Frau Mustermann rief an"}); err != nil {
		t.Fatal(err)
	}
	admin.Dial(context.Background(), tcpURL, "wrong")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, uuid(3)) || !strings.Contains(out, `"code":"unauthorized"`) || strings.Contains(out, "Mustermann") || strings.Contains(out, "sealed") {
		t.Fatalf("logs:\n%s", out)
	}
}

func slogJSON(w *bytes.Buffer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewJSONHandler(&lockedWriter{w: w, mu: mu}, nil))
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
