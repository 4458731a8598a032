package outbox

import (
	"errors"
	"fmt"
)

// Errors a Store returns. Backends translate their native errors to these
// (bbolt's ErrMaxSizeReached → ErrStoreFull, a unique violation →
// ErrDuplicate), so callers decide with errors.Is alone.
var (
	// ErrNotFound is returned when no record has the given ID.
	ErrNotFound = errors.New("outbox: record not found")
	// ErrDuplicate is returned by Enqueue and Receive when a record with
	// that ID (nachrichtenUUID) already exists. Receive returns it together
	// with the stored record, whose Receipt is sent again.
	ErrDuplicate = errors.New("outbox: duplicate nachrichtenUUID")
	// ErrLeaseLost is returned by Settle when the record is no longer
	// claimed under the given lease (it expired and was claimed again, or
	// an operator changed it).
	ErrLeaseLost = errors.New("outbox: lease lost")
	// ErrStoreFull is returned when the store has reached its size limit.
	// Nothing was written; the caller answers 503 and retries later.
	ErrStoreFull = errors.New("outbox: store full")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("outbox: store closed")
	// ErrReadOnly is returned by writing methods of a store opened read-only.
	ErrReadOnly = errors.New("outbox: store opened read-only")
)

// TransitionError is returned when the state machine does not allow a
// requested change, e.g. replaying a delivered record.
type TransitionError struct {
	ID       string
	From, To State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("outbox: record %s cannot go from %s to %s", e.ID, e.From, e.To)
}
