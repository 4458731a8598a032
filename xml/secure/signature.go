package secure

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// NamespaceExcC14N is the namespace of ec:InclusiveNamespaces, the only
// parameter the exclusive c14n transform may carry.
const NamespaceExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

// sigInfo is a Signature that passed the profile checks.
type sigInfo struct {
	el         *etree.Element // the ds:Signature
	signedInfo *etree.Element
	value      []byte // the decoded SignatureValue
	cert       *x509.Certificate
}

// refInfo is what a checked SignedInfo says about its one Reference.
type refInfo struct {
	digest    []byte   // the decoded DigestValue
	inclusive []string // the InclusiveNamespaces PrefixList of the exc-c14n transform
}

func weak(format string, args ...any) error {
	return failf(errcode.SignatureWeak, opOpen, format, args...)
}

func invalid(format string, args ...any) error {
	return failf(errcode.SignatureInvalid, opOpen, format, args...)
}

// attrValue returns the value of e's attribute name that has no
// namespace prefix. etree's SelectAttrValue("Algorithm") would also match
// foo:Algorithm, whichever comes first; xmlsec1 reads only the
// unqualified one, and so do we.
func attrValue(e *etree.Element, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == name {
			return a.Value, true
		}
	}
	return "", false
}

func algorithm(e *etree.Element) string {
	v, _ := attrValue(e, "Algorithm")
	return v
}

// checkSignatureProfile finds the one Signature of root and checks it
// against xgate's profile before any cryptography runs: algorithms below
// the profile are T010, any other deviation (position, number, order or
// repetition of elements, references, transforms, KeyInfo) T011, a
// missing certificate T003.
func checkSignatureProfile(root *etree.Element) (*sigInfo, error) {
	var sigs []*etree.Element
	var find func(e *etree.Element)
	find = func(e *etree.Element) {
		for _, c := range e.ChildElements() {
			if is(c, NamespaceDSig, "Signature") {
				sigs = append(sigs, c)
			}
			find(c)
		}
	}
	if is(root, NamespaceDSig, "Signature") {
		return nil, invalid("the message root is itself a Signature")
	}
	find(root)
	switch {
	case len(sigs) == 0:
		return nil, weak("the message is not signed: it has no ds:Signature")
	case len(sigs) > 1:
		return nil, invalid("the message has %d ds:Signature elements; exactly one is allowed", len(sigs))
	case sigs[0].Parent() != root:
		return nil, invalid("the ds:Signature is not a direct child of the message root")
	}
	sig := sigs[0]

	kids := sig.ChildElements()
	if len(kids) < 2 || !is(kids[0], NamespaceDSig, "SignedInfo") || !is(kids[1], NamespaceDSig, "SignatureValue") {
		return nil, invalid("the ds:Signature must start with SignedInfo and SignatureValue")
	}
	var keyInfo *etree.Element
	switch {
	case len(kids) == 2:
	case len(kids) == 3 && is(kids[2], NamespaceDSig, "KeyInfo"):
		keyInfo = kids[2]
	default:
		return nil, invalid("the ds:Signature may hold only SignedInfo, SignatureValue and KeyInfo, once each (no ds:Object)")
	}
	if _, err := checkSignedInfo(root, kids[0]); err != nil {
		return nil, err
	}
	if len(kids[1].ChildElements()) != 0 {
		return nil, invalid("the SignatureValue holds elements")
	}
	value, err := decodeBase64(kids[1].Text(), 2048) // RSA up to 16384 bits
	if err != nil || len(value) == 0 {
		return nil, invalid("the SignatureValue is empty or not base64")
	}
	cert, err := keyInfoSigningCert(keyInfo)
	if err != nil {
		return nil, err
	}
	return &sigInfo{el: sig, signedInfo: kids[0], value: value, cert: cert}, nil
}

