package report_test

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/report"
)

func reasons(rs ...report.Reason) []report.Reason { return rs }

func TestJudge(t *testing.T) {
	x001 := report.Reason{Severity: report.SevReject, Code: "X001", Line: 9, Path: "/a/b", Text: "not expected"}
	hdr := report.Reason{Severity: report.SevReject, Code: "S999", Rule: "HDR-TIME", Text: "no millis"}
	warnA := report.Reason{Severity: report.SevWarn, Code: "S999", Rule: "DATE-RANGE", Text: "end before start"}
	warnB := report.Reason{Severity: report.SevWarn, Code: "S999", Rule: "PER-BIRTH", Text: "future"}
	tests := []struct {
		name    string
		expect  report.Expect
		verdict report.Verdict
		reasons []report.Reason
		want    report.Outcome
		problem string // substring
	}{
		{"file accepted", report.Expect{}, report.Accept, nil, report.Pass, ""},
		{"file with warnings", report.Expect{}, report.AcceptWithWarnings, reasons(warnA), report.Pass, ""},
		{"file rejected", report.Expect{}, report.Reject, reasons(x001), report.Fail, "rejected: X001"},
		{"no verdict", report.Expect{}, report.NoVerdict, nil, report.Error, "no verdict"},
		{"accept wanted, got warning", report.Expect{Verdict: report.Accept}, report.AcceptWithWarnings, reasons(warnA), report.Fail, "DATE-RANGE"},
		{"accept wanted, rejected", report.Expect{Verdict: report.Accept}, report.Reject, reasons(hdr), report.Fail, "S999 HDR-TIME"},
		{"warning of the rule", report.Expect{Verdict: report.AcceptWithWarnings, Warning: "DATE-RANGE"}, report.AcceptWithWarnings, reasons(warnA, warnA), report.Pass, ""},
		{"warning of another rule", report.Expect{Verdict: report.AcceptWithWarnings, Warning: "DATE-RANGE"}, report.AcceptWithWarnings, reasons(warnA, warnB), report.Fail, "PER-BIRTH"},
		{"warning wanted, none", report.Expect{Verdict: report.AcceptWithWarnings, Warning: "DATE-RANGE"}, report.Accept, nil, report.Fail, "without warning"},
		{"reject with code", report.Expect{Verdict: report.Reject, Code: "X001"}, report.Reject, reasons(hdr, x001), report.Pass, ""},
		{"reject with code and rule", report.Expect{Verdict: report.Reject, Code: "S999", Rule: "HDR-TIME"}, report.Reject, reasons(hdr), report.Pass, ""},
		{"reject, other rule", report.Expect{Verdict: report.Reject, Code: "S999", Rule: "HDR-TYPE"}, report.Reject, reasons(hdr), report.Fail, "want S999 HDR-TYPE, got: S999 HDR-TIME"},
		{"reject, accepted", report.Expect{Verdict: report.Reject, Code: "T070"}, report.Accept, nil, report.Fail, "accepted; want a rejection with T070"},
		{"reject any code", report.Expect{Verdict: report.Reject}, report.Reject, reasons(x001), report.Pass, ""},
		{"a warning is no finding", report.Expect{Verdict: report.Reject, Code: "S999"}, report.Reject, reasons(warnA, x001), report.Fail, "got: X001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, problem := tc.expect.Judge(tc.verdict, tc.reasons)
			if got != tc.want || !strings.Contains(problem, tc.problem) || (got == report.Pass) != (problem == "") {
				t.Errorf("Judge = %s, %q; want %s, %q", got, problem, tc.want, tc.problem)
			}
		})
	}
}

