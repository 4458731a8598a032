package secure

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	_ "crypto/sha1" // OAEP digest of the compat profile
	_ "crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
)

// XML Encryption on etree and the standard library (see doc.go for why not
// crewjam/saml/xmlenc). Shape of the envelope Seal writes:
//
//	<xenc:EncryptedData xmlns:xenc="…xmlenc#" Type="…xmlenc#Element">
//	  <xenc:EncryptionMethod Algorithm="…xmlenc11#aes256-gcm"/>
//	  <ds:KeyInfo xmlns:ds="…xmldsig#">
//	    <xenc:EncryptedKey>
//	      <xenc:EncryptionMethod Algorithm="…xmlenc11#rsa-oaep">
//	        <ds:DigestMethod Algorithm="…xmlenc#sha256"/>
//	        <xenc11:MGF xmlns:xenc11="…xmlenc11#" Algorithm="…xmlenc11#mgf1sha256"/>
//	      </xenc:EncryptionMethod>
//	      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>recipient</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
//	      <xenc:CipherData><xenc:CipherValue>RSA-OAEP(session key)</xenc:CipherValue></xenc:CipherData>
//	    </xenc:EncryptedKey>
//	  </ds:KeyInfo>
//	  <xenc:CipherData><xenc:CipherValue>IV(12) ‖ ciphertext ‖ tag(16)</xenc:CipherValue></xenc:CipherData>
//	</xenc:EncryptedData>

const (
	gcmNonceSize = 12
	gcmTagSize   = 16
)

// sessionKey is an AES-256 key with its GCM nonce and the key wrapped for
// the recipient.
type sessionKey struct {
	key     [32]byte
	nonce   []byte
	wrapped []byte
	err     error
}

// newSessionKey draws a session key and a nonce from rnd and starts the
// RSA-OAEP key transport for recipient on another goroutine: the public-key
// operation does not depend on the message, so it runs on a second core
// while the caller parses and signs. wait returns the finished key.
func newSessionKey(rnd io.Reader, recipient *x509.Certificate, p oaepParams) (wait func() *sessionKey, err error) {
	pub, ok := recipient.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("recipient key is %T, want RSA", recipient.PublicKey)
	}
	sk := &sessionKey{nonce: make([]byte, gcmNonceSize)}
	if _, err := io.ReadFull(rnd, sk.key[:]); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if _, err := io.ReadFull(rnd, sk.nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sk.wrapped, sk.err = rsa.EncryptOAEPWithOptions(rnd, pub, sk.key[:], &rsa.OAEPOptions{Hash: p.digest, MGFHash: p.mgfHash})
		if sk.err != nil {
			sk.err = fmt.Errorf("key transport: %w", sk.err)
		}
	}()
	return func() *sessionKey { <-done; return sk }, nil
}

