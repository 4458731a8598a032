package partner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// evidenceBytes is how much of a message a result keeps as evidence.
const evidenceBytes = 64 << 10

// Case kinds of the test partner's report.
const (
	// KindReceived: a message the vendor's sender delivered; it passes
	// when the partner receipted it (and the checker finds no fault).
	KindReceived = "received"
	// KindResend: a message delivered again (same nachrichtenUUID);
	// answered with the original receipt, as the protocol wants.
	KindResend = "resend"
	// KindDelivery: a business answer of the partner delivered to the
	// vendor's endpoint; it passes when the vendor's signed receipt
	// verified.
	KindDelivery = "delivery"
)

// Config configures a Partner.
type Config struct {
	// Site is the test partner's gateway configuration: who it is, its
	// keys, trust, directory, listeners, store (as for xgate peer).
	// Required.
	Site *config.Config
	// Role is the partner whose business logic answers (gateway/peer):
	// mb, azr, bamf, ba, jc, abh, or test (every type as its receiver
	// would). Defaults to the site's role.
	Role kennung.Role
	// Seed makes the simulated partner's numbers deterministic.
	Seed int64
	// Tool names the program in the report.
	Tool string
	// Logger receives the gateway's log. Defaults to discarding.
	Logger *slog.Logger
	// Clock defaults to the wall clock.
	Clock clock.Clock
}

// Partner is the test partner of `xgate conformance serve`: an xgate
// gateway (gateway/site) playing a partner (gateway/peer) that judges
// everything it receives and everything it sends to the vendor.
type Partner struct {
	cfg     Config
	site    *site.Site
	val     *validate.Validator
	checker *conformance.Checker
	started time.Time

	mu       sync.Mutex
	results  []report.Result
	seen     map[string]bool   // nachrichtenUUIDs receipted
	rejected map[string]string // nachrichtenUUID → type of inbound rejections
}

// Open builds the partner; it listens at once and serves when Run is
// called.
func Open(ctx context.Context, cfg Config) (*Partner, error) {
	if cfg.Site == nil {
		return nil, errors.New("partner: no site configuration")
	}
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	self := kennung.Identity{Kennung: kennung.Kennung(cfg.Site.Site.Kennung), Role: kennung.Role(cfg.Site.Site.Role), Name: cfg.Site.Site.Name}
	if cfg.Role == "" {
		cfg.Role = self.Role
	}
	resp, err := peer.New(peer.Config{Self: kennung.Identity{Kennung: self.Kennung, Role: cfg.Role, Name: self.Name}, Seed: cfg.Seed, Clock: cfg.Clock})
	if err != nil {
		return nil, err
	}
	p := &Partner{cfg: cfg, started: cfg.Clock.Now(), seen: map[string]bool{}, rejected: map[string]string{}}
	if p.val, err = validate.New(validate.Config{Clock: cfg.Clock}); err != nil {
		return nil, err
	}
	p.site, err = site.Open(ctx, cfg.Site, site.Options{
		Responder: site.PeerResponder(resp), Logger: cfg.Logger, Clock: cfg.Clock,
		OnEvent: p.event, WrapTransport: p.wrap,
	})
	if err != nil {
		_ = p.val.Close()
		return nil, err
	}
	p.checker, err = conformance.NewChecker(conformance.CheckerConfig{Validator: p.val, Directory: directoryRoles{p.site}, EvidenceBytes: evidenceBytes})
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Site is the gateway underneath (its addresses, its store).
func (p *Partner) Site() *site.Site { return p.site }

// Run serves until ctx ends.
func (p *Partner) Run(ctx context.Context) error { return p.site.Run(ctx) }

// Close releases the gateway and the validator. Call it after Run
// returned.
func (p *Partner) Close() {
	p.site.Close()
	_ = p.val.Close()
}

// event remembers the type of inbound messages the gateway refused.
func (p *Partner) event(e gateway.Event) {
	if e.Stage == "rejected-inbound" && e.ID != "" {
		p.mu.Lock()
		p.rejected[e.ID] = e.Type
		p.mu.Unlock()
	}
}

// wrap records every delivery to the partner with the answer it got.
func (p *Partner) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := p.cfg.Clock.Now()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		res := p.judge(context.WithoutCancel(r.Context()), r, body, rec.Code, rec.Body.Bytes())
		res.Started, res.Duration = start, p.cfg.Clock.Now().Sub(start)
		p.mu.Lock()
		p.results = append(p.results, res)
		p.mu.Unlock()
	})
}

