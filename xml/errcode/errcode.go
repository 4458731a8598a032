// Package errcode carries the XÖV error codes of the technical rejection
// (Prozess.Rueckweisung.900010) through Go errors.
//
// # Overview
//
// A code is attached once, where its meaning is known (xml validation adds
// X001, signature verification adds T011, …); callers above only wrap with
// %w. Of walks the chain and returns the code that the gateway puts into a
// Rückweisung.
//
//	err := &errcode.Error{Code: errcode.SchemaInvalid, Op: "validate", Detail: "element x not expected"}
//	code, ok := errcode.Of(fmt.Errorf("intake: %w", err)) // "X001", true
//	errors.Is(err, errcode.ErrSchemaInvalid)             // true
//
// This package is a leaf: it imports nothing of xgate.
package errcode

import (
	"errors"
	"sort"
	"strings"
)

// Code is an XÖV error code such as "X001" or "T011".
type Code string

// The codes of catalogue.md §2.
const (
	CertExpired         Code = "T000"
	CertRevoked         Code = "T001"
	CertInvalid         Code = "T002"
	CertMissing         Code = "T003"
	SignatureWeak       Code = "T010"
	SignatureInvalid    Code = "T011"
	DecryptFailed       Code = "T020"
	SenderNotAuthorised Code = "T070"
	WrongRecipient      Code = "T080"
	TransportOther      Code = "T099"
	NotWellFormed       Code = "X000"
	SchemaInvalid       Code = "X001"
	VersionUnsupported  Code = "V000"
	NotUTF8             Code = "S001"
	UnknownCodeList     Code = "S010"
	UnknownCode         Code = "S011"
	BusinessRule        Code = "S020"
	MandatoryTextEmpty  Code = "S030"
	Duplicate           Code = "S100"
	Other               Code = "S999"
)

// Info describes one code: its short text (German, as it appears in a
// Rückweisung), a plain-language explanation for operators, and whether a
// sender may succeed by sending the same bytes again.
type Info struct {
	Code      Code
	Text      string // short German text
	Reason    string // plain-language English explanation
	Retryable bool
}

// table is sorted by code; TestTable checks it against testdata/codes.golden.
var table = []Info{
	{NotUTF8, "Zeichenkodierung nicht UTF-8", "the message is not valid UTF-8", false},
	{UnknownCodeList, "Codeliste unbekannt", "a code refers to a code list (URI and version) that is not known", false},
	{UnknownCode, "Code unbekannt", "a code value is not in its code list", false},
	{BusinessRule, "Fehlerhafte Einzelfälle", "some single cases of a batch message are faulty (XInneres meaning; xgate's business rules do not use this code)", false},
	{MandatoryTextEmpty, "Pflichttext leer", "a mandatory text is empty", false},
	{Duplicate, "Nachricht bereits verarbeitet", "this nachrichtenUUID was already processed", false},
	{Other, "Sonstiger Fehler", "another problem; the description says which", false},
	{CertExpired, "Zertifikat abgelaufen", "the certificate is expired or not yet valid", false},
	{CertRevoked, "Zertifikat gesperrt", "the certificate has been revoked by its issuer", false},
	{CertInvalid, "Zertifikat ungültig", "the certificate does not chain to a trusted root or is not allowed for this use", false},
	{CertMissing, "Zertifikat fehlt", "no certificate was found where one is required", false},
	{SignatureWeak, "Signatur fehlt oder unzureichend", "the signature is missing or uses a forbidden algorithm or too small a key", false},
	{SignatureInvalid, "Signatur ungültig", "the signature does not verify: the message was changed or signed by someone else", false},
	{DecryptFailed, "Entschlüsselung nicht möglich", "the message cannot be decrypted: wrong key, tampered ciphertext or forbidden algorithm", false},
	{SenderNotAuthorised, "Absender nicht berechtigt", "the sender may not send this message type", false},
	{WrongRecipient, "Falscher Empfänger", "the message is addressed to another authority", false},
	{TransportOther, "Sonstiger Verstoß gegen das Transportprofil", "another violation of the transport profile (OSCI); the description says which", false},
	{VersionUnsupported, "Version nicht unterstützt", "the standard or version named in the message is not supported", false},
	{NotWellFormed, "Nachricht nicht wohlgeformt", "the XML is not well-formed or uses a forbidden construct (DOCTYPE, entity, too deep, too large)", false},
	{SchemaInvalid, "Nachricht schemaungültig", "the message does not match its XML schema", false},
}