// encryptElement encrypts plaintext, the serialisation of one element, for
// recipient under sk and returns the envelope document. The envelope is
// written directly: every value in it is an algorithm URI or base64. The
// session key is cleared afterwards.
func encryptElement(sk *sessionKey, plaintext []byte, recipient *x509.Certificate, p oaepParams) ([]byte, error) {
	defer clear(sk.key[:])
	if sk.err != nil {
		return nil, sk.err
	}
	block, err := aes.NewCipher(sk.key[:])
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sealed := gcm.Seal(append(make([]byte, 0, gcmNonceSize+len(plaintext)+gcmTagSize), sk.nonce...), sk.nonce, plaintext, nil)
	wrapped := sk.wrapped

	b64 := base64.StdEncoding
	var buf bytes.Buffer
	buf.Grow(b64.EncodedLen(len(sealed)) + b64.EncodedLen(len(recipient.Raw)) + b64.EncodedLen(len(wrapped)) + 1400)
	w := buf.WriteString
	w(`<?xml version="1.0" encoding="UTF-8"?>`)
	w(`<xenc:EncryptedData xmlns:xenc="` + NamespaceXEnc + `" Type="` + TypeElement + `">`)
	w(`<xenc:EncryptionMethod Algorithm="` + AlgAES256GCM + `"/>`)
	w(`<ds:KeyInfo xmlns:ds="` + NamespaceDSig + `"><xenc:EncryptedKey>`)
	w(`<xenc:EncryptionMethod Algorithm="` + p.alg + `">`)
	w(`<ds:DigestMethod Algorithm="` + digestURI(p.digest) + `"/>`)
	if p.alg == AlgRSAOAEP {
		w(`<xenc11:MGF xmlns:xenc11="` + NamespaceXEnc11 + `" Algorithm="` + mgfURI(p.mgfHash) + `"/>`)
	}
	w(`</xenc:EncryptionMethod>`)
	w(`<ds:KeyInfo><ds:X509Data><ds:X509Certificate>`)
	writeBase64(&buf, recipient.Raw)
	w(`</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`)
	w(`<xenc:CipherData><xenc:CipherValue>`)
	writeBase64(&buf, wrapped)
	w(`</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>`)
	w(`<xenc:CipherData><xenc:CipherValue>`)
	writeBase64(&buf, sealed)
	w(`</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`)
	return buf.Bytes(), nil
}

func writeBase64(buf *bytes.Buffer, b []byte) {
	buf.Write(base64.StdEncoding.AppendEncode(buf.AvailableBuffer(), b))
}

func digestURI(h crypto.Hash) string {
	if h == crypto.SHA1 {
		return AlgSHA1
	}
	return AlgSHA256
}

func mgfURI(h crypto.Hash) string {
	if h == crypto.SHA1 {
		return AlgMGF1SHA1
	}
	return AlgMGF1SHA256
}

// envelope is a parsed, algorithm-checked EncryptedData.
type envelope struct {
	contentAlg string
	keySize    int
	keys       []encryptedKey
	ciphertext []byte // IV ‖ ciphertext ‖ tag
}

// encryptedKey is one checked EncryptedKey.
type encryptedKey struct {
	oaep    oaepParams
	wrapped []byte
	keyInfo *etree.Element // its KeyInfo, or nil: names the recipient
}

// parseEnvelope checks the envelope's shape and algorithms before
// anything is decrypted. Every refusal is T020, except a ciphertext over
// the size limit (X000).
func parseEnvelope(root *etree.Element, maxEncryptedKeys, maxPlaintext int) (*envelope, error) {
	if !is(root, NamespaceXEnc, "EncryptedData") {
		return nil, failf(errcode.DecryptFailed, opOpen, "the document is not an XML-Enc EncryptedData (root element is <%s>)", root.FullTag())
	}
	if t, _ := attrValue(root, "Type"); t != TypeElement {
		return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData Type is %q; only %s (a whole element) is accepted", t, TypeElement)
	}
	env := &envelope{}
	var method, keyInfo, cipherData *etree.Element
	for _, c := range root.ChildElements() {
		var slot **etree.Element
		switch {
		case is(c, NamespaceXEnc, "EncryptionMethod"):
			slot = &method
		case is(c, NamespaceDSig, "KeyInfo"):
			slot = &keyInfo
		case is(c, NamespaceXEnc, "CipherData"):
			slot = &cipherData
		default:
			return nil, failf(errcode.DecryptFailed, opOpen, "unexpected element <%s> in EncryptedData", c.FullTag())
		}
		if *slot != nil {
			return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData has more than one <%s>", c.FullTag())
		}
		*slot = c
	}
	if method == nil {
		return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData names no EncryptionMethod")
	}
	env.contentAlg = algorithm(method)
	if env.keySize = gcmKeySize(env.contentAlg); env.keySize == 0 {
		return nil, refusedAlg("content encryption", env.contentAlg)
	}
	if len(method.ChildElements()) != 0 {
		return nil, failf(errcode.DecryptFailed, opOpen, "the content EncryptionMethod has parameters; AES-GCM takes none here")
	}
	if keyInfo == nil {
		return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData carries no EncryptedKey for this gateway")
	}
	var eks []*etree.Element
	for _, c := range keyInfo.ChildElements() {
		if !is(c, NamespaceXEnc, "EncryptedKey") {
			return nil, failf(errcode.DecryptFailed, opOpen, "KeyInfo of EncryptedData may hold only EncryptedKey elements, found <%s>", c.FullTag())
		}
		eks = append(eks, c)
	}
	if len(eks) == 0 {
		return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData carries no EncryptedKey for this gateway")
	}
	if len(eks) > maxEncryptedKeys {
		return nil, failf(errcode.DecryptFailed, opOpen, "EncryptedData carries %d EncryptedKey elements, the limit is %d", len(eks), maxEncryptedKeys)
	}
	// Check every algorithm of every key before decrypting anything.
	for _, ek := range eks {
		k, err := parseEncryptedKey(ek)
		if err != nil {
			return nil, err
		}
		env.keys = append(env.keys, k)
	}
	ct, err := cipherValue(cipherData, maxPlaintext+gcmNonceSize+gcmTagSize)
	if err != nil {
		return nil, err
	}
	if len(ct) < gcmNonceSize+gcmTagSize {
		return nil, failf(errcode.DecryptFailed, opOpen, "the ciphertext is %d bytes, shorter than IV and tag: it was truncated", len(ct))
	}
	env.ciphertext = ct
	return env, nil
}

