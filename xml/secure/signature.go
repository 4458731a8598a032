package secure

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/xml/errcode"
)

// NamespaceExcC14N is the namespace of ec:InclusiveNamespaces, the only
// parameter the exclusive c14n transform may carry.
const NamespaceExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

// sigInfo is a Signature that passed the profile checks.
type sigInfo struct {
	el   *etree.Element
	cert *x509.Certificate
}

func weak(format string, args ...any) error {
	return failf(errcode.SignatureWeak, opOpen, format, args...)
}

func invalid(format string, args ...any) error {
	return failf(errcode.SignatureInvalid, opOpen, format, args...)
}

// checkSignatureProfile finds the one Signature of root and checks it
// against xgate's profile before any cryptography runs: algorithms below
// the profile are T010, any other deviation (position, number, references,
// transforms, KeyInfo) T011, a missing certificate T003.
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
		return nil, invalid("the ds:Signature may hold only SignedInfo, SignatureValue and KeyInfo (no ds:Object)")
	}
	if err := checkSignedInfo(root, kids[0]); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace([]byte(kids[1].Text()))) == 0 || len(kids[1].ChildElements()) != 0 {
		return nil, invalid("the SignatureValue is empty")
	}
	cert, err := keyInfoSigningCert(keyInfo)
	if err != nil {
		return nil, err
	}
	return &sigInfo{el: sig, cert: cert}, nil
}

func checkSignedInfo(root, si *etree.Element) error {
	kids := si.ChildElements()
	if len(kids) < 3 || !is(kids[0], NamespaceDSig, "CanonicalizationMethod") || !is(kids[1], NamespaceDSig, "SignatureMethod") {
		return invalid("SignedInfo must hold CanonicalizationMethod, SignatureMethod and one Reference")
	}
	if alg := kids[0].SelectAttrValue("Algorithm", ""); alg != AlgExcC14N {
		return weak("SignedInfo canonicalisation %q: the profile requires exclusive c14n (%s)", alg, AlgExcC14N)
	}
	if len(kids[0].ChildElements()) != 0 {
		return invalid("the CanonicalizationMethod of SignedInfo takes no parameters here")
	}
	if alg := kids[1].SelectAttrValue("Algorithm", ""); alg != AlgRSASHA256 {
		return weak("signature method %q: the profile requires rsa-sha256 (%s); SHA-1 and other methods are refused", alg, AlgRSASHA256)
	}
	if len(kids[1].ChildElements()) != 0 {
		return invalid("the SignatureMethod takes no parameters here")
	}
	refs := kids[2:]
	for _, r := range refs {
		if !is(r, NamespaceDSig, "Reference") {
			return invalid("unexpected <%s> in SignedInfo", r.FullTag())
		}
	}
	if len(refs) != 1 {
		return invalid("SignedInfo has %d References; exactly one, to the whole message, is allowed", len(refs))
	}
	return checkReference(root, refs[0])
}

func checkReference(root, ref *etree.Element) error {
	uri := ref.SelectAttr("URI")
	if uri == nil {
		return invalid("the Reference has no URI; it must be \"\" (the whole message)")
	}
	if uri.Value != "" {
		id := root.SelectAttrValue(idAttribute, "")
		if id == "" || uri.Value != "#"+id {
			return invalid("the Reference points to %q, not to the whole message", uri.Value)
		}
	}
	kids := ref.ChildElements()
	if len(kids) != 3 || !is(kids[0], NamespaceDSig, "Transforms") || !is(kids[1], NamespaceDSig, "DigestMethod") || !is(kids[2], NamespaceDSig, "DigestValue") {
		return invalid("the Reference must hold Transforms, DigestMethod and DigestValue")
	}
	if err := checkTransforms(kids[0]); err != nil {
		return err
	}
	if alg := kids[1].SelectAttrValue("Algorithm", ""); alg != AlgSHA256 {
		return weak("digest method %q: the profile requires SHA-256 (%s)", alg, AlgSHA256)
	}
	if len(kids[1].ChildElements()) != 0 || len(kids[2].ChildElements()) != 0 {
		return invalid("DigestMethod and DigestValue take no child elements")
	}
	d, err := decodeBase64(kids[2].Text(), 64)
	if err != nil || len(d) != sha256.Size {
		return invalid("the DigestValue is not a base64 SHA-256 digest")
	}
	return nil
}

