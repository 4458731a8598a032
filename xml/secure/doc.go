// Package secure seals and opens xgate messages: sign, then encrypt.
//
// # Overview
//
// Seal signs a message with XML-DSig and encrypts the signed element with
// XML-Enc for one recipient. Open reverses it and returns only what the
// signature covers. The profile (security.md) is fixed; nothing in an
// incoming message can choose a weaker one.
//
// Signature (goxmldsig v1.6.1): enveloped, exactly one ds:Signature as the
// last child of the message root, exclusive c14n (set explicitly: the
// library's default is c14n 1.1), rsa-sha256 with an RSA key of at least
// 3072 bits, SHA-256 digest, one Reference with URI="" (the whole message;
// "#id" of the root is accepted on receipt), the signer's certificate in
// KeyInfo/X509Data. Seal signs its own parse of the message (goxmldsig
// canonicalises the element it signs in place, so the caller's data is
// never touched) and never indents afterwards.
//
// Encryption: the serialised signed element is encrypted with AES-256-GCM
// (96-bit IV, 128-bit tag, CipherValue = IV ‖ ciphertext ‖ tag) and the
// session key is wrapped for the recipient with RSA-OAEP:
//
//   - ProfileDefault: xmlenc11#rsa-oaep, DigestMethod SHA-256,
//     MGF1-SHA256;
//   - ProfileCompat: xmlenc#rsa-oaep-mgf1p, DigestMethod SHA-1 (MGF1-SHA1),
//     what xmlsec1 1.2 understands; chosen per partner.
//
// The sealed document is one EncryptedData element (UTF-8, with an XML
// declaration):
//
//	<xenc:EncryptedData Type="http://www.w3.org/2001/04/xmlenc#Element">
//	  <xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
//	  <ds:KeyInfo>
//	    <xenc:EncryptedKey>
//	      <xenc:EncryptionMethod Algorithm="(profile)"> DigestMethod [, xenc11:MGF] </xenc:EncryptionMethod>
//	      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>(recipient encryption certificate)</…></…></ds:KeyInfo>
//	      <xenc:CipherData><xenc:CipherValue>(wrapped session key)</xenc:CipherValue></xenc:CipherData>
//	    </xenc:EncryptedKey>
//	  </ds:KeyInfo>
//	  <xenc:CipherData><xenc:CipherValue>(IV ‖ ciphertext ‖ tag)</xenc:CipherValue></xenc:CipherData>
//	</xenc:EncryptedData>
//
// The recipient certificate in the EncryptedKey only tells a receiver with
// two keys (rollover) which one to try first; Open tries each key.
//
// Open refuses, with an *errcode.Error, everything outside the profile:
// CBC modes, 3DES, RSA PKCS#1 v1.5, unknown algorithms and other OAEP
// digests or MGFs (T020, checked for every EncryptedKey before any
// decryption); wrong key, changed ciphertext or tag (T020, one answer for
// all: a failed key unwrap continues with a random session key, so neither
// the error nor the work done tells which step failed); DOCTYPE, entities
// and the rest of message.Parse's list inside the plaintext (X000);
// comments in the signed message (T011: exc-c14n does not cover them);
// a missing signature or one below the profile (T010); more than one
// Signature, one anywhere but under the root, a Reference to anything but
// the whole message, extra transforms, ds:Object (T011); then the signing
// certificate through a CertVerifier (T000–T003, T010) and goxmldsig with
// that certificate as the only trusted one (T011). Opened.Element is the
// element goxmldsig's Validate returned — parsed from the verified
// canonical bytes — never the tree Open parsed, which defeats signature
// wrapping.
//
// A CertVerifier is the consumer-side view of the certs package (wrap a
// *certs.Verifier with CertVerifierFunc); a long-running receiver puts a
// VerifyCache in front of it, so that a sender's chain is checked once per
// TTL rather than once per message.
//
// # Cost
//
// RSA-3072 private-key operations dominate: Seal costs one signature and
// one OAEP encryption (a public-key operation, run on another goroutine
// while the message is parsed and signed), Open one OAEP decryption, one
// signature verification and, uncached, one chain verification. The XML
// work on top is a fixed cost per message. BenchmarkRatio measures both
// against the raw private-key operation, op by op; on the 2-core CI VM
// (Go 1.26) Seal costs about 1.12 raw signatures and Open about 1.36 raw
// decryptions. Most of Open's surplus is goxmldsig's Validate (about
// 0.8 ms for a 5 KB message: tree copies, namespace traversal, exclusive
// c14n, the RSA verification and the re-parse of the canonical bytes with
// etree); BenchmarkRatio/OpenFloor, a raw decryption plus Validate alone,
// costs about 1.28, and BenchmarkGoxmldsigParts shows the steps Validate
// cannot skip.
//
// # Why not crewjam/saml/xmlenc
//
// xmlenc v0.6.3 could do the cryptography, but its decrypter registry is a
// package-level map that would have to be edited at start-up to drop CBC,
// 3DES and RSA-1.5 (xgate has no globals), its default cipher is CBC, it
// writes no Type attribute, and it would decrypt before we could inspect
// every algorithm of every EncryptedKey. The replacement, xmlenc.go, is about 450
// lines on etree and the standard library (rsa.EncryptOAEPWithOptions and
// rsa.PrivateKey.Decrypt with OAEPOptions.MGFHash, crypto/cipher GCM),
// and it checks the whole envelope before any private-key operation.
//
// # Caveats
//
//   - Seal does not validate the message against its schema; callers do
//     that before sealing, and validate Opened.Canonical after opening.
//   - Open checks who signed, not whether that sender may send this type
//     to this gateway: the routing directory decides that (T070, T080),
//     from Opened.Sender and Opened.Header.
//   - Exclusive c14n drops namespace declarations that are not visibly
//     used; a prefix that appears only inside text or attribute values
//     (QNames in content) does not survive. xgate's schemas have none.
//   - Go's crypto/rsa ignores the Rand options for OAEP padding and for
//     signing; SealOptions.Rand only supplies the session key and the IV.
//   - Every key of OpenOptions.DecryptionKeys may be tried on every
//     EncryptedKey: Limits.MaxEncryptedKeys × len(keys) RSA private-key
//     operations in the worst case.
package secure
