package admin

import (
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// The admin API's JSON shapes. Times are RFC 3339 with nanoseconds (Go's
// time.Time encoding), so that records, audit entries and checkpoints
// arrive exactly as the store returned them: an audit entry's hash covers
// its time to the nanosecond. Byte fields are base64; null and "" are
// kept apart (a nil body and an empty one).

// APIVersion is the version of the admin API that Info reports; a
// client refuses a server that speaks another.
const APIVersion = "xgate-admin/1"

// Paths of the admin API.
const (
	pathInfo        = "/v1/admin/info"
	pathRecords     = "/v1/admin/records"
	pathStats       = "/v1/admin/stats"
	pathCheck       = "/v1/admin/check"
	pathEntries     = "/v1/admin/audit/entries"
	pathCheckpoints = "/v1/admin/audit/checkpoints"
)

// Info is what GET /v1/admin/info answers: the API version and the store
// the daemon serves.
type Info struct {
	// API is APIVersion.
	API string `json:"api"`
	// Store names the store the daemon serves: the absolute path of its
	// bbolt file, or "" (a database, or not configured). The CLI's
	// auto-detection uses the socket beside a store file only if this is
	// that file.
	Store string `json:"store"`
}

type recordWire struct {
	ID             string         `json:"id"`
	Direction      string         `json:"direction"`
	Partner        string         `json:"partner"`
	Type           string         `json:"type"`
	OrderingKey    string         `json:"ordering_key"`
	Seq            uint64         `json:"seq"`
	State          string         `json:"state"`
	Attempts       int            `json:"attempts"`
	NextAttempt    time.Time      `json:"next_attempt"`
	LastError      *errorInfoWire `json:"last_error"`
	Created        time.Time      `json:"created"`
	Queued         time.Time      `json:"queued"`
	Updated        time.Time      `json:"updated"`
	Sealed         []byte         `json:"sealed"`
	Evidence       []byte         `json:"evidence"`
	Opened         []byte         `json:"opened"`
	Receipt        []byte         `json:"receipt"`
	AusloeserUUID  string         `json:"ausloeser_uuid"`
	AnswerDeadline time.Time      `json:"answer_deadline"`
	Lease          *leaseWire     `json:"lease"`
}

type errorInfoWire struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

type leaseWire struct {
	Owner string    `json:"owner"`
	Token uint64    `json:"token"`
	Until time.Time `json:"until"`
}

func toWire(r outbox.Record) recordWire {
	w := recordWire{ID: r.ID, Direction: string(r.Direction), Partner: r.Partner, Type: r.Type, OrderingKey: r.OrderingKey,
		Seq: r.Seq, State: string(r.State), Attempts: r.Attempts, NextAttempt: r.NextAttempt, Created: r.Created,
		Queued: r.Queued, Updated: r.Updated, Sealed: r.Sealed, Evidence: r.Evidence, Opened: r.Opened, Receipt: r.Receipt,
		AusloeserUUID: r.AusloeserUUID, AnswerDeadline: r.AnswerDeadline}
	if r.LastError != nil {
		w.LastError = &errorInfoWire{Code: r.LastError.Code, Text: r.LastError.Text}
	}
	if r.Lease != nil {
		w.Lease = &leaseWire{Owner: r.Lease.Owner, Token: r.Lease.Token, Until: r.Lease.Until}
	}
	return w
}

func (w recordWire) record() outbox.Record {
	r := outbox.Record{ID: w.ID, Direction: outbox.Direction(w.Direction), Partner: w.Partner, Type: w.Type, OrderingKey: w.OrderingKey,
		Seq: w.Seq, State: outbox.State(w.State), Attempts: w.Attempts, NextAttempt: w.NextAttempt, Created: w.Created,
		Queued: w.Queued, Updated: w.Updated, Sealed: w.Sealed, Evidence: w.Evidence, Opened: w.Opened, Receipt: w.Receipt,
		AusloeserUUID: w.AusloeserUUID, AnswerDeadline: w.AnswerDeadline}
	if w.LastError != nil {
		r.LastError = &outbox.ErrorInfo{Code: w.LastError.Code, Text: w.LastError.Text}
	}
	if w.Lease != nil {
		r.Lease = &outbox.Lease{Owner: w.Lease.Owner, Token: w.Lease.Token, Until: w.Lease.Until}
	}
	return r
}

type statsWire struct {
	Outbound     map[outbox.State]int `json:"outbound"`
	Inbound      map[outbox.State]int `json:"inbound"`
	OldestQueued time.Time            `json:"oldest_queued"`
	SizeBytes    int64                `json:"size_bytes"`
}

// actionWire is the body of POST /v1/admin/records/{id}/actions. The
// server sets the time from its own clock.
type actionWire struct {
	To     string `json:"to"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

type checkWire struct {
	Problems []string `json:"problems"`
}

// streamLine is one line of the audit entry stream (JSON lines): an
// entry, or the last line, which is either end (with the number of
// entries sent) or error. A stream without its last line was cut off.
type streamLine struct {
	Entry *audit.Entry `json:"entry,omitempty"`
	End   *streamEnd   `json:"end,omitempty"`
	Error *problem     `json:"error,omitempty"`
}

type streamEnd struct {
	Count uint64 `json:"count"`
}

// problem is an error answer (application/problem+json, RFC 9457) with
// the fields the client maps back to the outbox's errors.
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Code is one of the code* constants.
	Code string `json:"code"`
	// ID, From and To describe a refused transition (code "transition").
	ID   string `json:"id,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Key is the storage key of an undecodable audit entry (code "decode").
	Key uint64 `json:"key,omitempty"`
}

// Problem codes.
const (
	codeNotFound     = "not-found"
	codeTransition   = "transition"
	codeReadOnly     = "read-only"
	codeStoreFull    = "store-full"
	codeClosed       = "closed"
	codeDecode       = "decode"
	codeNoCheck      = "no-check"
	codeBadRequest   = "bad-request"
	codeUnauthorized = "unauthorized"
	codeForbidden    = "forbidden"
	codeInternal     = "internal"
)