// sample is a report with every outcome, reasons, evidence and values
// that need escaping in every format.
func sample() *report.Report {
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	results := []report.Result{
		{Case: report.Case{ID: "090009/valid/erstmeldung.xml", Type: "090009", Kind: "valid", Title: "erstmeldung", Expect: report.Expect{Verdict: report.Accept}},
			Verdict: report.Accept, UUID: "5554d788-92ae-43e5-80a5-9a70d6885c71",
			Evidence: []report.Evidence{{Label: "message", Type: "090009", Digest: "ab12", Size: 12, Body: "<x>1</x>"}}},
		{Case: report.Case{ID: "090009/invalid/X001-two-facts.xml", Type: "090009", Kind: "schema", Expect: report.Expect{Verdict: report.Reject, Code: "X001"}},
			Verdict: report.Accept},
		{Case: report.Case{ID: "900020/invalid/S999-HDR-TIME-x.xml", Type: "900020", Kind: "header", Expect: report.Expect{Verdict: report.Reject, Code: "S999", Rule: "HDR-TIME"}},
			Verdict: report.Reject, Reasons: reasons(report.Reason{Severity: report.SevReject, Code: "S999", Rule: "HDR-TIME", Line: 9, Path: "/Prozess.Quittung.900020/x",
				Text: "<script>alert(1)</script> & \x01 ]]> \u202e"})},
		{Case: report.Case{ID: "missing.xml", Kind: "file"}, Verdict: report.NoVerdict, Outcome: report.Error, Problem: "open missing.xml: no such file",
			Reasons: reasons(report.Reason{Severity: report.SevInfo, Text: "open missing.xml: no such file"})},
		{Case: report.Case{ID: "run/slow", Type: "900020", Kind: "timeout"}, Verdict: report.NoVerdict, Outcome: report.Skip, Problem: "not applicable"},
	}
	for i := range results {
		results[i].Started = start
		results[i].Duration = time.Duration(i+1) * time.Millisecond
		results[i].Finish()
	}
	return &report.Report{Title: "xgate conformance check", Mode: "check", Tool: "xgate test", Target: "vectors",
		Started: start, Duration: 42 * time.Millisecond, Results: results,
		TypeTitles: map[string]string{"090009": "AnAZR.AZRErstmeldung.090009", "900020": "Prozess.Quittung.900020"}}
}

