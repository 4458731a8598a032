package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xgate/xgate/outbox"
)

// formatVersion is stored under meta/format; Open refuses other values.
const formatVersion = "xgate-outbox-1"

// Bucket names; doc.go describes their keys and values.
var (
	bktMeta        = []byte("meta")
	bktRecords     = []byte("records")
	bktIDs         = []byte("ids")
	bktBodies      = []byte("bodies")
	bktByState     = []byte("by_state")
	bktByPartner   = []byte("by_partner")
	bktByOrder     = []byte("by_order")
	bktDue         = []byte("due")
	bktCounts      = []byte("counts")
	bktDedup       = []byte("dedup")
	bktDedupByTime = []byte("dedup_by_time")
	bktAudit       = []byte("audit")
	bktAuditByRec  = []byte("audit_by_record")
	bktCheckpoints = []byte("checkpoints")

	allBuckets = [][]byte{bktMeta, bktRecords, bktIDs, bktBodies, bktByState, bktByPartner, bktByOrder,
		bktDue, bktCounts, bktDedup, bktDedupByTime, bktAudit, bktAuditByRec, bktCheckpoints}

	keyFormat = []byte("format")
)

// Body kinds, the last byte of a bodies key.
const (
	bodySealed   byte = 's'
	bodyEvidence byte = 'e'
	bodyOpened   byte = 'o'
	bodyReceipt  byte = 'r'
)

// dirByte is the first byte of a records key.
func dirByte(d outbox.Direction) byte {
	if d == outbox.DirIn {
		return 'i'
	}
	return 'o'
}

// Keys are built fresh for every Put: bbolt keeps the slice until commit.

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// timeBits maps a time to an unsigned integer that sorts like the time.
func timeBits(t time.Time) uint64 { return uint64(t.UnixNano()) ^ (1 << 63) }

func bitsTime(v uint64) time.Time { return time.Unix(0, int64(v^(1<<63))).UTC() }

// recKey is the records key of the record with that Seq.
func recKey(seq uint64) []byte { return u64(seq) }

// idKey is the ids key of a record: Dir+ID.
func idKey(d outbox.Direction, id string) []byte {
	k := make([]byte, 0, 1+len(id))
	return append(append(k, dirByte(d)), id...)
}

func bodyKey(seq uint64, kind byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 9), seq), kind)
}

// seqOf returns the Seq that ends an index key.
func seqOf(k []byte) uint64 { return binary.BigEndian.Uint64(k[len(k)-8:]) }

// empty is the value of index entries whose key says it all.
var empty = []byte{}

func stateKey(s outbox.State, seq uint64) []byte {
	k := make([]byte, 0, len(s)+9)
	k = append(append(k, s...), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func statePrefix(s outbox.State) []byte { return append([]byte(s), 0) }

func partnerKey(p string, seq uint64) []byte {
	k := make([]byte, 0, len(p)+9)
	k = append(append(k, p...), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func orderPrefix(partner, key string) []byte {
	k := make([]byte, 0, len(partner)+len(key)+10)
	k = append(append(k, partner...), 0)
	return append(append(k, key...), 0)
}

func orderKey(partner, key string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(orderPrefix(partner, key), seq)
}

func duePrefix(partner string) []byte { return append([]byte(partner), 0) }

func dueKey(partner string, t time.Time, seq uint64) []byte {
	k := duePrefix(partner)
	k = binary.BigEndian.AppendUint64(k, timeBits(t))
	return binary.BigEndian.AppendUint64(k, seq)
}

// parseDueKey splits a due key into partner, time and seq.
func parseDueKey(k []byte) (partner string, t time.Time, seq uint64, ok bool) {
	i := bytes.IndexByte(k, 0)
	if i < 0 || len(k) != i+17 {
		return "", time.Time{}, 0, false
	}
	return string(k[:i]), bitsTime(binary.BigEndian.Uint64(k[i+1:])), binary.BigEndian.Uint64(k[i+9:]), true
}

func dedupTimeKey(t time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), timeBits(t))
	return append(k, id...)
}

func histPrefix(d outbox.Direction, id string) []byte {
	return append(idKey(d, id), 0)
}

func histKey(d outbox.Direction, id string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(histPrefix(d, id), seq)
}

// storedLease is the lease as stored.
type storedLease struct {
	Owner string    `json:"owner"`
	Token uint64    `json:"token"`
	Until time.Time `json:"until"`
}

// stored is a record as kept in the records bucket: everything but the
// bodies, plus the key of its due entry.
type stored struct {
	Dir       outbox.Direction `json:"dir"`
	ID        string           `json:"id"`
	Partner   string           `json:"partner"`
	Type      string           `json:"type,omitempty"`
	Key       string           `json:"key,omitempty"`
	Seq       uint64           `json:"seq"`
	State     outbox.State     `json:"state"`
	Attempts  int              `json:"attempts,omitempty"`
	Next      time.Time        `json:"next"`
	ErrCode   string           `json:"err_code,omitempty"`
	ErrText   string           `json:"err_text,omitempty"`
	HasErr    bool             `json:"has_err,omitempty"`
	Created   time.Time        `json:"created"`
	Replayed  *time.Time       `json:"replayed,omitempty"` // latest operator replay
	Updated   time.Time        `json:"updated"`
	Ausloeser string           `json:"ausloeser,omitempty"`
	Deadline  *time.Time       `json:"deadline,omitempty"`
	Lease     *storedLease     `json:"lease,omitempty"`
	// Due is the time of this record's entry in the due bucket; nil when it
	// has none (not claimable, or waiting behind an earlier record).
	Due *time.Time `json:"due,omitempty"`
}

func decodeStored(v []byte) (*stored, error) {
	r := new(stored)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return r, nil
}

func (r *stored) encode() ([]byte, error) { return json.Marshal(r) }

// active reports whether an outbound record in state s takes part in
// ordering: it blocks later records of its (partner, key).
func active(s outbox.State) bool { return s == outbox.StateQueued || s == outbox.StateSending }

// record converts to the public type (without bodies).
func (r *stored) record() outbox.Record {
	rec := outbox.Record{
		ID:            r.ID,
		Direction:     r.Dir,
		Partner:       r.Partner,
		Type:          r.Type,
		OrderingKey:   r.Key,
		Seq:           r.Seq,
		State:         r.State,
		Attempts:      r.Attempts,
		NextAttempt:   r.Next,
		Created:       r.Created,
		Queued:        r.Created,
		Updated:       r.Updated,
		AusloeserUUID: r.Ausloeser,
	}
	if r.HasErr {
		rec.LastError = &outbox.ErrorInfo{Code: r.ErrCode, Text: r.ErrText}
	}
	if r.Deadline != nil {
		rec.AnswerDeadline = *r.Deadline
	}
	if r.Replayed != nil {
		rec.Queued = *r.Replayed
	}
	if r.Lease != nil {
		rec.Lease = &outbox.Lease{Owner: r.Lease.Owner, Token: r.Lease.Token, Until: r.Lease.Until}
	}
	return rec
}

func (r *stored) setErr(e outbox.ErrorInfo) {
	r.HasErr, r.ErrCode, r.ErrText = true, e.Code, e.Text
}

func timePtr(t time.Time) *time.Time { return &t }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
