package secure

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// SealOptions configures Seal. A SealOptions may be reused; it must not be
// modified while a Seal call is using it.
type SealOptions struct {
	// SigningKey is the sender's RSA signing key, 3072 bits or more
	// (smaller keys are refused with T010). An *rsa.PrivateKey should have
	// been precomputed (x509 parsing and rsa.GenerateKey do that). Required.
	SigningKey crypto.Signer
	// SigningCert is the certificate of SigningKey; it travels in
	// KeyInfo/X509Data. Required.
	SigningCert *x509.Certificate
	// RecipientCerts are the recipient's encryption certificates from the
	// directory (current and next during a rollover). Seal uses the newest
	// one (latest NotBefore) that is valid at Now, has an RSA key of
	// certs.MinRSABits or more and, if it states a key usage, allows key
	// encipherment. Required.
	RecipientCerts []*x509.Certificate
	// Verifier, when set, must also accept the chosen recipient
	// certificate for certs.Encryption. Optional: the directory that
	// supplied RecipientCerts is already signed.
	Verifier CertVerifier
	// Profile selects the key transport. Defaults to ProfileDefault.
	Profile Profile
	// Rand is the source of the session key and the IV. Defaults to
	// crypto/rand.Reader. (Go's RSA ignores custom randomness for OAEP
	// padding and signing blinding.)
	Rand io.Reader
	// Clock gives the time for certificate validity. Defaults to the wall
	// clock.
	Clock clock.Clock
	// Limits bound the message as in message.Parse. Zero means the
	// defaults.
	Limits message.Limits
}

func (o *SealOptions) setDefaults() {
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	o.Clock = clock.Or(o.Clock)
}

// Validate checks the options that do not depend on the time.
func (o *SealOptions) Validate() error {
	if err := checkSigner(opSeal, o.SigningKey, o.SigningCert); err != nil {
		return err
	}
	if len(o.RecipientCerts) == 0 {
		return &errcode.Error{Code: errcode.CertMissing, Op: opSeal, Detail: "no recipient encryption certificate", Err: ErrInvalidOptions}
	}
	if _, err := o.Profile.oaep(); err != nil {
		return invalidOptions(opSeal, "%v", err)
	}
	return nil
}

// checkSigner checks a signing key and its certificate (Seal, Sign): an
// RSA key of certs.MinRSABits or more (T010) that belongs to the
// certificate.
func checkSigner(op string, key crypto.Signer, cert *x509.Certificate) error {
	if key == nil {
		return invalidOptions(op, "no signing key")
	}
	if cert == nil {
		return &errcode.Error{Code: errcode.CertMissing, Op: op, Detail: "no signing certificate", Err: ErrInvalidOptions}
	}
	pub, ok := key.Public().(*rsa.PublicKey)
	if !ok {
		return failf(errcode.SignatureWeak, op, "the signing key is %T; only RSA is allowed", key.Public())
	}
	if bits := pub.N.BitLen(); bits < certs.MinRSABits {
		return failf(errcode.SignatureWeak, op, "the signing key has %d bits; at least %d are required", bits, certs.MinRSABits)
	}
	if !samePublicKey(pub, cert.PublicKey) {
		return &errcode.Error{Code: errcode.CertInvalid, Op: op, Detail: "the signing certificate does not belong to the signing key", Err: ErrInvalidOptions}
	}
	return nil
}

// Seal signs msg (XML-DSig, enveloped, exc-c14n, rsa-sha256, one Reference
// URI="" to the whole message, certificate in KeyInfo) and encrypts the
// signed element for the recipient (XML-Enc Type=Element, AES-256-GCM,
// RSA-OAEP as the profile says). It returns the EncryptedData document
// described in the package documentation.
//
// msg goes through message.Parse first (X000/S001). Seal does not
// validate msg against its schema; the caller does that before. Errors are
// *errcode.Error values: T010 for a signing key below certs.MinRSABits, T000,
// T002 or T003 when no recipient certificate qualifies.
func Seal(ctx context.Context, msg []byte, opts SealOptions) ([]byte, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := opts.Clock.Now()
	recipient, err := chooseRecipient(ctx, opts.RecipientCerts, opts.Verifier, now)
	if err != nil {
		return nil, err
	}
	p, _ := opts.Profile.oaep()
	wait, err := newSessionKey(opts.Rand, recipient, p)
	if err != nil {
		return nil, failWrap(errcode.Other, opSeal, err, "encryption failed")
	}
	// From here on every return waits for the key transport goroutine, so
	// that it never outlives Seal.
	root, err := parseForSign(msg, opts.Limits, opSeal)
	if err != nil {
		clear(wait().key[:])
		return nil, err
	}
	signed, err := sign(root, opts.SigningKey, opts.SigningCert, len(msg), opSeal)
	if err != nil {
		clear(wait().key[:])
		return nil, err
	}
	sealed, err := encryptElement(wait(), writeElement(signed), recipient, p)
	if err != nil {
		return nil, failWrap(errcode.Other, opSeal, err, "encryption failed")
	}
	return sealed, nil
}

