package secure

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// xmlDeclaration starts every document Sign returns.
const xmlDeclaration = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// SignOptions configures Sign. A SignOptions may be reused; it must not be
// modified while a Sign call is using it.
type SignOptions struct {
	// SigningKey is the signer's RSA key, certs.MinRSABits or more (T010).
	// Required.
	SigningKey crypto.Signer
	// SigningCert is the certificate of SigningKey; it travels in
	// KeyInfo/X509Data. Required.
	SigningCert *x509.Certificate
	// Limits bound the document as in message.Parse. Zero means the
	// defaults.
	Limits message.Limits
}

// Validate checks the options.
func (o *SignOptions) Validate() error {
	return checkSigner(opSign, o.SigningKey, o.SigningCert)
}

// Sign signs msg exactly as Seal does (XML-DSig, enveloped, exc-c14n,
// rsa-sha256, one Reference URI="" to the whole document, certificate in
// KeyInfo) and returns the signed document, with an XML declaration,
// unencrypted: for what is signed but not secret — transport receipts and
// rejections (gateway/wire) and the routing directory (gateway/directory).
// Verify reads it back.
//
// msg goes through message.Parse first (X000/S001); comments are dropped.
// Sign does not validate msg against a schema. Errors are *errcode.Error
// values with Op "sign": T010 for a key below certs.MinRSABits, T002 or
// T003 for a certificate that does not belong to the key or is missing.
func Sign(ctx context.Context, msg []byte, opts SignOptions) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, failWrap(errcode.Other, opSign, err, "cancelled")
	}
	root, err := parseForSign(msg, opts.Limits, opSign)
	if err != nil {
		return nil, err
	}
	signed, err := sign(root, opts.SigningKey, opts.SigningCert, len(msg), opSign)
	if err != nil {
		return nil, err
	}
	el := writeElement(signed)
	out := make([]byte, 0, len(xmlDeclaration)+len(el))
	return append(append(out, xmlDeclaration...), el...), nil
}

// VerifyOptions configures Verify. A VerifyOptions may be reused; it must
// not be modified while a Verify call is using it.
type VerifyOptions struct {
	// Verifier checks the signer's certificate (chain, validity, usage,
	// revocation, key size) for Purpose. Required.
	Verifier CertVerifier
	// Purpose is what the signing certificate must be fit for:
	// certs.Signing for a gateway's receipts, certs.Directory for the
	// routing directory. Required (the zero value is refused, so that a
	// caller cannot forget to say which key may sign).
	Purpose certs.Purpose
	// Limits bound the document (Limits.Message, with the signature room
	// on top, as Open allows for the decrypted message). MaxEncryptedKeys
	// is not used. Zero means the defaults.
	Limits Limits
	// Clock gives the time for certificate validity. Defaults to the wall
	// clock.
	Clock clock.Clock
	// Kennung reads the signer's directory key from its certificate, as
	// OpenOptions.Kennung. Defaults to certs.KennungFromCert.
	Kennung func(*x509.Certificate) (kennung.Kennung, error)
}

func (o *VerifyOptions) setDefaults() {
	o.Clock = clock.Or(o.Clock)
	if o.Kennung == nil {
		o.Kennung = certs.KennungFromCert
	}
	o.Limits = o.Limits.withDefaults()
}

// Validate checks the options.
func (o *VerifyOptions) Validate() error {
	if o.Verifier == nil {
		return invalidOptions(opVerify, "no certificate verifier")
	}
	if o.Purpose == 0 {
		return invalidOptions(opVerify, "no certificate purpose")
	}
	return nil
}

// Verify checks the signature of a signed, unencrypted document (Sign's
// output, or xmlsec1's with the same profile) and returns what the
// signature covers. It runs exactly Open's steps 4 to 7 — the same code:
// hardened parse (X000, S001), no comments, every prefix declared; the
// signature profile (T010, T011, T003); the certificate for
// VerifyOptions.Purpose (T000–T003, T010) and its kennung (T002); XML-DSig
// core validation (T011). Opened.Element is parsed from the verified
// canonical bytes only; Opened.Profile is zero (nothing was encrypted).
//
// Like Open, Verify checks who signed, not whether the header names that
// signer: the caller does (CheckParties, or its own rule). Errors are
// *errcode.Error values with Op "verify".
func Verify(ctx context.Context, signed []byte, opts VerifyOptions) (*Opened, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, failWrap(errcode.Other, opVerify, err, "cancelled")
	}
	op, err := verifySigned(ctx, signed, verifyParams{
		verifier: opts.Verifier,
		purpose:  opts.Purpose,
		clock:    opts.Clock,
		kennung:  opts.Kennung,
		limits:   opts.Limits,
		what:     "signed document",
	})
	if err != nil {
		return nil, relabel(err, opVerify)
	}
	return op, nil
}

// relabel returns err with the Op of Open's shared steps replaced by op.
func relabel(err error, op string) error {
	var e *errcode.Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	if c.Op == "" || c.Op == opOpen {
		c.Op = op
	}
	return &c
}
