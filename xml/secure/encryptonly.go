package secure

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"io"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
)

// opEncrypt is the Op of Encrypt's errors.
const opEncrypt = "encrypt"

// EncryptOptions configures Encrypt: Seal's options without the signer.
type EncryptOptions struct {
	// RecipientCerts are the recipient's encryption certificates; the
	// newest usable one is chosen as by Seal. Required.
	RecipientCerts []*x509.Certificate
	// Verifier, when set, must also accept the chosen certificate for
	// certs.Encryption.
	Verifier CertVerifier
	// Profile selects the key transport. Defaults to ProfileDefault.
	Profile Profile
	// Rand is the source of the session key and the IV. Defaults to
	// crypto/rand.Reader.
	Rand io.Reader
	// Clock gives the time for certificate validity. Defaults to the wall
	// clock.
	Clock clock.Clock
}

// Encrypt is Seal's second half alone: it encrypts signed, the
// serialisation of one signed element (Sign's output; a leading XML
// declaration is dropped), for the recipient exactly as Seal does and
// returns the EncryptedData document. The bytes are encrypted as given,
// not parsed or re-signed: the conformance runner (conformance/live) uses
// it to deliver messages whose signature it broke on purpose, to see the
// receiver refuse them. Errors are *errcode.Error values: T000,
// T002 or T003 when no recipient certificate qualifies (Op "seal", as
// Seal's).
func Encrypt(ctx context.Context, signed []byte, opts EncryptOptions) ([]byte, error) {
	if len(opts.RecipientCerts) == 0 {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: opEncrypt, Detail: "no recipient encryption certificate", Err: ErrInvalidOptions}
	}
	if _, err := opts.Profile.oaep(); err != nil {
		return nil, invalidOptions(opEncrypt, "%v", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, failWrap(errcode.Other, opEncrypt, err, "cancelled")
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	recipient, err := chooseRecipient(ctx, opts.RecipientCerts, opts.Verifier, clock.Or(opts.Clock).Now())
	if err != nil {
		return nil, err
	}
	p, _ := opts.Profile.oaep()
	wait, err := newSessionKey(rnd, recipient, p)
	if err != nil {
		return nil, failWrap(errcode.Other, opEncrypt, err, "encryption failed")
	}
	plain := bytes.TrimLeft(signed, " \t\r\n")
	if bytes.HasPrefix(plain, []byte("<?xml")) {
		if i := bytes.Index(plain, []byte("?>")); i >= 0 {
			plain = bytes.TrimLeft(plain[i+2:], " \t\r\n")
		}
	}
	sealed, err := encryptElement(wait(), plain, recipient, p)
	if err != nil {
		return nil, failWrap(errcode.Other, opEncrypt, err, "encryption failed")
	}
	return sealed, nil
}