// parseForSign parses msg as Open and Verify will read it: every prefix
// declared, and without comments (exclusive c14n does not cover them, and
// Open and Verify refuse a signed message that has any, so Seal and Sign
// leave them out).
func parseForSign(msg []byte, lim message.Limits, op string) (*etree.Element, error) {
	m, err := message.Parse(msg, lim)
	if err != nil {
		return nil, asCoded(err, errcode.NotWellFormed, op, "")
	}
	if err := checkNamespaces(m.Root); err != nil {
		e := asCoded(err, errcode.NotWellFormed, op, "")
		e.Op = op
		return nil, e
	}
	dropComments(m.Root)
	return m.Root, nil
}

// dropComments removes the comments below e, in time linear in the
// tree: etree's RemoveChildAt shifts the following children, so the
// children are detached from the last and the others added back.
func dropComments(e *etree.Element) {
	has := false
	for _, t := range e.Child {
		switch c := t.(type) {
		case *etree.Comment:
			has = true
		case *etree.Element:
			dropComments(c)
		}
	}
	if !has {
		return
	}
	toks := make([]etree.Token, len(e.Child))
	for i := len(e.Child) - 1; i >= 0; i-- {
		toks[i] = e.RemoveChildAt(i)
	}
	for _, t := range toks {
		if _, ok := t.(*etree.Comment); !ok {
			e.AddChild(t)
		}
	}
}

// writeElement serialises e without indentation, escaped as c14n does.
func writeElement(e *etree.Element) []byte {
	var buf bytes.Buffer
	e.WriteTo(&buf, canonicalWrite())
	return buf.Bytes()
}

// canonicalWrite returns settings that serialise the way c14n escapes, so
// that text such as a carriage return survives a re-parse unchanged.
func canonicalWrite() *etree.WriteSettings {
	return &etree.WriteSettings{CanonicalEndTags: true, CanonicalText: true, CanonicalAttrVal: true}
}

// sign signs root in place and returns it with the Signature appended as
// its last child. goxmldsig builds SignedInfo and the Signature; both
// digests are over xml/c14n's exclusive canonical form (the library's own
// canonicaliser deviates from the recommendation, see doc.go). root must
// be a tree of our own (Seal's parse), never the caller's. Nothing is
// indented afterwards. size is the message's size, which bounds its
// canonical form (MaxCanonicalGrowth).
func sign(root *etree.Element, key crypto.Signer, cert *x509.Certificate, size int, op string) (*etree.Element, error) {
	sc, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		return nil, failWrap(errcode.Other, op, err, "signing context")
	}
	// The default canonicaliser of NewSigningContext is c14n 1.1.
	sc.Canonicalizer = excC14N{maxBytes: MaxCanonicalGrowth*size + maxSignedInfo}
	sc.Prefix = prefixDSig
	sc.IdAttribute = idAttribute
	if err := sc.SetSignatureMethod(AlgRSASHA256); err != nil {
		return nil, failWrap(errcode.Other, op, err, "signature method")
	}
	sig, err := sc.ConstructSignature(root, true)
	if err != nil {
		code, why := errcode.Other, "signing failed"
		if errors.Is(err, c14n.ErrTooLarge) || errors.Is(err, c14n.ErrRelativeNamespace) || errors.Is(err, c14n.ErrUndeclaredPrefix) {
			code, why = errcode.NotWellFormed, "the message has no canonical form to sign"
		}
		return nil, failWrap(code, op, err, "%s", why)
	}
	root.AddChild(sig)
	return root, nil
}

// chooseRecipient returns the newest usable certificate of certs.
func chooseRecipient(ctx context.Context, cands []*x509.Certificate, v CertVerifier, now time.Time) (*x509.Certificate, error) {
	var best *x509.Certificate
	var reasons []string
	expired := 0
	for _, c := range cands {
		if c == nil {
			continue
		}
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			expired++
			reasons = append(reasons, fmt.Sprintf("%q is not valid at %s", c.Subject.CommonName, now.UTC().Format(time.RFC3339)))
			continue
		}
		pub, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok || pub.N.BitLen() < certs.MinRSABits {
			reasons = append(reasons, fmt.Sprintf("%q has no RSA key of %d bits or more", c.Subject.CommonName, certs.MinRSABits))
			continue
		}
		if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
			reasons = append(reasons, fmt.Sprintf("%q is not allowed for key encipherment", c.Subject.CommonName))
			continue
		}
		if v != nil {
			if err := v.VerifyCert(ctx, c, certs.Encryption, now); err != nil {
				reasons = append(reasons, fmt.Sprintf("%q: %v", c.Subject.CommonName, err))
				continue
			}
		}
		if best == nil || c.NotBefore.After(best.NotBefore) {
			best = c
		}
	}
	if best != nil {
		return best, nil
	}
	code := errcode.CertInvalid
	if expired == len(cands) {
		code = errcode.CertExpired
	}
	return nil, failf(code, opSeal, "no usable recipient encryption certificate: %v", reasons)
}
