package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/xgate/xgate/xml/errcode"
)

// Verdict is what was concluded about one message: by the checker for a
// file, by the target for a message sent to it (its receipt or
// Rückweisung), by the test partner for a message it received.
type Verdict string

// The verdicts.
const (
	// Accept: no finding and no warning (a check), or a signed transport
	// receipt (a live case).
	Accept Verdict = "accept"
	// AcceptWithWarnings: no finding, but warnings of rules that only warn.
	AcceptWithWarnings Verdict = "accept-with-warnings"
	// Reject: at least one finding; a live target answered with a
	// Rückweisung.
	Reject Verdict = "reject"
	// NoVerdict: the check could not be made (the input could not be read,
	// the target did not answer in time or answered something that is
	// neither a receipt nor a Rückweisung).
	NoVerdict Verdict = "none"
)

// Acceptable reports whether v lets the message through.
func (v Verdict) Acceptable() bool { return v == Accept || v == AcceptWithWarnings }

// Outcome is how a case ended: its verdict compared with its expectation.
type Outcome string

// The outcomes.
const (
	Pass Outcome = "pass" // the verdict is the expected one
	Fail Outcome = "fail" // the verdict is another one
	// Error: no verdict could be reached (I/O, timeout, an answer that is
	// no answer); CI parsers count it apart from a failure.
	Error Outcome = "error"
	Skip  Outcome = "skip" // the case did not run (not applicable, filtered)
)

// Severity of a reason.
type Severity string

// The severities of a reason.
const (
	SevReject Severity = "reject" // a finding: the message is rejected
	SevWarn   Severity = "warn"   // a warning: reported, never rejects
	SevInfo   Severity = "info"   // anything else worth showing (a timeout, a transport error)
)

// Reason is one finding, warning or note behind a verdict, with where it
// is in the message.
type Reason struct {
	Severity Severity     `json:"severity"`
	Code     errcode.Code `json:"code,omitempty"`
	Rule     string       `json:"rule,omitempty"`
	Line     int          `json:"line,omitempty"`
	Path     string       `json:"path,omitempty"`
	Text     string       `json:"text"`
}

// ReasonOf turns a finding into a Reason of severity sev.
func ReasonOf(e *errcode.Error, sev Severity) Reason {
	text := e.Detail
	if text == "" && e.Err != nil {
		text = e.Err.Error()
	}
	if text == "" {
		text = e.Code.Text()
	}
	return Reason{Severity: sev, Code: e.Code, Rule: e.Rule, Line: e.Line, Path: e.Path, Text: text}
}

