package wire

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/secure"
)

// Expect is what the sender knows about a delivery, against which the
// answer is checked.
type Expect struct {
	// Sent is the sealed document that was delivered (the request body).
	// A receipt's hashwert must be its SHA-256. Required.
	Sent []byte
	// UUID is the nachrichtenUUID of the message delivered. A receipt's
	// ausloeserUUID and empfangeneNachricht/nachrichtenUUID must equal it,
	// and a rejection's, where it names one (message.CanonicalUUID).
	// Required.
	UUID string
	// Recipient is the kennung the message was delivered to: the answer
	// must be signed by it (the certificate's kennung and the header's
	// autor). Required.
	Recipient kennung.Kennung
	// SigningCerts are the recipient's signing certificates from the
	// directory; the answer's certificate must be one of them (exact
	// bytes). Required.
	SigningCerts []*x509.Certificate
	// Verifier checks the signing certificate (chain, validity, usage,
	// revocation) for certs.Signing. Required.
	Verifier secure.CertVerifier
	// Self, if set, is this gateway's kennung: the answer's leser must be
	// it (T080).
	Self kennung.Kennung
	// Clock gives the time for certificate validity. Defaults to the
	// wall clock.
	Clock clock.Clock
}

// ErrInvalidExpect is wrapped by VerifyAnswer's error when Expect lacks a
// required field: a mistake of the caller, not of the answer.
var ErrInvalidExpect = errors.New("wire: invalid expectation")

func (e *Expect) validate() error {
	switch {
	case len(e.Sent) == 0:
		return fmt.Errorf("%w: nothing sent", ErrInvalidExpect)
	case !message.ValidUUID(e.UUID):
		return fmt.Errorf("%w: %q is not a UUID", ErrInvalidExpect, e.UUID)
	case !e.Recipient.Valid():
		return fmt.Errorf("%w: recipient %q is not a kennung", ErrInvalidExpect, e.Recipient)
	case len(e.SigningCerts) == 0:
		return fmt.Errorf("%w: no signing certificate of the recipient", ErrInvalidExpect)
	case e.Verifier == nil:
		return fmt.Errorf("%w: no certificate verifier", ErrInvalidExpect)
	}
	return nil
}

// Answer is a verified answer of the receiving gateway.
type Answer struct {
	// Receipt is true for a Transportquittung (900001): the message was
	// delivered. False for a Rueckweisung (900010): it was refused and
	// must not be sent again.
	Receipt bool
	// UUID is the answer's own nachrichtenUUID.
	UUID string
	// Type is the answer's type code, "900001" or "900010".
	Type string
	// ReceivedAt is the receipt's time of receipt (empfangeneNachricht/
	// zeitpunkt); zero for a rejection.
	ReceivedAt time.Time
	// Codes are the rejection's codes, in order; nil for a receipt.
	Codes []errcode.Code
	// Errors are the rejection's reasons: Code, Detail (beschreibung),
	// Rule, Path and Line (grundSpezifisch), Op "rueckweisung". They come
	// from the partner: escape them before printing them for people.
	Errors []*errcode.Error
	// Signer is the answer's verified signing certificate.
	Signer *x509.Certificate
	// Raw is the answer as received (signed): the evidence to keep.
	Raw []byte
}

// Problem says what is wrong with an answer.
type Problem int

// The problems of an answer VerifyAnswer refuses.
const (
	// ProblemSignature: no valid signature, or a certificate that is
	// not trusted for signing (the *errcode.Error is wrapped).
	ProblemSignature Problem = iota + 1
	// ProblemSigner: signed by someone other than the recipient, or with
	// a certificate that is not one of its directory entry's.
	ProblemSigner
	// ProblemType: neither a Transportquittung nor a Rueckweisung.
	ProblemType
	// ProblemUUID: the answer is about another message.
	ProblemUUID
	// ProblemDigest: the receipt's hashwert is not the SHA-256 of what
	// was sent.
	ProblemDigest
	// ProblemContent: a field the answer needs is missing or unreadable.
	ProblemContent
)

