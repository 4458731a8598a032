package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/internal/pgtest"
)

// xgateBin is the binary under test, built once by TestMain.
var xgateBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "xgate-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	xgateBin = filepath.Join(dir, "xgate")
	build := exec.Command("go", "build", "-o", xgateBin, "github.com/xgate/xgate/cmd/xgate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building xgate:", err)
		os.Exit(1)
	}
	code := pg.Main(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// pg is the PostgreSQL server of the scale-out tests, started on first
// use.
var pg = &pgtest.Shared{Options: pgtest.Options{Settings: map[string]string{
	"shared_preload_libraries": "pg_stat_statements", // BenchmarkScaleOut's statement counts
}}}

// net is a development network whose sites run as processes.
type testNet struct {
	t     testing.TB
	n     *devnet.Net
	mu    sync.Mutex
	procs map[string]*exec.Cmd
	peers map[string]string // site id → role played by xgate peer ("" = serve)
	logs  map[string]bool   // every log a process of this network wrote
	bin   string            // the xgate binary the processes run
}

func newNet(t testing.TB, sites []devnet.SiteSpec, peers map[string]string) *testNet {
	t.Helper()
	n, err := devnet.Create(context.Background(), filepath.Join(t.TempDir(), "net"), devnet.Spec{Sites: sites, GenerateKey: certstest.KeyGenerator()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return wrapNet(t, n, peers)
}

// wrapNet runs the sites of n as processes of xgateBin; when the test
// ends, it stops them and fails the test if one reported a data race
// (a race build of xgate in bin: TestRaceAcrossProcesses).
func wrapNet(t testing.TB, n *devnet.Net, peers map[string]string) *testNet {
	tn := &testNet{t: t, n: n, procs: map[string]*exec.Cmd{}, peers: peers, logs: map[string]bool{}, bin: xgateBin}
	t.Cleanup(func() {
		tn.stopAll()
		tn.checkRaces()
	})
	return tn
}

// start runs a site's process and waits until it is ready.
func (tn *testNet) start(id string) {
	tn.t.Helper()
	if err := tn.Start(context.Background(), id); err != nil {
		tn.t.Fatal(err)
	}
}

// Start runs a site's process (xgate serve, or xgate peer for the sites
// in tn.peers) and waits until it is ready; demo.Network.
func (tn *testNet) Start(ctx context.Context, id string) error {
	s := tn.n.Sites[id]
	args := []string{"serve", "--config", s.Config}
	if role := tn.peers[id]; role != "" {
		args = []string{"peer", "--as", role, "--config", s.Config}
	}
	_, err := tn.startProcess(ctx, id, args, nil, s.Intake, s.Log)
	return err
}

// startProcess runs xgate with args (and env added) as process name,
// logging to logPath, and waits until intake answers /readyz. It returns
// the process id.
func (tn *testNet) startProcess(ctx context.Context, name string, args, env []string, intake, logPath string) (int, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(tn.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(append(os.Environ(), "XGATE_CONFIG="), env...)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(exited) }()
	tn.mu.Lock()
	tn.procs[name] = cmd
	tn.logs[logPath] = true
	tn.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(intake + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd.Process.Pid, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("%s not ready after 30s; log:\n%s", name, tail(logPath))
		}
		select {
		case <-exited:
			return 0, fmt.Errorf("%s exited before it was ready (%v); log:\n%s", name, cmd.ProcessState, tail(logPath))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kill ends a site's process with sig and waits for it to be gone.
func (tn *testNet) kill(id string, sig syscall.Signal) {
	tn.mu.Lock()
	cmd := tn.procs[id]
	delete(tn.procs, id)
	tn.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
}

// Stop ends a site's process with SIGTERM (it drains); demo.Network.
func (tn *testNet) Stop(id string) error {
	tn.kill(id, syscall.SIGTERM)
	return nil
}

// Reload sends SIGHUP: the site reads its directory file again.
func (tn *testNet) Reload(_ context.Context, id string) error {
	tn.mu.Lock()
	cmd := tn.procs[id]
	tn.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("%s is not running", id)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // the reload is asynchronous
	return nil
}

// StopAll stops every process; demo.Network.
func (tn *testNet) StopAll() { tn.stopAll() }

func (tn *testNet) stopAll() {
	tn.mu.Lock()
	ids := make([]string, 0, len(tn.procs))
	for id := range tn.procs {
		ids = append(ids, id)
	}
	tn.mu.Unlock()
	for _, id := range ids {
		tn.kill(id, syscall.SIGTERM)
	}
}

// raceReport is how the race detector begins a report (on stderr, which
// goes to the site's log).
const raceReport = "WARNING: DATA RACE"

// checkRaces fails the test for every log with a race report in it.
func (tn *testNet) checkRaces() {
	tn.mu.Lock()
	paths := make([]string, 0, len(tn.logs))
	for p := range tn.logs {
		paths = append(paths, p)
	}
	tn.mu.Unlock()
	reports, err := raceReports(paths)
	if err != nil {
		tn.t.Error(err)
	}
	for _, r := range reports {
		tn.t.Error(r)
	}
}

// raceReports returns, for each file with a race report in it, its name
// and the report's first lines.
func raceReports(paths []string) ([]string, error) {
	var out []string
	var errs []error
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i := bytes.Index(b, []byte(raceReport)); i >= 0 {
			out = append(out, fmt.Sprintf("%s has a race report:\n%s", path, b[i:min(len(b), i+4000)]))
		}
	}
	return out, errors.Join(errs...)
}

// submit posts a message to a site's intake, retrying while the site is
// down; it returns the HTTP status.
func (tn *testNet) submit(ctx context.Context, id string, data []byte) (gateway.Accepted, error) {
	s := tn.n.Sites[id]
	for {
		resp, err := http.Post(s.Intake+"/v1/messages", "application/xml", bytes.NewReader(data))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK {
				var acc gateway.Accepted
				return acc, json.Unmarshal(body, &acc)
			}
			if resp.StatusCode != http.StatusServiceUnavailable {
				return gateway.Accepted{}, fmt.Errorf("intake %s: %d %s", id, resp.StatusCode, body)
			}
		}
		select {
		case <-ctx.Done():
			return gateway.Accepted{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// status reads a record through the intake API (nil while the site is down).
func (tn *testNet) status(id, msg string) *gateway.Status {
	resp, err := http.Get(tn.n.Sites[id].Intake + "/v1/messages/" + msg)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var st gateway.Status
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	return &st
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// runXgate runs the binary under test and returns its combined output.
func runXgate(args ...string) (string, error) {
	out, err := exec.Command(xgateBin, args...).CombinedOutput()
	return string(out), err
}

// pull fetches the inbox and acknowledges each message until ctx ends,
// tolerating a daemon that is down; an acknowledgement whose answer was
// lost is sent again (it answers already=true if it had taken effect).
func (ls *localSoftware) pull(ctx context.Context, intake string) {
	c := &http.Client{Timeout: 10 * time.Second}
	pending := map[string]string{} // id → ack URL, answer not yet seen
	ack := func(id, url string) {
		ar, err := c.Post(intake+url, "application/json", nil)
		if err != nil {
			pending[id] = url
			return
		}
		var a struct {
			Already bool `json:"already"`
		}
		_ = json.NewDecoder(ar.Body).Decode(&a)
		_ = ar.Body.Close()
		if ar.StatusCode != http.StatusOK {
			pending[id] = url
			return
		}
		delete(pending, id)
		ls.mu.Lock()
		if ls.acked[id] && !a.Already {
			ls.ackAgain++
		}
		ls.acked[id] = true
		ls.mu.Unlock()
	}
	for ctx.Err() == nil {
		for id, url := range pending {
			ack(id, url)
		}
		resp, err := c.Get(intake + "/v1/inbox")
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var inbox struct{ Messages []gateway.InboxItem }
		err = json.NewDecoder(resp.Body).Decode(&inbox)
		_ = resp.Body.Close()
		if err != nil {
			continue
		}
		for _, it := range inbox.Messages {
			ls.mu.Lock()
			ls.seen[it.ID]++
			if ls.acked[it.ID] {
				ls.afterAck++
			}
			ls.mu.Unlock()
			ack(it.ID, it.AckURL)
		}
		if len(inbox.Messages) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// waitDelivered waits until each record at site is delivered.
func (tn *testNet) waitDelivered(site string, deadline time.Time, ids ...string) {
	tn.t.Helper()
	for _, id := range ids {
		for {
			st := tn.status(site, id)
			if st != nil && st.State == "delivered" {
				break
			}
			if time.Now().After(deadline) {
				tn.t.Fatalf("%s at %s not delivered in time (%+v)", id, site, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// waitAcked waits until the local software acknowledged n messages or
// the deadline passed.
func (ls *localSoftware) waitAcked(n int, deadline time.Time) {
	for time.Now().Before(deadline) {
		ls.mu.Lock()
		done := len(ls.acked)
		ls.mu.Unlock()
		if done >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A log with a race report is found, a clean one is not, a missing one
// is an error.
func TestRaceReports(t *testing.T) {
	dir := t.TempDir()
	clean, racy := filepath.Join(dir, "clean.log"), filepath.Join(dir, "racy.log")
	if err := os.WriteFile(clean, []byte(`{"level":"INFO","msg":"delivered"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := "==================\n" + raceReport + "\nWrite at 0x00c000123 by goroutine 7:\n  main.f()\n"
	if err := os.WriteFile(racy, []byte(`{"level":"INFO","msg":"ready"}`+"\n"+report), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := raceReports([]string{clean, racy})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], racy) || !strings.Contains(got[0], "by goroutine 7") {
		t.Errorf("race reports %q, want the one in %s", got, racy)
	}
	if _, err := raceReports([]string{filepath.Join(dir, "missing.log")}); err == nil {
		t.Error("a missing log: no error")
	}
}
