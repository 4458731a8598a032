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
	"sync"
	"time"

	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/scenario"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox"
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
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "xgate-demo-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	say := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, format+"\n", args...)
		}
	}
	scs := scenario.All()
	late := lateTypes(scs)
	say("demo: development PKI, signed directory and six sites in %s", dir)
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
	n, err := devnet.Create(ctx, dir, devnet.Spec{Sites: specs, GenerateKey: cfg.GenerateKey})
	if err != nil {
		return nil, err
	}
	d := &driver{cfg: cfg, n: n, sites: map[string]*running{}, say: say}
	defer d.stopAll()
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
	for _, sc := range scs {
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
	rows, err := d.rows(ctx)
	if err != nil {
		return nil, err
	}
	res.Rows = rows
	res.Problems = append(res.Problems, coverage(rows)...)
	res.Types = countTypes(rows)
	res.Elapsed = time.Since(start)
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

type driver struct {
	cfg   Config
	n     *devnet.Net
	env   *scenario.Env
	say   func(string, ...any)
	mu    sync.Mutex
	sites map[string]*running
}

// start opens and runs one site from its configuration file.
func (d *driver) start(ctx context.Context, id string) error {
	s := d.n.Sites[id]
	cfg, err := config.Load(s.Config, func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(s.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	var w io.Writer = logf
	if d.cfg.LogWriter != nil {
		w = io.MultiWriter(logf, d.cfg.LogWriter)
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
	d.mu.Lock()
	d.sites[id] = r
	d.mu.Unlock()
	return nil
}

// stop drains and closes one site.
func (d *driver) stop(id string) error {
	d.mu.Lock()
	r := d.sites[id]
	delete(d.sites, id)
	d.mu.Unlock()
	if r == nil {
		return nil
	}
	r.cancel()
	err := <-r.done
	r.site.Close()
	_ = r.log.Close()
	return err
}

func (d *driver) stopAll() {
	for _, id := range siteIDs {
		_ = d.stop(id)
	}
}

func (d *driver) siteOf(r kennung.Role) (*devnet.Site, string) {
	for _, id := range siteIDs {
		if s := d.n.Sites[id]; s.Identity.Role == r {
			return s, id
		}
	}
	return nil, ""
}

func (d *driver) store(id string) outbox.Store {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r := d.sites[id]; r != nil {
		return r.site.Store
	}
	return nil
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
		if err := d.reload(ctx, fromID); err != nil {
			return err
		}
		d.say("  %-28s the %s's directory entry now points at %s's gateway", st.Name, st.To, viaID)
		defer func() {
			if err := d.n.Restore(ctx); err == nil {
				_ = d.reload(ctx, fromID)
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
		rec, err := d.store(fromID).Get(ctx, id)
		if err == nil {
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
	if err := d.collectAnswers(ctx, fromID, st, id); err != nil {
		return err
	}
	d.say("  %-28s %s → %s %s %s in %d ms", st.Name, st.From, st.To, st.Type, rec.State, time.Since(t0).Milliseconds())
	return nil
}

// reload makes a site read the directory file again (SIGHUP).
func (d *driver) reload(ctx context.Context, id string) error {
	d.mu.Lock()
	r := d.sites[id]
	d.mu.Unlock()
	if r == nil {
		return fmt.Errorf("%s is not running", id)
	}
	return r.site.Reload(ctx)
}

// wait polls a record at a site until it reaches one of the states.
func (d *driver) wait(ctx context.Context, siteID, id string, states ...outbox.State) (outbox.Record, error) {
	for {
		var rec outbox.Record
		var err error
		if s := d.store(siteID); s != nil {
			rec, err = s.Get(ctx, id)
			if err == nil && slices.Contains(states, rec.State) {
				return rec, nil
			}
		}
		select {
		case <-ctx.Done():
			return rec, fmt.Errorf("message %s at %s is %q (%v), want %v", id, siteID, rec.State, err, states)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// collectAnswers records in env the business answers to id that arrived
// at the sending site, and checks each with the step's AfterAnswer.
func (d *driver) collectAnswers(ctx context.Context, siteID string, st scenario.Step, id string) error {
	if len(st.Expect) == 0 {
		return nil
	}
	for {
		got, err := d.answersTo(ctx, siteID, id)
		if err != nil {
			return err
		}
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

// answersTo lists a site's inbound messages whose ausloeserUUID is id
// (business answers only: not receipts, which never are records).
func (d *driver) answersTo(ctx context.Context, siteID, id string) ([]inbound, error) {
	s := d.store(siteID)
	if s == nil {
		return nil, nil
	}
	recs, err := s.List(ctx, outbox.Filter{Direction: outbox.DirIn, WithBodies: true, Limit: 10000})
	if err != nil {
		return nil, err
	}
	var out []inbound
	for _, r := range recs {
		m, err := message.Parse(r.Opened, message.Limits{})
		if err != nil {
			return nil, err
		}
		h := m.Header()
		if message.CanonicalUUID(h.AusloeserUUID) == id && h.Type != catalogue.TypeErinnerung {
			out = append(out, inbound{hdr: h, data: r.Opened})
		}
	}
	return out, nil
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
			outs, err := r.Respond(ctx, m)
			if err != nil {
				d.say("  abh software: %s %s: %v", it.Type, it.ID, err)
			}
			ok := true
			for _, o := range outs {
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

// quiesce waits until no site has outbound work pending and every ABH
// inbox message is acknowledged.
func (d *driver) quiesce(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		busy := ""
		for _, id := range siteIDs {
			s := d.store(id)
			if s == nil {
				continue
			}
			st, err := s.Stats(ctx)
			if err != nil {
				return err
			}
			if n := st.Outbound[outbox.StateQueued] + st.Outbound[outbox.StateSending]; n > 0 {
				busy = fmt.Sprintf("%s has %d outbound messages pending", id, n)
				break
			}
			if n := st.Inbound[outbox.StateReceived] + st.Inbound[outbox.StateHandedOver]; n > 0 {
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

// rows lists every outbound record of every site.
func (d *driver) rows(ctx context.Context) ([]Row, error) {
	cat := catalogue.New()
	var rows []Row
	for _, id := range siteIDs {
		s := d.store(id)
		if s == nil {
			continue
		}
		from := d.n.Sites[id].Identity
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
				To: r.Partner + " (" + roleOf(d.n, r.Partner) + ")", State: string(r.State),
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