var problemNames = map[Problem]string{
	ProblemSignature: "signature",
	ProblemSigner:    "signer",
	ProblemType:      "type",
	ProblemUUID:      "uuid",
	ProblemDigest:    "digest",
	ProblemContent:   "content",
}

// String returns the problem's name: "signature", "signer", "type",
// "uuid", "digest", "content".
func (p Problem) String() string {
	if s, ok := problemNames[p]; ok {
		return s
	}
	return "problem(" + strconv.Itoa(int(p)) + ")"
}

// AnswerError is VerifyAnswer's refusal of an answer: a transport error
// for the sender (retry; the delivery is not proven).
type AnswerError struct {
	Problem Problem
	// Detail is a plain-language reason. Values from the answer in it are
	// quoted with %q.
	Detail string
	// Err is the underlying error, an *errcode.Error for a signature,
	// certificate or party problem.
	Err error
}

func (e *AnswerError) Error() string {
	s := "wire: answer refused (" + e.Problem.String() + "): " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *AnswerError) Unwrap() error { return e.Err }

func refuse(p Problem, err error, format string, args ...any) *AnswerError {
	return &AnswerError{Problem: p, Detail: fmt.Sprintf(format, args...), Err: err}
}

// VerifyAnswer checks the body of a 200 answer to a delivery and returns
// what it says. In order:
//
//  1. the signature, with secure.Verify for certs.Signing (ProblemSignature,
//     wrapping the *errcode.Error: T010, T011, T000–T003, X000, …);
//  2. the signer: its certificate is one of e.SigningCerts and names
//     e.Recipient, and the header's autor is e.Recipient and, if e.Self
//     is set, its leser e.Self (ProblemSigner, wrapping T070/T080);
//  3. the type: a Transportquittung 900001 or a Rueckweisung 900010 in
//     xgate's namespace (ProblemType);
//  4. a receipt: ausloeserUUID and empfangeneNachricht/nachrichtenUUID
//     equal e.UUID (ProblemUUID) and hashwert is the SHA-256 of e.Sent
//     (ProblemDigest);
//     a rejection: originalNachrichtenUUID and ausloeserUUID, where
//     present, equal e.UUID (ProblemUUID), and at least one reason with
//     a code (ProblemContent).
//
// Every refusal is an *AnswerError (errors.As); the caller treats it as a
// transport error and retries. Everything is read from the verified
// element only (secure.Opened.Element).
func VerifyAnswer(ctx context.Context, body []byte, e Expect) (*Answer, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	op, err := secure.Verify(ctx, body, secure.VerifyOptions{Verifier: e.Verifier, Purpose: certs.Signing, Clock: e.Clock})
	if err != nil {
		if errors.Is(err, secure.ErrInvalidOptions) {
			return nil, err
		}
		return nil, refuse(ProblemSignature, err, "the answer's signature does not verify")
	}
	if !certIn(op.Sender.Certificate, e.SigningCerts) {
		return nil, refuse(ProblemSigner, nil, "the answer is signed with a certificate that is not a signing certificate of %s in the directory", e.Recipient)
	}
	if op.Sender.Kennung != e.Recipient {
		return nil, refuse(ProblemSigner, nil, "the answer's certificate names %q, not the recipient %s", op.Sender.Kennung, e.Recipient)
	}
	if err := secure.CheckParties(op, e.Recipient, e.Self); err != nil {
		return nil, refuse(ProblemSigner, err, "the answer's header does not name the parties of the delivery")
	}
	h := op.Header
	a := &Answer{UUID: h.UUID, Type: h.Type, Signer: op.Sender.Certificate, Raw: body}
	if h.Namespace != schemas.NSMessages || h.Root != rootOf(h.Type) || (h.Type != catalogue.TypeTransportquittung && h.Type != catalogue.TypeRueckweisung) {
		return nil, refuse(ProblemType, nil, "the answer is a %q of type %q, not a Transportquittung or Rueckweisung", h.Root, h.Type)
	}
	if !message.ValidUUID(h.UUID) {
		return nil, refuse(ProblemContent, nil, "the answer's nachrichtenUUID %q is not a UUID", h.UUID)
	}
	want := message.CanonicalUUID(e.UUID)
	root := op.Element
	if h.Type == catalogue.TypeTransportquittung {
		a.Receipt = true
		if err := checkReceipt(root, h, want, e.Sent, a); err != nil {
			return nil, err
		}
		return a, nil
	}
	if err := checkRejection(root, h, want, a); err != nil {
		return nil, err
	}
	return a, nil
}

