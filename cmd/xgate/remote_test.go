package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// daemon stands in for xgate serve: it holds the store file open
// read-write (so the file lock is really held) and serves the admin API
// on the admin socket beside it and on loopback TCP with a token.
type daemon struct {
	store    *boltstore.Store
	sock     string // unix:///…/admin.sock
	tcp      string // http://127.0.0.1:PORT
	token    string
	shutdown func()
}

func startDaemon(t *testing.T, path string) *daemon {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	d := &daemon{store: s, token: "t0ken-for-the-test"}
	sockPath := filepath.Join(filepath.Dir(abs), admin.DefaultSocket)
	ln, err := net.Listen("unix", sockPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Store: abs}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	ts := httptest.NewServer(admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Store: abs, Token: d.token}))
	d.sock, d.tcp = "unix://"+sockPath, ts.URL
	d.shutdown = func() { srv.Close(); ts.Close(); s.Close() }
	t.Cleanup(d.shutdown)
	return d
}

// transcript runs each step as "xgate NOUN STEP… EXTRA…" and writes down
// the command, the exit code, standard output and standard error. Files
// named by out are appended after the step, so that an export written
// with --out is compared too.
func transcript(t *testing.T, noun string, extra []string, steps []cliStep, out string) string {
	t.Helper()
	var b strings.Builder
	for _, st := range steps {
		if out != "" {
			os.Remove(out)
		}
		args := append(append([]string{noun}, st.args...), extra...)
		code, stdout, stderr := runXgate(t, "", args...)
		fmt.Fprintf(&b, "$ xgate %s %s\nexit %d\n--- stdout\n%s--- stderr\n%s", noun, strings.Join(st.args, " "), code, stdout, stderr)
		if out != "" {
			data, _ := os.ReadFile(out)
			fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(out), data)
		}
		b.WriteString("\n")
		if code != st.code {
			t.Errorf("xgate %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, st.code, stdout, stderr)
		}
	}
	return b.String()
}

// TestRemoteSameOutput runs the operator verbs on a store file and then
// on the same content held by a running daemon: through the admin socket
// beside the store (found by itself), through --server unix://…, and
// through --server http://127.0.0.1:PORT with $XGATE_ADMIN_TOKEN. Output
// and exit codes must be the same byte for byte; only the times of this
// run's own replays and cancels (and, with --server, the name of the
// source) may differ.
// remoteScenario is a run of operator verbs on one fixture.
type remoteScenario struct {
	name, noun string
	fixture    string
	steps      []cliStep
	out        bool // the steps write --out $OUT
}

