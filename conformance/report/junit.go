package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML as the common CI parsers read it (Jenkins, GitLab, GitHub
// test reporters, Azure DevOps): testsuites › testsuite (one per message
// type) › testcase (one per case) with failure, error or skipped.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes r as JUnit XML: one testsuite per message type, one
// testcase per case. A failed case has a <failure> with the problem as its
// message and the verdict and reasons as text; a case without verdict an
// <error>; a skipped one <skipped>; a passed one has them in
// <system-out>. Characters XML cannot hold are replaced (U+FFFD).
func WriteJUnit(w io.Writer, r *Report) error {
	s := r.Summary()
	doc := junitSuites{Name: r.Title, Tests: s.Total, Failures: s.Fail, Errors: s.Error, Skipped: s.Skip, Time: seconds(r.Duration)}
	mode := r.Mode
	if mode == "" {
		mode = "check"
	}
	for _, g := range r.ByType() {
		suite := junitSuite{Name: r.TypeTitle(g.Type), Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05")}
		if g.Type != "" {
			suite.Properties = append(suite.Properties, junitProperty{"type", g.Type})
		}
		var total time.Duration
		for _, x := range g.Results {
			total += x.Duration
			c := junitCase{
				Name:      caseName(x),
				Classname: "xgate.conformance." + mode + "." + typeOrUnknown(x.Type),
				Time:      seconds(x.Duration),
				File:      x.Source,
			}
			switch x.Outcome {
			case Fail:
				suite.Failures++
				c.Failure = &junitProblem{Message: x.Problem, Type: "verdict", Text: caseText(x)}
			case Error:
				suite.Errors++
				c.Error = &junitProblem{Message: x.Problem, Type: "no-verdict", Text: caseText(x)}
			case Skip:
				suite.Skipped++
				c.Skipped = &junitProblem{Message: x.Problem}
			default:
				c.SystemOut = caseText(x)
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
		suite.Time = seconds(total)
		doc.Suites = append(doc.Suites, suite)
	}
	if len(r.Notes) > 0 {
		// Notes fail the report; a suite of their own makes CI show them.
		suite := junitSuite{Name: "report", Tests: len(r.Notes), Failures: len(r.Notes), Time: "0.000"}
		for i, n := range r.Notes {
			suite.Cases = append(suite.Cases, junitCase{Name: fmt.Sprintf("note %d", i+1), Classname: "xgate.conformance." + mode + ".report",
				Time: "0.000", Failure: &junitProblem{Message: n, Type: "note"}})
		}
		doc.Suites = append(doc.Suites, suite)
		doc.Tests += len(r.Notes)
		doc.Failures += len(r.Notes)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func typeOrUnknown(t string) string {
	if t == "" {
		return "unknown"
	}
	return t
}

func caseName(x Result) string {
	if x.Title != "" && x.Title != x.ID {
		return x.ID + " (" + x.Title + ")"
	}
	return x.ID
}

// caseText is the plain-text account of a case: expectation, verdict,
// reasons, evidence.
func caseText(x Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "expected: %s\nverdict: %s\n", x.Expect, x.Verdict)
	if x.UUID != "" {
		fmt.Fprintf(&b, "nachrichtenUUID: %s\n", x.UUID)
	}
	for _, r := range x.Reasons {
		fmt.Fprintf(&b, "  %s\n", r)
	}
	for _, e := range x.Evidence {
		fmt.Fprintf(&b, "evidence %s", e.Label)
		if e.UUID != "" {
			fmt.Fprintf(&b, " uuid=%s", e.UUID)
		}
		if e.Digest != "" {
			fmt.Fprintf(&b, " sha256=%s", e.Digest)
		}
		if e.Note != "" {
			fmt.Fprintf(&b, " (%s)", e.Note)
		}
		b.WriteString("\n")
	}
	return b.String()
}
