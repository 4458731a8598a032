package admin

import (
	"errors"
	"fmt"
)

// Errors of the Client. Errors the server reports for the store are
// mapped back to the outbox's own (outbox.ErrNotFound,
// *outbox.TransitionError, outbox.ErrReadOnly, outbox.ErrStoreFull,
// outbox.ErrClosed, *audit.DecodeError, ErrNoCheck), so that callers
// cannot tell a remote store from a local one by its errors.
var (
	// ErrUnavailable is wrapped by every error that means the daemon did
	// not answer: nothing listens at the address, the connection broke,
	// a call or a stream stalled for longer than the timeout, or the
	// server is not an xgate admin API. The CLI exits 4 on it. An action
	// whose answer was lost may or may not have been done.
	ErrUnavailable = errors.New("admin: the daemon does not answer")
	// ErrBadServer is wrapped by Dial's error for a server address it
	// cannot use (a usage error).
	ErrBadServer = errors.New("admin: bad server address")
	// ErrUnauthorized is returned when the server refuses the token.
	ErrUnauthorized = errors.New("admin: the admin API refused the token")
)

// ServerError is an error answer of the admin API that maps to none of
// the outbox's errors: a failed store, a refused request.
type ServerError struct {
	// Status is the HTTP status.
	Status int
	// Code is the problem code ("internal", "bad-request", "forbidden").
	Code string
	// Title and Detail describe it.
	Title, Detail string
}

func (e *ServerError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("admin API: %s: %s", e.Title, e.Detail)
	}
	return "admin API: " + e.Title
}