// remoteScenarios are the runs TestRemoteSameOutput compares: every
// outbox and audit verb that reads or acts, on fixtures (and tampered
// audit chains) in every state.
func remoteScenarios(t *testing.T) []remoteScenario {
	t.Helper()
	// The daemon's read-write open recovers records that were being sent;
	// so that both sides hold the same content, the fixtures are
	// recovered first (at the fixture's clock).
	recovered := func(path string) string {
		s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: fixedClock{fat(600)}})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return path
	}
	outboxStore, overdueStore := recovered(outboxFixture(t)), recovered(overdueFixture(t))
	af := newAuditFixture(t)
	edited := af.tampered(t, "edited", func(t *testing.T, entries, _ *bolt.Bucket) {
		e := auditGetEntry(t, entries, 9)
		e.Actor = "mallory"
		auditPutEntry(t, entries, 9, e)
	})
	unreadable := af.tampered(t, "unreadable", func(t *testing.T, entries, _ *bolt.Bucket) {
		if err := entries.Put(auditKey(20), []byte(`{"seq":20,"time":"yesterday"`)); err != nil {
			t.Fatal(err)
		}
	})
	id := func(n int) string { return fmt.Sprintf("5b0c8e2a-4d7f-4e1a-9c3b-%012d", n) }
	return []remoteScenario{
		{"list", "outbox", outboxStore, []cliStep{
			{[]string{"list"}, 0},
			{[]string{"list", "--state", "failed"}, 0},
			{[]string{"list", "--partner", "dbs:bamf", "--direction", "out"}, 0},
			{[]string{"list", "--older-than", "1d", "--type", "060010"}, 0},
			{[]string{"list", "--direction", "in", "--format", "json"}, 0},
			{[]string{"list", "--limit", "2", "--after", "2"}, 0},
			{[]string{"list", "--state", "cancelled", "--format", "json"}, 0},
			{[]string{"list", "--state", "flying"}, 2},
		}, false},
		{"list --overdue", "outbox", overdueStore, []cliStep{
			{[]string{"list", "--overdue"}, 0},
			{[]string{"list", "--overdue", "--state", "queued", "--format", "json"}, 0},
			{[]string{"list", "--overdue", "--direction", "in"}, 2},
		}, false},
		{"show", "outbox", outboxStore, []cliStep{
			{[]string{"show", id(2)}, 0},
			{[]string{"show", id(3)}, 0},
			{[]string{"show", id(5)}, 0},
			{[]string{"show", id(9)}, 0},
			{[]string{"show", "--format", "json", id(6)}, 0},
			{[]string{"show", "--format", "json", id(8)}, 0},
			{[]string{"show", "no-such-id"}, 1},
		}, false},
		{"stats", "outbox", outboxStore, []cliStep{
			{[]string{"stats"}, 0},
			{[]string{"stats", "--format", "json"}, 0},
		}, false},
		{"replay", "outbox", outboxStore, []cliStep{
			{[]string{"replay", "--reason", "AZR outage over (INC-4712)", id(2), id(1), id(99)}, 1},
			{[]string{"show", id(2)}, 0},
			{[]string{"replay", "--state", "failed", "--partner", "dbs:azr-bva", "--reason", "certificate renewed"}, 0},
			{[]string{"replay", "--state", "rejected", "--reason", "fixed"}, 0},
			{[]string{"list", "--state", "queued"}, 0},
			{[]string{"replay", "--reason", "x", "--state", "queued"}, 2},
		}, false},
		{"cancel", "outbox", outboxStore, []cliStep{
			{[]string{"cancel", "--reason", "sent to the wrong authority", id(4), id(1), id(5)}, 1},
			{[]string{"show", "--format", "json", id(4)}, 0},
			{[]string{"cancel", "--reason", "again", id(4)}, 1},
			{[]string{"stats"}, 0},
		}, false},
		{"audit verify", "audit", af.store, []cliStep{
			{[]string{"verify", "--checkpoint-cert", af.cert}, 0},
			{[]string{"verify", "--checkpoint-cert", af.cert, "--format", "json"}, 0},
			{[]string{"verify", "--insecure"}, 0},
			{[]string{"verify", "--checkpoint-cert", af.other}, 3},
			{[]string{"verify"}, 2},
		}, false},
		{"audit verify edited", "audit", edited, []cliStep{
			{[]string{"verify", "--checkpoint-cert", af.cert}, 3},
			{[]string{"verify", "--checkpoint-cert", af.cert, "--format", "json"}, 3},
		}, false},
		{"audit verify unreadable", "audit", unreadable, []cliStep{
			{[]string{"verify", "--checkpoint-cert", af.cert}, 3},
			{[]string{"verify", "--insecure", "--format", "json"}, 3},
		}, false},
		{"audit export", "audit", af.store, []cliStep{
			{[]string{"export"}, 0},
		}, false},
		{"audit export --out", "audit", af.store, []cliStep{
			{[]string{"export", "--out", "$OUT"}, 0},
		}, true},
	}
}

func TestRemoteSameOutput(t *testing.T) {
	t.Setenv("USER", "jdoe")
	scenarios := remoteScenarios(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "xgate.db")
			out := ""
			steps := sc.steps
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

			// The same content, held by a daemon.
			auditCopyFile(t, sc.fixture, path)
			d := startDaemon(t, path)
			// The file is really locked: the verbs cannot open it.
			if _, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true, Timeout: 50 * time.Millisecond}); err == nil {
				t.Fatal("the daemon's store can be opened beside it")
			}
			beside := transcript(t, sc.noun, []string{"--store", path, "--lock-timeout", "50ms"}, steps, out)
			d.shutdown()

			compare := func(how, got, server string) {
				t.Helper()
				l, g := normalizeRun(local, path, ""), normalizeRun(got, path, server)
				if l != g {
					t.Errorf("%s: output differs from the local run\n%s", how, firstDiff(l, g))
				}
			}
			compare("admin socket beside the store", beside, "")

			for _, via := range []string{"unix", "tcp"} {
				auditCopyFile(t, sc.fixture, path)
				d := startDaemon(t, path)
				server := d.sock
				if via == "tcp" {
					server = d.tcp
					t.Setenv("XGATE_ADMIN_TOKEN", d.token)
				}
				got := transcript(t, sc.noun, []string{"--server", server}, steps, out)
				t.Setenv("XGATE_ADMIN_TOKEN", "")
				d.shutdown()
				compare("--server "+via, got, server)
			}
		})
	}
}