// judge turns one delivery and the partner's answer into a result.
func (p *Partner) judge(ctx context.Context, r *http.Request, sealed []byte, status int, answer []byte) report.Result {
	from := "an unknown client"
	if c := wire.ClientCert(r); c != nil {
		if k, err := certs.KennungFromCert(c); err == nil {
			from = string(k)
		}
	}
	sum := sha256.Sum256(sealed)
	res := report.Result{Case: report.Case{Kind: KindReceived}, Verdict: report.NoVerdict}
	res.Evidence = []report.Evidence{{Label: "delivered", Digest: hex.EncodeToString(sum[:]), Size: len(sealed), MediaType: "application/xml",
		Note: "sealed message as delivered by " + from}}
	p.mu.Lock()
	n := len(p.results) + 1
	p.mu.Unlock()
	doc := etree.NewDocument()
	if status != http.StatusOK || doc.ReadFromBytes(answer) != nil || doc.Root() == nil {
		res.ID = fmt.Sprintf("serve/received/%s/%d", from, n)
		res.Title = "a delivery of " + from + " the partner could not answer"
		res.Reasons = []report.Reason{{Severity: report.SevInfo, Text: "the partner answered HTTP " + strconv.Itoa(status) + ": " + string(bytes.TrimSpace(answer))}}
		res.Finish()
		return res
	}
	root := doc.Root()
	if em := root.SelectElement("empfangeneNachricht"); em != nil {
		id := message.CanonicalUUID(message.TokenText(em.SelectElement("nachrichtenUUID")))
		res.ID, res.UUID = "serve/received/"+id, id
		res.Type = message.TokenText(em.FindElement("./nachrichtentyp/code"))
		p.mu.Lock()
		again := p.seen[id]
		p.seen[id] = true
		p.mu.Unlock()
		if again {
			res.ID, res.Kind = "serve/resend/"+id+"/"+hex.EncodeToString(sum[:4]), KindResend
			res.Title = "a message of " + from + " delivered again: answered with the original receipt"
			res.Verdict = report.Accept
		} else {
			res.Title = "a message of " + from + ": receipted"
			res.Verdict = report.Accept
			if rec, err := p.site.Store.Get(ctx, id); err == nil && len(rec.Opened) > 0 {
				ch := p.checker.Check(ctx, rec.Opened)
				res.Verdict, res.Reasons = ch.Verdict, ch.Reasons()
				res.Evidence = append(res.Evidence, evidence("received", res.Type, id, rec.Opened, "as opened and validated by the partner"))
			}
		}
		res.Evidence = append(res.Evidence, evidence("receipt", "900001", "", answer, "the partner's signed transport receipt"))
		res.Finish()
		return res
	}
	id := message.CanonicalUUID(message.TokenText(root.SelectElement("originalNachrichtenUUID")))
	p.mu.Lock()
	res.Type = p.rejected[id]
	p.mu.Unlock()
	res.ID, res.UUID = "serve/received/"+id, id
	if id == "" {
		res.ID = fmt.Sprintf("serve/received/%s/%d", from, n)
	}
	res.Title = "a message of " + from + ": refused with a Rückweisung"
	res.Verdict = report.Reject
	for _, g := range root.SelectElements("rueckweisungsgrund") {
		e := &errcode.Error{Code: errcode.Code(message.TokenText(g.FindElement("./fehlercode/code"))), Detail: message.Text(g.SelectElement("beschreibung"))}
		if gs := g.SelectElement("grundSpezifisch"); gs != nil {
			e.Rule, e.Path = message.TokenText(gs.SelectElement("regel")), message.Text(gs.SelectElement("pfad"))
			e.Line, _ = strconv.Atoi(message.TokenText(gs.SelectElement("zeile")))
		}
		res.Reasons = append(res.Reasons, report.ReasonOf(e, report.SevReject))
	}
	res.Evidence = append(res.Evidence, evidence("rueckweisung", "900010", "", answer, "the partner's signed Rückweisung"))
	res.Finish()
	return res
}

// Report returns the report so far: every delivery the partner received,
// in order, then every business answer it sent to the vendor with the
// state of its delivery now. A report without any case carries a note
// (and so is not OK): nothing arrived.
func (p *Partner) Report(ctx context.Context) *report.Report {
	p.mu.Lock()
	res := slices.Clone(p.results)
	p.mu.Unlock()
	recs, err := p.site.Store.List(ctx, outbox.Filter{Direction: outbox.DirOut, WithBodies: true, Limit: 100000})
	var notes []string
	if err != nil {
		notes = append(notes, "the partner's store could not be read: "+err.Error())
	}
	slices.SortFunc(recs, func(a, b outbox.Record) int { return int(a.Seq) - int(b.Seq) })
	for _, rec := range recs {
		res = append(res, delivery(rec))
	}
	if len(res) == 0 {
		// A session that saw nothing proves nothing.
		notes = append(notes, "no message arrived at the test partner")
	}
	titles := map[string]string{}
	for _, t := range p.checker.Catalogue().Types() {
		titles[t.Code] = t.Root()
	}
	now := p.cfg.Clock.Now()
	return &report.Report{
		Title: "xgate conformance serve", Mode: "serve", Tool: p.cfg.Tool,
		Target:  fmt.Sprintf("messages sent to the test partner %s (role %s) at https://%s", p.cfg.Site.Site.Kennung, p.cfg.Role, p.site.Addrs().Transport),
		Started: p.started, Duration: now.Sub(p.started), Results: res, Notes: notes, TypeTitles: titles,
	}
}

