// Package checkd is the conformance check daemon: an HTTP service that
// judges each posted message as `xgate conformance check` does, for
// vendors whose build or test pipeline prefers a request to a process
// (the KoSIT validator's daemon mode).
//
// # Overview
//
//	POST /check   (also POST /)  body: the message (application/xml)
//	  200  acceptable: accept, or accept with warnings
//	  406  not acceptable: reject (the report names every reason)
//	  422  could not process: empty body, larger than MaxBytes, not XML by
//	       its Content-Type, not read or checked within Timeout
//	  The body is the report of this one case: JSON by default, JUnit XML
//	  (Accept: application/xml or ?format=junit), HTML (text/html,
//	  ?format=html) or the terminal lines (text/plain, ?format=text). The
//	  headers X-Xgate-Verdict (accept, accept-with-warnings, reject, none),
//	  X-Xgate-Codes (the XÖV codes of the findings) and X-Xgate-Case (the
//	  case id) say the same for clients that do not read the body. A client
//	  names its case with ?name= or the X-Xgate-Case request header.
//	GET /health  200 {"status": "UP", "checked", "verdicts", "workers", "busy"}
//	GET /report  the report of the newest History results (JSON, JUnit,
//	             HTML or text as above), e.g. for CI after a test run
//
// Requests are checked concurrently by up to Workers goroutines (the
// Checker and its validator are safe for concurrent use); further ones
// wait for a worker within Timeout. Mount registers the routes on a mux
// that another service shares; `xgate conformance serve` runs the test
// partner (conformance/partner) beside the daemon on one listener, the
// partner answering /report and /health and the daemon /check, and
// --check-only runs the daemon alone.
//
// # Cost
//
// BenchmarkDaemon posts the shipped vectors (up to 64 KiB, mean about 4 KB)
// over loopback HTTP from 8 parallel keep-alive clients in the same
// process. On the 2-core development VM, shared with other work (load
// average 8), it measured 1,030–1,280 messages/s with a JSON report as the
// answer and 1,170–1,280 with the text lines (go test ./conformance/checkd
// -bench Daemon -benchtime 3s). Checking alone (BenchmarkCheckAll in
// package conformance) costs about 0.6 ms of CPU per message.
//
// # Caveats
//
// The daemon has no authentication and no TLS: run it on loopback or
// inside a CI job's network. It keeps no message bodies after answering
// (the report history keeps digests and findings). Logs carry case ids,
// types, verdicts and codes only.
package checkd
