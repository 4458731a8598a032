package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Hash is a SHA-256 digest.
type Hash [32]byte

// String renders lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros (the Prev of the first entry).
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText renders hex, for JSON.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("audit: hash %q is not 64 hex digits", b)
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// Entry is one audited event. Entries carry ids, states, codes and actors,
// never message content or personal data.
type Entry struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	RecordID  string    `json:"record_id"`
	Direction string    `json:"direction"` // "out" or "in"
	Partner   string    `json:"partner,omitempty"`
	Type      string    `json:"type,omitempty"`
	From      string    `json:"from,omitempty"` // previous state; empty on creation
	To        string    `json:"to"`
	Actor     string    `json:"actor"`
	Reason    string    `json:"reason,omitempty"`
	Code      string    `json:"code,omitempty"` // XÖV or transport error code
	Attempt   int       `json:"attempt,omitempty"`
	Prev      Hash      `json:"prev"`
	Hash      Hash      `json:"hash"`
}

// ComputeHash returns the hash e should carry given its fields and Prev.
func (e Entry) ComputeHash() Hash {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("xgate-audit-v1")
	binary.BigEndian.PutUint64(n[:], e.Seq)
	h.Write(n[:])
	put(e.Time.UTC().Format(time.RFC3339Nano))
	put(e.RecordID)
	put(e.Direction)
	put(e.Partner)
	put(e.Type)
	put(e.From)
	put(e.To)
	put(e.Actor)
	put(e.Reason)
	put(e.Code)
	binary.BigEndian.PutUint64(n[:], uint64(int64(e.Attempt)))
	h.Write(n[:])
	h.Write(e.Prev[:])
	var out Hash
	h.Sum(out[:0])
	return out
}

// Link makes e the successor of prev (nil for the first entry): it sets
// Seq, Prev and Hash and returns the completed entry.
func Link(prev *Entry, e Entry) Entry {
	if prev == nil {
		e.Seq, e.Prev = 1, Hash{}
	} else {
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	e.Hash = e.ComputeHash()
	return e
}

// Marshal encodes e for storage (JSON).
func (e Entry) Marshal() ([]byte, error) { return json.Marshal(e) }

// UnmarshalEntry decodes a stored entry.
func UnmarshalEntry(b []byte) (Entry, error) {
	var e Entry
	err := json.Unmarshal(b, &e)
	return e, err
}

// Checkpoint is a signed statement "the chain up to Seq ends in Head".
type Checkpoint struct {
	Seq       uint64    `json:"seq"`
	Head      Hash      `json:"head"`
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"` // SHA-256 fingerprint of the signing certificate
	Signature []byte    `json:"signature"`
}

// Digest is what the checkpoint's signature covers.
func (c Checkpoint) Digest() [32]byte {
	s := fmt.Sprintf("xgate-audit-checkpoint-v1\n%d\n%s\n%s\n%s\n", c.Seq, c.Head, c.Time.UTC().Format(time.RFC3339Nano), c.KeyID)
	return sha256.Sum256([]byte(s))
}