// checkReceipt checks a Transportquittung against the delivery.
func checkReceipt(root *etree.Element, h message.Header, want string, sent []byte, a *Answer) error {
	em := one(root, "empfangeneNachricht")
	if em == nil {
		return refuse(ProblemContent, nil, "the receipt has no empfangeneNachricht")
	}
	if got := message.CanonicalUUID(h.AusloeserUUID); got != want {
		return refuse(ProblemUUID, nil, "the receipt's ausloeserUUID %q is not %s", h.AusloeserUUID, want)
	}
	if got := message.TokenText(one(em, "nachrichtenUUID")); message.CanonicalUUID(got) != want {
		return refuse(ProblemUUID, nil, "the receipt is for message %q, not %s", got, want)
	}
	at, err := time.Parse(time.RFC3339Nano, message.TokenText(one(em, "zeitpunkt")))
	if err != nil {
		return refuse(ProblemContent, err, "the receipt's zeitpunkt cannot be read")
	}
	a.ReceivedAt = at
	sum := sha256.Sum256(sent)
	if got, wantHex := message.TokenText(one(root, "hashwert")), hex.EncodeToString(sum[:]); got != wantHex {
		return refuse(ProblemDigest, nil, "the receipt's hashwert %q is not the SHA-256 %s of the bytes sent", got, wantHex)
	}
	return nil
}

// checkRejection checks a Rueckweisung and reads its reasons.
func checkRejection(root *etree.Element, h message.Header, want string, a *Answer) error {
	for _, v := range []struct{ name, value string }{
		{"ausloeserUUID", h.AusloeserUUID},
		{"originalNachrichtenUUID", message.TokenText(one(root, "originalNachrichtenUUID"))},
	} {
		if v.value != "" && message.CanonicalUUID(v.value) != want {
			return refuse(ProblemUUID, nil, "the rejection's %s %q is not %s", v.name, v.value, want)
		}
	}
	for _, g := range root.SelectElements("rueckweisungsgrund") {
		fc := one(g, "fehlercode")
		c := errcode.Code(message.TokenText(one(fc, "code")))
		if c == "" {
			return refuse(ProblemContent, nil, "a rueckweisungsgrund of the rejection has no fehlercode")
		}
		e := &errcode.Error{Code: c, Op: "rueckweisung", Detail: message.Text(one(g, "beschreibung"))}
		if gs := one(g, "grundSpezifisch"); gs != nil {
			e.Rule = message.TokenText(one(gs, "regel"))
			e.Path = message.Text(one(gs, "pfad"))
			e.Line, _ = strconv.Atoi(message.TokenText(one(gs, "zeile")))
		}
		a.Codes = append(a.Codes, c)
		a.Errors = append(a.Errors, e)
	}
	if len(a.Errors) == 0 {
		return refuse(ProblemContent, nil, "the rejection names no reason")
	}
	return nil
}

// one returns the only child of e named tag, or nil (nil e, none, or more
// than one).
func one(e *etree.Element, tag string) *etree.Element {
	if e == nil {
		return nil
	}
	found := e.SelectElements(tag)
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// certIn reports whether c is one of cs, byte for byte.
func certIn(c *x509.Certificate, cs []*x509.Certificate) bool {
	for _, x := range cs {
		if x != nil && c.Equal(x) {
			return true
		}
	}
	return false
}
