// Package audit is the outbox's append-only evidence: every state change
// is an Entry hashed together with its predecessor's hash (SHA-256), and
// every N entries or M minutes the head is signed by the gateway's signing
// key (a Checkpoint). Verify checks a chain and its checkpoints and names
// the first bad entry; Export writes both for an auditor.
//
// # Overview
//
// Stores append entries inside the transaction of the state change they
// record: Link computes Seq, Prev and Hash from the previous entry. When a
// Checkpointer says one is due, the store signs the new head with
// NewCheckpoint and an RSASigner and keeps the Checkpoint beside the chain.
//
// Editing an entry breaks its hash; deleting, inserting or reordering
// entries breaks the Seq numbering or the Prev links; cutting off the tail
// leaves a checkpoint pointing past the end; replacing the tail with a
// freshly hashed one leaves a checkpoint whose signed Head no longer
// matches; and a checkpoint cannot be forged without the signing key.
// Verify reports the first of these by chain position as a Problem with a
// Kind (Edited, Unlinked, Missing, OutOfOrder, Inserted, Unreadable,
// Truncated, HeadMismatch, BadSignature, UnknownKey).
//
// # Algorithm (for reimplementation by an auditor)
//
// All integers are unsigned 64-bit big-endian (8 bytes). A string s is
// written as len(s) in bytes (8 bytes) followed by its UTF-8 bytes. An
// entry's hash is SHA-256 over, in this order:
//
//	string  "xgate-audit-v1"
//	uint64  seq
//	string  time: UTC, RFC 3339 with nanoseconds and trailing zeros of the
//	        fraction removed (Go's time.RFC3339Nano), e.g.
//	        "2026-03-01T09:30:00.5Z", "2026-03-01T09:30:00Z"; in an export
//	        this is exactly the "time" member
//	string  record_id, direction, partner, type, from, to, actor, reason,
//	        code (in this order; a member absent from the JSON is "")
//	uint64  attempt (as two's complement if negative; absent is 0)
//	32 raw bytes: prev (the hex "prev" member decoded)
//
// The chain is valid when the n-th entry (from 1) has seq n, prev equal to
// the hash of entry n-1 (32 zero bytes for entry 1) and hash equal to the
// SHA-256 above.
//
// A checkpoint says "the chain up to seq ends in head". Its signature is
// RSASSA-PSS (RFC 8017) with SHA-256, MGF1-SHA-256 and a 32-byte salt,
// over the SHA-256 of the text
//
//	"xgate-audit-checkpoint-v1\n" seq "\n" head "\n" time "\n" key_id "\n"
//
// with seq in decimal, head as 64 lower-case hex digits, time as above,
// and key_id the SHA-256 fingerprint of the signing certificate's DER in
// lower-case hex. With the text in cp.txt, the signature (base64 in JSON)
// in sig.bin and the certificate in cert.pem:
//
//	openssl x509 -in cert.pem -pubkey -noout > pub.pem
//	openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
//	    -verify pub.pem -signature sig.bin cp.txt
//
// A checkpoint holds when its signature verifies with a trusted
// certificate and the entry with its seq exists and has its head as hash.
//
// The export (FormatJSON) is one JSON object; see FormatJSON. The
// reference reimplementation used in the tests, testdata/reverify.py,
// needs only the Python standard library and openssl.
//
// PSS was chosen over PKCS#1 v1.5 because the format is ours (no XML-DSig
// constraint applies) and BSI TR-02102-1 recommends PSS for new systems;
// the key is the gateway's RSA-3072 signing key, used through
// crypto.Signer so that it may live in an HSM.
//
// # Caveats
//
// Entries after the last checkpoint are protected only by the chain: an
// attacker who can write the store can delete them or rewrite them
// consistently, and nothing shows. Report.Sealed says how far the
// signatures reach; the checkpoint policy bounds the unsealed tail.
// Cutting off the tail together with the checkpoints that seal it leaves
// a store that looks like an earlier, genuine one: only a checkpoint kept
// elsewhere shows it. Pass the checkpoints of an earlier export along
// (xgate audit verify --anchor), and keep exports outside the gateway.
// Without a Verifier, Verify compares the checkpoints' heads but cannot
// tell a genuine checkpoint from one an attacker wrote with the rewritten
// chain.
//
// A chain must start at Seq 1: pruning old entries is not supported.
//
// When an entry check fails, Verify does not compare later checkpoints
// (the chain they seal is already broken) and does not look for further
// problems: it reports the first. For Unlinked the bad entry is Seq or the
// one before it (Problem.From); for HeadMismatch it is somewhere between
// From and Seq, since a consistent rewrite hides where it began.
package audit