func TestSummary(t *testing.T) {
	r := sample()
	s := r.Summary()
	if s.Total != 5 || s.Pass != 2 || s.Fail != 1 || s.Error != 1 || s.Skip != 1 || s.Types != 2 {
		t.Errorf("summary %+v", s)
	}
	if r.OK() {
		t.Error("a report with a failure is OK")
	}
	groups := r.ByType()
	if len(groups) != 3 || groups[0].Type != "090009" || groups[1].Type != "900020" || groups[2].Type != "" {
		t.Fatalf("groups %+v", groups)
	}
	if groups[0].Pass != 1 || groups[0].Fail != 1 || groups[1].Skip != 1 {
		t.Errorf("group counts %+v", groups)
	}
	ok := &report.Report{Results: r.Results[:1]}
	if !ok.OK() {
		t.Error("a report of passes is not OK")
	}
	ok.Notes = []string{"type 000030 has no role vector"}
	if ok.OK() {
		t.Error("a report with notes is OK")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"format": "xgate-conformance-report"`, `"version": 1`, `"ok": false`, `"fail": 1`, `"reasons": []`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	got, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if len(got.Results) != len(want.Results) || got.Results[2].Reasons[0].Text != want.Results[2].Reasons[0].Text ||
		got.Results[1].Outcome != report.Fail || got.Results[0].Evidence[0].Body != "<x>1</x>" || got.Duration != want.Duration {
		t.Errorf("round trip lost data: %+v", got.Results)
	}
	if _, err := report.ReadJSON(strings.NewReader(`{"format":"other","version":1}`)); err == nil {
		t.Error("ReadJSON took another format")
	}
}

// The JUnit file is well-formed XML in the shape CI parsers read: counts
// that add up, one testsuite per type, failure/error/skipped per outcome.
func TestJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteJUnit(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error   *struct{} `xml:"error"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 1 {
		t.Errorf("testsuites counts %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
	if len(doc.Suites) != 3 || doc.Suites[0].Name != "AnAZR.AZRErstmeldung.090009" || doc.Suites[0].Tests != 2 || doc.Suites[0].Failures != 1 {
		t.Fatalf("suites: %+v", doc.Suites)
	}
	c := doc.Suites[0].Cases
	if len(c) != 2 || c[1].Failure == nil || !strings.Contains(c[1].Failure.Message, "accepted; want a rejection with X001") ||
		c[0].Classname != "xgate.conformance.check.090009" || c[0].Time != "0.001" {
		t.Errorf("090009 cases: %+v", c)
	}
	if doc.Suites[1].Cases[1].Skipped == nil || doc.Suites[2].Cases[0].Error == nil {
		t.Errorf("skip or error lost: %+v", doc.Suites)
	}
	if strings.Contains(b.String(), "\x01") || strings.Contains(b.String(), "<script>") {
		t.Error("JUnit carries a control character or unescaped markup")
	}
}

// The HTML page is self-contained (no script, no external reference),
// escapes values and shows every case with its outcome.
func TestHTML(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, sample()); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if regexp.MustCompile(`(?i)<script|<link|<img|<iframe|@import|url\(|\bsrc=|https?://`).MatchString(h) {
		t.Errorf("HTML is not self-contained:\n%s", regexp.MustCompile(`(?i)<script[^>]*>|<link[^>]*>|@import|url\([^)]*\)|src=\S+|https?://\S+`).FindAllString(h, -1))
	}
	for _, want := range []string{
		"xgate conformance check: FAILED", "090009/invalid/X001-two-facts.xml", "accepted; want a rejection with X001",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `class="case fail"`, `class="case pass"`, `class="case error"`, `class="case skip"`,
		"AnAZR.AZRErstmeldung.090009", "5554d788-92ae-43e5-80a5-9a70d6885c71", "&lt;x&gt;1&lt;/x&gt;",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestWriteCase(t *testing.T) {
	var b bytes.Buffer
	r := sample()
	report.WriteCase(&b, r.Results[2])
	report.WriteCase(&b, r.Results[1])
	report.WriteCase(&b, r.Results[3])
	want := "REJECT (as expected) 900020/invalid/S999-HDR-TIME-x.xml\n" +
		"  900020/invalid/S999-HDR-TIME-x.xml:9: S999 HDR-TIME /Prozess.Quittung.900020/x: <script>alert(1)</script> & \\x01 ]]> \\u202e\n" +
		"ACCEPT (FAIL: accepted; want a rejection with X001) 090009/invalid/X001-two-facts.xml\n" +
		"NO VERDICT (ERROR) missing.xml\n" +
		"  missing.xml: open missing.xml: no such file\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestProgress(t *testing.T) {
	r := sample()
	var tty, log bytes.Buffer
	pt := report.NewProgress(&tty, len(r.Results), true)
	pl := report.NewProgress(&log, len(r.Results), false)
	for _, x := range r.Results {
		pt.Add(x)
		pl.Add(x)
	}
	pt.Done()
	if !strings.Contains(tty.String(), "\r") || !strings.Contains(tty.String(), "[5/5] 2 failed") || !strings.Contains(tty.String(), "FAIL 090009/invalid/X001-two-facts.xml") {
		t.Errorf("terminal progress: %q", tty.String())
	}
	if strings.Contains(log.String(), "\r") || strings.Count(log.String(), "\n") != 2 {
		t.Errorf("log progress: %q", log.String())
	}
	var nilP *report.Progress
	nilP.Add(r.Results[0]) // a nil Progress shows nothing
	nilP.Done()
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]report.Format{"a.xml": report.FormatJUnit, "b.JSON": report.FormatJSON, "c.html": report.FormatHTML, "d.htm": report.FormatHTML} {
		if got, err := report.FormatOf(name); err != nil || got != want {
			t.Errorf("FormatOf(%s) = %s, %v", name, got, err)
		}
	}
	if _, err := report.FormatOf("report.txt"); err == nil {
		t.Error("FormatOf took .txt")
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	report.WriteSummary(&b, sample())
	for _, want := range []string{
		"TYPE    MESSAGE                      CASES  PASSED  FAILED  SKIPPED  RESULT\n",
		"090009  AnAZR.AZRErstmeldung.090009  2      1       1       0        FAIL\n",
		"900020  Prozess.Quittung.900020      2      1       0       1        ok\n",
		"5 cases of 2 types in 42ms: 2 passed, 1 failed, 1 without verdict, 1 skipped\n",
		"verdicts: 2 accept, 0 accept with warnings, 1 reject, 2 none\n", "?       unknown type                 1      0       1       0        FAIL\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