// checkSignedInfo checks a SignedInfo against the profile and returns
// what its Reference says. It runs twice: on the received tree before any
// cryptography, and on the re-parsed canonical SignedInfo whose signature
// verified, which alone decides the digest and the transforms.
func checkSignedInfo(root, si *etree.Element) (refInfo, error) {
	kids := si.ChildElements()
	if len(kids) < 3 || !is(kids[0], NamespaceDSig, "CanonicalizationMethod") || !is(kids[1], NamespaceDSig, "SignatureMethod") {
		return refInfo{}, invalid("SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference, in that order")
	}
	if alg := algorithm(kids[0]); alg != AlgExcC14N {
		return refInfo{}, weak("SignedInfo canonicalisation %q: the profile requires exclusive c14n (%s)", alg, AlgExcC14N)
	}
	if len(kids[0].ChildElements()) != 0 {
		return refInfo{}, invalid("the CanonicalizationMethod of SignedInfo takes no parameters here")
	}
	if alg := algorithm(kids[1]); alg != AlgRSASHA256 {
		return refInfo{}, weak("signature method %q: the profile requires rsa-sha256 (%s); SHA-1 and other methods are refused", alg, AlgRSASHA256)
	}
	if len(kids[1].ChildElements()) != 0 {
		return refInfo{}, invalid("the SignatureMethod takes no parameters here")
	}
	refs := kids[2:]
	for _, r := range refs {
		if !is(r, NamespaceDSig, "Reference") {
			return refInfo{}, invalid("unexpected <%s> in SignedInfo", r.FullTag())
		}
	}
	if len(refs) != 1 {
		return refInfo{}, invalid("SignedInfo has %d References; exactly one, to the whole message, is allowed", len(refs))
	}
	return checkReference(root, refs[0])
}

func checkReference(root, ref *etree.Element) (refInfo, error) {
	uri, ok := attrValue(ref, "URI")
	if !ok {
		return refInfo{}, invalid("the Reference has no URI; it must be \"\" (the whole message)")
	}
	if uri != "" {
		id, _ := attrValue(root, idAttribute)
		if id == "" || uri != "#"+id {
			return refInfo{}, invalid("the Reference points to %q, not to the whole message", uri)
		}
	}
	kids := ref.ChildElements()
	if len(kids) != 3 || !is(kids[0], NamespaceDSig, "Transforms") || !is(kids[1], NamespaceDSig, "DigestMethod") || !is(kids[2], NamespaceDSig, "DigestValue") {
		return refInfo{}, invalid("the Reference must hold Transforms, DigestMethod and DigestValue, once each and in that order")
	}
	inclusive, err := checkTransforms(kids[0])
	if err != nil {
		return refInfo{}, err
	}
	if alg := algorithm(kids[1]); alg != AlgSHA256 {
		return refInfo{}, weak("digest method %q: the profile requires SHA-256 (%s)", alg, AlgSHA256)
	}
	if len(kids[1].ChildElements()) != 0 || len(kids[2].ChildElements()) != 0 {
		return refInfo{}, invalid("DigestMethod and DigestValue take no child elements")
	}
	d, err := decodeBase64(kids[2].Text(), 64)
	if err != nil || len(d) != sha256.Size {
		return refInfo{}, invalid("the DigestValue is not a base64 SHA-256 digest")
	}
	return refInfo{digest: d, inclusive: inclusive}, nil
}