// normalizeRun replaces what may differ between two runs of the same
// steps: times of the run itself (replays, cancels) and the name of the
// source (the store path or the --server URL).
func normalizeRun(s, store, server string) string {
	if server != "" {
		s = strings.ReplaceAll(s, server, "$SOURCE")
	}
	s = strings.ReplaceAll(s, store, "$SOURCE")
	return nowStamp.ReplaceAllString(s, "<now>")
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  local:  %q\n  remote: %q", i+1, x, y)
		}
	}
	return "(same lines)"
}

// TestRemoteUnavailable: a daemon that does not answer is exit 4, quickly
// and with a word on standard error, whether named by --server or found
// beside the store; a socket beside the store that serves another store
// is not used; a daemon that stops answering in the middle of a replay
// stops it with exit 4.
func TestRemoteUnavailable(t *testing.T) {
	t.Setenv("USER", "jdoe")
	ctx := context.Background()
	quick := func(a *app) {
		a.remote = func(ctx context.Context, server string) (outboxBackend, error) {
			c, err := admin.DialConfig(ctx, admin.ClientConfig{Server: server, Token: "quick-token", Timeout: 300 * time.Millisecond, DialTimeout: 300 * time.Millisecond})
			if err != nil {
				return nil, withExit(exitUnavailable, err)
			}
			return c, nil
		}
	}
	runWith := func(args ...string) (int, string, time.Duration) {
		a := newApp()
		quick(a)
		var out bytes.Buffer
		start := time.Now()
		code, errOut := runCLI(ctx, a, &out, args...)
		return code, out.String() + errOut, time.Since(start)
	}

	// Nothing at the address.
	dir := t.TempDir()
	if code, out, errOut := runXgate(t, "", "outbox", "stats", "--server", "unix://"+filepath.Join(dir, "none.sock")); code != exitUnavailable || out != "" ||
		!strings.Contains(errOut, "does not answer") || !strings.Contains(errOut, "none.sock") {
		t.Errorf("no daemon: exit %d %s%s", code, out, errOut)
	}
	// A daemon that accepts and never answers.
	mute, err := net.Listen("unix", filepath.Join(dir, "mute.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			go func() { time.Sleep(5 * time.Second); c.Close() }()
		}
	}()
	for _, args := range [][]string{{"outbox", "list"}, {"outbox", "show", "x"}, {"outbox", "stats"}, {"outbox", "replay", "--reason", "x", "x"},
		{"outbox", "cancel", "--reason", "x", "x"}, {"audit", "verify", "--insecure"}, {"audit", "export"}} {
		code, out, took := runWith(append(args, "--server", "unix://"+mute.Addr().String())...)
		if code != exitUnavailable || !strings.Contains(out, "does not answer") || took > 2*time.Second {
			t.Errorf("%v on a mute daemon: exit %d after %v\n%s", args, code, took, out)
		}
	}

	// A mute socket beside a locked store: not used, exit 4 as before,
	// saying why.
	store := outboxFixture(t)
	holder, err := boltstore.Open(ctx, store, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	besideLn, err := net.Listen("unix", filepath.Join(filepath.Dir(store), admin.DefaultSocket))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := besideLn.Accept()
			if err != nil {
				return
			}
			go func() { time.Sleep(5 * time.Second); c.Close() }()
		}
	}()
	code, out, took := runWith("outbox", "stats", "--store", store, "--lock-timeout", "100ms")
	if code != exitUnavailable || !strings.Contains(out, "is locked by another process") || !strings.Contains(out, "admin socket beside it did not help") || took > 2*time.Second {
		t.Errorf("mute socket beside a locked store: exit %d after %v\n%s", code, took, out)
	}
	besideLn.Close()

	// A daemon beside the store that serves another file.
	other := outboxFixture(t)
	os.Remove(filepath.Join(filepath.Dir(store), admin.DefaultSocket))
	ln, err := net.Listen("unix", filepath.Join(filepath.Dir(store), admin.DefaultSocket))
	if err != nil {
		t.Fatal(err)
	}
	otherStore, err := boltstore.Open(ctx, other, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer otherStore.Close()
	srv := &http.Server{Handler: admin.NewHandler(admin.StoreBackend(otherStore), admin.HandlerConfig{Store: other})}
	go srv.Serve(ln)
	defer srv.Close()
	code, out, _ = runWith("outbox", "stats", "--store", store, "--lock-timeout", "100ms")
	if code != exitUnavailable || !strings.Contains(out, "serves "+other+", not this file") {
		t.Errorf("a socket beside the store serving another one: exit %d\n%s", code, out)
	}
	srv.Close()

	// A stale socket beside a store no daemon holds (the daemon died):
	// the file is used, at once.
	free := outboxFixture(t)
	staleLn, err := net.Listen("unix", filepath.Join(filepath.Dir(free), admin.DefaultSocket))
	if err != nil {
		t.Fatal(err)
	}
	staleLn.(*net.UnixListener).SetUnlinkOnClose(false)
	staleLn.Close()
	code, out, took = runWith("outbox", "stats", "--store", free)
	if code != 0 || !strings.Contains(out, "Outbound") || took > time.Second {
		t.Errorf("stale socket beside a free store: exit %d after %v\n%s", code, took, out)
	}

	// A daemon that stops answering after the first of three replays.
	path := outboxFixture(t)
	s, err := boltstore.Open(ctx, path, boltstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{Token: "quick-token"})
	calls := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if calls++; calls > 1 {
				io.Copy(io.Discard, r.Body) // then the server notices the client leave
				<-r.Context().Done()
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	defer flaky.Close()
	code, out, took = runWith("outbox", "replay", "--server", flaky.URL, "--reason", "INC-9",
		"5b0c8e2a-4d7f-4e1a-9c3b-000000000002", "5b0c8e2a-4d7f-4e1a-9c3b-000000000003", "5b0c8e2a-4d7f-4e1a-9c3b-000000000006")
	if code != exitUnavailable || !strings.Contains(out, "replayed 5b0c8e2a-4d7f-4e1a-9c3b-000000000002") ||
		!strings.Contains(out, "may or may not be replayed") || !strings.Contains(out, "1 replayed, 0 refused, 2 not done") || took > 3*time.Second {
		t.Errorf("daemon gone mid-replay: exit %d after %v\n%s", code, took, out)
	}

	// A daemon whose audit stream stalls after the first entry: audit
	// verify and export stop with exit 4, not with a shorter chain.
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/admin/info", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"api":%q}`, admin.APIVersion)
	})
	mux.HandleFunc("/v1/admin/audit/checkpoints", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "[]") })
	first, _ := json.Marshal(map[string]audit.Entry{"entry": audit.Link(nil, audit.Entry{Time: fat(0), RecordID: "x", Direction: "out", To: "queued", Actor: "intake"})})
	mux.HandleFunc("/v1/admin/audit/entries", func(w http.ResponseWriter, r *http.Request) {
		w.Write(append(first, '\n'))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	stalling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer quick-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	defer stalling.Close()
	for _, args := range [][]string{{"audit", "verify", "--insecure"}, {"audit", "export"}} {
		code, out, took := runWith(append(args, "--server", stalling.URL)...)
		if code != exitUnavailable || !strings.Contains(out, "did not answer within") || took > 2*time.Second {
			t.Errorf("%v, stream stalled: exit %d after %v\n%s", args, code, took, out)
		}
	}

	// A wrong token is a usage error that names the variable.
	d := startDaemon(t, outboxFixture(t))
	t.Setenv("XGATE_ADMIN_TOKEN", "wrong")
	if code, _, errOut := runXgate(t, "", "outbox", "stats", "--server", d.tcp); code != exitUsage || !strings.Contains(errOut, "XGATE_ADMIN_TOKEN") {
		t.Errorf("wrong token: exit %d %s", code, errOut)
	}
}
