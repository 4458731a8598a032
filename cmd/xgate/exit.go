package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xgate/xgate/gateway/admin"
)

// Exit codes: the same table for every verb (doc.go, exitTable).
const (
	exitOK          = 0
	exitError       = 1 // the operation failed (I/O, a refused action, interrupted)
	exitUsage       = 2 // bad flags or arguments, a named input that cannot be read
	exitFailed      = 3 // verification or validation failed: the answer is "no"
	exitUnavailable = 4 // a resource is busy or unavailable: locked store, daemon down
)

// exitCodeDoc is one row of the exit-code table.
type exitCodeDoc struct {
	code int
	text string
}

// exitTable is the exit-code table of xgate --help and doc.go.
func exitTable() []exitCodeDoc {
	return []exitCodeDoc{
		{exitOK, "ok"},
		{exitError, "operational error: I/O, a refused action, interrupted by a signal"},
		{exitUsage, "usage error: unknown verb or flag, bad value, missing argument, an input file that cannot be read"},
		{exitFailed, "verification or validation failed: invalid message, tampered audit chain, failed check, failed certificate check"},
		{exitUnavailable, "resource busy or unavailable: the store is locked by a running daemon, the daemon is down"},
	}
}

// exitErr carries an exit code through cobra's RunE. A nil err means the
// command already wrote what there is to say.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitErr) Unwrap() error { return e.err }

// usageError is a usage mistake (exit 2), in the words of the message.
func usageError(format string, args ...any) error {
	return &exitErr{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failedError is a "no" from a verification or validation (exit 3).
func failedError(format string, args ...any) error {
	return &exitErr{code: exitFailed, err: fmt.Errorf(format, args...)}
}

// withExit wraps err so that the process exits with code.
func withExit(code int, err error) error { return &exitErr{code: code, err: err} }

// silentExit ends the command with code without printing anything more
// (the command already wrote its findings).
func silentExit(code int) error { return &exitErr{code: code} }

// Usage-error constructors shared by every verb, so that the same
// mistake reads the same everywhere (smallstep's errs.*).

// errRequired: a required flag is missing.
func errRequired(flag string) error { return usageError("--%s is required", flag) }

// errExclusive: two flags that exclude each other were both given.
func errExclusive(a, b string) error { return usageError("give --%s or --%s, not both", a, b) }

// errNeeds: flag a makes sense only with flag b.
func errNeeds(a, b string) error { return usageError("--%s needs --%s", a, b) }

// errBadValue: a flag's value is not one of the allowed ones.
func errBadValue(flag, value string, allowed ...string) error {
	return usageError("--%s must be %s, not %q", flag, orList(allowed), value)
}

// errInput: a named input (file, folder) cannot be read.
func errInput(err error) error { return withExit(exitUsage, err) }

func orList(s []string) string {
	switch len(s) {
	case 0:
		return "something else"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// exitCode prints err (unless it is a silent exit) and maps it to the
// process exit code. An error caused by ctx ending (a signal) is exit 1
// and says that the command stopped.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		fmt.Fprintf(stderr, "xgate: stopped (%v): %v\n", context.Cause(ctx), err)
		return exitError
	}
	code := exitError
	var ee *exitErr
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	// A daemon that stopped answering in the middle of a verb: exit 4,
	// however the verb wrapped the error.
	if code == exitError && errors.Is(err, admin.ErrUnavailable) {
		code = exitUnavailable
	}
	fmt.Fprintf(stderr, "xgate: %v\n", err)
	return code
}
