package secure

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"io"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Limits bound what Open accepts. The package documentation lists every
// limit of xgate's message path in one place (# Limits).
type Limits struct {
	// Message bounds the message as in message.Parse. The decrypted
	// document may exceed MaxBytes and MaxElements by the room a
	// signature needs (SignatureRoomBytes, SignatureRoomElements); the
	// ciphertext is bounded accordingly. Zero fields mean the defaults
	// of message.Limits.
	Message message.Limits
	// MaxEncryptedKeys is the largest number of EncryptedKey elements an
	// envelope may carry; each one may cost an RSA private-key operation
	// per decryption key. Defaults to 4.
	MaxEncryptedKeys int
}

// DefaultMaxEncryptedKeys is the default of Limits.MaxEncryptedKeys.
const DefaultMaxEncryptedKeys = 4

// SignatureRoomBytes and SignatureRoomElements are the room for the
// enveloped signature on top of Limits.Message: a message that Seal
// accepted at the limit still opens. signatureDepth is how deep the
// Signature reaches below the root (Signature, SignedInfo, Reference,
// Transforms, Transform, InclusiveNamespaces).
const (
	SignatureRoomBytes    = 64 << 10
	SignatureRoomElements = 64
	signatureDepth        = 7
)

// MaxCanonicalGrowth bounds the exclusive canonical form of a message
// (what its digest covers) at this many times the size of the document:
// c14n escapes characters (a '"' in an attribute becomes &quot;) and
// repeats a namespace declaration on every element that uses it, so a
// small hostile document can have a huge canonical form.
const MaxCanonicalGrowth = 8

// signed returns the limits of the decrypted, signed document.
func (l Limits) signed() message.Limits {
	m := l.Message
	m.MaxBytes += SignatureRoomBytes
	m.MaxElements += SignatureRoomElements
	m.MaxDepth = max(m.MaxDepth, signatureDepth)
	return m
}

func (l Limits) withDefaults() Limits {
	l.Message = l.Message.WithDefaults()
	if l.MaxEncryptedKeys <= 0 {
		l.MaxEncryptedKeys = DefaultMaxEncryptedKeys
	}
	return l
}

// envelopeLimits bound the parse of the envelope: room for the base64 of
// the largest message (with line breaks) and a few EncryptedKeys, but
// little depth and few elements.
func (l Limits) envelopeLimits() message.Limits {
	return message.Limits{
		MaxBytes:    EnvelopeMaxBytes(l.Message.MaxBytes),
		MaxDepth:    16,
		MaxElements: 1000,
		MaxAttrs:    16,
	}
}

// EnvelopeMaxBytes is the largest sealed document Open accepts for
// messages of at most maxMessage bytes (0: the default): the base64 of
// the message with its signature room, with line breaks, plus room for
// the envelope and its EncryptedKeys. Callers that read a sealed document
// from a stream bound the read with it.
func EnvelopeMaxBytes(maxMessage int) int {
	if maxMessage <= 0 {
		maxMessage = message.DefaultMaxBytes
	}
	return (maxMessage+SignatureRoomBytes)/2*3 + 256<<10
}

// OpenOptions configures Open. An OpenOptions may be reused; it must not
// be modified while an Open call is using it.
type OpenOptions struct {
	// DecryptionKeys are this gateway's valid encryption keys (current
	// and next during a rollover); each is tried. They must be RSA keys;
	// an *rsa.PrivateKey should have been precomputed. Required.
	DecryptionKeys []crypto.Decrypter
	// Verifier checks the sender's signing certificate (chain, validity,
	// usage, revocation, key size). Required.
	Verifier CertVerifier
	// Clock gives the time for certificate validity. Defaults to the wall
	// clock.
	Clock clock.Clock
	// Limits bound the envelope and the message. Zero means the defaults.
	Limits Limits
	// Rand supplies the stand-in session keys of implicit rejection.
	// Defaults to crypto/rand.Reader.
	Rand io.Reader
	// Kennung reads the sender's directory key from its certificate: a
	// kennung, certs.ErrNoKennung when the certificate names none (the
	// message opens with an empty Sender.Kennung, and CheckParties
	// refuses it), or another error to refuse the certificate (T002:
	// an ambiguous identity). Defaults to certs.KennungFromCert.
	Kennung func(*x509.Certificate) (kennung.Kennung, error)
}

