// Package defective is a receiving endpoint with switchable defects: the
// test double that shows the conformance suite can fail (issue 13.7).
//
// # Overview
//
//	ep, err := defective.Open(ctx, defective.Config{Site: cfg, Responder: peerResponder})
//	go ep.Run(ctx)
//	ep.Set(defective.WrongCode)     // now every Rückweisung says S999
//	ep.Set()                        // a correct endpoint again
//
// Underneath is an xgate gateway (gateway/site), so with no defect the
// endpoint is xgate and `conformance run` passes. Each defect changes what
// goes out, on the way out: the transport answer (a wrapper around the
// transport handler, gateway.RunConfig.WrapTransport) or the business
// answers (a wrapper around the Responder). The accept-… defects replace
// a Rückweisung of their class by a fresh receipt for the message, read
// by decrypting it without any check (naiveOpen: how an endpoint that
// skips verification reads a message). Defects() lists them:
//
//	accept-bad-signature    T010/T011 receipted
//	accept-bad-certificate  T000–T003 receipted
//	accept-wrong-recipient  T080 receipted
//	accept-unauthorised     T070 receipted
//	accept-schema-invalid   X001 receipted
//	ignore-duplicates       a new receipt for a message seen before
//	unsigned-receipts       receipts without ds:Signature
//	wrong-digest            hashwert of other bytes
//	wrong-uuid              the receipt names another message
//	foreign-signer          receipts signed with the TLS key
//	wrong-code              every Rückweisung says S999
//	slow-answers            transport answers after Config.Delay
//	late-business-answers   business answers after Config.Delay
//
// TestEverySeededDefectIsCaught runs the suite against each defect alone
// and holds the result to a table: exactly the kinds of case a defect
// breaks fail, nothing fails without a defect, every defect is caught and
// every kind of case catches at least one.
//
// # Caveats
//
// For tests and demonstrations only: the endpoint is deliberately wrong.
// ignore-duplicates answers with a new receipt but the store underneath
// still hands the message over once; the hand-over check of the duplicate
// cases is proven against xgate, where it passes.
package defective
