// Package demo is xgate demo: an ABH gateway and its five partners (MB,
// AZR, BAMF, BA, Jobcenter) as separate gateways in one process — each
// with its own store, keys and listeners, talking only over loopback
// mutual TLS — on a fresh development PKI and signed directory in a
// folder, running the scenarios of catalogue §6 so that every message
// type crosses the wire signed and encrypted with a verified receipt.
//
// The partners' local software is a peer.Responder behind their gateways
// (what xgate peer runs); the ABH's local software is the demo itself: it
// pulls the ABH inbox, acknowledges each message and answers where
// catalogue §5 expects the ABH to (a peer.Responder of role abh).
package demo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/scenario"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Config configures a demo run.
type Config struct {
	// Dir receives the PKI, directory, configurations, stores and logs.
	// "" makes a temporary folder that is removed afterwards.
	Dir string
	// Progress gets a line per step. Nil: silent.
	Progress io.Writer
	// GenerateKey for the PKI (tests: pooled keys). Nil: crypto/rand.
	GenerateKey func(bits int) (*rsa.PrivateKey, error)
	// LogWriter, if set, receives every site's log as well as its file
	// (the privacy test reads it).
	LogWriter io.Writer
	// StepTimeout bounds one step. Defaults to 20s.
	StepTimeout time.Duration
}