func (o *OpenOptions) setDefaults() {
	o.Clock = clock.Or(o.Clock)
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Kennung == nil {
		o.Kennung = certs.KennungFromCert
	}
	o.Limits = o.Limits.withDefaults()
}

// Validate checks the options.
func (o *OpenOptions) Validate() error {
	if len(o.DecryptionKeys) == 0 {
		return invalidOptions(opOpen, "no decryption key")
	}
	for i, k := range o.DecryptionKeys {
		if k == nil {
			return invalidOptions(opOpen, "decryption key %d is nil", i)
		}
		if _, ok := k.Public().(*rsa.PublicKey); !ok {
			return invalidOptions(opOpen, "decryption key %d is %T, want RSA", i, k.Public())
		}
	}
	if o.Verifier == nil {
		return invalidOptions(opOpen, "no certificate verifier")
	}
	return nil
}

// Sender is who signed an opened message.
type Sender struct {
	// Certificate is the verified signing certificate.
	Certificate *x509.Certificate
	// Subject is the certificate subject as written in the certificate,
	// every attribute (certs.SubjectString). It comes from the sender:
	// escape it before printing it for people.
	Subject string
	// Kennung is the directory key the certificate names (exactly one
	// subject serialNumber, see certs.KennungFromCert), or "" if it names
	// none.
	Kennung kennung.Kennung
}

// Opened is a decrypted message whose signature verified.
type Opened struct {
	// Element is the root element returned by goxmldsig's Validate: the
	// message re-parsed from the canonical bytes that the signature
	// covers, without the Signature. Nothing else of the received tree
	// is kept.
	Element *etree.Element
	// Canonical is the exclusive canonical form of Element: the bytes the
	// digest covers. Validate and store these.
	Canonical []byte
	// Header is read from Element. Its values come from the sender:
	// CheckParties ties autor and leser to the signer and the expected
	// parties; escape them before printing them for people.
	Header message.Header
	// Type is the message type code (nachrichtentyp), e.g. "090009".
	Type string
	// Sender identifies the signer.
	Sender Sender
	// Profile is the key-transport profile the sender used.
	Profile Profile
}

// Open decrypts sealed, checks its signature against the profile and
// returns the verified message. The steps, each with its refusal code:
//
//  1. hardened parse of the envelope (X000, S001);
//  2. envelope shape and algorithms: only AES-GCM content encryption and
//     the two RSA-OAEP key transports of the profiles, checked for every
//     EncryptedKey before anything is decrypted (T020; a ciphertext over
//     the size limit X000);
//  3. decryption with each of DecryptionKeys (T020, one answer for every
//     cause);
//  4. hardened parse of the plaintext (X000, S001), no comments, every
//     prefix declared;
//  5. signature profile: exactly one ds:Signature, a child of the root
//     (T011), rsa-sha256, SHA-256, exc-c14n (T010), one Reference to the
//     root with exactly the enveloped and exc-c14n transforms, every
//     element once and in its place (T011), one certificate in KeyInfo
//     (T003 when missing);
//  6. the certificate: RSA of certs.MinRSABits or more (T010), then
//     Verifier.VerifyCert for certs.Signing (T000/T001/T002/T003/T010),
//     then an unambiguous kennung (Kennung; T002);
//  7. XML-DSig core validation with that certificate's key: the
//     signature over the exclusive canonical SignedInfo, then the digest
//     of the exclusive canonical message without its Signature (T011).
//
// Open does not tie the header's autor and leser to the signer and this
// gateway: CheckParties does, after the caller has looked the sender up.
// Every error is an *errcode.Error whose Detail is a plain-language reason.
func Open(ctx context.Context, sealed []byte, opts OpenOptions) (*Opened, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, failWrap(errcode.Other, opOpen, err, "cancelled")
	}
	lim := opts.Limits
	envDoc, err := message.Parse(sealed, lim.envelopeLimits())
	if err != nil {
		return nil, asCoded(err, errcode.NotWellFormed, opOpen, "")
	}
	if err := checkNamespaces(envDoc.Root); err != nil {
		return nil, err
	}
	env, err := parseEnvelope(envDoc.Root, lim.MaxEncryptedKeys, lim.signed().MaxBytes)
	if err != nil {
		return nil, err
	}
	plain, prof, err := env.decrypt(opts.Rand, opts.DecryptionKeys)
	if err != nil {
		return nil, err
	}
	op, err := verifySigned(ctx, plain, opts.params())
	if err != nil {
		return nil, err
	}
	op.Profile = prof
	return op, nil
}

