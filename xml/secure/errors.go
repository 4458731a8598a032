package secure

import (
	"errors"
	"fmt"

	"github.com/xgate/xgate/xml/errcode"
)

// Operation names carried in errcode.Error.Op.
const (
	opSeal   = "seal"
	opOpen   = "open"
	opSign   = "sign"
	opVerify = "verify"
)

// ErrInvalidOptions is wrapped (inside an S999 *errcode.Error) by the
// errors of Seal and Open for options that are missing or inconsistent: a
// configuration mistake, not a finding about the message.
var ErrInvalidOptions = errors.New("secure: invalid options")

func failf(code errcode.Code, op, format string, args ...any) *errcode.Error {
	return &errcode.Error{Code: code, Op: op, Detail: fmt.Sprintf(format, args...)}
}

func failWrap(code errcode.Code, op string, err error, format string, args ...any) *errcode.Error {
	return &errcode.Error{Code: code, Op: op, Detail: fmt.Sprintf(format, args...), Err: err}
}

// asCoded returns err as an *errcode.Error: one already in the chain keeps
// its code and gets op when it has none; anything else becomes def.
func asCoded(err error, def errcode.Code, op, detail string) *errcode.Error {
	var e *errcode.Error
	if errors.As(err, &e) {
		c := *e
		if c.Op == "" {
			c.Op = op
		}
		if c.Detail == "" {
			c.Detail = detail
		}
		return &c
	}
	return &errcode.Error{Code: def, Op: op, Detail: detail, Err: err}
}

// invalidOptions reports a configuration mistake as S999 wrapping
// ErrInvalidOptions, so that errors.Is(err, ErrInvalidOptions) holds.
func invalidOptions(op, format string, args ...any) *errcode.Error {
	return &errcode.Error{Code: errcode.Other, Op: op, Detail: fmt.Sprintf(format, args...), Err: ErrInvalidOptions}
}
