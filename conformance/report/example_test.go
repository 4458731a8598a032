package report_test

import (
	"fmt"

	"github.com/xgate/xgate/conformance/report"
)

// A live case of `conformance run`: a message with a broken signature is
// sent to the target, which must answer with a Rückweisung T011. The
// target's answer is the verdict; what was sent and received is evidence.
func Example_liveCase() {
	r := report.Result{
		Case: report.Case{
			ID: "run/tampered-signature/090009", Type: "090009", Kind: "tampered",
			Title:  "signature value altered after signing",
			Source: "https://abh.example:8443/v1/transport",
			Expect: report.Expect{Verdict: report.Reject, Code: "T011"},
		},
		Verdict: report.Reject,
		Reasons: []report.Reason{{Severity: report.SevReject, Code: "T011", Text: "signature does not verify"}},
		Evidence: []report.Evidence{
			{Label: "sent", Type: "090009", UUID: "5554d788-92ae-43e5-80a5-9a70d6885c71", Digest: "9b2e…"},
			{Label: "rueckweisung", Type: "900010", UUID: "0d1e2f30-4152-4637-8859-6a7b8c9d0e1f", Note: "signed by the target"},
		},
	}
	r.Finish()
	fmt.Println(r.Outcome, r.Problem == "")

	// The same target answering with a transport receipt instead fails.
	r.Verdict, r.Reasons, r.Outcome = report.Accept, nil, ""
	r.Finish()
	fmt.Println(r.Outcome, r.Problem)
	// Output:
	// pass true
	// fail accepted; want a rejection with T011
}
