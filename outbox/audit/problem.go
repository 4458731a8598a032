package audit

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of signing and signature verification. Verifier implementations
// wrap ErrUnknownKey or ErrBadSignature so that Verify can tell a
// checkpoint from a foreign key from a forged one.
var (
	// ErrUnknownKey is returned when a checkpoint names a key (certificate
	// fingerprint) the verifier does not know.
	ErrUnknownKey = errors.New("audit: checkpoint signed by an unknown key")
	// ErrBadSignature is returned when a checkpoint's signature does not
	// verify with the key it names.
	ErrBadSignature = errors.New("audit: checkpoint signature does not verify")
	// ErrWeakKey is returned for keys that are not RSA of at least
	// certs.MinRSABits bits.
	ErrWeakKey = errors.New("audit: key is not RSA of at least 3072 bits")
	// ErrKeyMismatch is returned when a private key does not belong to the
	// certificate it is given with.
	ErrKeyMismatch = errors.New("audit: private key does not match the certificate")
	// ErrKeyUsage is returned for a certificate whose key usage excludes
	// digital signatures.
	ErrKeyUsage = errors.New("audit: certificate is not for digital signatures")
)

// Kind says what is wrong with the audit chain.
type Kind uint8

// The kinds of problem Verify finds. Entry kinds come from the chain
// itself; checkpoint kinds from comparing the chain with its signed
// checkpoints.
const (
	// Edited: the entry's stored Hash is not the hash of its fields; a
	// field (any of them, Seq and Prev included) or the Hash was changed.
	Edited Kind = iota + 1
	// Unlinked: the entry hashes correctly but its Prev is not the Hash of
	// the entry before it: that entry was rewritten (and re-hashed) or this
	// one was replaced. Problem.From is the earlier of the two.
	Unlinked
	// Missing: the entry with this Seq is absent; the position holds a
	// later entry and no entry with this Seq follows (deleted).
	Missing
	// OutOfOrder: the position holds another entry, and the entry with
	// this Seq appears elsewhere (entries swapped or moved).
	OutOfOrder
	// Inserted: two entries claim the same Seq; one of them was inserted.
	Inserted
	// Unreadable: the stored entry cannot be decoded.
	Unreadable
	// Truncated: the chain ends before the Seq of a valid checkpoint; the
	// entries from Seq on were deleted.
	Truncated
	// HeadMismatch: a validly signed checkpoint says the chain ends in
	// another hash at its Seq: entries between the previous matching
	// checkpoint (Problem.From) and this Seq were rewritten, for instance
	// a tail replaced and re-hashed.
	HeadMismatch
	// BadSignature: a checkpoint's signature does not verify (forged or
	// altered checkpoint).
	BadSignature
	// UnknownKey: a checkpoint names a key the verifier does not know
	// (signed by another key).
	UnknownKey
)

var kindNames = [...]string{
	Edited:       "edited",
	Unlinked:     "unlinked",
	Missing:      "missing",
	OutOfOrder:   "out-of-order",
	Inserted:     "inserted",
	Unreadable:   "unreadable",
	Truncated:    "truncated",
	HeadMismatch: "head-mismatch",
	BadSignature: "bad-signature",
	UnknownKey:   "unknown-key",
}

// String returns the kind's name, as in JSON ("edited", "missing", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText renders the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText parses a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n != "" && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("audit: unknown problem kind %q", b)
}

// Checkpoint reports whether the kind is about a checkpoint rather than
// an entry of the chain.
func (k Kind) Checkpoint() bool { return k >= Truncated }

// Problem is the first thing wrong with an audit chain. It is an error;
// callers tell kinds apart with errors.As and Problem.Kind.
type Problem struct {
	// Kind says what is wrong.
	Kind Kind `json:"kind"`
	// Seq is the chain position where the problem shows: the first bad
	// entry for entry kinds, the first missing entry for Truncated, the
	// checkpoint's Seq for checkpoint kinds.
	Seq uint64 `json:"seq"`
	// From is the earliest position that may hold the first bad entry:
	// Seq for most kinds, Seq-1 for Unlinked, the entry after the last
	// matching checkpoint for HeadMismatch.
	From uint64 `json:"from"`
	// RecordID is the record of the bad entry, when known: for Missing it
	// is empty (the entry is gone), for OutOfOrder it is that of entry Seq
	// where it was found, else that of the entry found at position Seq.
	RecordID string `json:"record_id,omitempty"`
	// Found is the entry found at position Seq (nil for Truncated and
	// checkpoint kinds).
	Found *Entry `json:"found,omitempty"`
	// Checkpoint is the checkpoint involved, for checkpoint kinds.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// Detail says in words what was found.
	Detail string `json:"detail"`
	// Err is the underlying error (a decoding or signature error), if any.
	Err error `json:"-"`
}

// Error renders "audit: entry 5 (record R): edited: detail".
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString("audit: ")
	if p.Kind.Checkpoint() && p.Kind != Truncated {
		fmt.Fprintf(&b, "checkpoint at entry %d", p.Seq)
	} else {
		fmt.Fprintf(&b, "entry %d", p.Seq)
	}
	if p.RecordID != "" {
		fmt.Fprintf(&b, " (record %s)", p.RecordID)
	}
	fmt.Fprintf(&b, ": %s", p.Kind)
	if p.Detail != "" {
		fmt.Fprintf(&b, ": %s", p.Detail)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (p *Problem) Unwrap() error { return p.Err }

// DecodeError is yielded by an entry source for a stored entry it cannot
// decode; Verify reports it as an Unreadable problem at that position and
// goes on. Any other error from the source stops Verify.
type DecodeError struct {
	// Key is the storage key of the entry (its Seq), if known.
	Key uint64
	// Err is the decoding error.
	Err error
}

// Error names the key and the decoding error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("audit: entry at key %d cannot be decoded: %v", e.Key, e.Err)
}

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }
