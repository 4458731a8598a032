// Package directory is xgate's signed routing directory (our DVDV): who the
// participants are, where their gateways listen, their signing, encryption
// and TLS certificates, and which message types each may send to whom.
// Authorisation comes from it.
//
// # Overview
//
// A Directory is a serial number, its validity (Issued, NotAfter) and the
// Participants. A Participant has a kennung, a role, a name, an https
// Endpoint (messages go to Endpoint + /v1/transport), a Dialect (""
// native, else an adapter name), a key-transport Profile, its certificates
// (Signing; Encryption, current and next during a rollover; TLS) and Sends,
// the Permissions: message types ("090001" or *) to recipients (a kennung,
// a role name, or *).
//
//	d, err := directory.Verify(ctx, signedBytes, verifier, now)
//	err = d.Authorize(sender, recipient, "090001") // nil, or T070 / T080
//	p, ok := d.Lookup(recipient)                  // p.EncryptionCerts(), p.TransportURL()
//	ok = p.HasTLSCert(peerCert)                   // byte-for-byte
//
// Authorize answers with *errcode.Error values (Op "authorize"): T070 for a
// sender not in the directory or a type it may not send to that recipient,
// T080 for a recipient not in the directory.
//
// # The document
//
// Marshal writes a directory as XML in the namespace urn:xgate:directory:1
// (see Marshal for the shape), certificates as base64 DER; Sign signs it
// with the directory authority's key (secure.Sign: XML-DSig enveloped,
// exclusive c14n, rsa-sha256, the certificate in KeyInfo); Verify checks it
// (secure.Verify with certs.Directory, then the content, then the dates).
// The directory authority is the certificate with the purpose
// certs.Directory (certs.OIDDirectoryPolicy) that certs/devpki makes; a
// participant's signing certificate cannot sign a directory (Sign refuses
// it with ErrNotAuthority, Verify with T002).
//
// Verify refuses: an unsigned document (T010), a changed one (T011), a
// signer not fit for certs.Directory or not chaining to the trusted roots
// (T002), a revoked or expired signer (T001, T000), malformed XML (X000);
// then content that Validate refuses (ErrInvalid: unknown elements or
// attributes, a kennung twice, a signing certificate that does not name
// its participant's kennung, a certificate listed for two participants, an
// endpoint that is not https, …), read only from the bytes the signature
// covers; then an edition past its NotAfter (ErrExpired) or issued more
// than ClockSkew in the future (ErrNotYetValid).
//
// FromPKI makes the development directory of a certs/devpki PKI: every
// participant, the endpoints given, permissions from the catalogue's
// From/To roles, and the conformance test participant allowed to send
// every type to everyone and to receive every type.
//
// # Source
//
// A Source keeps a gateway's current directory: Load at start (an error
// means the daemon must not start), Reload on SIGHUP and from Run
// periodically. A failed reload — unreadable, unsigned, badly signed,
// expired, older than the edition in use (ErrRollback: a lower serial, or
// the same serial with other content) — keeps the last good directory,
// logs (with the XÖV code when there is one) and counts; Status has the
// serial, dates, last error and code, failures, reloads and whether the
// edition in use has expired. Current returns the last good directory;
// Fresh returns it only while it is valid (NotAfter, and the maximum age of
// SetMaxAge): route only with a fresh one.
//
// # Caveats
//
//   - The document is bounded by xml/message's limits (16 MiB, 20,000
//     elements): about 2,000 participants with three certificates each.
//   - Lookup is a linear scan; fine for the tens of partners of a site, not
//     for the whole DVDV.
//   - Participants' certificates are not verified when the directory is
//     loaded; they are checked where they are used (message signatures by
//     xml/secure, TLS by the handshake, encryption by Seal).
package directory
