package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xgate/xgate/xml/errcode"
)

// The error protocol between a Deliverer and the Relay. The Relay decides
// with errors.Is and errors.As only:
//
//   - nil: delivered; the Receipt's evidence is stored.
//   - an error that Is ErrPermanent (a *Rejection, or anything wrapping
//     ErrPermanent): the partner refused the message for good (a signed
//     Rückweisung, HTTP 4xx other than 408/429). The record goes to
//     rejected; no retry.
//   - anything else is transient (connect and TLS errors, timeouts, HTTP
//     5xx, 408, 429): the record is retried with back-off, or goes to
//     failed when the route's attempts or age are exhausted. A *RetryAfter
//     in the chain sets a minimum wait; a *Transient carries a code.
var (
	// ErrPermanent marks a delivery failure that retrying cannot fix.
	ErrPermanent = errors.New("scheduler: permanent delivery failure")
	// ErrRunning is returned by Run when the Relay is already running or
	// has run.
	ErrRunning = errors.New("scheduler: relay already started")
)

// Rejection is a permanent refusal by the partner. It Is ErrPermanent.
type Rejection struct {
	// Code is the reason: the XÖV code of a Rückweisung ("X001") or the
	// transport's ("http-403"). Empty means "rejected".
	Code string
	// Evidence is the partner's signed Rückweisung or the response body
	// kept as proof; it is stored with the record.
	Evidence []byte
	// Err is the underlying error, if any.
	Err error
}

// Error reads "rejected by partner (<code>): <cause>".
func (e *Rejection) Error() string {
	s := "rejected by partner"
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Rejection) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPermanent) true.
func (e *Rejection) Is(target error) bool { return target == ErrPermanent }

// RetryAfter is a transient failure with a minimum wait, such as HTTP 429
// or 503 with a Retry-After header. The next attempt comes no earlier than
// Wait from now, and not later than the route's MaxAge allows.
type RetryAfter struct {
	Wait time.Duration
	Err  error
}

// Error reads "retry after <wait>: <cause>".
func (e *RetryAfter) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("retry after %s", e.Wait)
	}
	return fmt.Sprintf("retry after %s: %v", e.Wait, e.Err)
}

// Unwrap returns the underlying error.
func (e *RetryAfter) Unwrap() error { return e.Err }

// Transient is a transient failure with a code for the record's last
// error, such as "http-503" or "tls".
type Transient struct {
	Code string
	Err  error
}

// Error reads "<code>: <cause>".
func (e *Transient) Error() string {
	if e.Err == nil {
		return e.Code
	}
	return e.Code + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Transient) Unwrap() error { return e.Err }

// Codes the Relay puts into a record's last error when the error chain
// carries none.
const (
	CodeRejected  = "rejected"
	CodeTransport = "transport"
	CodeTimeout   = "timeout"
	CodeThrottled = "retry-after"
	CodeShutdown  = "shutdown"
)

// codeOf returns the most specific code in err's chain: a *Rejection's or
// *Transient's code, an XÖV code, then a generic one.
func codeOf(err error) string {
	var rej *Rejection
	if errors.As(err, &rej) && rej.Code != "" {
		return rej.Code
	}
	var tr *Transient
	if errors.As(err, &tr) && tr.Code != "" {
		return tr.Code
	}
	if c, ok := errcode.Of(err); ok {
		return string(c)
	}
	switch {
	case errors.Is(err, ErrPermanent):
		return CodeRejected
	case errors.As(err, new(*RetryAfter)):
		return CodeThrottled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeTransport
}
