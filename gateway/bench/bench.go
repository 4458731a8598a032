// Package bench is xgate bench: two gateways in separate processes on
// loopback (an ABH sending, an MB receiving), N messages submitted at
// concurrency C through the sender's intake API, each timed from intake to
// the verified transport receipt; the machine's bound is measured in the
// same run from the three RSA-3072 private-key operations every message
// needs (the sender's signature, the receiver's key decryption, the
// receiver's receipt signature). The gateways' own count of those
// operations and their CPU time (xgate_private_key_* in /metrics) splits
// the CPU per message into the private-key operations and everything
// else. After the run, MeasureFloor times in this process what no gateway
// can skip, each step alone, next to the three private-key operations:
// the most ratio any run can reach on this machine.
package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/internal/keycpu"
)

// Config configures a run.
type Config struct {
	// Exe is the xgate binary to start the gateways with. Required.
	Exe string
	// Dir is the work folder (PKI, stores, logs); "" makes a temporary one
	// that is removed afterwards.
	Dir string
	// Messages is N. Defaults to 1000.
	Messages int
	// Concurrency is C: submissions in flight. Defaults to 32.
	Concurrency int
	// Message builds message i (a valid ABH → MB message with its own
	// nachrichtenUUID). Required.
	Message func(i int, from, to devnet.Site) ([]byte, error)
	// Profile makes each gateway write a CPU profile of its whole run to
	// cpu.pprof in its site folder (serve --cpuprofile); with Dir set,
	// the profiles stay there.
	Profile bool
	// Progress, if set, gets a line now and then.
	Progress io.Writer
	// GenerateKey for the development PKI (tests: pooled keys).
	GenerateKey func(bits int) (*rsa.PrivateKey, error)
	// FloorIterations is how many deliveries MeasureFloor times after the
	// run (Result.Floor). Defaults to 40; negative skips the floor.
	FloorIterations int
}