// checkTransforms allows exactly the enveloped-signature transform
// followed by exclusive c14n (with an optional InclusiveNamespaces
// list, whose prefixes it returns).
func checkTransforms(ts *etree.Element) ([]string, error) {
	kids := ts.ChildElements()
	for _, t := range kids {
		if !is(t, NamespaceDSig, "Transform") {
			return nil, invalid("unexpected <%s> in Transforms", t.FullTag())
		}
	}
	if len(kids) != 2 || algorithm(kids[0]) != AlgEnveloped {
		return nil, invalid("the Reference must have exactly two transforms, enveloped-signature then exclusive c14n; it has %d (%s)", len(kids), transformList(kids))
	}
	if len(kids[0].ChildElements()) != 0 {
		return nil, invalid("the enveloped-signature transform takes no parameters")
	}
	switch alg := algorithm(kids[1]); alg {
	case AlgExcC14N:
	case string(dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId), string(dsig.CanonicalXML10RecAlgorithmId),
		string(dsig.CanonicalXML10WithCommentsAlgorithmId), string(dsig.CanonicalXML11AlgorithmId),
		string(dsig.CanonicalXML11WithCommentsAlgorithmId):
		return nil, weak("reference canonicalisation %q: the profile requires exclusive c14n without comments", alg)
	default:
		return nil, invalid("transform %q is not allowed; only enveloped-signature and exclusive c14n", alg)
	}
	ps := kids[1].ChildElements()
	switch {
	case len(ps) == 0:
		return nil, nil
	case len(ps) > 1 || !is(ps[0], NamespaceExcC14N, "InclusiveNamespaces") || len(ps[0].ChildElements()) != 0:
		return nil, invalid("the exclusive c14n transform takes at most one ec:InclusiveNamespaces")
	}
	list, _ := attrValue(ps[0], "PrefixList")
	prefixes := strings.Fields(list)
	for _, p := range prefixes {
		if p != "#default" && (strings.ContainsRune(p, ':') || strings.ContainsRune(p, '#')) {
			return nil, invalid("InclusiveNamespaces PrefixList holds %q, which is not a prefix", p)
		}
	}
	return prefixes, nil
}

func transformList(ts []*etree.Element) string {
	var b bytes.Buffer
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		if alg := algorithm(t); alg != "" {
			b.WriteString(alg)
		} else {
			b.WriteString("?")
		}
	}
	return b.String()
}

// keyInfoSigningCert returns the one certificate of the Signature's
// KeyInfo/X509Data. Besides it, X509Data may only hold the other
// X509Data forms of XML-DSig, which are not used.
func keyInfoSigningCert(ki *etree.Element) (*x509.Certificate, error) {
	missing := failf(errcode.CertMissing, opOpen, "the signature carries no certificate in KeyInfo/X509Data")
	if ki == nil {
		return nil, missing
	}
	var certEl *etree.Element
	for _, c := range ki.ChildElements() {
		if !is(c, NamespaceDSig, "X509Data") || certEl != nil {
			return nil, invalid("KeyInfo may hold only one X509Data, found <%s>", c.FullTag())
		}
		for _, x := range c.ChildElements() {
			switch {
			case is(x, NamespaceDSig, "X509Certificate"):
				if certEl != nil {
					return nil, invalid("X509Data carries more than one certificate; exactly one, the signer's, is allowed")
				}
				certEl = x
			case is(x, NamespaceDSig, "X509IssuerSerial"), is(x, NamespaceDSig, "X509SubjectName"),
				is(x, NamespaceDSig, "X509SKI"), is(x, NamespaceDSig, "X509Digest"):
				// other forms of the same reference: not used
			default:
				return nil, invalid("unexpected <%s> in X509Data", x.FullTag())
			}
		}
		if certEl == nil {
			return nil, missing
		}
	}
	if certEl == nil {
		return nil, missing
	}
	der, err := decodeBase64(certEl.Text(), 64<<10)
	if err != nil {
		return nil, failWrap(errcode.CertInvalid, opOpen, err, "the certificate in KeyInfo is not valid base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, failWrap(errcode.CertInvalid, opOpen, err, "the certificate in KeyInfo cannot be read")
	}
	return cert, nil
}

// checkCert applies the key-size rule and the verifier.
func checkCert(ctx context.Context, cert *x509.Certificate, v CertVerifier, purpose certs.Purpose, now time.Time) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return weak("the signing certificate has a %s key; only RSA is allowed", cert.PublicKeyAlgorithm)
	}
	if bits := pub.N.BitLen(); bits < certs.MinRSABits {
		return weak("the signing key has %d bits; at least %d are required", bits, certs.MinRSABits)
	}
	if err := v.VerifyCert(ctx, cert, purpose, now); err != nil {
		return asCoded(err, errcode.CertInvalid, opOpen, "the signing certificate is not trusted for "+purpose.String())
	}
	return nil
}

