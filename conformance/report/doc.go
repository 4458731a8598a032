// Package report is the result model of the conformance suite and its
// renderings: a terminal progress line and summary, JUnit XML for CI,
// JSON for programs and one self-contained HTML page for people.
//
// # Overview
//
// A Report holds Results; a Result is a Case (what is tested, and the
// Expect-ed verdict) as it ran: the Verdict reached, the Reasons behind it
// (XÖV code, rule, line, element path, text), the Outcome (pass, fail,
// error, skip) and the Evidence (the checked message; for live cases the
// message sent, the receipt or Rückweisung received, a business answer).
//
//	r := report.Result{Case: report.Case{ID: "090009/invalid/X001-two-facts.xml",
//		Type: "090009", Expect: report.Expect{Verdict: report.Reject, Code: "X001"}}}
//	r.Verdict, r.Reasons = report.Reject, reasons
//	r.Finish() // Outcome and Problem from Expect.Judge
//
// The same model serves the three modes of the suite: `xgate conformance
// check` (files and vectors: the verdict is the checker's), `conformance
// run` (a live endpoint: the verdict is the target's answer, a receipt is
// Accept and a Rückweisung is Reject with its codes, and the expected code
// of a negative case goes into Expect.Code), and `conformance serve` (a
// test partner judging what a vendor sends).
//
// # Formats
//
//   - WriteJSON: {"format": "xgate-conformance-report", "version": 1,
//     "ok", "summary", "title", "mode", …, "results": [...]}; ReadJSON
//     reads it back.
//   - WriteJUnit: testsuites › one testsuite per message type › one
//     testcase per case, with failure (wrong verdict), error (no verdict)
//     or skipped carrying the reasons (system-out for a passed case).
//   - WriteHTML: one page, styles inline, no script, no external asset;
//     per type a table of cases with outcome, expectation, verdict,
//     reasons and evidence (collapsed). A screenshot test renders it in
//     headless Chromium.
//   - Progress, WriteCase, WriteSummary: the terminal.
//
// # Caveats
//
// The report holds what it is given: producers decide how much of a
// message goes into Evidence.Body (the checker keeps messages up to 64 KiB).
// Text output escapes values from outside (internal/escape); JSON, XML and
// HTML escape by their encoders.
package report
