package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// anmeldungen builds n ABH → MB Anmeldungen (020101), spread over persons
// (AZR numbers) so that each person's messages must arrive in order.
func anmeldungen(t testing.TB, n, persons int, from, to *devnet.Site) (msgs [][]byte, ids, keys []string) {
	t.Helper()
	g, err := devnet.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		b, id, key, err := g.Anmeldung(i, persons, from.Identity, to.Identity)
		if err != nil {
			t.Fatal(err)
		}
		msgs, ids, keys = append(msgs, b), append(ids, id), append(keys, key)
	}
	return msgs, ids, keys
}

var quiet = map[string]any{"answers.reminders": 0, "log.level": "info"}

// inboundOrder reads a stopped site's store: inbound record ids in the
// order they were received.
func inboundOrder(t *testing.T, s *devnet.Site) []string {
	t.Helper()
	st, err := boltstore.Open(context.Background(), s.Store, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	var after uint64
	for {
		recs, err := st.List(context.Background(), outbox.Filter{Direction: outbox.DirIn, AfterSeq: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			out = append(out, r.ID)
			after = r.Seq
		}
		if len(recs) < 1000 {
			return out
		}
	}
}

// checkOrder: for every key, the receiver saw its messages in the order
// they were submitted.
func checkOrder(t *testing.T, got, ids, keys []string) {
	t.Helper()
	pos := map[string]int{}
	for i, id := range got {
		pos[id] = i
	}
	last := map[string]int{}
	for i, id := range ids {
		p, ok := pos[id]
		if !ok {
			t.Errorf("message %d (%s) never arrived", i, id)
			continue
		}
		if prev, seen := last[keys[i]]; seen && p < prev {
			t.Errorf("key %s: message %d arrived before its predecessor", keys[i], i)
		}
		last[keys[i]] = p
	}
}

func TestPartnerDownThenBack(t *testing.T) {
	down := 30 * time.Second
	if testing.Short() {
		down = 5 * time.Second
	}
	tn := newNet(t, []devnet.SiteSpec{{ID: "abh", Extra: quiet}, {ID: "mb", Extra: quiet}}, nil)
	tn.start("abh")
	abh, mb := tn.n.Sites["abh"], tn.n.Sites["mb"]
	msgs, ids, keys := anmeldungen(t, 50, 5, abh, mb)
	ctx := context.Background()
	for _, m := range msgs {
		if _, err := tn.submit(ctx, "abh", m); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(down) // the MB is down: deliveries fail and back off
	// Operators while the daemon runs: the verbs find its admin socket
	// beside the store it locks.
	signing := filepath.Join(tn.n.Dir, "pki", "abh", "signing.pem")
	for _, args := range [][]string{
		{"outbox", "stats", "--store", abh.Store},
		{"outbox", "list", "--store", abh.Store, "--state", "queued"},
		{"outbox", "show", "--store", abh.Store, ids[0]},
		{"audit", "verify", "--store", abh.Store, "--checkpoint-cert", signing},
	} {
		out, err := runXgate(args...)
		if err != nil {
			t.Errorf("xgate %v against the running daemon: %v\n%s", args, err, out)
		}
	}
	attemptsWhileDown := 0
	for _, id := range ids {
		if st := tn.status("abh", id); st != nil {
			if st.State != "queued" && st.State != "sending" {
				t.Fatalf("%s is %s while the partner is down", id, st.State)
			}
			attemptsWhileDown += st.Attempts
		}
	}
	tn.start("mb")
	deadline := time.Now().Add(2 * time.Minute)
	tn.waitDelivered("abh", deadline, ids...)
	// No retry storm: the breaker lets one head per ordering key probe at a
	// time, with back-off; 50 messages behind 5 keys over the outage must
	// not cost more than a few attempts each.
	t.Logf("attempts while the partner was down for %s: %d (50 messages, 5 ordering keys)", down, attemptsWhileDown)
	if attemptsWhileDown > 5*int(down/time.Second) {
		t.Errorf("retry storm: %d attempts in %s", attemptsWhileDown, down)
	}
	// A damaged directory on SIGHUP: the daemon keeps the last good one,
	// says so in /metrics, and goes on routing.
	good, err := os.ReadFile(tn.n.Directory)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tn.n.Directory, bytes.Replace(good, []byte("Meldeb"), []byte("MeldeX"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tn.Reload(ctx, "abh"); err != nil {
		t.Fatal(err)
	}
	metrics := getText(t, abh.Intake+"/metrics")
	if !strings.Contains(metrics, "xgate_directory_reload_failures_total 1") || !strings.Contains(metrics, `xgate_directory_last_reload_failed{code="T011"} 1`) {
		t.Errorf("a refused reload is not in /metrics:\n%s", grepLines(metrics, "xgate_directory"))
	}
	extra, _, _ := anmeldungen(t, 1, 1, abh, mb)
	acc, err := tn.submit(ctx, "abh", extra[0])
	if err != nil {
		t.Fatal(err)
	}
	tn.waitDelivered("abh", time.Now().Add(time.Minute), acc.ID)
	tn.kill("mb", syscall.SIGTERM)
	checkOrder(t, inboundOrder(t, mb), append(ids, acc.ID), append(keys, "extra"))
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// localSoftware pulls a site's inbox and acknowledges every message,
// counting what it is given: a message handed over again after its
// acknowledgement succeeded is a double hand-over.
type localSoftware struct {
	mu       sync.Mutex
	seen     map[string]int
	acked    map[string]bool
	afterAck int
	ackAgain int
}

// startLocalSoftware pulls and acknowledges the inbox at intake until
// the returned stop is called; stop returns once pulling has ended.
func startLocalSoftware(ctx context.Context, intake string) (_ *localSoftware, stop func()) {
	ls := &localSoftware{seen: map[string]int{}, acked: map[string]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); ls.pull(ctx, intake) }()
	return ls, func() { cancel(); <-done }
}

func TestKillDuringRun(t *testing.T) {
	n, kills := 2000, 5
	if testing.Short() {
		n, kills = 300, 2
	}
	tn := newNet(t, []devnet.SiteSpec{{ID: "abh", Extra: quiet}, {ID: "mb", Extra: quiet}}, nil)
	tn.start("abh")
	tn.start("mb")
	abh, mb := tn.n.Sites["abh"], tn.n.Sites["mb"]
	msgs, ids, keys := anmeldungen(t, n, 40, abh, mb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	ls, stopPull := startLocalSoftware(ctx, mb.Intake)

	submitted := make(chan int, n)
	go func() {
		for i, m := range msgs {
			if _, err := tn.submit(ctx, "abh", m); err != nil {
				t.Errorf("submit %d: %v", i, err)
				return
			}
			submitted <- i
		}
		close(submitted)
	}()
	// Kill the sender and the receiver in turn while messages flow.
	count := 0
	for k := range 2 * kills {
		for count < (k+1)*n/(2*kills+1) {
			if _, ok := <-submitted; !ok {
				break
			}
			count++
		}
		victim := []string{"abh", "mb"}[k%2]
		tn.kill(victim, syscall.SIGKILL)
		time.Sleep(300 * time.Millisecond)
		tn.start(victim)
	}
	for range submitted {
	}
	// Every message delivered with a receipt.
	deadline := time.Now().Add(5 * time.Minute)
	tn.waitDelivered("abh", deadline, ids...)
	// Every message handed to the local software and acknowledged.
	ls.waitAcked(n, deadline)
	stopPull()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if len(ls.acked) != n {
		t.Errorf("local software acknowledged %d of %d", len(ls.acked), n)
	}
	if ls.ackAgain != 0 {
		t.Errorf("%d acknowledgements took effect twice", ls.ackAgain)
	}
	if ls.afterAck != 0 {
		t.Errorf("%d messages handed over again after their acknowledgement", ls.afterAck)
	}
	redelivered := 0
	for _, c := range ls.seen {
		if c > 1 {
			redelivered++
		}
	}
	t.Logf("%d messages, %d kills each side: %d handed over more than once before their acknowledgement (at-least-once), %d after it", n, kills, redelivered, ls.afterAck)
	tn.kill("abh", syscall.SIGTERM)
	tn.kill("mb", syscall.SIGTERM)
	checkOrder(t, inboundOrder(t, mb), ids, keys)
	for _, s := range []*devnet.Site{abh, mb} {
		auditAndCheck(t, s)
	}
}

// auditAndCheck runs the store's check and verifies the audit chain of a
// stopped site with the CLI, as an operator would.
func auditAndCheck(t *testing.T, s *devnet.Site) {
	t.Helper()
	signing := filepath.Join(filepath.Dir(s.Config), "..", "pki", s.ID, "signing.pem")
	for _, args := range [][]string{
		{"outbox", "check", "--store", s.Store},
		{"audit", "verify", "--store", s.Store, "--checkpoint-cert", signing},
	} {
		out, err := runXgate(args...)
		if err != nil {
			t.Errorf("%s: xgate %v: %v\n%s", s.ID, args, err, out)
		}
	}
}
