package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"gopkg.in/yaml.v3"

	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/pgstore"
)

// scaleOut is an ABH site of several `xgate serve` instances on one
// PostgreSQL database, delivering to an MB on bbolt.
type scaleOut struct {
	t     testing.TB
	tn    *testNet
	dsn   string
	lease time.Duration
	inst  []*abhInstance
}

// abhInstance is one ABH process: its own configuration file (listeners
// and admin socket), the shared database.
type abhInstance struct {
	name, config, intake, admin, log string
	pid                              int
}

// scaleOutOptions configure newScaleOut.
type scaleOutOptions struct {
	instances int
	lease     time.Duration
	store     string // postgres (default) or bolt (one instance)
	logLevel  string // default info
}

// newScaleOut writes a development network (ABH, MB) and one
// configuration per ABH instance, and makes a fresh database.
func newScaleOut(t testing.TB, o scaleOutOptions) *scaleOut {
	t.Helper()
	if o.store == "" {
		o.store = "postgres"
	}
	if o.logLevel == "" {
		o.logLevel = "info"
	}
	store := map[string]any{"kind": "postgres"}
	if o.store == "bolt" {
		store = map[string]any{"kind": "bolt", "path": "xgate.db"}
	}
	lease := o.lease
	abhExtra := map[string]any{"answers.reminders": 0, "log.level": o.logLevel, "store": store,
		"delivery": map[string]any{"workers": 8, "timeout": (lease / 2).String(), "lease": lease.String(), "retry": map[string]any{"initial": "200ms", "max": "2s", "max_age": "1h"}},
	}
	mbExtra := map[string]any{"answers.reminders": 0, "log.level": o.logLevel}
	tn := newNet(t, []devnet.SiteSpec{{ID: "abh", Extra: abhExtra}, {ID: "mb", Extra: mbExtra}}, nil)
	so := &scaleOut{t: t, tn: tn, lease: lease}
	if o.store == "postgres" {
		so.dsn = pg.Database(t)
	}
	abh := tn.n.Sites["abh"]
	base, err := os.ReadFile(abh.Config)
	if err != nil {
		t.Fatal(err)
	}
	for i := range o.instances {
		var cfg map[string]any
		if err := yaml.Unmarshal(base, &cfg); err != nil {
			t.Fatal(err)
		}
		ports, err := tn.n.Ports(2)
		if err != nil {
			t.Fatal(err)
		}
		intake, transport := fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1])
		name := fmt.Sprintf("abh-%d", i+1)
		in := &abhInstance{name: name, config: filepath.Join(abh.Dir, name+".yaml"), intake: "http://" + intake,
			admin: filepath.Join(abh.Dir, name+".sock"), log: filepath.Join(abh.Dir, name+".log")}
		cfg["listen"] = map[string]any{"intake": intake, "transport": transport, "admin_socket": in.admin, "metrics": ""}
		data, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(in.config, data, 0o600); err != nil {
			t.Fatal(err)
		}
		so.inst = append(so.inst, in)
	}
	return so
}

// start runs instance i and waits until it is ready.
func (so *scaleOut) start(i int) {
	in := so.inst[i]
	pid, err := so.tn.startProcess(context.Background(), in.name, []string{"serve", "--config", in.config}, []string{"XGATE_STORE_DSN=" + so.dsn}, in.intake, in.log)
	if err != nil {
		so.t.Fatal(err)
	}
	in.pid = pid
}

// owner is the relay owner of process pid (site.InstanceOwner).
func owner(pid int) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("relay-azr:999901-%s-%d", host, pid)
}

