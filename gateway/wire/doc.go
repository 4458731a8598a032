// Package wire is the transport protocol between xgate gateways: how a
// sealed message is delivered, and the signed answers that prove or refuse
// its delivery.
//
// # Overview
//
// The sender POSTs the sealed document (xml/secure.Seal's output,
// application/xml) to {Endpoint}/v1/transport of the recipient's directory
// entry, over HTTPS with mutual TLS 1.3. The receiver answers 200 with one
// of two signed documents:
//
//   - a Prozess.Transportquittung.900001 (BuildReceipt): the message was
//     opened, validated, authorised and stored durably. It names the
//     message (ausloeserUUID and empfangeneNachricht: nachrichtenUUID,
//     type, time of receipt) and hashwert, the SHA-256 of the sealed bytes
//     received, in lower-case hex;
//   - a Prozess.Rueckweisung.900010 (BuildRejection): the message was not
//     processed, with one rueckweisungsgrund per error (fehlercode, a
//     specific beschreibung, grundSpezifisch with rule, path and line) and
//     the original nachrichtenUUID where it could be read.
//
// Anything else — no connection, a refused handshake, a timeout, a status
// other than 200, an answer over ClientConfig.MaxAnswerBytes (Deliver:
// *TransportError), or a 200 whose body VerifyAnswer refuses
// (*AnswerError) — is a transport error: the delivery is not proven and
// the scheduler retries it. A verified Rueckweisung is final.
//
//	client, err := wire.NewClient(wire.ClientConfig{TLS: tlsPair, Roots: roots})
//	body, err := client.Deliver(ctx, partner.Endpoint, sealed)   // *TransportError
//	a, err := wire.VerifyAnswer(ctx, body, wire.Expect{Sent: sealed, UUID: id,
//	        Recipient: partner.Kennung, SigningCerts: partner.Signing, Verifier: v})
//	// a.Receipt: delivered, keep a.Raw as evidence; else rejected: a.Codes
//
// The receiving side serves ServerTLSConfig on its transport listener,
// takes ClientCert(r) to find the sender's directory entry (its TLS
// certificates, exact bytes), and answers with BuildReceipt or
// BuildRejection; a duplicate gets the stored receipt again.
//
// # Signatures
//
// Both answers are signed with xml/secure.Sign (the profile of Seal's
// signature: enveloped, exclusive c14n, rsa-sha256, RSA-3072, the
// certificate in KeyInfo) by the receiver's signing key, and carry an XML
// declaration. VerifyAnswer checks them with xml/secure.Verify — Open's
// verification code — for certs.Signing, then ties them to the delivery:
// the certificate must be one of the recipient's signing certificates in
// the directory and name the recipient's kennung, the header's autor must
// be the recipient (and leser this gateway, when Expect.Self is set), the
// type 900001 or 900010, the UUIDs the message's, the hashwert the digest
// of the bytes sent. Everything is read from the verified element only.
// errors.As(err, *AnswerError) gives the Problem (signature, signer, type,
// uuid, digest, content); for a signature or party problem the
// *errcode.Error (T010, T011, T002, T080, …) is wrapped.
//
// The answers validate with xml/validate (the verified canonical form,
// without the Signature: the schemas have no place for it). Texts in a
// Rueckweisung are reduced to DIN 91379 data type C (other characters
// become '?'), a beschreibung to 1000 characters, the reasons to
// MaxReasons (32, the schema's maxOccurs), so that a rejection of hostile
// input is itself always valid.
//
// # Transport
//
// ServerTLSConfig: TLS 1.3 only, client certificate required and verified
// against the trust roots (chain, validity, ExtKeyUsage clientAuth). The
// Client: TLS 1.3 only, the gateway's TLS key pair as client certificate,
// the partners' server certificates verified against the roots and the
// endpoint's host name; one http.Transport per Client with keep-alive
// (MaxIdlePerHost idle connections per partner), no proxy, no redirects,
// no compression; ClientConfig.Timeout bounds the whole delivery. Each
// request carries an Idempotency-Key (the SHA-256 of the sealed bytes), so
// that net/http may resend it on a kept-alive connection the server had
// closed: the receiver de-duplicates by nachrichtenUUID anyway.
//
// # Cost
//
// On the shared 2-core VM (go test ./gateway/wire -run '^$' -bench .
// -benchtime 200x, load 2–4): BuildReceipt 2.7–3.9 ms, which is one
// RSA-3072 signature (BenchmarkRawSign 2.5–3.9 ms in the same runs, ratio
// about 1.0–1.07); VerifyAnswer 0.45–0.67 ms with a *certs.Verifier, 0.22–0.48
// ms behind a secure.VerifyCache; a whole delivery on a kept-alive loopback
// connection (Deliver, the peer's Open and BuildReceipt, VerifyAnswer)
// 6–10 ms, all on one connection.
//
// # Caveats
//
//   - Signer.Address and Signer.Contact default to placeholders
//     (DefaultAddress, an address under .invalid) until the site
//     configuration carries the real ones: anschrift.autor and
//     autor/erreichbarkeit are mandatory in the schema.
//   - The Client checks the server certificate against the roots and the
//     host name, not against the recipient's directory entry: the
//     answer's signature, checked against the entry's signing
//     certificates, is what proves who answered.
//   - VerifyAnswer does not run the schema validation on the answer; it
//     reads only the fields it checks, strictly (exactly one of each).
package wire