func parseEncryptedKey(ek *etree.Element) (encryptedKey, error) {
	var k encryptedKey
	var method, cipherData, refList, keyName *etree.Element
	for _, c := range ek.ChildElements() {
		var slot **etree.Element
		switch {
		case is(c, NamespaceXEnc, "EncryptionMethod"):
			slot = &method
		case is(c, NamespaceXEnc, "CipherData"):
			slot = &cipherData
		case is(c, NamespaceDSig, "KeyInfo"):
			slot = &k.keyInfo
		case is(c, NamespaceXEnc, "ReferenceList"):
			slot = &refList // informational; not used
		case is(c, NamespaceXEnc, "CarriedKeyName"):
			slot = &keyName // informational; not used
		default:
			return k, failf(errcode.DecryptFailed, opOpen, "unexpected element <%s> in EncryptedKey", c.FullTag())
		}
		if *slot != nil {
			return k, failf(errcode.DecryptFailed, opOpen, "EncryptedKey has more than one <%s>", c.FullTag())
		}
		*slot = c
	}
	if method == nil {
		return k, failf(errcode.DecryptFailed, opOpen, "EncryptedKey names no EncryptionMethod")
	}
	p, err := keyTransport(method)
	if err != nil {
		return k, err
	}
	k.oaep = p
	// A wrapped key is one RSA block: 3072 bits are 384 bytes; allow up to 16384-bit keys.
	if k.wrapped, err = cipherValue(cipherData, 2048); err != nil {
		return k, err
	}
	return k, nil
}

