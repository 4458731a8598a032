package pgstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// metaCols are the columns of a record without its bodies, in the order
// scanRecord reads them; bodyCols follow when bodies are wanted.
const (
	metaCols = `seq, dir, id, partner, type, okey, state, attempts, next_attempt, err_code, err_text,
	created, queued, updated, ausloeser, deadline, lease_owner, lease_token, lease_until`
	bodyCols = `sealed, evidence, opened, receipt`
)

// cols returns the column list for a record, with bodies or not.
func cols(withBodies bool) string {
	if withBodies {
		return metaCols + ", " + bodyCols
	}
	return metaCols
}

// scanRecord reads a row of cols(withBodies), plus extra destinations.
func scanRecord(row pgx.Row, withBodies bool, extra ...any) (outbox.Record, error) {
	var (
		r                  outbox.Record
		dir, state         string
		errCode, errText   *string
		deadline, until    *time.Time
		owner              *string
		token              *int64
		sealed, evidence   []byte
		opened, receipt    []byte
		seq                int64
		next, created      time.Time
		queued, updatedAt  time.Time
		partner, typ, okey string
	)
	dest := []any{&seq, &dir, &r.ID, &partner, &typ, &okey, &state, &r.Attempts, &next, &errCode, &errText,
		&created, &queued, &updatedAt, &r.AusloeserUUID, &deadline, &owner, &token, &until}
	if withBodies {
		dest = append(dest, &sealed, &evidence, &opened, &receipt)
	}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return r, err
	}
	r.Seq = uint64(seq)
	r.Direction, r.State = outbox.Direction(dir), outbox.State(state)
	r.Partner, r.Type = partner, typ
	if r.Direction == outbox.DirOut {
		r.OrderingKey = okey
	}
	r.NextAttempt, r.Created, r.Queued, r.Updated = next.UTC(), created.UTC(), queued.UTC(), updatedAt.UTC()
	if errCode != nil && errText != nil {
		r.LastError = &outbox.ErrorInfo{Code: *errCode, Text: *errText}
	}
	if deadline != nil {
		r.AnswerDeadline = deadline.UTC()
	}
	if owner != nil && token != nil && until != nil {
		r.Lease = &outbox.Lease{Owner: *owner, Token: uint64(*token), Until: until.UTC()}
	}
	if withBodies {
		r.Sealed, r.Evidence, r.Opened, r.Receipt = sealed, evidence, opened, receipt
	}
	return r, nil
}

// pendingEntry is an audit entry before it is linked: what the state
// change knows. Entries built in SQL (jsonb_build_object) use the same
// keys.
type pendingEntry struct {
	T       string `json:"t"` // time, RFC 3339 with nanoseconds, UTC
	ID      string `json:"id"`
	Dir     string `json:"dir"`
	Partner string `json:"partner,omitempty"`
	Type    string `json:"type,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to"`
	Actor   string `json:"actor"`
	Reason  string `json:"reason,omitempty"`
	Code    string `json:"code,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
}

// entryTime renders t as the audit chain hashes it.
func entryTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// pendingJSON encodes entries as one pending row.
func pendingJSON(es ...pendingEntry) string {
	b, err := json.Marshal(es)
	if err != nil {
		panic(err) // strings and ints only
	}
	return string(b)
}

// decodePending returns the entries of one pending row.
func decodePending(id int64, b []byte) ([]audit.Entry, error) {
	var ps []pendingEntry
	if err := json.Unmarshal(b, &ps); err != nil {
		return nil, fmt.Errorf("pgstore: pending audit row %d: %w", id, err)
	}
	out := make([]audit.Entry, len(ps))
	for i, p := range ps {
		t, err := time.Parse(time.RFC3339Nano, p.T)
		if err != nil {
			return nil, fmt.Errorf("pgstore: pending audit row %d: %w", id, err)
		}
		out[i] = audit.Entry{Time: t.UTC(), RecordID: p.ID, Direction: p.Dir, Partner: p.Partner, Type: p.Type,
			From: p.From, To: p.To, Actor: p.Actor, Reason: p.Reason, Code: p.Code, Attempt: p.Attempt}
	}
	return out, nil
}

// splitTime splits t into the microseconds timestamptz keeps and the
// nanoseconds below them.
func splitTime(t time.Time) (time.Time, int32) {
	t = t.UTC()
	us := t.Truncate(time.Microsecond)
	return us, int32(t.Sub(us))
}

// joinTime is the inverse of splitTime.
func joinTime(us time.Time, ns int32) time.Time { return us.UTC().Add(time.Duration(ns)) }

// auditCols are the columns of an audit entry, in scanEntry's order.
const auditCols = `seq, at, at_ns, record_id, direction, partner, type, from_state, to_state, actor, reason, code, attempt, prev, hash`

func scanEntry(row pgx.Row) (audit.Entry, error) {
	var (
		e          audit.Entry
		seq        int64
		at         time.Time
		ns         int32
		prev, hash []byte
	)
	if err := row.Scan(&seq, &at, &ns, &e.RecordID, &e.Direction, &e.Partner, &e.Type, &e.From, &e.To, &e.Actor,
		&e.Reason, &e.Code, &e.Attempt, &prev, &hash); err != nil {
		return e, err
	}
	e.Seq, e.Time = uint64(seq), joinTime(at, ns)
	if len(prev) != len(e.Prev) || len(hash) != len(e.Hash) {
		return e, &audit.DecodeError{Key: e.Seq, Err: fmt.Errorf("prev or hash is not %d bytes", len(e.Hash))}
	}
	copy(e.Prev[:], prev)
	copy(e.Hash[:], hash)
	return e, nil
}

// maxIDLen bounds IDs, partner names, ordering keys and owners.
const maxIDLen = 512

func checkName(what, v string, required bool) error {
	switch {
	case v == "" && required:
		return invalid("%s is empty", what)
	case len(v) > maxIDLen:
		return invalid("%s is longer than %d bytes", what, maxIDLen)
	case strings.IndexByte(v, 0) >= 0:
		return invalid("%s contains a NUL byte", what)
	}
	return nil
}

// invalidError reports bad arguments (an empty ID, a zero lease).
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return "outbox: " + e.msg }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

// text makes s storable as PostgreSQL text: invalid UTF-8 becomes U+FFFD
// and NUL bytes are dropped. Error texts come from partners' responses
// and may hold anything; a Settle must not fail on them.
func text(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nonNilStrings makes a nil list an empty one: a NULL array would match
// nothing in the queries.
func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
