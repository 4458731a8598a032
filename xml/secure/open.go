package secure

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"io"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Limits bound what Open accepts.
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
// accepted at the limit still opens.
const (
	SignatureRoomBytes    = 64 << 10
	SignatureRoomElements = 64
)

// signed returns the limits of the decrypted, signed document.
func (l Limits) signed() message.Limits {
	m := l.Message
	m.MaxBytes += SignatureRoomBytes
	m.MaxElements += SignatureRoomElements
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
		MaxBytes:    l.signed().MaxBytes/2*3 + 256<<10,
		MaxDepth:    16,
		MaxElements: 1000,
		MaxAttrs:    16,
	}
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
	// Kennung reads the sender's directory key from its certificate.
	// Defaults to KennungFromCert.
	Kennung func(*x509.Certificate) string
}

func (o *OpenOptions) setDefaults() {
	o.Clock = clock.Or(o.Clock)
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Kennung == nil {
		o.Kennung = KennungFromCert
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
	// Subject is the certificate subject, RFC 2253 style.
	Subject string
	// Kennung is the directory key read from the certificate (see
	// KennungFromCert), or "" if it carries none.
	Kennung string
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
	// Header is read from Element.
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
//     root with exactly the enveloped and exc-c14n transforms (T011), one
//     certificate in KeyInfo (T003 when missing);
//  6. the certificate: RSA of MinRSABits or more (T010), then
//     Verifier.VerifyCert for PurposeSigning (T000/T001/T002/T003/T010);
//  7. goxmldsig Validate with that certificate as the only trusted one
//     (T011).
//
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
	op, err := openPlain(ctx, plain, &opts)
	if err != nil {
		return nil, err
	}
	op.Profile = prof
	return op, nil
}

// openPlain runs steps 4 to 7 of Open on a decrypted message.
func openPlain(ctx context.Context, plain []byte, opts *OpenOptions) (*Opened, error) {
	m, err := message.Parse(plain, opts.Limits.signed())
	if err != nil {
		e := asCoded(err, errcode.NotWellFormed, opOpen, "")
		e.Detail = "decrypted message: " + e.Detail
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
	now := opts.Clock.Now()
	if err := checkCert(ctx, sig.cert, opts.Verifier, now); err != nil {
		return nil, err
	}
	verified, canonical, err := validateSignature(m.Root, sig.cert, now)
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
			Subject:     sig.cert.Subject.String(),
			Kennung:     opts.Kennung(sig.cert),
		},
	}, nil
}

// checkNamespaces refuses prefixes that are not declared (X000): the
// namespace of every element and attribute must be known before anything
// is matched by namespace.
func checkNamespaces(root *etree.Element) error {
	var walk func(e *etree.Element, scope map[string]string) error
	walk = func(e *etree.Element, scope map[string]string) error {
		local, cloned := scope, false
		for _, a := range e.Attr {
			if a.Space != "xmlns" {
				continue
			}
			if a.Value == "" {
				return failf(errcode.NotWellFormed, opOpen, "element <%s> undeclares the prefix %q, which XML 1.0 does not allow", e.FullTag(), a.Key)
			}
			if !cloned {
				local, cloned = cloneScope(scope), true
			}
			local[a.Key] = a.Value
		}
		if e.Space != "" {
			if _, ok := local[e.Space]; !ok {
				return failf(errcode.NotWellFormed, opOpen, "element <%s> uses the undeclared namespace prefix %q", e.FullTag(), e.Space)
			}
		}
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" {
				if _, ok := local[a.Space]; !ok {
					return failf(errcode.NotWellFormed, opOpen, "attribute %s:%s uses an undeclared namespace prefix", a.Space, a.Key)
				}
			}
		}
		for _, c := range e.ChildElements() {
			if err := walk(c, local); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, map[string]string{})
}

func cloneScope(m map[string]string) map[string]string {
	c := make(map[string]string, len(m)+2)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// checkNoComments refuses comments anywhere in the signed message (T011):
// exclusive c14n does not cover them, so they are never part of what was
// signed, and xgate never sends any.
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