// checkTransforms allows exactly the enveloped-signature transform
// followed by exclusive c14n (with an optional InclusiveNamespaces list).
func checkTransforms(ts *etree.Element) error {
	kids := ts.ChildElements()
	for _, t := range kids {
		if !is(t, NamespaceDSig, "Transform") {
			return invalid("unexpected <%s> in Transforms", t.FullTag())
		}
	}
	if len(kids) != 2 || kids[0].SelectAttrValue("Algorithm", "") != AlgEnveloped {
		return invalid("the Reference must have exactly two transforms, enveloped-signature then exclusive c14n; it has %d (%s)", len(kids), transformList(kids))
	}
	if len(kids[0].ChildElements()) != 0 {
		return invalid("the enveloped-signature transform takes no parameters")
	}
	switch alg := kids[1].SelectAttrValue("Algorithm", ""); alg {
	case AlgExcC14N:
	case string(dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId), string(dsig.CanonicalXML10RecAlgorithmId),
		string(dsig.CanonicalXML10WithCommentsAlgorithmId), string(dsig.CanonicalXML11AlgorithmId),
		string(dsig.CanonicalXML11WithCommentsAlgorithmId):
		return weak("reference canonicalisation %q: the profile requires exclusive c14n without comments", alg)
	default:
		return invalid("transform %q is not allowed; only enveloped-signature and exclusive c14n", alg)
	}
	ps := kids[1].ChildElements()
	if len(ps) > 1 || (len(ps) == 1 && !is(ps[0], NamespaceExcC14N, "InclusiveNamespaces")) {
		return invalid("the exclusive c14n transform takes at most one ec:InclusiveNamespaces")
	}
	return nil
}

func transformList(ts []*etree.Element) string {
	var b bytes.Buffer
	for i, t := range ts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.SelectAttrValue("Algorithm", "?"))
	}
	return b.String()
}

// keyInfoSigningCert returns the one certificate of the Signature's
// KeyInfo/X509Data.
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
			if !is(x, NamespaceDSig, "X509Certificate") {
				continue // X509IssuerSerial, X509SubjectName …: not used
			}
			if certEl != nil {
				return nil, invalid("X509Data carries more than one certificate; exactly one, the signer's, is allowed")
			}
			certEl = x
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
func checkCert(ctx context.Context, cert *x509.Certificate, v CertVerifier, now time.Time) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return weak("the signing certificate has a %s key; only RSA is allowed", cert.PublicKeyAlgorithm)
	}
	if bits := pub.N.BitLen(); bits < MinRSABits {
		return weak("the signing key has %d bits; at least %d are required", bits, MinRSABits)
	}
	if err := v.VerifyCert(ctx, cert, PurposeSigning, now); err != nil {
		return asCoded(err, errcode.CertInvalid, opOpen, "the signing certificate is not trusted for signing")
	}
	return nil
}

// validateSignature runs goxmldsig with cert as the only trusted
// certificate and returns the element Validate returned with its canonical
// bytes.
func validateSignature(root *etree.Element, cert *x509.Certificate, now time.Time) (*etree.Element, []byte, error) {
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	vc.IdAttribute = idAttribute
	vc.Clock = dsig.NewFakeClockAt(now)
	el, err := vc.Validate(root)
	if err != nil {
		return nil, nil, failWrap(errcode.SignatureInvalid, opOpen, err,
			"the signature does not verify: the message was changed after signing, or it was signed with another key")
	}
	// el was parsed from canonical bytes; writing it with c14n's escaping
	// reproduces them.
	var buf bytes.Buffer
	el.WriteTo(&buf, canonicalWrite())
	return el, buf.Bytes(), nil
}