// String renders r on one line: "S999 HDR-TIME line 7 /a/b: text".
func (r Reason) String() string {
	var b strings.Builder
	if r.Severity == SevWarn {
		b.WriteString("warning ")
	}
	if r.Code != "" {
		b.WriteString(string(r.Code))
	}
	if r.Rule != "" {
		b.WriteString(" " + r.Rule)
	}
	if r.Line > 0 {
		fmt.Fprintf(&b, " line %d", r.Line)
	}
	if r.Path != "" {
		b.WriteString(" " + r.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(r.Text)
	return b.String()
}

// Evidence is something a case saw or sent: the checked message, a
// message sent to a target, its receipt or Rückweisung, a business
// answer. Body holds text (an XML message) up to a size the producer
// chooses; Digest is the SHA-256 of the whole thing, hex.
type Evidence struct {
	Label     string `json:"label"` // "message", "sent", "receipt", "rueckweisung", "answer"
	UUID      string `json:"uuid,omitempty"`
	Type      string `json:"type,omitempty"`
	Digest    string `json:"sha256,omitempty"`
	Size      int    `json:"size,omitempty"`
	MediaType string `json:"mediaType,omitempty"`
	Body      string `json:"body,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Expect is what a case expects. The zero value expects an acceptable
// verdict (accept, with or without warnings): a vendor's own message
// checked without further expectation.
type Expect struct {
	// Verdict is the expected verdict; "" means Accept or
	// AcceptWithWarnings.
	Verdict Verdict `json:"verdict,omitempty"`
	// Code is the code a Reject must carry (one of its reasons of
	// severity reject), "" for any.
	Code errcode.Code `json:"code,omitempty"`
	// Rule is the rule that reason must name, "" for any.
	Rule string `json:"rule,omitempty"`
	// Warning is, for AcceptWithWarnings, the rule every warning must
	// name; "" for any.
	Warning string `json:"warning,omitempty"`
}

// String says what e expects: "reject S999 HDR-TIME", "accept".
func (e Expect) String() string {
	v := string(e.Verdict)
	if v == "" {
		v = "accept (warnings allowed)"
	}
	for _, s := range []string{string(e.Code), e.Rule, e.Warning} {
		if s != "" {
			v += " " + s
		}
	}
	return v
}

// Judge compares a verdict and its reasons with e and says whether the
// case passes, and if not, why.
func (e Expect) Judge(v Verdict, reasons []Reason) (Outcome, string) {
	if v == NoVerdict || v == "" {
		return Error, "no verdict; want " + e.String()
	}
	var findings, warnings []Reason
	for _, r := range reasons {
		switch r.Severity {
		case SevReject:
			findings = append(findings, r)
		case SevWarn:
			warnings = append(warnings, r)
		}
	}
	switch e.Verdict {
	case "":
		if v.Acceptable() {
			return Pass, ""
		}
		return Fail, "rejected: " + codes(findings)
	case Accept:
		switch v {
		case Accept:
			return Pass, ""
		case AcceptWithWarnings:
			return Fail, "accepted, but with the warning: " + codes(warnings)
		}
		return Fail, "rejected: " + codes(findings)
	case AcceptWithWarnings:
		switch v {
		case Accept:
			want := "a warning"
			if e.Warning != "" {
				want += " of " + e.Warning
			}
			return Fail, "accepted without warning; want " + want
		case AcceptWithWarnings:
			for _, w := range warnings {
				if e.Warning != "" && w.Rule != e.Warning {
					return Fail, "accepted with the warning: " + codes([]Reason{w})
				}
			}
			return Pass, ""
		}
		return Fail, "rejected: " + codes(findings)
	case Reject:
		want := strings.TrimPrefix(e.String(), "reject ")
		if v != Reject {
			return Fail, "accepted; want a rejection with " + want
		}
		for _, f := range findings {
			if (e.Code == "" || f.Code == e.Code) && (e.Rule == "" || f.Rule == e.Rule) {
				return Pass, ""
			}
		}
		return Fail, "want " + want + ", got: " + codes(findings)
	}
	return Error, fmt.Sprintf("unknown expected verdict %q", e.Verdict)
}

func codes(rs []Reason) string {
	if len(rs) == 0 {
		return "nothing"
	}
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		s := string(r.Code)
		if r.Rule != "" {
			s += " " + r.Rule
		}
		if !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// Case is one test: a file to check, a vector, or (for conformance run and
// serve) a message sent to or received from a live endpoint.
type Case struct {
	// ID is unique within a report and stable between runs:
	// "090009/invalid/X001-two-facts.xml", "run/tampered-signature/090009".
	ID string `json:"id"`
	// Type is the message type code, "" when unknown.
	Type string `json:"type,omitempty"`
	// Kind sorts cases: for vectors the category ("valid", "warning",
	// "schema", "header", "code-list", "rule", "role", "parse"), for files
	// "file", for live cases what is tested ("receipt", "tampered",
	// "duplicate", …).
	Kind string `json:"kind,omitempty"`
	// Title is a line for people.
	Title string `json:"title,omitempty"`
	// Source is where the input came from: a file path, a vector path, a
	// target URL.
	Source string `json:"source,omitempty"`
	// Expect is the expected verdict.
	Expect Expect `json:"expect"`
}

// Result is a case as it ran.
type Result struct {
	Case
	Verdict  Verdict    `json:"verdict"`
	Reasons  []Reason   `json:"reasons"`
	Outcome  Outcome    `json:"outcome"`
	Problem  string     `json:"problem,omitempty"` // why it did not pass
	Evidence []Evidence `json:"evidence,omitempty"`
	// UUID is the nachrichtenUUID of the message the case is about.
	UUID     string        `json:"uuid,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNs"`
}

// Finish judges r against its expectation and sets Outcome and Problem
// (unless the outcome was set already, as for Skip).
func (r *Result) Finish() {
	if r.Outcome != "" {
		return
	}
	r.Outcome, r.Problem = r.Expect.Judge(r.Verdict, r.Reasons)
}

// Findings returns the reasons of severity reject.
func (r *Result) Findings() []Reason { return r.bySeverity(SevReject) }

// Warnings returns the reasons of severity warn.
func (r *Result) Warnings() []Reason { return r.bySeverity(SevWarn) }

func (r *Result) bySeverity(s Severity) []Reason {
	var out []Reason
	for _, x := range r.Reasons {
		if x.Severity == s {
			out = append(out, x)
		}
	}
	return out
}

// Report is the outcome of a conformance check, run or serve session.
type Report struct {
	// Title heads the report: "xgate conformance check".
	Title string `json:"title"`
	// Mode is "check", "run" or "serve".
	Mode string `json:"mode"`
	// Tool names the program and its version: "xgate 1.2.0 (abc123)".
	Tool string `json:"tool,omitempty"`
	// Target is what was tested: the folders and files checked, a URL.
	Target   string        `json:"target,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"durationNs"`
	Results  []Result      `json:"results"`
	// Notes are remarks for the whole report (types without vectors, …);
	// each makes the report fail.
	Notes []string `json:"notes,omitempty"`
	// TypeTitles names the message types of the results for people:
	// "090009" → "AnAZR.AZRErstmeldung.090009".
	TypeTitles map[string]string `json:"typeTitles,omitempty"`
}

// TypeTitle returns the title of type code t, or t.
func (r *Report) TypeTitle(t string) string {
	if s := r.TypeTitles[t]; s != "" {
		return s
	}
	if t == "" {
		return "unknown type"
	}
	return t
}

// Summary counts a report's results.
type Summary struct {
	Total int `json:"total"`
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
	Types int `json:"types"`
	// Verdict counts the verdicts.
	Verdict map[Verdict]int `json:"verdicts"`
}

// Summary counts r's outcomes and verdicts.
func (r *Report) Summary() Summary {
	s := Summary{Verdict: map[Verdict]int{}}
	types := map[string]bool{}
	for _, x := range r.Results {
		s.Total++
		switch x.Outcome {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Error:
			s.Error++
		case Skip:
			s.Skip++
		}
		s.Verdict[x.Verdict]++
		if x.Type != "" {
			types[x.Type] = true
		}
	}
	s.Types = len(types)
	return s
}

// OK reports whether every case passed or was skipped and there are no
// notes.
func (r *Report) OK() bool {
	s := r.Summary()
	return s.Fail == 0 && s.Error == 0 && len(r.Notes) == 0
}

// TypeGroup is the results of one message type, for per-type views.
type TypeGroup struct {
	Type    string
	Results []Result
	Pass    int
	Fail    int // failures and errors
	Skip    int
}

// ByType groups r's results by message type, in type order ("" last),
// each group in the report's order.
func (r *Report) ByType() []TypeGroup {
	idx := map[string]int{}
	var out []TypeGroup
	for _, x := range r.Results {
		i, ok := idx[x.Type]
		if !ok {
			i = len(out)
			idx[x.Type] = i
			out = append(out, TypeGroup{Type: x.Type})
		}
		g := &out[i]
		g.Results = append(g.Results, x)
		switch x.Outcome {
		case Pass:
			g.Pass++
		case Skip:
			g.Skip++
		default:
			g.Fail++
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Type, out[j].Type
		if (a == "") != (b == "") {
			return b == ""
		}
		return a < b
	})
	return out
}