// Result is what xgate bench prints.
type Result struct {
	Messages    int     `json:"messages"`
	Concurrency int     `json:"concurrency"`
	Delivered   int     `json:"delivered"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"messages_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	// CPU is the CPU time of both gateway processes while the messages
	// went through (from the first submission until every record was
	// settled, read from their process_cpu_seconds_total), in seconds, and
	// per message in milliseconds. RunCPUSeconds is the CPU time of their
	// whole lives, start-up and shutdown included; CPUSeconds falls back
	// to it when a gateway does not report its CPU.
	CPUSeconds    float64 `json:"cpu_seconds"`
	CPUPerMsg     float64 `json:"cpu_ms_per_message"`
	RunCPUSeconds float64 `json:"run_cpu_seconds"`
	// SenderCPUPerMsg and ReceiverCPUPerMsg split CPUPerMsg by gateway.
	SenderCPUPerMsg   float64 `json:"sender_cpu_ms_per_message"`
	ReceiverCPUPerMsg float64 `json:"receiver_cpu_ms_per_message"`
	// KeyCPUPerMsg is the CPU time of the private-key operations in both
	// gateways per message, in ms, and KeyOps their number per message
	// (3 when no delivery was repeated), from the gateways' /metrics;
	// OtherCPUPerMsg is the rest of CPUPerMsg. All three are 0 when the
	// gateways do not report the operations (an older --binary).
	KeyCPUPerMsg   float64 `json:"private_key_cpu_ms_per_message"`
	KeyOps         float64 `json:"private_key_operations_per_message"`
	OtherCPUPerMsg float64 `json:"other_cpu_ms_per_message"`
	// SenderCommits and ReceiverCommits are the store commits (each an
	// fsync) per message while the messages went through
	// (xgate_store_commits_total); 0 when a gateway does not report them.
	SenderCommits   float64 `json:"sender_commits_per_message"`
	ReceiverCommits float64 `json:"receiver_commits_per_message"`
	// The bound: cores ÷ (sign + decrypt + sign) of RSA-3072 here.
	Cores     int     `json:"cores"`
	SignMs    float64 `json:"rsa_sign_ms"`
	DecryptMs float64 `json:"rsa_decrypt_ms"`
	// RSASamples is how many of each operation SignMs and DecryptMs are
	// the median of: rsaSamples before the run, one every rsaInterval
	// while the messages went through, rsaSamples after.
	RSASamples int     `json:"rsa_samples"`
	Bound      float64 `json:"bound_messages_per_second"`
	Ratio      float64 `json:"ratio"`
	// Ceiling is the ratio the run would reach if everything but the
	// private-key operations cost nothing: the isolated cost of the three
	// operations (2 × SignMs + DecryptMs) ÷ KeyCPUPerMsg. 0 when
	// KeyCPUPerMsg is.
	Ceiling float64 `json:"ceiling"`
	// Floor is the least CPU the acceptance points let a message cost,
	// measured in this process after the run (MeasureFloor): its Ratio
	// is the most any run's ratio can reach on this machine. Nil when
	// Config.FloorIterations is negative.
	Floor *Floor `json:"floor,omitempty"`
}

// The bound's samples: rsaSamples of each operation before the run and
// after it, and one every rsaInterval in between (about 1 % of a core).
const (
	rsaSamples  = 15
	rsaInterval = 250 * time.Millisecond
)

// Run performs one benchmark run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Messages <= 0 {
		cfg.Messages = 1000
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.FloorIterations == 0 {
		cfg.FloorIterations = 40
	}
	if cfg.Exe == "" || cfg.Message == nil {
		return nil, errors.New("bench: Exe and Message are required")
	}
	dir, cleanup, err := devnet.Folder(cfg.Dir, "xgate-bench-")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	say := devnet.Progress(cfg.Progress)
	say("bench: development PKI and network in %s", dir)
	quiet := map[string]any{"answers.reminders": 0, "log.level": "warn", "delivery.workers": 16}
	n, err := devnet.Create(ctx, dir, devnet.Spec{GenerateKey: cfg.GenerateKey, Sites: []devnet.SiteSpec{{ID: "abh", Extra: quiet}, {ID: "mb", Extra: quiet}}})
	if err != nil {
		return nil, err
	}
	defer n.Close()
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			if p.ProcessState == nil {
				_ = p.Process.Kill()
				_ = p.Wait()
			}
		}
	}()
	for _, id := range []string{"mb", "abh"} {
		p, err := start(ctx, cfg.Exe, n.Sites[id], cfg.Profile)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	res := &Result{Messages: cfg.Messages, Concurrency: cfg.Concurrency, Cores: runtime.NumCPU()}

	abh, mb := *n.Sites["abh"], *n.Sites["mb"]
	msgs := make([][]byte, cfg.Messages)
	for i := range msgs {
		if msgs[i], err = cfg.Message(i, abh, mb); err != nil {
			return nil, err
		}
	}
	say("bench: %d messages at concurrency %d", cfg.Messages, cfg.Concurrency)
	client := &http.Client{Timeout: time.Minute}
	sites := []devnet.Site{mb, abh} // in the order of procs
	rsa3072, err := newRSASampler()
	if err != nil {
		return nil, err
	}
	if err := rsa3072.take(rsaSamples); err != nil {
		return nil, err
	}
	stopSampling, sampled := make(chan struct{}), make(chan error, 1)
	go rsa3072.during(rsaInterval, stopSampling, sampled)
	endSampling := sync.OnceFunc(func() { close(stopSampling) })
	defer endSampling()
	before, err := scrapeAll(ctx, client, sites)
	if err != nil {
		return nil, err
	}
	ids := make([]string, cfg.Messages)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	start := time.Now()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.Messages || ctx.Err() != nil {
					return
				}
				id, err := submit(ctx, client, abh.Intake, msgs[i])
				if err != nil {
					errMu.Lock()
					firstErr = cmp(firstErr, err)
					errMu.Unlock()
					return
				}
				ids[i] = id
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	say("bench: all submitted after %.1fs; waiting for receipts", time.Since(start).Seconds())
	if err := waitCount(ctx, client, abh.Intake, cfg.Messages); err != nil {
		return nil, err
	}
	endSampling()
	after, err := scrapeAll(ctx, client, sites)
	if err != nil {
		return nil, err
	}
	lat, last, err := waitDelivered(ctx, client, abh.Intake, ids)
	if err != nil {
		return nil, err
	}
	res.Delivered = len(lat)
	res.Seconds = last.Sub(start).Seconds()
	res.PerSecond = float64(res.Delivered) / res.Seconds
	slices.Sort(lat)
	res.P50ms, res.P95ms, res.P99ms = pct(lat, 0.50), pct(lat, 0.95), pct(lat, 0.99)
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
	}
	var keyCPU, keyOps float64 // both gateways: seconds, operations
	perMsg := func(sec float64) float64 { return sec * 1000 / float64(cfg.Messages) }
	for i, p := range procs {
		_ = p.Wait()
		var run float64
		if st := p.ProcessState; st != nil {
			run = (st.UserTime() + st.SystemTime()).Seconds()
		}
		res.RunCPUSeconds += run
		c := after[i].processCPU - before[i].processCPU
		if after[i].processCPU == 0 {
			c = run // no process collector: the whole life
		}
		res.CPUSeconds += c
		commits := (after[i].commits - before[i].commits) / float64(cfg.Messages)
		if sites[i].ID == mb.ID {
			res.ReceiverCPUPerMsg, res.ReceiverCommits = perMsg(c), commits
		} else {
			res.SenderCPUPerMsg, res.SenderCommits = perMsg(c), commits
		}
		keyCPU += after[i].keyCPU - before[i].keyCPU
		keyOps += after[i].keyOps - before[i].keyOps
	}
	res.CPUPerMsg = perMsg(res.CPUSeconds)
	if keyOps > 0 {
		res.KeyCPUPerMsg = perMsg(keyCPU)
		res.KeyOps = keyOps / float64(cfg.Messages)
		res.OtherCPUPerMsg = res.CPUPerMsg - res.KeyCPUPerMsg
	}
	if err := <-sampled; err != nil {
		return nil, err
	}
	if err := rsa3072.take(rsaSamples); err != nil {
		return nil, err
	}
	res.SignMs, res.DecryptMs, res.RSASamples = rsa3072.cost()
	res.Bound = float64(res.Cores) * 1000 / (2*res.SignMs + res.DecryptMs)
	res.Ratio = res.PerSecond / res.Bound
	if res.KeyCPUPerMsg > 0 {
		res.Ceiling = (2*res.SignMs + res.DecryptMs) / res.KeyCPUPerMsg
	}
	if cfg.FloorIterations > 0 {
		say("bench: the floor: %d deliveries, each step alone, in this process", cfg.FloorIterations)
		if res.Floor, err = MeasureFloor(ctx, n.Manifest, abh.ID, mb.ID, msgs, cfg.FloorIterations, cfg.Concurrency); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func start(ctx context.Context, exe string, s *devnet.Site, profile bool) (*exec.Cmd, error) {
	logf, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--config", s.Config}
	if profile {
		args = append(args, "--cpuprofile", filepath.Join(filepath.Dir(s.Log), "cpu.pprof"))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Intake + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("bench: %s did not get ready; see %s", s.ID, s.Log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func submit(ctx context.Context, c *http.Client, intake string, data []byte) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, intake+"/v1/messages", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/xml")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("bench: intake answered %d: %s", resp.StatusCode, body)
	}
	var acc gateway.Accepted
	if err := json.Unmarshal(body, &acc); err != nil {
		return "", err
	}
	return acc.ID, nil
}

// waitCount watches the sender's metrics (cheap for the gateway, unlike
// reading every record) until n records are delivered.
func waitCount(ctx context.Context, c *http.Client, intake string, n int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		body, err := getMetrics(ctx, c, intake)
		if err != nil {
			return err
		}
		done := 0
		for _, line := range strings.Split(string(body), "\n") {
			for _, st := range []string{"delivered", "answered", "rejected", "failed"} {
				prefix := `xgate_records{direction="out",state="` + st + `"} `
				if v, ok := strings.CutPrefix(line, prefix); ok {
					f, _ := strconv.ParseFloat(v, 64)
					done += int(f)
				}
			}
		}
		if done >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d messages settled after 10 minutes", done, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The series bench reads from the gateways' /metrics: their private-key
// operations (gateway/metrics.go) and the process CPU time (the Prometheus
// process collector).
const (
	seriesKeyCPU     = "xgate_private_key_cpu_seconds_total"
	seriesKeyOps     = "xgate_private_key_operations_total"
	seriesProcessCPU = "process_cpu_seconds_total"
	seriesCommits    = "xgate_store_commits_total"
)

// counters is what one scrape of a gateway's /metrics gives: seconds of
// process CPU, seconds of private-key CPU and the number of private-key
// operations, every kind together.
type counters struct{ processCPU, keyCPU, keyOps, commits float64 }

// scrapeAll reads the counters of every site, in order.
func scrapeAll(ctx context.Context, c *http.Client, sites []devnet.Site) ([]counters, error) {
	out := make([]counters, len(sites))
	for i, s := range sites {
		var err error
		if out[i], err = scrape(ctx, c, s.Intake); err != nil {
			return nil, fmt.Errorf("bench: /metrics of %s: %w", s.ID, err)
		}
	}
	return out, nil
}

func scrape(ctx context.Context, c *http.Client, intake string) (counters, error) {
	body, err := getMetrics(ctx, c, intake)
	if err != nil {
		return counters{}, err
	}
	return counters{
		processCPU: sumSeries(body, seriesProcessCPU),
		keyCPU:     sumSeries(body, seriesKeyCPU),
		keyOps:     sumSeries(body, seriesKeyOps),
		commits:    sumSeries(body, seriesCommits),
	}, nil
}

// getMetrics reads a gateway's /metrics (Prometheus text).
func getMetrics(ctx context.Context, c *http.Client, intake string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, intake+"/metrics", nil)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics answered %d", resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// sumSeries adds up the values of every series of the metric name in a
// Prometheus text exposition (0 if there is none).
func sumSeries(exposition []byte, name string) float64 {
	var sum float64
	for _, line := range strings.Split(string(exposition), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // another metric whose name begins with name
		}
		if rest[0] == '{' {
			rest = rest[strings.LastIndexByte(rest, '}')+1:]
		}
		if f := strings.Fields(rest); len(f) > 0 { // value [timestamp]
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				sum += v
			}
		}
	}
	return sum
}

// waitDelivered polls until every record is delivered and returns each
// one's latency (intake → delivered, from its audited history) in ms and
// the latest delivery time.
func waitDelivered(ctx context.Context, c *http.Client, intake string, ids []string) ([]float64, time.Time, error) {
	pending := slices.Clone(ids)
	var lat []float64
	var last time.Time
	deadline := time.Now().Add(10 * time.Minute)
	for len(pending) > 0 {
		var still []string
		for _, id := range pending {
			st, err := status(ctx, c, intake, id)
			if err != nil {
				return nil, last, err
			}
			switch st.State {
			case "delivered", "answered":
				for _, h := range st.History {
					if h.To == "delivered" {
						lat = append(lat, float64(h.At.Sub(st.Created).Microseconds())/1000)
						if h.At.After(last) {
							last = h.At
						}
					}
				}
			case "rejected", "failed", "cancelled":
				return nil, last, fmt.Errorf("bench: message %s ended %s (%v)", id, st.State, st.LastError)
			default:
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) > 0 {
			if time.Now().After(deadline) {
				return nil, last, fmt.Errorf("bench: %d messages not delivered after 10 minutes", len(pending))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return lat, last, nil
}

func status(ctx context.Context, c *http.Client, intake, id string) (*gateway.Status, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, intake+"/v1/messages/"+id, nil)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st gateway.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// rsaSampler measures one RSA-3072 PKCS#1 v1.5 SHA-256 signature and one
// OAEP-SHA256 decryption on one core at a time, in ms: the CPU time of
// the thread that ran each, as the gateways count theirs
// (internal/keycpu), so that other work on the machine does not inflate
// it; the wall time where there is no per-thread CPU clock. Samples are
// taken before, during and after a run, so that the bound sees the
// machine as the run did (a shared host's speed drifts by up to half
// within minutes); the cost is their median.
type rsaSampler struct {
	key    *rsa.PrivateKey
	digest [32]byte
	ct     []byte

	mu          sync.Mutex
	sign, decry []float64
}

func newRSASampler() (*rsaSampler, error) {
	k, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, err
	}
	s := &rsaSampler{key: k, digest: sha256.Sum256([]byte("xgate bench"))}
	if s.ct, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, make([]byte, 32), nil); err != nil {
		return nil, err
	}
	return s, nil
}

// take adds n samples of each operation. One goroutine at a time.
func (s *rsaSampler) take(n int) error {
	ms := func(op func() error) (float64, error) {
		d, err := cpuTime(op)
		return float64(d.Microseconds()) / 1000, err
	}
	for range n {
		sv, err := ms(func() error { _, err := s.key.Sign(nil, s.digest[:], crypto.SHA256); return err })
		if err != nil {
			return err
		}
		dv, err := ms(func() error {
			_, err := s.key.Decrypt(nil, s.ct, &rsa.OAEPOptions{Hash: crypto.SHA256})
			return err
		})
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.sign, s.decry = append(s.sign, sv), append(s.decry, dv)
		s.mu.Unlock()
	}
	return nil
}

// during takes one sample of each operation every interval until stop is
// closed, then sends nil on done; on an error it stops and sends that.
func (s *rsaSampler) during(interval time.Duration, stop <-chan struct{}, done chan<- error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			done <- nil
			return
		case <-t.C:
			if err := s.take(1); err != nil {
				done <- err
				return
			}
		}
	}
}

// cost is the median of each operation's samples, and their number.
func (s *rsaSampler) cost() (signMs, decMs float64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	median := func(v []float64) float64 {
		if len(v) == 0 {
			return 0
		}
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	return median(s.sign), median(s.decry), len(s.sign)
}

// cpuTime runs f and returns the CPU time of the thread that ran it
// (keycpu.Measure), or its wall time where there is no per-thread CPU
// clock.
func cpuTime(f func() error) (time.Duration, error) {
	var err error
	t := time.Now()
	d, ok := keycpu.Measure(func() { err = f() })
	if !ok {
		d = time.Since(t)
	}
	return d, err
}
