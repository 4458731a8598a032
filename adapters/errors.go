package adapters

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xgate/xgate/xml/errcode"
)

// Errors of the registry.
var (
	// ErrUnknownAdapter is returned by Lookup, Configure and Spec for a
	// name no adapter is registered under.
	ErrUnknownAdapter = errors.New("adapters: unknown adapter")
	// ErrDuplicate is returned by Register for a name already taken.
	ErrDuplicate = errors.New("adapters: adapter already registered")
	// ErrInvalidName is returned by Register for a name that is not
	// lower-case words joined by "-".
	ErrInvalidName = errors.New("adapters: invalid adapter name")
	// ErrConfig is returned by Configure for settings the spec does not
	// know, required settings missing, or a configuration after the
	// adapter was built.
	ErrConfig = errors.New("adapters: invalid configuration")
	// ErrClosed is returned by Lookup after Close.
	ErrClosed = errors.New("adapters: registry closed")
)

// Errors of a translation.
var (
	// ErrDirection is returned by a Translator of a direction the adapter
	// does not translate.
	ErrDirection = errors.New("adapters: direction not supported")
	// ErrTemporary is wrapped by errors a retry may cure (a resource of
	// the adapter was not available). The built-in adapters are pure
	// functions of their input and never return it.
	ErrTemporary = errors.New("adapters: temporary failure")
)

// MappingError is the permanent failure of a translation: the input is
// not valid in its format, or a field or code has no counterpart. It names
// the adapter and direction, the message type, the field (a path in the
// input, "person/staatsangehoerigkeit[2]/code", or a JSON key path or a
// CSV column) and the value. errcode.Of on it gives Code, so the gateway
// answers the sender with the right Rückweisung.
type MappingError struct {
	Adapter   string
	Direction Direction
	// Message is the type being translated: our code ("020101") or the
	// partner's name of it; "" when it could not be told yet.
	Message string
	// Field is where the problem is; Value the offending value ("" if
	// none, e.g. a missing field).
	Field, Value string
	// Reason says what is wrong, in English.
	Reason string
	// Code is the XÖV code: X001 for input that breaks its format's
	// schema, S011 for a code without counterpart, S001 for a wrong
	// character encoding, X000 for input that cannot be read at all,
	// S999 for anything else.
	Code errcode.Code
	// Err is the cause, if any.
	Err error
}

// maxValueRunes bounds the value quoted in Error.
const maxValueRunes = 64

// Error reads `adapters: xmeld forward 020101: S011:
// person/geschlecht/code: value "q": no counterpart in ...`.
func (e *MappingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "adapters: %s %s", e.Adapter, e.Direction)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	b.WriteString(": ")
	b.WriteString(string(e.code()))
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ": value %s", QuoteValue(e.Value))
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the *errcode.Error the failure amounts to (so that
// errcode.Of and errors.Is(err, errcode.ErrSchemaInvalid) work) and the
// cause.
func (e *MappingError) Unwrap() []error {
	ce := &errcode.Error{Code: e.code(), Op: e.Adapter + "." + e.Direction.String(), Path: e.Field, Detail: e.detail()}
	if e.Err != nil {
		return []error{ce, e.Err}
	}
	return []error{ce}
}

func (e *MappingError) code() errcode.Code {
	if e.Code == "" {
		return errcode.Other
	}
	return e.Code
}

func (e *MappingError) detail() string {
	var parts []string
	if e.Message != "" {
		parts = append(parts, "message "+e.Message)
	}
	if e.Value != "" {
		parts = append(parts, "value "+QuoteValue(e.Value))
	}
	if e.Reason != "" {
		parts = append(parts, e.Reason)
	}
	return strings.Join(parts, ": ")
}

// QuoteValue quotes v for an error text, cut to 64 characters.
func QuoteValue(v string) string {
	if utf8.RuneCountInString(v) > maxValueRunes {
		r := []rune(v)
		return fmt.Sprintf("%q… (%d characters)", string(r[:maxValueRunes]), len(r))
	}
	return fmt.Sprintf("%q", v)
}
