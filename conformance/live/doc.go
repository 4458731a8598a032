// Package live is the live half of the conformance suite: `xgate
// conformance run`, a black-box test of a vendor's receiving endpoint over
// the wire protocol (gateway/wire: POST {endpoint}/v1/transport, mutual
// TLS 1.3, signed receipts and Rückweisungen).
//
// # Overview
//
//	r, err := live.New(live.Config{
//		Self: me, Target: live.TargetFrom(entry), Verifier: v, Directory: dir,
//		Others: others, CA: &ca, // a development PKI: unauthorised and expired cases
//		Answers: listener,       // the runner's own gateway: business answers
//		Inspector: adminClient,  // the target's admin API: hand-over once
//	})
//	rep := r.Run(ctx, progress.Add) // a conformance/report.Report, mode "run"
//
// The runner plays one participant of the target's directory (Self; the
// conformance test participant may send every type). For every type the
// target's role receives (Config.Types narrows them) it runs one case of
// each kind of Kinds(): a valid message that must draw a signed
// Transportquittung (checked by wire.VerifyAnswer: the signature, one of
// the target's signing certificates from the directory, the header's
// parties, the UUIDs, the SHA-256 of the bytes sent); the same followed by
// a valid business answer of an allowed type within AnswerTimeout (partner
// roles); eight broken messages that must draw a Rückweisung with the
// right code (T020 ciphertext altered, T011 content altered after signing
// and signature by another key, T002 self-signed and T000 expired signing
// certificate, T080 another leser, T070 a sender the directory does not
// allow the type, X001 an X001 vector); and two duplicates that must draw
// the original receipt again and, with an Inspector, show one hand-over
// in the target's history. The expected answer of a broken message is a
// report.Expect{Verdict: Reject, Code: …}; the target's answer is the
// verdict (a receipt Accept, a Rückweisung Reject with its codes, anything
// else no verdict).
//
// Messages are built from the shipped plain samples (internal/sample) with
// the header rewritten for the delivery, validated by the runner before
// they are sent, sealed with xml/secure (Seal, or Sign, a change, then
// Encrypt for the broken signatures) and delivered with a wire.Client that
// presents the sender's TLS certificate. The stand-in signers of the
// certificate cases are made once per run from one generated key: a
// self-signed certificate naming Self's kennung, and one the development
// PKI's CA (Config.CA) issued that expired yesterday.
//
// # Independence
//
// Every case builds its own message with a fresh nachrichtenUUID and needs
// nothing another case did: Run shuffles them with Config.Seed (reported,
// so that a run can be repeated) and runs Config.Parallel at once. Each
// delivery is bounded by Config.Timeout (the wire client's), each case by
// three times that (plus AnswerTimeout for an answer case); a target that
// answers too late gets no verdict for that case, not a stalled run.
//
// # The runner's gateway
//
// Business answers are delivered by the target like any message, to the
// runner's endpoint in the directory. Listener is an xgate gateway
// (gateway/site) with a temporary store whose local software is the
// Listener itself: it receipts what arrives, as any gateway does, and
// hands each message to Answers.Wait by its ausloeserUUID. What it refuses
// (a target's invalid answer) is named when a case waits in vain.
//
// # Caveats
//
//   - The expired-certificate cases need a CA the target trusts
//     (Config.CA, from a development PKI); the unauthorised cases need a
//     participant that may not send the type (Self or one of Others):
//     without them, and for the types every role may send, those cases
//     are skipped, with the reason.
//   - Without an Inspector, "handed over once" is not checked: only the
//     receipt shows the duplicate was recognised. An endpoint that
//     receipts a duplicate with the original receipt but hands it to its
//     software again is not caught then.
//   - The answer cases wait AnswerTimeout, not the catalogue's deadline
//     (days for many types): a target whose answers come from a person
//     fails them; run it with --answers no.
//   - A revoked signing certificate (T001) and refused algorithms (CBC,
//     RSA 1.5: T020) are not sent: xml/secure cannot make them, and the
//     target's CRL would have to list the runner's certificate.
package live