// verifyParams are the inputs of the signature checks that Open (after
// decryption) and Verify share.
type verifyParams struct {
	verifier CertVerifier
	purpose  certs.Purpose // what the signing certificate must be fit for
	clock    clock.Clock
	kennung  func(*x509.Certificate) (kennung.Kennung, error)
	limits   Limits // with defaults
	what     string // names the document in a parse error: "decrypted message"
}

// params returns the verification inputs of Open: the signer's
// certificate must be fit for certs.Signing. opts has its defaults.
func (o *OpenOptions) params() verifyParams {
	return verifyParams{verifier: o.Verifier, purpose: certs.Signing, clock: o.Clock, kennung: o.Kennung, limits: o.Limits, what: "decrypted message"}
}

// verifySigned runs steps 4 to 7 of Open on a signed document: the
// decrypted message (Open) or a signed-only one (Verify). It is the one
// implementation of the signature checks.
func verifySigned(ctx context.Context, plain []byte, p verifyParams) (*Opened, error) {
	lim := p.limits.signed()
	m, err := message.Parse(plain, lim)
	if err != nil {
		e := asCoded(err, errcode.NotWellFormed, opOpen, "")
		e.Detail = p.what + ": " + e.Detail
		return nil, e
	}
	if err := checkNamespaces(m.Root); err != nil {
		return nil, err
	}
	if err := checkNoComments(m.Root); err != nil {
		return nil, err
	}
	sig, err := checkSignatureProfile(m.Root)
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	if err := checkCert(ctx, sig.cert, p.verifier, p.purpose, now); err != nil {
		return nil, err
	}
	k, err := p.kennung(sig.cert)
	if err != nil && !errors.Is(err, certs.ErrNoKennung) {
		return nil, asCoded(err, errcode.CertInvalid, opOpen, "the signing certificate does not name its owner unambiguously")
	}
	verified, canonical, err := verifySignature(m.Root, sig, lim, len(plain))
	if err != nil {
		return nil, err
	}
	h := (&message.Message{Root: verified}).Header()
	return &Opened{
		Element:   verified,
		Canonical: canonical,
		Header:    h,
		Type:      h.Type,
		Sender: Sender{
			Certificate: sig.cert,
			Subject:     certs.SubjectString(sig.cert),
			Kennung:     k,
		},
	}, nil
}

// checkNamespaces refuses prefixes that are not declared (X000): the
// namespace of every element and attribute must be known before anything
// is matched by namespace. The scope is a count of declarations per
// prefix, pushed and popped along the walk: linear in the document, however
// many declarations are in scope (copying a prefix map per element was
// quadratic for a document that declares many prefixes on many elements).
// message.Parse has already refused declarations that undeclare a prefix
// or misuse the reserved ones.
func checkNamespaces(root *etree.Element) error {
	declared := map[string]int{"xml": 1}
	var walk func(e *etree.Element) error
	walk = func(e *etree.Element) error {
		var own []string
		for _, a := range e.Attr {
			if a.Space == "xmlns" {
				declared[a.Key]++
				own = append(own, a.Key)
			}
		}
		defer func() {
			for _, p := range own {
				declared[p]--
			}
		}()
		if e.Space != "" && declared[e.Space] == 0 {
			return failf(errcode.NotWellFormed, opOpen, "element <%s> uses the undeclared namespace prefix %q", e.FullTag(), e.Space)
		}
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xmlns" && declared[a.Space] == 0 {
				return failf(errcode.NotWellFormed, opOpen, "attribute %s:%s uses an undeclared namespace prefix", a.Space, a.Key)
			}
		}
		for _, c := range e.Child {
			if c, ok := c.(*etree.Element); ok {
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(root)
}

// checkNoComments refuses comments anywhere in the signed message (T011):
// exclusive c14n does not cover them, so they are never part of what was
// signed, and xgate never sends any (Seal drops them).
func checkNoComments(root *etree.Element) error {
	var walk func(e *etree.Element) error
	walk = func(e *etree.Element) error {
		for _, t := range e.Child {
			switch c := t.(type) {
			case *etree.Comment:
				return failf(errcode.SignatureInvalid, opOpen, "a comment inside <%s>: comments are not covered by the signature and are refused", e.FullTag())
			case *etree.Element:
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(root)
}