// Table returns a copy of the code table, sorted by code.
func Table() []Info {
	out := make([]Info, len(table))
	copy(out, table)
	return out
}

// Lookup returns the Info for c.
func Lookup(c Code) (Info, bool) {
	i := sort.Search(len(table), func(i int) bool { return table[i].Code >= c })
	if i < len(table) && table[i].Code == c {
		return table[i], true
	}
	return Info{}, false
}

// Text returns the short German text of c, or "unbekannter Code".
func (c Code) Text() string {
	if in, ok := Lookup(c); ok {
		return in.Text
	}
	return "unbekannter Code"
}

// Reason returns the plain-language explanation of c.
func (c Code) Reason() string {
	if in, ok := Lookup(c); ok {
		return in.Reason
	}
	return "unknown error code"
}

// Valid reports whether c is a code of the table.
func (c Code) Valid() bool { _, ok := Lookup(c); return ok }

// Error is an error carrying an XÖV code.
//
// Op names the operation that found the problem ("parse", "validate",
// "open"); Detail is the specific description that goes into the
// Rückweisung; Line and Path locate the finding in the message when known
// (Line 0 and Path "" mean unknown); Rule names the business rule that
// found it (its id goes into grundSpezifisch).
type Error struct {
	Code   Code
	Op     string
	Detail string
	Line   int
	Path   string
	Rule   string
	Err    error
}

// Error reads "X001 schema invalid: validate: <detail>: <cause>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	b.WriteByte(' ')
	b.WriteString(e.Code.Text())
	if e.Op != "" {
		b.WriteString(": ")
		b.WriteString(e.Op)
	}
	if e.Rule != "" {
		b.WriteString(": [")
		b.WriteString(e.Rule)
		b.WriteByte(']')
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same Code, so that
// errors.Is(err, errcode.ErrSchemaInvalid) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && t.Op == "" && t.Detail == "" && t.Err == nil
	}
	return false
}

// New returns an *Error with code c, operation op and a detail text.
func New(c Code, op, detail string) *Error {
	return &Error{Code: c, Op: op, Detail: detail}
}

// Wrap returns an *Error with code c around err.
func Wrap(c Code, op string, err error) *Error {
	return &Error{Code: c, Op: op, Err: err}
}

// Of returns the code of the first *Error in err's chain.
func Of(err error) (Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return "", false
}

// Sentinels for errors.Is; each matches any *Error of its code.
var (
	ErrCertExpired         = &Error{Code: CertExpired}
	ErrCertRevoked         = &Error{Code: CertRevoked}
	ErrCertInvalid         = &Error{Code: CertInvalid}
	ErrCertMissing         = &Error{Code: CertMissing}
	ErrSignatureWeak       = &Error{Code: SignatureWeak}
	ErrSignatureInvalid    = &Error{Code: SignatureInvalid}
	ErrDecryptFailed       = &Error{Code: DecryptFailed}
	ErrSenderNotAuthorised = &Error{Code: SenderNotAuthorised}
	ErrWrongRecipient      = &Error{Code: WrongRecipient}
	ErrTransportOther      = &Error{Code: TransportOther}
	ErrNotWellFormed       = &Error{Code: NotWellFormed}
	ErrSchemaInvalid       = &Error{Code: SchemaInvalid}
	ErrVersionUnsupported  = &Error{Code: VersionUnsupported}
	ErrNotUTF8             = &Error{Code: NotUTF8}
	ErrUnknownCodeList     = &Error{Code: UnknownCodeList}
	ErrUnknownCode         = &Error{Code: UnknownCode}
	ErrBusinessRule        = &Error{Code: BusinessRule}
	ErrMandatoryTextEmpty  = &Error{Code: MandatoryTextEmpty}
	ErrDuplicate           = &Error{Code: Duplicate}
	ErrOther               = &Error{Code: Other}
)
