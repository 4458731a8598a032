package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/validate"
)

// evidenceBytes is how much of a message a result keeps as evidence.
const evidenceBytes = 64 << 10

// Runner runs the live cases against one target. Create it with New, run
// it with Run, release it with Close. It is not meant to run twice at
// once.
type Runner struct {
	cfg     Config
	cat     *catalogue.Catalogue
	set     *sample.Set
	val     *validate.Validator
	checker *conformance.Checker
	vectors map[string][]conformance.Vector // X001 vectors by type
	seed    int64

	mu      sync.Mutex
	clients map[kennung.Kennung]*wire.Client

	standOnce sync.Once
	stand     *standIns
	standErr  error
}

// New checks cfg and prepares the runner: the samples, the vectors, a
// validator (libxml2) for the messages it builds and the answers it gets.
func New(cfg Config) (*Runner, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	cat := catalogue.New()
	set, err := sample.Load(cat)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	vs, err := conformance.Vectors()
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	r := &Runner{cfg: cfg, cat: cat, set: set, vectors: map[string][]conformance.Vector{}, clients: map[kennung.Kennung]*wire.Client{}}
	for _, v := range vs {
		if !v.Valid && v.WantCode == errcode.SchemaInvalid {
			r.vectors[v.Type] = append(r.vectors[v.Type], v)
		}
	}
	r.val, err = validate.New(validate.Config{Clock: cfg.Clock})
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	var dir conformance.Directory = conformance.DevParticipants()
	if cfg.Directory != nil {
		dir = directoryRoles{cfg.Directory}
	}
	r.checker, err = conformance.NewChecker(conformance.CheckerConfig{Validator: r.val, Directory: dir, EvidenceBytes: evidenceBytes})
	if err != nil {
		r.val.Close()
		return nil, fmt.Errorf("live: %w", err)
	}
	r.seed = cfg.Seed
	for r.seed == 0 {
		r.seed = mrand.Int64()
	}
	return r, nil
}

// Close releases the validator and the connections.
func (r *Runner) Close() error {
	r.mu.Lock()
	for _, c := range r.clients {
		_ = c.Close()
	}
	r.mu.Unlock()
	return r.val.Close()
}

// Seed returns the seed the cases are shuffled with.
func (r *Runner) Seed() int64 { return r.seed }

// planned is one case with what runs it.
type planned struct {
	cs  report.Case
	typ catalogue.Type
}

// Plan returns the cases Run runs, in report order: per type the target's
// role receives (or Config.Types), each kind of Kinds() that applies.
func (r *Runner) Plan() []report.Case {
	var out []report.Case
	for _, p := range r.plan() {
		out = append(out, p.cs)
	}
	return out
}

func (r *Runner) plan() []planned {
	role := r.cfg.Target.Identity.Role
	var out []planned
	for _, t := range r.cat.Types() {
		if !receives(t, role) || len(r.cfg.Types) > 0 && !slices.Contains(r.cfg.Types, t.Code) {
			continue
		}
		if len(r.set.Samples(t.Code)) == 0 {
			continue
		}
		for _, k := range kinds {
			if len(r.cfg.Kinds) > 0 && !slices.Contains(r.cfg.Kinds, k.Kind) {
				continue
			}
			if k.Kind == KindAnswer && (r.cfg.Answers == nil || len(t.Answers) == 0) {
				continue
			}
			// No Source: every case goes to the target (Report.Target), and
			// the terminal names a case by its ID then.
			cs := report.Case{ID: "run/" + k.Kind + "/" + t.Code, Type: t.Code, Kind: k.Kind, Title: k.Title}
			switch {
			case k.Code != "":
				cs.Expect = report.Expect{Verdict: report.Reject, Code: k.Code}
			case k.Kind == KindAnswer:
				cs.Expect = report.Expect{} // accepted, warnings allowed
			default:
				cs.Expect = report.Expect{Verdict: report.Accept}
			}
			out = append(out, planned{cs: cs, typ: t})
		}
	}
	return out
}

// Run runs the planned cases, Config.Parallel at a time in an order
// shuffled by the seed, and returns the report (results in plan order).
// progress, if set, gets each finished result, one call at a time. When
// ctx ends, the cases not yet started get no verdict.
func (r *Runner) Run(ctx context.Context, progress func(report.Result)) *report.Report {
	start := time.Now()
	ps := r.plan()
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	rng := mrand.New(mrand.NewPCG(uint64(r.seed), 0x9e3779b97f4a7c15))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	results := make([]report.Result, len(ps))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(r.cfg.Parallel, max(len(ps), 1)) {
		wg.Go(func() {
			for i := range next {
				var res report.Result
				if err := ctx.Err(); err != nil {
					res = noVerdict(ps[i].cs, time.Now(), "not run: "+err.Error())
				} else {
					res = r.runCase(ctx, ps[i])
				}
				results[i] = res
				r.cfg.Logger.Info("case", "case", res.ID, "outcome", string(res.Outcome), "verdict", string(res.Verdict), "uuid", res.UUID)
				if progress != nil {
					mu.Lock()
					progress(res)
					mu.Unlock()
				}
			}
		})
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()

	t := r.cfg.Target
	titles := map[string]string{}
	for _, ty := range r.cat.Types() {
		titles[ty.Code] = ty.Root()
	}
	return &report.Report{
		Title: "xgate conformance run",
		Mode:  "run",
		Target: fmt.Sprintf("%s (%s, role %s), as %s; cases shuffled with seed %d",
			t.Endpoint, t.Identity.Kennung, t.Identity.Role, r.cfg.Self.Identity.Kennung, r.seed),
		Started: start, Duration: time.Since(start), Results: results, TypeTitles: titles,
	}
}

// runCase runs one case within its time budget.
func (r *Runner) runCase(ctx context.Context, p planned) report.Result {
	budget := 3 * r.cfg.Timeout
	if p.cs.Kind == KindAnswer {
		budget += r.cfg.AnswerTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	c := &caseRun{r: r, t: p.typ, res: report.Result{Case: p.cs, Started: time.Now()}}
	err := c.run(ctx)
	c.res.Duration = time.Since(c.res.Started)
	switch {
	case err == nil:
	case errors.Is(err, errSkip):
		c.res.Outcome, c.res.Problem = report.Skip, err.Error()
		c.res.Verdict = report.NoVerdict
	default:
		c.res.Verdict = report.NoVerdict
		c.res.Reasons = append(c.res.Reasons, report.Reason{Severity: report.SevInfo, Text: err.Error()})
		c.res.Outcome, c.res.Problem = report.Error, err.Error()
	}
	c.res.Finish()
	return c.res
}

func noVerdict(cs report.Case, start time.Time, why string) report.Result {
	return report.Result{Case: cs, Verdict: report.NoVerdict, Started: start, Outcome: report.Error, Problem: why,
		Reasons: []report.Reason{{Severity: report.SevInfo, Text: why}}}
}

// evidence records data (a message, an answer) for the report.
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
	} else {
		e.Note = strings.TrimSpace(e.Note + " (not UTF-8; body not shown)")
	}
	return e
}

// directoryRoles is the role stage's view of the routing directory.
type directoryRoles struct{ d *directory.Directory }

func (d directoryRoles) Role(k kennung.Kennung) (kennung.Role, bool) {
	p, ok := d.d.Lookup(k)
	if !ok {
		return "", false
	}
	return p.Role, true
}