// submit posts a message to the intake of instance first, going on to
// the next instance while one does not answer (killed) or answers 503.
func (so *scaleOut) submit(ctx context.Context, first int, data []byte) error {
	c := &http.Client{Timeout: 30 * time.Second}
	for try := 0; ; try++ {
		in := so.inst[(first+try)%len(so.inst)]
		resp, err := c.Post(in.intake+"/v1/messages", "application/xml", bytes.NewReader(data))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusAccepted, http.StatusOK:
				return nil
			case http.StatusServiceUnavailable:
			default:
				return fmt.Errorf("intake %s: %d %s", in.name, resp.StatusCode, body)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestScaleOut: three ABH instances (xgate serve processes) share one
// PostgreSQL database; 3,000 Anmeldungen are submitted round-robin to
// their three intakes and delivered to one MB (bbolt), whose local
// software pulls and acknowledges its inbox. One instance is killed with
// SIGKILL twice while messages flow, and restarted each time. Then:
//
//   - every message is delivered, with its signed transport receipt kept;
//   - the MB received each once and handed none over again after its
//     acknowledgement; each person's messages arrived in the order the
//     site accepted them;
//   - every record a killed instance held in sending is taken over by a
//     live instance once its lease has run out (audited lease-expiry), and
//     none is left claimed by a dead process;
//   - xgate outbox check and xgate audit verify pass on the database, as
//     an operator runs them: through an instance's admin socket while they
//     run, and with --store postgres:DSN once all are stopped; the MB's
//     store checks and verifies too.
//
// With -short: 300 messages.
func TestScaleOut(t *testing.T) {
	n, kills, instances := 3000, 2, 3
	if testing.Short() {
		n = 300
	}
	so := newScaleOut(t, scaleOutOptions{instances: instances, lease: 6 * time.Second})
	tn := so.tn
	abh, mb := tn.n.Sites["abh"], tn.n.Sites["mb"]
	tn.start("mb")
	for i := range instances {
		so.start(i)
	}
	msgs, ids, _ := anmeldungen(t, n, 60, abh, mb)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	db, err := pgxpool.New(ctx, so.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	ls, stopPull := startLocalSoftware(ctx, mb.Intake)

	start := time.Now()
	var submitted atomic.Int64
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := so.submit(ctx, i%instances, msgs[i]); err != nil {
					t.Errorf("submit %d: %v", i, err)
					return
				}
				submitted.Add(1)
			}
		}()
	}
	go func() {
		for i := range msgs {
			jobs <- i
		}
		close(jobs)
	}()

	// Kill instance 2 twice while messages flow; check its claims lapse.
	var checks sync.WaitGroup
	victim, heldTotal := 1, 0
	takenOver := make([]time.Duration, kills) // kill → when its last claim was taken over
	for k := range kills {
		for submitted.Load() < int64((k+1)*n/(kills+1)) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		dead := so.inst[victim].pid
		tn.kill(so.inst[victim].name, syscall.SIGKILL)
		died := time.Now()
		var held int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM xgate_records WHERE state = 'sending' AND lease_owner = $1`, owner(dead)).Scan(&held); err != nil {
			t.Fatal(err)
		}
		t.Logf("kill %d: instance %s (pid %d) killed after %d submissions, holding %d records in sending", k+1, so.inst[victim].name, dead, submitted.Load(), held)
		heldTotal += held
		checks.Add(1)
		go func() {
			defer checks.Done()
			// Poll until no record names the dead process any more: each
			// was due again when its lease ran out and has been claimed by
			// a live instance (audited lease-expiry) since.
			for {
				var still int
				if err := db.QueryRow(context.Background(), `SELECT count(*) FROM xgate_records WHERE state = 'sending' AND lease_owner = $1`, owner(dead)).Scan(&still); err != nil {
					t.Error(err)
					return
				}
				if still == 0 {
					takenOver[k] = time.Since(died)
					return
				}
				if ctx.Err() != nil {
					t.Errorf("%d records still claimed by killed pid %d %s after the kill", still, dead, time.Since(died).Round(time.Second))
					return
				}
				time.Sleep(250 * time.Millisecond)
			}
		}()
		time.Sleep(time.Second)
		so.start(victim)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	submittedIn := time.Since(start)

	// Every message delivered.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var done int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM xgate_records WHERE dir = 'out' AND state IN ('delivered', 'answered')`).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered 3 minutes after the last submission", done, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	deliveredIn := time.Since(start)
	ls.waitAcked(n, deadline)
	stopPull()
	checks.Wait() // everything is delivered: no claim of a dead process can remain

	// The operator's checks, on the database through an instance.
	signing := filepath.Join(filepath.Dir(abh.Config), "..", "pki", "abh", "signing.pem")
	for _, args := range [][]string{
		{"outbox", "check", "--server", "unix://" + so.inst[0].admin},
		{"audit", "verify", "--server", "unix://" + so.inst[2].admin, "--checkpoint-cert", signing},
	} {
		out, err := runXgate(args...)
		if err != nil {
			t.Errorf("xgate %v: %v\n%s", args, err, out)
		} else {
			t.Logf("xgate %s: %s", strings.Join(args[:2], " "), strings.TrimSpace(out))
		}
	}
	for i := range so.inst {
		tn.kill(so.inst[i].name, syscall.SIGTERM)
	}
	tn.kill("mb", syscall.SIGTERM)
	// And on the database itself, every instance stopped.
	for _, args := range [][]string{
		{"outbox", "check", "--store", "postgres:" + so.dsn},
		{"audit", "verify", "--store", "postgres:" + so.dsn, "--checkpoint-cert", signing},
	} {
		if out, err := runXgate(args...); err != nil {
			t.Errorf("xgate %v: %v\n%s", args, err, out)
		}
	}

	// Receipts, order and the lease takeovers, from the database.
	st, err := pgstore.Open(context.Background(), so.dsn, pgstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	byKey := map[string][]string{}
	var after uint64
	count := 0
	for {
		recs, err := st.List(context.Background(), outbox.Filter{Direction: outbox.DirOut, AfterSeq: after, Limit: 500, WithBodies: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			after = r.Seq
			count++
			if !bytes.Contains(r.Evidence, []byte("Transportquittung")) {
				t.Errorf("%s: no transport receipt kept (%.80q)", r.ID, r.Evidence)
			}
			byKey[r.OrderingKey] = append(byKey[r.OrderingKey], r.ID)
		}
		if len(recs) < 500 {
			break
		}
	}
	if count != n {
		t.Errorf("%d outbound records for %d messages", count, n)
	}
	takeovers := 0
	if err := st.AuditEntries(context.Background(), 1, func(e audit.Entry) error {
		if e.Actor == "lease-expiry" {
			takeovers++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// What a killed process held can only have left sending by another
	// instance's claim after the lease.
	if takeovers < heldTotal {
		t.Errorf("%d lease-expiry takeovers for %d records the killed processes held", takeovers, heldTotal)
	}

	// The MB: each message once, none handed over after its
	// acknowledgement, each person's in acceptance order.
	got := inboundOrder(t, mb)
	if len(got) != n {
		t.Errorf("the MB stored %d inbound records for %d messages", len(got), n)
	}
	pos := map[string]int{}
	for i, id := range got {
		pos[id] = i
	}
	for key, chain := range byKey {
		for i := 1; i < len(chain); i++ {
			if pos[chain[i]] < pos[chain[i-1]] {
				t.Errorf("key %s: %s arrived before %s, accepted earlier", key, chain[i], chain[i-1])
			}
		}
	}
	ls.mu.Lock()
	if len(ls.acked) != n || ls.afterAck != 0 || ls.ackAgain != 0 {
		t.Errorf("MB local software: %d of %d acknowledged, %d handed over after their acknowledgement, %d acknowledged twice", len(ls.acked), n, ls.afterAck, ls.ackAgain)
	}
	ls.mu.Unlock()
	auditAndCheck(t, mb)
	for _, id := range ids {
		if _, ok := pos[id]; !ok {
			t.Errorf("%s never reached the MB", id)
		}
	}
	t.Logf("%d messages, %d ABH instances, %d SIGKILLs: submitted in %s, all delivered after %s (%.0f messages/s); "+
		"%d claims of killed processes, %d lease-expiry takeovers, the last %v after each kill (lease %s)",
		n, instances, kills, submittedIn.Round(time.Millisecond), deliveredIn.Round(time.Millisecond), float64(n)/deliveredIn.Seconds(),
		heldTotal, takeovers, roundAll(takenOver), so.lease)
}

func roundAll(ds []time.Duration) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Round(100*time.Millisecond).String())
	}
	return out
}
