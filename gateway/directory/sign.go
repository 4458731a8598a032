package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// MaxBytes is the largest directory document Sign and Verify accept (the
// message limit of xml/message).
const MaxBytes = message.DefaultMaxBytes

// ClockSkew is how far in the future a directory's Issued may lie when it
// is verified (clocks of the authority and the gateway differ a little).
const ClockSkew = 5 * time.Minute

// Errors of Verify besides the signature's (*errcode.Error, from
// xml/secure).
var (
	// ErrExpired: the directory is past its NotAfter (or, in a Source
	// with a maximum age, issued too long ago).
	ErrExpired = errors.New("directory: expired")
	// ErrNotYetValid: the directory's Issued lies in the future.
	ErrNotYetValid = errors.New("directory: not yet valid")
	// ErrNotAuthority: Sign was given a key pair whose certificate is not
	// fit for certs.Directory.
	ErrNotAuthority = errors.New("directory: the certificate is not a directory authority's")
	// ErrSigned: Sign was given a document that already has a signature.
	ErrSigned = errors.New("directory: the document is already signed")
)

const nsDSig = "http://www.w3.org/2000/09/xmldsig#"

// Parse reads an unsigned directory document (Marshal's output) and checks
// it (Validate). It does not look for a signature: use Verify for a signed
// one.
func Parse(unsigned []byte) (*Directory, error) {
	m, err := message.Parse(unsigned, message.Limits{})
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for _, c := range m.Root.ChildElements() {
		if c.Tag == elSignature && c.NamespaceURI() == nsDSig {
			return nil, ErrSigned
		}
	}
	return fromElement(m.Root)
}

// ParseUnverified reads a directory document, signed or not, WITHOUT
// checking its signature, its signer or its dates: for people to look at a
// directory before they sign it, or at one that Verify refused (xgate
// directory show --insecure). Never route with its result.
func ParseUnverified(data []byte) (*Directory, error) {
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for _, c := range m.Root.ChildElements() {
		if c.Tag == elSignature && c.NamespaceURI() == nsDSig {
			m.Root.RemoveChild(c)
		}
	}
	return fromElement(m.Root)
}

// Sign signs an unsigned directory document with the directory authority's
// key pair: XML-DSig enveloped (secure.Sign: exclusive c14n, rsa-sha256,
// the certificate in KeyInfo). It parses and checks the document first
// (Parse) and refuses a key pair whose certificate is not fit for
// certs.Directory (ErrNotAuthority): a participant's signing key cannot
// make a directory that any gateway would accept.
func Sign(ctx context.Context, unsigned []byte, kp certs.KeyPair) ([]byte, error) {
	if kp.Cert == nil || kp.Key == nil {
		return nil, fmt.Errorf("%w: no key pair", ErrNotAuthority)
	}
	if !slices.Contains(certs.Purposes(kp.Cert), certs.Directory) {
		return nil, fmt.Errorf("%w: %s is fit for %v, not for directory", ErrNotAuthority, certs.Label(kp.Cert), certs.Purposes(kp.Cert))
	}
	if _, err := Parse(unsigned); err != nil {
		return nil, err
	}
	signed, err := secure.Sign(ctx, unsigned, secure.SignOptions{SigningKey: kp.Key, SigningCert: kp.Cert})
	if err != nil {
		return nil, fmt.Errorf("directory: sign: %w", err)
	}
	return signed, nil
}

// Verify checks a signed directory and returns it: the signature (XML-DSig
// by secure.Verify: an unsigned document is T010, a changed one T011), the
// signer's certificate for certs.Directory at now through v (chain to the
// trusted roots, validity, revocation; a participant's signing certificate
// is T002 wrong usage), then the content (ErrInvalid) as read from the
// signed bytes only, then the validity of the edition: now before NotAfter
// (else ErrExpired) and Issued not more than ClockSkew after now (else
// ErrNotYetValid).
func Verify(ctx context.Context, signed []byte, v *certs.Verifier, now time.Time) (*Directory, error) {
	if v == nil {
		return nil, errors.New("directory: verify: no certificate verifier")
	}
	op, err := secure.Verify(ctx, signed, secure.VerifyOptions{
		Verifier: v,
		Purpose:  certs.Directory,
		Clock:    clock.Fixed(now),
	})
	if err != nil {
		return nil, fmt.Errorf("directory: verify: %w", err)
	}
	d, err := fromElement(op.Element)
	if err != nil {
		return nil, err
	}
	d.Authority = op.Sender.Certificate
	if !now.Before(d.NotAfter) {
		return nil, fmt.Errorf("%w: serial %d was valid until %s (now %s)", ErrExpired, d.Serial, stamp(d.NotAfter), stamp(now))
	}
	if d.Issued.After(now.Add(ClockSkew)) {
		return nil, fmt.Errorf("%w: serial %d is issued %s (now %s)", ErrNotYetValid, d.Serial, stamp(d.Issued), stamp(now))
	}
	return d, nil
}

func stamp(t time.Time) string { return t.UTC().Format(timeFormat) }
