package report

import (
	"fmt"
	"io"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/xgate/xgate/internal/escape"
)

// Progress shows how far a check or run is while it runs. On a terminal
// it rewrites one status line ("\r"); elsewhere (a CI log) it prints a
// line per problem and a count every tenth of the way, so that a log
// shows progress without thousands of lines. It is safe for concurrent
// use.
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	total    int
	done     int
	failed   int
	lastStep int
	width    int
}

// NewProgress returns a Progress writing to w for total cases; tty says
// whether w is a terminal.
func NewProgress(w io.Writer, total int, tty bool) *Progress {
	return &Progress{w: w, total: total, tty: tty}
}

// Add records a finished case.
func (p *Progress) Add(r Result) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	bad := r.Outcome == Fail || r.Outcome == Error
	if bad {
		p.failed++
	}
	if p.tty {
		if bad {
			p.clear()
			fmt.Fprintf(p.w, "%s %s: %s\n", upper(r.Outcome), escape.Line(r.ID), escape.Line(r.Problem))
		}
		line := fmt.Sprintf("[%*d/%d] %d failed  %s", digits(p.total), p.done, p.total, p.failed, escape.Line(r.ID))
		if len(line) > 100 {
			line = line[:100]
		}
		p.clear()
		fmt.Fprint(p.w, line)
		p.width = len(line)
		return
	}
	if bad {
		fmt.Fprintf(p.w, "%s %s: %s\n", upper(r.Outcome), escape.Line(r.ID), escape.Line(r.Problem))
	}
	if p.total >= 20 {
		if step := p.done * 10 / p.total; step > p.lastStep {
			p.lastStep = step
			fmt.Fprintf(p.w, "%d of %d cases, %d failed\n", p.done, p.total, p.failed)
		}
	}
}

// Done ends the progress display (clears the status line on a terminal).
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.clear()
	}
}

func (p *Progress) clear() {
	if p.width > 0 {
		fmt.Fprintf(p.w, "\r%*s\r", p.width, "")
		p.width = 0
	}
}

func digits(n int) int { return len(fmt.Sprint(n)) }

func upper(o Outcome) string {
	switch o {
	case Fail:
		return "FAIL"
	case Error:
		return "ERROR"
	case Skip:
		return "SKIP"
	}
	return "PASS"
}

// VerdictText is a verdict as the terminal shows it.
func VerdictText(v Verdict) string {
	switch v {
	case Accept:
		return "ACCEPT"
	case AcceptWithWarnings:
		return "ACCEPT WITH WARNINGS"
	case Reject:
		return "REJECT"
	}
	return "NO VERDICT"
}

// WriteCase writes one case for the terminal: "REJECT file" and, indented,
// every reason as "file:line: CODE RULE path: text" (the form editors jump
// to), then the problem if the case did not pass. Values from outside are
// escaped (escape.Line).
func WriteCase(w io.Writer, r Result) {
	src := r.Source
	if src == "" {
		src = r.ID
	}
	head := VerdictText(r.Verdict)
	expected := r.Expect != (Expect{})
	switch {
	case r.Outcome == Fail && expected:
		head += " (FAIL: " + escape.Line(r.Problem) + ")"
	case r.Outcome == Error:
		head += " (ERROR)"
	case r.Outcome == Pass && expected:
		head += " (as expected)"
	}
	fmt.Fprintf(w, "%s %s\n", head, escape.Line(src))
	for _, x := range r.Reasons {
		if x.Code == "" && x.Line == 0 && x.Path == "" {
			fmt.Fprintf(w, "  %s: %s\n", escape.Line(src), escape.Line(x.Text))
			continue
		}
		kind := ""
		if x.Severity == SevWarn {
			kind = "warning "
		}
		rule := ""
		if x.Rule != "" {
			rule = " " + x.Rule
		}
		path := x.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(w, "  %s:%d: %s%s%s %s: %s\n", escape.Line(src), x.Line, kind, x.Code, rule, escape.Line(path), escape.Line(x.Text))
	}
}

// WriteSummary writes the per-type table and the totals for the terminal:
//
//	TYPE    MESSAGE                      CASES  PASSED  FAILED  RESULT
//	090009  AnAZR.AZRErstmeldung.090009  14     14      0       ok
func WriteSummary(w io.Writer, r *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tMESSAGE\tCASES\tPASSED\tFAILED\tSKIPPED\tRESULT")
	for _, g := range r.ByType() {
		res := "ok"
		if g.Fail > 0 {
			res = "FAIL"
		}
		t := g.Type
		if t == "" {
			t = "?"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\n", t, r.TypeTitle(g.Type), len(g.Results), g.Pass, g.Fail, g.Skip, res)
	}
	tw.Flush()
	s := r.Summary()
	fmt.Fprintf(w, "%d cases of %d types in %s: %d passed, %d failed, %d without verdict, %d skipped\n",
		s.Total, s.Types, r.Duration.Round(time.Millisecond), s.Pass, s.Fail, s.Error, s.Skip)
	fmt.Fprintf(w, "verdicts: %d accept, %d accept with warnings, %d reject, %d none\n",
		s.Verdict[Accept], s.Verdict[AcceptWithWarnings], s.Verdict[Reject], s.Verdict[NoVerdict])
	for _, n := range r.Notes {
		fmt.Fprintf(w, "NOTE %s\n", escape.Line(n))
	}
}