// maxSignedInfo bounds the canonical SignedInfo.
const maxSignedInfo = 64 << 10

// verifySignature checks the signature of root with the key of sig.cert,
// as XML-DSig core validation does and in this order: the SignatureValue
// over the exclusive canonical form of SignedInfo (rsa-sha256), then,
// from the SignedInfo that verified (re-parsed from its canonical bytes),
// the digest of the exclusive canonical form of root without the
// Signature. It returns the element parsed from exactly those canonical
// bytes, and the bytes: nothing of the received tree is returned
// (signature wrapping).
func verifySignature(root *etree.Element, sig *sigInfo, lim message.Limits, plainSize int) (*etree.Element, []byte, error) {
	siBytes, err := c14n.Exclusive(sig.signedInfo, c14n.Options{MaxBytes: maxSignedInfo})
	if err != nil {
		return nil, nil, failWrap(errcode.SignatureInvalid, opOpen, err, "SignedInfo cannot be canonicalised")
	}
	sum := sha256.Sum256(siBytes)
	pub := sig.cert.PublicKey.(*rsa.PublicKey) // checkCert made sure
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig.value); err != nil {
		return nil, nil, failWrap(errcode.SignatureInvalid, opOpen, err,
			"the signature does not verify: SignedInfo was changed after signing, or it was signed with another key than the certificate's")
	}
	// Only what the signature covers decides from here on.
	vsi, err := message.Parse(siBytes, message.Limits{MaxBytes: maxSignedInfo, MaxDepth: 8, MaxElements: 64, MaxAttrs: 8})
	if err != nil {
		return nil, nil, failWrap(errcode.SignatureInvalid, opOpen, err, "the signed SignedInfo cannot be read back")
	}
	ref, err := checkSignedInfo(root, vsi.Root)
	if err != nil {
		return nil, nil, err
	}
	maxCanon := MaxCanonicalGrowth * plainSize
	canonical, err := c14n.Exclusive(root, c14n.Options{Omit: sig.el, InclusivePrefixes: ref.inclusive, MaxBytes: maxCanon})
	if err != nil {
		code := errcode.SignatureInvalid
		if errors.Is(err, c14n.ErrTooLarge) {
			code = errcode.NotWellFormed
		}
		return nil, nil, failWrap(code, opOpen, err, "the message cannot be canonicalised")
	}
	if d := sha256.Sum256(canonical); !bytes.Equal(d[:], ref.digest) {
		return nil, nil, invalid("the message was changed after signing: its digest does not match the signed DigestValue")
	}
	m, err := message.Parse(canonical, canonicalLimits(lim, maxCanon))
	if err != nil {
		return nil, nil, failWrap(errcode.SignatureInvalid, opOpen, err, "the verified canonical message cannot be read back")
	}
	return m.Root, canonical, nil
}

// canonicalLimits are the limits of the re-parse of a canonical form:
// the message's, except that exclusive c14n may add a namespace
// declaration per prefix an element uses (its own and its attributes').
func canonicalLimits(lim message.Limits, maxBytes int) message.Limits {
	lim.MaxBytes = maxBytes
	lim.MaxAttrs = 2*lim.MaxAttrs + 1
	return lim
}

// excC14N is exclusive c14n as goxmldsig's Canonicalizer, for signing: the
// library's own canonicaliser deviates from the recommendation (see
// doc.go), ours is xml/c14n.
type excC14N struct{ maxBytes int }

func (c excC14N) Canonicalize(el *etree.Element) ([]byte, error) {
	return c14n.Exclusive(el, c14n.Options{MaxBytes: c.maxBytes})
}

func (excC14N) Algorithm() dsig.AlgorithmID { return dsig.CanonicalXML10ExclusiveAlgorithmId }