// keyTransport checks a key-transport EncryptionMethod against the two
// profiles: rsa-oaep-mgf1p with SHA-1 (or no DigestMethod, which means
// SHA-1), or xmlenc11#rsa-oaep with SHA-256 and MGF1-SHA256.
func keyTransport(method *etree.Element) (oaepParams, error) {
	alg := algorithm(method)
	var digestEl, mgfEl *etree.Element
	for _, c := range method.ChildElements() {
		var slot **etree.Element
		switch {
		case is(c, NamespaceDSig, "DigestMethod"):
			slot = &digestEl
		case is(c, NamespaceXEnc11, "MGF"):
			slot = &mgfEl
		case is(c, NamespaceXEnc, "OAEPparams"):
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "RSA-OAEP with a label (OAEPparams) is not part of the profile")
		default:
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "unexpected <%s> in the key-transport EncryptionMethod", c.FullTag())
		}
		// Two DigestMethods (or MGFs) are ambiguous, whatever their
		// values: another reader may take the other one.
		if *slot != nil {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "the key-transport EncryptionMethod has more than one <%s>", c.FullTag())
		}
		if len(c.ChildElements()) != 0 {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "<%s> of the key transport takes no child elements", c.FullTag())
		}
		*slot = c
	}
	var digest, mgf string
	if digestEl != nil {
		var ok bool
		if digest, ok = attrValue(digestEl, "Algorithm"); !ok || digest == "" {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "the key-transport DigestMethod names no Algorithm")
		}
	}
	if mgfEl != nil {
		var ok bool
		if mgf, ok = attrValue(mgfEl, "Algorithm"); !ok || mgf == "" {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "the key-transport MGF names no Algorithm")
		}
	}
	switch alg {
	case AlgRSAOAEPMGF:
		if digest != "" && digest != AlgSHA1 {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "rsa-oaep-mgf1p with digest %q: the compat profile uses SHA-1", digest)
		}
		if mgf != "" {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "rsa-oaep-mgf1p takes no MGF element (its MGF is MGF1-SHA1)")
		}
		return oaepParams{alg: alg, digest: crypto.SHA1, mgfHash: crypto.SHA1}, nil
	case AlgRSAOAEP:
		if digest != AlgSHA256 {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "xmlenc11#rsa-oaep with digest %q: the default profile requires SHA-256", orDefault(digest, "SHA-1 (default)"))
		}
		if mgf != AlgMGF1SHA256 {
			return oaepParams{}, failf(errcode.DecryptFailed, opOpen, "xmlenc11#rsa-oaep with MGF %q: the default profile requires MGF1-SHA256", orDefault(mgf, "MGF1-SHA1 (default)"))
		}
		return oaepParams{alg: alg, digest: crypto.SHA256, mgfHash: crypto.SHA256}, nil
	}
	return oaepParams{}, refusedAlg("key transport", alg)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func refusedAlg(what, alg string) *errcode.Error {
	if r := refusedReason(alg); r != "" {
		return failf(errcode.DecryptFailed, opOpen, "%s algorithm %s: %s", what, alg, r)
	}
	if alg == "" {
		return failf(errcode.DecryptFailed, opOpen, "%s algorithm is missing", what)
	}
	return failf(errcode.DecryptFailed, opOpen, "%s algorithm %q is unknown or not allowed", what, alg)
}

// keyInfoCert returns the first X509Certificate of a KeyInfo, or nil. It
// only orders the decryption attempts, so a bad one is ignored.
func keyInfoCert(ki *etree.Element) *x509.Certificate {
	for _, xd := range ki.ChildElements() {
		if !is(xd, NamespaceDSig, "X509Data") {
			continue
		}
		for _, c := range xd.ChildElements() {
			if !is(c, NamespaceDSig, "X509Certificate") {
				continue
			}
			der, err := decodeBase64(c.Text(), 64<<10)
			if err != nil {
				return nil
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil
			}
			return cert
		}
	}
	return nil
}

// cipherValue returns the decoded CipherData/CipherValue; CipherReference
// (a fetch) is refused.
func cipherValue(cd *etree.Element, max int) ([]byte, error) {
	if cd == nil {
		return nil, failf(errcode.DecryptFailed, opOpen, "CipherData is missing")
	}
	var cv *etree.Element
	for _, c := range cd.ChildElements() {
		if !is(c, NamespaceXEnc, "CipherValue") || cv != nil {
			return nil, failf(errcode.DecryptFailed, opOpen, "CipherData must hold exactly one CipherValue (CipherReference is not supported: nothing is fetched), found <%s>", c.FullTag())
		}
		cv = c
	}
	if cv == nil {
		return nil, failf(errcode.DecryptFailed, opOpen, "CipherData holds no CipherValue")
	}
	b, err := decodeBase64(cv.Text(), max)
	if errors.Is(err, errTooLarge) {
		return nil, failf(errcode.NotWellFormed, opOpen, "a CipherValue decodes to more than %d bytes, the limit", max)
	}
	if err != nil {
		return nil, failWrap(errcode.DecryptFailed, opOpen, err, "a CipherValue is not valid base64")
	}
	return b, nil
}