// Row is one message that crossed the wire.
type Row struct {
	UUID        string `json:"uuid"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	From        string `json:"from"`
	To          string `json:"to"`
	State       string `json:"state"`
	Receipt     bool   `json:"receipt_verified"`
	ReceiptUUID string `json:"receipt_uuid,omitempty"`
	Rejection   string `json:"rejection_code,omitempty"`
	ExpectsAns  bool   `json:"expects_answer"`
	Answered    bool   `json:"answered"`
	AnswerUUID  string `json:"answer_uuid,omitempty"`
	Millis      int64  `json:"ms"`
}

// Result is the outcome of a run.
type Result struct {
	Rows     []Row         `json:"messages"`
	Types    int           `json:"types"`
	Elapsed  time.Duration `json:"-"`
	Problems []string      `json:"problems,omitempty"`
	Dir      string        `json:"dir,omitempty"`
}

// OK reports whether everything arrived and every due answer came.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// sites are the demo's participants; the ABH first.
var siteIDs = []string{"abh", "mb", "azr", "bamf", "ba", "jc"}

// lateDeadline is the ABH's answer deadline for the late-answer step's
// type: shorter than the peer's LateDelay, so an Erinnerung goes out.
const lateDeadline = time.Second

// Run runs the demo.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = 20 * time.Second
	}
	dir, cleanup, err := devnet.Folder(cfg.Dir, "xgate-demo-")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	say := devnet.Progress(cfg.Progress)
	say("demo: development PKI, signed directory and six sites in %s", dir)
	specs := SiteSpecs()
	n, err := devnet.Create(ctx, dir, devnet.Spec{Sites: specs, GenerateKey: cfg.GenerateKey})
	if err != nil {
		return nil, err
	}
	defer n.Close()
	net := &InProcess{n: n, logs: cfg.LogWriter, sites: map[string]*running{}}
	defer net.StopAll()
	res, err := RunWith(ctx, cfg, n, net)
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Network runs the sites of a development network: in this process
// (InProcess, xgate demo) or as xgate serve / xgate peer processes (the
// end-to-end tests). The driver talks to the sites only over their intake
// APIs; it starts, stops and reloads them through a Network.
type Network interface {
	// Start runs site id until Stop; it returns when the site is ready.
	Start(ctx context.Context, id string) error
	// Stop drains and stops site id (SIGTERM).
	Stop(id string) error
	// Reload makes site id read the directory file again (SIGHUP).
	Reload(ctx context.Context, id string) error
	// StopAll stops every running site.
	StopAll()
}

// Sites are the demo's participants, the ABH first; the partners run
// with a simulated partner as their local software (xgate peer).
func Sites() []string { return slices.Clone(siteIDs) }

// SiteSpecs are the development network the demo needs: the ABH's answer
// deadline for the late-answer step shorter than the partner's delay.
func SiteSpecs() []devnet.SiteSpec {
	late := lateTypes(scenario.All())
	var specs []devnet.SiteSpec
	for _, id := range siteIDs {
		extra := map[string]any{"answers.reminders": 1}
		if id == "abh" && len(late) > 0 {
			dl := map[string]any{}
			for _, t := range late {
				dl[t] = lateDeadline.String()
			}
			extra["answers.deadlines"] = dl
		}
		specs = append(specs, devnet.SiteSpec{ID: id, Extra: extra})
	}
	return specs
}

// RunWith runs the scenarios on a network written with SiteSpecs whose
// sites net runs; it starts them, and stops them before it reads their
// stores for the table.
func RunWith(ctx context.Context, cfg Config, n *devnet.Net, net Network) (*Result, error) {
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = 20 * time.Second
	}
	say := devnet.Progress(cfg.Progress)
	d := &driver{cfg: cfg, n: n, net: net, say: say, answers: map[string][]inbound{}, running: map[string]bool{}}
	defer net.StopAll()
	for _, id := range siteIDs {
		if err := d.start(ctx, id); err != nil {
			return nil, err
		}
	}
	parties := map[kennung.Role]kennung.Identity{}
	for _, id := range siteIDs {
		s := n.Sites[id]
		parties[s.Identity.Role] = s.Identity
	}
	env, err := scenario.NewEnv(scenario.Config{Parties: parties})
	if err != nil {
		return nil, err
	}
	d.env = env
	abhSoftware, err := peer.New(peer.Config{Self: n.Sites["abh"].Identity})
	if err != nil {
		return nil, err
	}
	swCtx, stopSW := context.WithCancel(ctx)
	swDone := make(chan struct{})
	go func() { defer close(swDone); d.abhSoftware(swCtx, abhSoftware) }()

	res := &Result{Dir: cfg.Dir}
	for _, sc := range scenario.All() {
		say("scenario %s: %s", sc.Name, sc.Title)
		for _, st := range sc.Steps {
			if err := d.step(ctx, st); err != nil {
				res.Problems = append(res.Problems, fmt.Sprintf("%s/%s: %v", sc.Name, st.Name, err))
				say("  %-28s %s → %s %s: FAILED: %v", st.Name, st.From, st.To, st.Type, err)
			}
		}
	}
	if err := d.quiesce(ctx, 30*time.Second); err != nil {
		res.Problems = append(res.Problems, err.Error())
	}
	stopSW()
	<-swDone
	net.StopAll()
	rows, err := rowsOf(ctx, n)
	if err != nil {
		return nil, err
	}
	res.Rows = rows
	res.Problems = append(res.Problems, coverage(rows)...)
	res.Types = countTypes(rows)
	return res, nil
}

// lateTypes are the types of the steps whose answer comes late on
// purpose.
func lateTypes(scs []scenario.Scenario) []string {
	var out []string
	for _, sc := range scs {
		for _, st := range sc.Steps {
			if st.Fault.Kind == scenario.LateAnswer && st.From == kennung.RoleABH {
				out = append(out, st.Type)
			}
		}
	}
	return out
}

// running is a site running in this process.
type running struct {
	id     string
	site   *site.Site
	cancel context.CancelFunc
	done   chan error
	log    *os.File
}

// InProcess runs the sites of a development network in this process, each
// with its own store, keys and listeners, from its configuration file.
type InProcess struct {
	n     *devnet.Net
	logs  io.Writer
	mu    sync.Mutex
	sites map[string]*running
}

// NewInProcess returns a Network that runs n's sites in this process;
// logs, if set, also receives every site's log.
func NewInProcess(n *devnet.Net, logs io.Writer) *InProcess {
	return &InProcess{n: n, logs: logs, sites: map[string]*running{}}
}

// Start opens and runs one site from its configuration file.
func (p *InProcess) Start(ctx context.Context, id string) error {
	s := p.n.Sites[id]
	cfg, err := config.Load(s.Config, func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var w io.Writer = logf
	if p.logs != nil {
		w = io.MultiWriter(logf, p.logs)
	}
	opts := site.Options{Logger: site.NewLogger(w, cfg.Log), SweepEvery: 200 * time.Millisecond}
	if id != "abh" {
		r, err := peer.New(peer.Config{Self: s.Identity})
		if err != nil {
			return err
		}
		opts.Responder = site.PeerResponder(r)
	}
	st, err := site.Open(ctx, cfg, opts)
	if err != nil {
		_ = logf.Close()
		return fmt.Errorf("%s: %w", id, err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &running{id: id, site: st, cancel: cancel, done: make(chan error, 1), log: logf}
	go func() { r.done <- st.Run(rctx) }()
	<-st.Gateway.Ready()
	p.mu.Lock()
	p.sites[id] = r
	p.mu.Unlock()
	return nil
}

// Stop drains and closes one site.
func (p *InProcess) Stop(id string) error {
	p.mu.Lock()
	r := p.sites[id]
	delete(p.sites, id)
	p.mu.Unlock()
	if r == nil {
		return nil
	}
	r.cancel()
	err := <-r.done
	r.site.Close()
	_ = r.log.Close()
	return err
}

// Reload makes a site read the directory file again.
func (p *InProcess) Reload(ctx context.Context, id string) error {
	p.mu.Lock()
	r := p.sites[id]
	p.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%s is not running", id)
	}
	return r.site.Reload(ctx)
}

// StopAll stops every running site.
func (p *InProcess) StopAll() {
	for _, id := range siteIDs {
		_ = p.Stop(id)
	}
}

type driver struct {
	cfg Config
	n   *devnet.Net
	net Network
	env *scenario.Env
	say func(string, ...any)

	mu      sync.Mutex
	answers map[string][]inbound // by the original's canonical UUID
	running map[string]bool
}

func (d *driver) start(ctx context.Context, id string) error {
	if err := d.net.Start(ctx, id); err != nil {
		return err
	}
	d.mu.Lock()
	d.running[id] = true
	d.mu.Unlock()
	return nil
}

func (d *driver) stop(id string) error {
	d.mu.Lock()
	d.running[id] = false
	d.mu.Unlock()
	return d.net.Stop(id)
}

func (d *driver) siteOf(r kennung.Role) (*devnet.Site, string) {
	for _, id := range siteIDs {
		if s := d.n.Sites[id]; s.Identity.Role == r {
			return s, id
		}
	}
	return nil, ""
}

// step submits one step's message at the sending site and waits for its
// receipt and its answers.
func (d *driver) step(ctx context.Context, st scenario.Step) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.StepTimeout+st.Fault.Down)
	defer cancel()
	from, fromID := d.siteOf(st.From)
	_, toID := d.siteOf(st.To)
	data, err := st.Build(ctx, d.env)
	if err != nil {
		return err
	}
	id, err := d.env.Sent(st.Name, data)
	if err != nil {
		return err
	}
	id = message.CanonicalUUID(id)
	t0 := time.Now()
	if st.Fault.Kind == scenario.PartnerDown {
		if err := d.stop(toID); err != nil {
			return err
		}
		d.say("  %-28s %s is down for %s", st.Name, toID, st.Fault.Down)
	}
	if st.Fault.Kind == scenario.Rejected {
		// A stale directory entry: the ABH's directory sends To's
		// messages to the gateway of Via, which cannot open them.
		via, viaID := d.siteOf(st.Fault.Via)
		to, _ := d.siteOf(st.To)
		if err := d.n.Redirect(ctx, to.Identity.Kennung, "https://"+via.Transport); err != nil {
			return err
		}
		if err := d.net.Reload(ctx, fromID); err != nil {
			return err
		}
		d.say("  %-28s the %s's directory entry now points at %s's gateway", st.Name, st.To, viaID)
		defer func() {
			if err := d.n.Restore(ctx); err == nil {
				_ = d.net.Reload(ctx, fromID)
			}
		}()
	}
	if err := submit(ctx, from.Intake, data); err != nil {
		return err
	}
	if st.Fault.Kind == scenario.PartnerDown {
		select {
		case <-time.After(st.Fault.Down):
		case <-ctx.Done():
			return ctx.Err()
		}
		if rec, err := d.status(ctx, fromID, id); err == nil {
			d.say("  %-28s after %s: %s, %d attempts so far", st.Name, st.Fault.Down, rec.State, rec.Attempts)
		}
		if err := d.start(ctx, toID); err != nil {
			return err
		}
	}
	want := []outbox.State{outbox.StateDelivered, outbox.StateAnswered}
	if len(st.Expect) > 0 {
		want = []outbox.State{outbox.StateAnswered}
	}
	if st.Fault.Kind == scenario.Rejected {
		want = []outbox.State{outbox.StateRejected}
	}
	rec, err := d.wait(ctx, fromID, id, want...)
	if err != nil {
		return err
	}
	if st.Fault.Kind == scenario.Rejected && st.Fault.Code != "" && (rec.LastError == nil || rec.LastError.Code != string(st.Fault.Code)) {
		return fmt.Errorf("rejected with %+v, want code %s", rec.LastError, st.Fault.Code)
	}
	if err := d.collectAnswers(ctx, st, id); err != nil {
		return err
	}
	d.say("  %-28s %s → %s %s %s in %d ms", st.Name, st.From, st.To, st.Type, rec.State, time.Since(t0).Milliseconds())
	return nil
}

// status reads a record through a site's intake API.
func (d *driver) status(ctx context.Context, siteID, id string) (*gateway.Status, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, d.n.Sites[siteID].Intake+"/v1/messages/"+id, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/messages/%s at %s: %d", id, siteID, resp.StatusCode)
	}
	var st gateway.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, err
	}
	return &st, nil
}

// wait polls a record at a site until it reaches one of the states.
func (d *driver) wait(ctx context.Context, siteID, id string, states ...outbox.State) (*gateway.Status, error) {
	var last string
	for {
		st, err := d.status(ctx, siteID, id)
		if err == nil {
			if slices.Contains(states, outbox.State(st.State)) {
				return st, nil
			}
			last = st.State
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("message %s at %s is %q, want %v", id, siteID, last, states)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// collectAnswers records in env the business answers to id, as the
// sending site's local software got them (the ABH's inbox, or the answers
// the ABH's software sent to a partner), and checks each with the step's
// AfterAnswer.
func (d *driver) collectAnswers(ctx context.Context, st scenario.Step, id string) error {
	if len(st.Expect) == 0 {
		return nil
	}
	for {
		d.mu.Lock()
		got := slices.Clone(d.answers[id])
		d.mu.Unlock()
		var types []string
		for _, a := range got {
			types = append(types, a.hdr.Type)
		}
		if containsAll(types, st.Expect) {
			for _, a := range got {
				ans, _, err := d.env.Received(a.data)
				if err != nil {
					return err
				}
				if st.AfterAnswer != nil {
					if err := st.AfterAnswer(ctx, d.env, ans); err != nil {
						return fmt.Errorf("answer %s: %w", ans.Type, err)
					}
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("answers %v to %s, want %v", types, id, st.Expect)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

type inbound struct {
	hdr  message.Header
	data []byte
}

// answered records a business answer the ABH's local software got or made.
func (d *driver) answered(data []byte) {
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		return
	}
	h := m.Header()
	if h.AusloeserUUID == "" || h.Type == catalogue.TypeErinnerung {
		return
	}
	orig := message.CanonicalUUID(h.AusloeserUUID)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.answers[orig] {
		if a.hdr.UUID == h.UUID {
			return
		}
	}
	d.answers[orig] = append(d.answers[orig], inbound{hdr: h, data: slices.Clone(data)})
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// abhSoftware is the ABH's local software: it pulls the inbox,
// acknowledges every message and answers where the ABH must.
func (d *driver) abhSoftware(ctx context.Context, r *peer.Responder) {
	intake := d.n.Sites["abh"].Intake
	c := &http.Client{Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		items, err := inbox(ctx, c, intake)
		if err != nil || len(items) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		for _, it := range items {
			m, err := message.Parse([]byte(it.Message), message.Limits{})
			if err != nil {
				continue
			}
			d.answered([]byte(it.Message))
			outs, err := r.Respond(ctx, m)
			if err != nil {
				d.say("  abh software: %s %s: %v", it.Type, it.ID, err)
			}
			ok := true
			for _, o := range outs {
				d.answered(o.XML)
				if err := submit(ctx, intake, o.XML); err != nil {
					d.say("  abh software: answer %s to %s: %v", o.Type, it.ID, err)
					ok = false
				}
			}
			if ok {
				resp, err := c.Post(intake+it.AckURL, "application/json", nil)
				if err == nil {
					_ = resp.Body.Close()
				}
			}
		}
	}
}

func inbox(ctx context.Context, c *http.Client, intake string) ([]gateway.InboxItem, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, intake+"/v1/inbox", nil)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct{ Messages []gateway.InboxItem }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	return body.Messages, nil
}

func submit(ctx context.Context, intake string, data []byte) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, intake+"/v1/messages", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("intake answered %d: %s", resp.StatusCode, b)
	}
	return nil
}

// quiesce waits until no site has outbound work pending and every
// inbound message is acknowledged, as the sites' metrics say.
func (d *driver) quiesce(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		busy := ""
		for _, id := range siteIDs {
			m, err := recordCounts(ctx, d.n.Sites[id].Intake)
			if err != nil {
				busy = fmt.Sprintf("%s does not answer: %v", id, err)
				break
			}
			if n := m["out/queued"] + m["out/sending"]; n > 0 {
				busy = fmt.Sprintf("%s has %d outbound messages pending", id, n)
				break
			}
			if n := m["in/received"] + m["in/handed-over"]; n > 0 {
				busy = fmt.Sprintf("%s has %d inbound messages not acknowledged", id, n)
				break
			}
		}
		if busy == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("not quiet after the scenarios: " + busy)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recordCounts reads xgate_records from a site's /metrics:
// "direction/state" → count.
func recordCounts(ctx context.Context, intake string) (map[string]int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, intake+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `xgate_records{direction="`)
		if !ok {
			continue
		}
		dir, rest, _ := strings.Cut(rest, `",state="`)
		state, val, _ := strings.Cut(rest, `"} `)
		n, _ := strconv.ParseFloat(val, 64)
		out[dir+"/"+state] = int(n)
	}
	return out, sc.Err()
}

