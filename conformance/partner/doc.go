// Package partner is the test partner of `xgate conformance serve`: the
// partner a vendor's sending software points at (issue 13.4).
//
// # Overview
//
//	p, err := partner.Open(ctx, partner.Config{Site: cfg}) // e.g. the MB of a development network
//	go p.Run(ctx)
//	http.ListenAndServe(addr, p.Handler())                 // GET /report, GET /health
//	rep := p.Report(ctx)                                   // at exit
//
// It is an xgate gateway (gateway/site) whose local software is the
// simulated partner of its role (gateway/peer): every delivery gets what
// the real partner's gateway would answer — a signed Transportquittung,
// or a Rückweisung with the codes — and the business answers follow as
// messages of their own, delivered to the vendor's endpoint with retries.
//
// It judges both directions. A wrapper around the transport handler
// records every delivery and the partner's answer: a receipted message
// (KindReceived) is checked by the conformance Checker on the opened
// bytes the gateway stored (warnings show; the gateway already refused
// anything invalid), a Rückweisung makes the case fail with its codes, a
// second delivery of a message (KindResend) passes with the original
// receipt. At report time every business answer the partner sent
// (KindDelivery) is judged by the state of its outbox record: delivered
// (the vendor's endpoint answered with a signed receipt that verified)
// passes, rejected fails with the vendor's code, still retrying or given
// up has no verdict, not tried yet is skipped.
//
// # Caveats
//
// The report lives in memory (and the outbox records in the site's store):
// a restarted partner starts a new report. A report without any case has
// a note and is not OK — a session in which nothing arrived proves
// nothing. The simulated partner's register lives in memory too
// (gateway/peer).
package partner