var errTooLarge = errors.New("too large")

// decodeBase64 decodes standard base64 with any XML whitespace inside,
// refusing (errTooLarge) what decodes to more than max bytes.
func decodeBase64(s string, max int) ([]byte, error) {
	// Cheap bound before copying: base64 is 4/3 of the data; allow as much
	// whitespace again. The exact check follows.
	if len(s) > 2*base64.StdEncoding.EncodedLen(max)+1024 {
		return nil, errTooLarge
	}
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	if base64.StdEncoding.DecodedLen(len(clean)) > max+2 {
		return nil, errTooLarge
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, errTooLarge
	}
	return out[:n], nil
}

// attempt is one (EncryptedKey, private key) pair to try.
type attempt struct {
	ek  *encryptedKey
	key crypto.Decrypter
}

// decrypt tries the receiver's keys on the envelope's EncryptedKeys, the
// pairs whose EncryptedKey names the key's certificate first. A failed
// RSA-OAEP unwrap is not reported as such: a random session key takes its
// place and AES-GCM fails in the same way as with a tampered ciphertext
// (implicit rejection), so the answer and the work done do not tell an
// attacker which step failed. It returns the plaintext and the profile of
// the EncryptedKey that worked.
func (env *envelope) decrypt(rnd io.Reader, keys []crypto.Decrypter) ([]byte, Profile, error) {
	var first, rest []attempt
	for i := range env.keys {
		ek := &env.keys[i]
		var recipient *x509.Certificate
		if len(keys) > 1 && ek.keyInfo != nil { // the order only matters with several keys
			recipient = keyInfoCert(ek.keyInfo)
		}
		for _, k := range keys {
			a := attempt{ek, k}
			if recipient != nil && samePublicKey(recipient.PublicKey, k.Public()) {
				first = append(first, a)
			} else {
				rest = append(rest, a)
			}
		}
	}
	nonce := env.ciphertext[:gcmNonceSize]
	body := env.ciphertext[gcmNonceSize:]
	fallback := make([]byte, env.keySize)
	for _, a := range append(first, rest...) {
		sk, err := a.key.Decrypt(nil, a.ek.wrapped, &rsa.OAEPOptions{Hash: a.ek.oaep.digest, MGFHash: a.ek.oaep.mgfHash})
		if err != nil || len(sk) != env.keySize {
			if _, rerr := io.ReadFull(rnd, fallback); rerr != nil {
				return nil, 0, failWrap(errcode.DecryptFailed, opOpen, rerr, "no randomness")
			}
			sk = fallback
		}
		block, err := aes.NewCipher(sk)
		if err != nil {
			continue
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			continue
		}
		pt, err := gcm.Open(nil, nonce, body, nil)
		clear(sk)
		if err == nil {
			prof := ProfileDefault
			if a.ek.oaep.alg == AlgRSAOAEPMGF {
				prof = ProfileCompat
			}
			return pt, prof, nil
		}
	}
	return nil, 0, failf(errcode.DecryptFailed, opOpen,
		"the message cannot be decrypted: none of this gateway's keys opens it, or the ciphertext was changed in transit")
}

// samePublicKey compares two RSA public keys.
func samePublicKey(a, b crypto.PublicKey) bool {
	ra, ok1 := a.(*rsa.PublicKey)
	rb, ok2 := b.(*rsa.PublicKey)
	return ok1 && ok2 && ra.Equal(rb)
}

// is reports whether e is the element local in namespace ns.
func is(e *etree.Element, ns, local string) bool {
	return e.Tag == local && e.NamespaceURI() == ns
}