// rowsOf lists every outbound record of every site of a stopped network,
// from its store.
func rowsOf(ctx context.Context, n *devnet.Net) ([]Row, error) {
	cat := catalogue.New()
	var rows []Row
	for _, id := range siteIDs {
		s, err := boltstore.Open(ctx, n.Sites[id].Store, boltstore.Config{ReadOnly: true})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		from := n.Sites[id].Identity
		answers := map[string]string{} // original id → answer id, from this site's inbound records
		in, err := s.List(ctx, outbox.Filter{Direction: outbox.DirIn, WithBodies: true, Limit: 10000})
		if err != nil {
			return nil, err
		}
		for _, r := range in {
			if m, err := message.Parse(r.Opened, message.Limits{}); err == nil {
				h := m.Header()
				if h.AusloeserUUID != "" && h.Type != catalogue.TypeErinnerung {
					answers[message.CanonicalUUID(h.AusloeserUUID)] = message.CanonicalUUID(h.UUID)
				}
			}
		}
		out, err := s.List(ctx, outbox.Filter{Direction: outbox.DirOut, WithBodies: true, Limit: 10000})
		if err != nil {
			return nil, err
		}
		for _, r := range out {
			t, _ := cat.Lookup(r.Type)
			row := Row{UUID: r.ID, Type: r.Type, Name: t.Prefix + "." + t.Name, From: string(from.Kennung) + " (" + string(from.Role) + ")",
				To: r.Partner + " (" + roleOf(n, r.Partner) + ")", State: string(r.State),
				ExpectsAns: !r.AnswerDeadline.IsZero(), Millis: r.Updated.Sub(r.Created).Milliseconds()}
			if r.State == outbox.StateDelivered || r.State == outbox.StateAnswered {
				row.Receipt = true
				if m, err := message.Parse(r.Evidence, message.Limits{}); err == nil {
					row.ReceiptUUID = message.CanonicalUUID(m.Header().UUID)
				}
			}
			if r.State == outbox.StateRejected && r.LastError != nil {
				row.Rejection = r.LastError.Code
			}
			row.AnswerUUID = answers[r.ID]
			row.Answered = r.State == outbox.StateAnswered
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Type < rows[j].Type })
	return rows, nil
}

