package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/validate"
)

// DefaultEvidenceBytes is how much of a checked message a result keeps as
// evidence.
const DefaultEvidenceBytes = 64 << 10

// CheckerConfig configures a Checker.
type CheckerConfig struct {
	// Validator validates messages; the Checker does not close it.
	// Required.
	Validator *validate.Validator
	// Directory gives the roles of participants for the role stage.
	// Defaults to DevParticipants().
	Directory Directory
	// SkipRoles turns the role stage off (for messages of participants
	// that no directory at hand knows).
	SkipRoles bool
	// EvidenceBytes is how much of a message a result keeps as evidence;
	// negative keeps none. Defaults to DefaultEvidenceBytes.
	EvidenceBytes int
	// Workers is how many messages CheckAll checks at once. Defaults to
	// GOMAXPROCS.
	Workers int
}

func (c *CheckerConfig) setDefaults() {
	if c.Directory == nil && !c.SkipRoles {
		c.Directory = DevParticipants()
	}
	if c.EvidenceBytes == 0 {
		c.EvidenceBytes = DefaultEvidenceBytes
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
}

// Validate checks the configuration.
func (c CheckerConfig) Validate() error {
	if c.Validator == nil {
		return errors.New("conformance: CheckerConfig.Validator is required")
	}
	return nil
}

// Checker judges messages the way an xgate gateway judges what it
// receives, without the transport: hardened parse, standard and version,
// XSD, business rules (validate.Validator), then the role stage
// (CheckRoles) against a Directory. It is safe for concurrent use.
type Checker struct {
	cfg CheckerConfig
}

// NewChecker returns a Checker.
func NewChecker(cfg CheckerConfig) (*Checker, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Checker{cfg: cfg}, nil
}

// Catalogue returns the message catalogue the checker validates against.
func (c *Checker) Catalogue() *catalogue.Catalogue { return c.cfg.Validator.Catalogue() }

// Checked is the outcome of checking one message.
type Checked struct {
	Verdict report.Verdict
	// Type is the catalogue entry of the root element; zero if unknown.
	Type catalogue.Type
	// UUID is the nachrichtenUUID as written, "" if unread.
	UUID string
	// Findings reject the message: parse, version, schema, rejecting rules,
	// roles. Warnings are the findings of rules that only warn.
	Findings []*errcode.Error
	Warnings []*errcode.Error
}

// Check judges one message.
func (c *Checker) Check(ctx context.Context, data []byte) Checked {
	rep := c.cfg.Validator.Validate(ctx, data)
	out := Checked{Type: rep.Type, UUID: rep.Header.UUID, Findings: rep.Findings, Warnings: rep.Warnings}
	if !c.cfg.SkipRoles && rep.Message != nil {
		out.Findings = append(out.Findings, CheckRoles(rep.Message, rep.Type, c.cfg.Directory)...)
	}
	switch {
	case len(out.Findings) > 0:
		out.Verdict = report.Reject
	case len(out.Warnings) > 0:
		out.Verdict = report.AcceptWithWarnings
	default:
		out.Verdict = report.Accept
	}
	return out
}

// Reasons turns the findings and warnings into report reasons, findings
// first.
func (ch Checked) Reasons() []report.Reason {
	out := make([]report.Reason, 0, len(ch.Findings)+len(ch.Warnings))
	for _, f := range ch.Findings {
		out = append(out, report.ReasonOf(f, report.SevReject))
	}
	for _, w := range ch.Warnings {
		out = append(out, report.ReasonOf(w, report.SevWarn))
	}
	return out
}

// Run checks data as case cs and returns the finished result: verdict,
// reasons, the message as evidence, outcome against cs.Expect. If cs.Type
// is empty it becomes the type of the root element.
func (c *Checker) Run(ctx context.Context, cs report.Case, data []byte) report.Result {
	start := time.Now()
	ch := c.Check(ctx, data)
	if cs.Type == "" {
		cs.Type = ch.Type.Code
	}
	r := report.Result{Case: cs, Verdict: ch.Verdict, Reasons: ch.Reasons(), UUID: ch.UUID, Started: start}
	if ctx.Err() != nil {
		// Stopped half-way: no verdict.
		r.Verdict = report.NoVerdict
		r.Reasons = append(r.Reasons, report.Reason{Severity: report.SevInfo, Text: "stopped: " + ctx.Err().Error()})
	}
	r.Evidence = []report.Evidence{c.evidence("message", ch.Type.Code, ch.UUID, data)}
	r.Duration = time.Since(start)
	r.Finish()
	if r.Outcome == report.Pass && cs.Expect.Verdict != report.Reject && ch.Type.Code != cs.Type {
		// A vector's folder names its type: an accepted message of another
		// type is not the vector it claims to be.
		r.Outcome, r.Problem = report.Fail, "case of type "+cs.Type+" has a root of type "+quote(ch.Type.Code)
	}
	return r
}

// Fail returns the finished result of a case that could not be checked
// (the input could not be read): no verdict, the error as reason.
func Fail(cs report.Case, err error) report.Result {
	return report.Result{Case: cs, Verdict: report.NoVerdict, Started: time.Now(), Outcome: report.Error, Problem: err.Error(),
		Reasons: []report.Reason{{Severity: report.SevInfo, Text: err.Error()}}}
}

func (c *Checker) evidence(label, typ, uuid string, data []byte) report.Evidence {
	sum := sha256.Sum256(data)
	e := report.Evidence{Label: label, Type: typ, UUID: uuid, Digest: hex.EncodeToString(sum[:]), Size: len(data), MediaType: "application/xml"}
	if c.cfg.EvidenceBytes < 0 {
		return e
	}
	body := data
	if len(body) > c.cfg.EvidenceBytes {
		body, e.Truncated = body[:c.cfg.EvidenceBytes], true
		for len(body) > 0 && !utf8.Valid(body) { // do not cut a character in two
			body = body[:len(body)-1]
		}
	}
	if utf8.Valid(body) {
		e.Body = string(body)
	} else {
		e.Note = "not UTF-8; body not shown"
	}
	return e
}

// Input is one message to check as a case.
type Input struct {
	Case report.Case
	Data []byte
	// Err is set when the input could not be read: the case has no
	// verdict.
	Err error
}

// CheckAll checks the inputs with Workers goroutines and returns the
// results in input order; each finished result is also passed to
// progress (if not nil), in completion order, from one goroutine at a
// time. When ctx ends, the inputs not yet started get no verdict.
func (c *Checker) CheckAll(ctx context.Context, in []Input, progress func(report.Result)) []report.Result {
	out := make([]report.Result, len(in))
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(c.cfg.Workers, max(len(in), 1)) {
		wg.Go(func() {
			for i := range next {
				var r report.Result
				switch {
				case in[i].Err != nil:
					r = Fail(in[i].Case, in[i].Err)
				case ctx.Err() != nil:
					r = Fail(in[i].Case, ctx.Err())
				default:
					r = c.Run(ctx, in[i].Case, in[i].Data)
				}
				out[i] = r
				if progress != nil {
					mu.Lock()
					progress(r)
					mu.Unlock()
				}
			}
		})
	}
	for i := range in {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// Result is the outcome of checking one vector.
type Result struct {
	Vector   Vector
	Verdict  report.Verdict
	Findings []*errcode.Error
	// Warnings are the findings of rules with severity warn.
	Warnings []*errcode.Error
	// Pass: a valid vector drew no finding and exactly the warnings its
	// name announces (none, or one or more of WantWarning); an invalid
	// vector drew a finding with its WantCode (and WantRule, if named).
	Pass bool
	// Problem says why a vector did not pass.
	Problem  string
	Duration time.Duration
}

// CheckVectors checks every vector with v and the development directory
// (DevParticipants) and compares the outcome with the vector's
// expectation. The tests, `xgate conformance check` and `xgate demo` use
// this same judgement (Checker and Vector.Expect), so test results and
// field results cannot diverge.
func CheckVectors(ctx context.Context, v *validate.Validator, vectors []Vector) []Result {
	c, err := NewChecker(CheckerConfig{Validator: v, EvidenceBytes: -1, Workers: 1})
	if err != nil {
		panic(err) // v is not nil: programmer error otherwise
	}
	out := make([]Result, 0, len(vectors))
	for _, vec := range vectors {
		start := time.Now()
		ch := c.Check(ctx, vec.Data)
		r := Result{Vector: vec, Verdict: ch.Verdict, Findings: ch.Findings, Warnings: ch.Warnings}
		outcome, problem := vec.Expect().Judge(ch.Verdict, ch.Reasons())
		if outcome == report.Pass && vec.Valid && ch.Type.Code != vec.Type {
			outcome, problem = report.Fail, "vector in folder "+vec.Type+" has a root of type "+quote(ch.Type.Code)
		}
		r.Pass, r.Problem, r.Duration = outcome == report.Pass, problem, time.Since(start)
		out = append(out, r)
	}
	return out
}

func quote(s string) string { return `"` + s + `"` }