// delivery judges a business answer the partner sent: the vendor's
// endpoint must have receipted it.
func delivery(rec outbox.Record) report.Result {
	res := report.Result{
		Case: report.Case{ID: "serve/delivery/" + rec.ID, Type: rec.Type, Kind: KindDelivery,
			Title: "a business answer of the partner, delivered to " + rec.Partner, Expect: report.Expect{Verdict: report.Accept}},
		UUID: rec.ID, Started: rec.Created, Duration: rec.Updated.Sub(rec.Created), Verdict: report.NoVerdict,
	}
	last := ""
	if rec.LastError != nil {
		last = rec.LastError.Code + ": " + rec.LastError.Text
	}
	switch rec.State {
	case outbox.StateDelivered, outbox.StateAnswered:
		res.Verdict = report.Accept
		res.Evidence = []report.Evidence{evidence("receipt", "900001", "", rec.Evidence, "the vendor's signed transport receipt")}
	case outbox.StateRejected:
		res.Verdict = report.Reject
		res.Reasons = []report.Reason{{Severity: report.SevReject, Code: errcode.Code(rec.LastError.Code), Text: rec.LastError.Text}}
		res.Evidence = []report.Evidence{evidence("rueckweisung", "900010", "", rec.Evidence, "the vendor's Rückweisung of a valid answer")}
	case outbox.StateQueued, outbox.StateSending:
		if rec.Attempts == 0 && last == "" {
			res.Outcome, res.Problem = report.Skip, "not delivered yet"
		} else {
			res.Reasons = []report.Reason{{Severity: report.SevInfo, Text: fmt.Sprintf("not delivered after %d attempt(s); last: %s", rec.Attempts, last)}}
		}
	default:
		res.Reasons = []report.Reason{{Severity: report.SevInfo, Text: fmt.Sprintf("delivery %s after %d attempt(s); last: %s", rec.State, rec.Attempts, last)}}
	}
	res.Finish()
	return res
}

// evidence records data for the report.
func evidence(label, typ, uuid string, data []byte, note string) report.Evidence {
	sum := sha256.Sum256(data)
	e := report.Evidence{Label: label, Type: typ, UUID: uuid, Digest: hex.EncodeToString(sum[:]), Size: len(data), MediaType: "application/xml", Note: note}
	body := data
	if len(body) > evidenceBytes {
		body, e.Truncated = body[:evidenceBytes], true
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	if utf8.Valid(body) {
		e.Body = string(body)
	}
	return e
}

// directoryRoles is the checker's view of the site's current directory.
type directoryRoles struct{ s *site.Site }

func (d directoryRoles) Role(k kennung.Kennung) (kennung.Role, bool) {
	p, ok := d.s.Directory.Current().Lookup(k)
	if !ok {
		return "", false
	}
	return p.Role, true
}

// Handler serves the partner's report and status:
//
//	GET /report   the report so far: ?format=json (default), junit, html, text
//	GET /health   200 and a JSON status
func (p *Partner) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		rep := p.Report(r.Context())
		w.Header().Set("Cache-Control", "no-store")
		switch f := r.URL.Query().Get("format"); f {
		case "", "json":
			w.Header().Set("Content-Type", "application/json")
			_ = report.WriteJSON(w, rep)
		case "junit", "xml":
			w.Header().Set("Content-Type", "application/xml")
			_ = report.WriteJUnit(w, rep)
		case "html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = report.WriteHTML(w, rep)
		case "text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			for _, x := range rep.Results {
				report.WriteCase(w, x)
			}
			report.WriteSummary(w, rep)
		default:
			http.Error(w, "format: json, junit, html or text", http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		s := p.Report(r.Context()).Summary()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"status\":\"UP\",\"kennung\":%q,\"role\":%q,\"transport\":%q,\"cases\":%d,\"pass\":%d,\"fail\":%d,\"error\":%d}\n",
			p.cfg.Site.Site.Kennung, p.cfg.Role, "https://"+p.site.Addrs().Transport, s.Total, s.Pass, s.Fail, s.Error)
	})
	return mux
}