func roleOf(n *devnet.Net, k string) string {
	for _, s := range n.Sites {
		if string(s.Identity.Kennung) == k {
			return string(s.Identity.Role)
		}
	}
	return "?"
}

// coverage lists what the run must show and did not: every catalogue type
// on the wire, each message receipted (or rejected on purpose), each due
// answer arrived.
func coverage(rows []Row) []string {
	var problems []string
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Type] = true
		if r.Receipt {
			seen[catalogue.TypeTransportquittung] = true
		}
		if r.State == string(outbox.StateRejected) {
			seen[catalogue.TypeRueckweisung] = true
		}
		switch {
		case r.State == string(outbox.StateRejected):
		case !r.Receipt:
			problems = append(problems, fmt.Sprintf("%s %s from %s: no verified receipt (%s)", r.Type, r.UUID, r.From, r.State))
		case r.ExpectsAns && !r.Answered:
			problems = append(problems, fmt.Sprintf("%s %s from %s: its answer did not come", r.Type, r.UUID, r.From))
		}
	}
	for _, t := range catalogue.New().Types() {
		if !seen[t.Code] {
			problems = append(problems, fmt.Sprintf("type %s (%s) did not cross the wire", t.Code, t.Name))
		}
	}
	return problems
}

func countTypes(rows []Row) int {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Type] = true
	}
	return len(seen)
}
