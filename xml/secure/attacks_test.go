package secure_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// attack is one hostile input: a builder that returns the bytes sent to
// Open, the code Open must answer with, and whether the refusal must come
// before any private-key operation.
type attack struct {
	name      string
	build     func(t testing.TB, k *kit) []byte
	code      errcode.Code
	noDecrypt bool
	limits    secure.Limits
}

// kit holds what the builders need.
type kit struct {
	p   *testPKI
	msg []byte // the sample message
	// plainOnly makes seal return the plaintext unencrypted and count the
	// call in sealed: TestVerifyAttackCorpus runs the signature attacks
	// through Verify.
	plainOnly bool
	sealed    int
}

// signed returns the sample message signed by signer, as Seal would.
func (k *kit) signed(t testing.TB, signer party) string {
	t.Helper()
	b, err := secure.SignForTest(k.msg, signer.Key, signer.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seal encrypts plain for the receiver (RecvA), default profile.
func (k *kit) seal(t testing.TB, plain string) []byte {
	t.Helper()
	if k.plainOnly {
		k.sealed++
		return []byte(plain)
	}
	b, err := secure.EncryptForTest([]byte(plain), k.p.RecvA.Cert, secure.ProfileDefault)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// good is a correctly sealed sample message.
func (k *kit) good(t testing.TB) []byte { return k.seal(t, k.signed(t, k.p.Sender)) }

// sigParts splits a signed plaintext into the message before the
// Signature, the Signature, and the closing tag of the root.
func sigParts(t testing.TB, plain string) (body, sig, end string) {
	t.Helper()
	i := strings.Index(plain, "<ds:Signature")
	j := strings.LastIndex(plain, "</ds:Signature>") + len("</ds:Signature>")
	if i < 0 || j < i {
		t.Fatal("no Signature in the signed plaintext")
	}
	return plain[:i], plain[i:j], plain[j:]
}

// replace1 replaces the first old with new and fails if old is missing.
func replace1(t testing.TB, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

// signWith signs the sample message with goxmldsig configured by mod,
// starting from xgate's profile.
func (k *kit) signWith(t testing.TB, signer party, mod func(*dsig.SigningContext)) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(k.msg); err != nil {
		t.Fatal(err)
	}
	sc, err := dsig.NewSigningContext(signer.Key, [][]byte{signer.Cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	mod(sc)
	el, err := sc.SignEnveloped(doc.Root())
	if err != nil {
		t.Fatal(err)
	}
	d := etree.NewDocument()
	d.SetRoot(el)
	s, err := d.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// editEnvelope parses a sealed document, lets f change it and writes it.
func editEnvelope(t testing.TB, sealed []byte, f func(root *etree.Element)) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(sealed); err != nil {
		t.Fatal(err)
	}
	f(doc.Root())
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustFind(t testing.TB, e *etree.Element, path string) *etree.Element {
	t.Helper()
	f := e.FindElement(path)
	if f == nil {
		t.Fatalf("%s not found", path)
	}
	return f
}

// setAlg sets the Algorithm of the element at path.
func setAlg(t testing.TB, sealed []byte, path, alg string) []byte {
	return editEnvelope(t, sealed, func(r *etree.Element) { mustFind(t, r, path).CreateAttr("Algorithm", alg) })
}

const (
	contentMethod = "./xenc:EncryptionMethod"
	keyMethod     = "./ds:KeyInfo/xenc:EncryptedKey/xenc:EncryptionMethod"
	contentValue  = "./xenc:CipherData/xenc:CipherValue"
	keyValue      = "./ds:KeyInfo/xenc:EncryptedKey/xenc:CipherData/xenc:CipherValue"
)

// flip changes one bit of the decoded CipherValue at path; at < 0 counts
// from the end.
func flip(t testing.TB, sealed []byte, path string, at int) []byte {
	return editEnvelope(t, sealed, func(r *etree.Element) {
		cv := mustFind(t, r, path)
		b, err := base64.StdEncoding.DecodeString(cv.Text())
		if err != nil {
			t.Fatal(err)
		}
		if at < 0 {
			at += len(b)
		}
		b[at] ^= 0x01
		cv.SetText(base64.StdEncoding.EncodeToString(b))
	})
}

// truncate cuts n bytes off the end of the content ciphertext.
func truncate(t testing.TB, sealed []byte, keep func(int) int) []byte {
	return editEnvelope(t, sealed, func(r *etree.Element) {
		cv := mustFind(t, r, contentValue)
		b, _ := base64.StdEncoding.DecodeString(cv.Text())
		cv.SetText(base64.StdEncoding.EncodeToString(b[:keep(len(b))]))
	})
}

// payload seals an arbitrary plaintext for the receiver.
func payload(s string) func(testing.TB, *kit) []byte {
	return func(t testing.TB, k *kit) []byte { return k.seal(t, s) }
}

// signedEdit signs the sample with the sender and lets f rewrite the
// signed plaintext before sealing.
func signedEdit(f func(t testing.TB, k *kit, plain string) string) func(testing.TB, *kit) []byte {
	return func(t testing.TB, k *kit) []byte { return k.seal(t, f(t, k, k.signed(t, k.p.Sender))) }
}

func signedBy(pick func(*testPKI) party) func(testing.TB, *kit) []byte {
	return func(t testing.TB, k *kit) []byte { return k.seal(t, k.signed(t, pick(k.p))) }
}

const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`

func attacks() []attack {
	return []attack{
		// Signature wrapping and changes inside the signed content.
		{name: "xsw-signed-root-in-wrapper", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return `<xaus:Wrapper xmlns:xaus="urn:xgate:de:xauslaender:1">` + s + `</xaus:Wrapper>`
		})},
		{name: "xsw-evil-root-original-as-last-child", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			evil := replace1(t, string(k.msg), "<kennung>", "<kennung>evil-")
			evil = evil[strings.Index(evil, "<xaus:"):]
			i := strings.LastIndex(evil, "</xaus:")
			return evil[:i] + s + evil[i:]
		})},
		{name: "xsw-evil-sibling-before-signed-header", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<nachrichtenkopf.g2g>", "<nachrichtenkopf.g2g><kennung>azr:evil</kennung></nachrichtenkopf.g2g><nachrichtenkopf.g2g>")
		})},
		{name: "xsw-signature-moved-under-child", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			body, sig, end := sigParts(t, s)
			return replace1(t, body, "</nachrichtenkopf.g2g>", sig+"</nachrichtenkopf.g2g>") + end
		})},
		{name: "xsw-object-with-evil-copy", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "</ds:KeyInfo></ds:Signature>", `</ds:KeyInfo><ds:Object><nachrichtenkopf.g2g/></ds:Object></ds:Signature>`)
		})},
		{name: "second-signature", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			body, sig, end := sigParts(t, s)
			return body + sig + sig + end
		})},
		{name: "second-signature-nested-in-content", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			_, sig, _ := sigParts(t, s)
			return replace1(t, s, "</nachrichtenkopf.g2g>", sig+"</nachrichtenkopf.g2g>")
		})},
		{name: "reference-to-child-id", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			s = replace1(t, s, "<nachrichtenkopf.g2g>", `<nachrichtenkopf.g2g ID="kopf">`)
			return replace1(t, s, `URI=""`, `URI="#kopf"`)
		})},
		{name: "reference-uri-bare-hash", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `URI=""`, `URI="#"`)
		})},
		{name: "reference-uri-missing", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `<ds:Reference URI="">`, `<ds:Reference>`)
		})},
		{name: "reference-external-uri", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `URI=""`, `URI="http://evil.example/x.xml"`)
		})},
		{name: "reference-xpath-transform", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "</ds:Transforms>", `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::nachrichtenkopf.g2g)</ds:XPath></ds:Transform></ds:Transforms>`)
		})},
		{name: "reference-extra-base64-transform", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "</ds:Transforms>", `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"></ds:Transform></ds:Transforms>`)
		})},
		{name: "reference-without-enveloped-transform", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>`, "")
		})},
		{name: "two-references", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i, j := strings.Index(s, "<ds:Reference"), strings.Index(s, "</ds:Reference>")+len("</ds:Reference>")
			return s[:j] + s[i:j] + s[j:]
		})},
		{name: "comment-inside-signed-text", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<kennung>azr:", "<kennung>azr<!---->:")
		})},
		{name: "whitespace-changed-in-signed-content", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<nachrichtenkopf.g2g>", " <nachrichtenkopf.g2g>")
		})},
		{name: "attribute-value-changed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `version="1.0"`, `version="1.1"`)
		})},
		{name: "text-changed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<kennung>", "<kennung>x")
		})},
		{name: "namespace-prefix-renamed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, "xaus:", "evil:"), "xmlns:xaus=", "xmlns:evil=")
		})},
		{name: "namespace-uri-changed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `xmlns:xaus="urn:xgate:de:xauslaender:1"`, `xmlns:xaus="urn:evil"`)
		})},
		{name: "signature-in-default-namespace", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			body, sig, end := sigParts(t, s)
			sig = strings.ReplaceAll(strings.ReplaceAll(sig, "<ds:", "<"), "</ds:", "</")
			sig = replace1(t, sig, `xmlns:ds=`, `xmlns=`)
			return body + sig + end
		})},
		{name: "undeclared-prefix", code: errcode.NotWellFormed, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "</nachrichtenkopf.g2g>", "<evil:x/></nachrichtenkopf.g2g>")
		})},
		{name: "signature-value-changed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<ds:SignatureValue>", "<ds:SignatureValue>AAAA")
		})},
		{name: "digest-value-changed", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i := strings.Index(s, "<ds:DigestValue>") + len("<ds:DigestValue>")
			c := "A"
			if s[i] == 'A' {
				c = "B"
			}
			return s[:i] + c + s[i+1:]
		})},

		// Ambiguous or repeated profile elements in the signature.
		{name: "signature-method-shadowed-by-prefixed-attribute", code: errcode.SignatureWeak, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			// etree's SelectAttrValue would read f:Algorithm (rsa-sha256); the
			// unqualified Algorithm, which xmlsec1 reads, says rsa-sha1.
			return replace1(t, s, `<ds:SignatureMethod Algorithm="`+secure.AlgRSASHA256+`">`,
				`<ds:SignatureMethod xmlns:f="urn:f" f:Algorithm="`+secure.AlgRSASHA256+`" Algorithm="`+secure.AlgRSASHA1+`">`)
		})},
		{name: "digest-method-only-prefixed-algorithm", code: errcode.SignatureWeak, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `<ds:DigestMethod Algorithm="`, `<ds:DigestMethod xmlns:f="urn:f" f:Algorithm="`)
		})},
		{name: "reference-second-digest-method", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `<ds:DigestMethod Algorithm="`, `<ds:DigestMethod Algorithm="`+secure.AlgSHA1+`"></ds:DigestMethod><ds:DigestMethod Algorithm="`)
		})},
		{name: "signedinfo-second-signature-method", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `</ds:SignatureMethod>`, `</ds:SignatureMethod><ds:SignatureMethod Algorithm="`+secure.AlgRSASHA1+`"></ds:SignatureMethod>`)
		})},
		{name: "signature-second-keyinfo", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i, j := strings.Index(s, "<ds:KeyInfo>"), strings.Index(s, "</ds:KeyInfo>")+len("</ds:KeyInfo>")
			return s[:j] + s[i:j] + s[j:]
		})},
		{name: "x509data-foreign-element", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<ds:X509Data>", `<ds:X509Data><x:Cert xmlns:x="urn:x">evil</x:Cert>`)
		})},
		{name: "signature-value-not-base64", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<ds:SignatureValue>", "<ds:SignatureValue>!!")
		})},
		// Algorithms below the profile.
		{name: "signature-method-rsa-sha1", code: errcode.SignatureWeak, build: func(t testing.TB, k *kit) []byte {
			return k.seal(t, k.signWith(t, k.p.Sender, func(sc *dsig.SigningContext) {
				if err := sc.SetSignatureMethod(dsig.RSASHA1SignatureMethod); err != nil {
					t.Fatal(err)
				}
			}))
		}},
		{name: "digest-method-sha1", code: errcode.SignatureWeak, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256">`, `<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">`)
		})},
		{name: "signedinfo-c14n11-goxmldsig-default", code: errcode.SignatureWeak, build: func(t testing.TB, k *kit) []byte {
			return k.seal(t, k.signWith(t, k.p.Sender, func(sc *dsig.SigningContext) { sc.Canonicalizer = dsig.MakeC14N11Canonicalizer() }))
		}},
		{name: "reference-exc-c14n-with-comments", code: errcode.SignatureWeak, build: func(t testing.TB, k *kit) []byte {
			return k.seal(t, k.signWith(t, k.p.Sender, func(sc *dsig.SigningContext) {
				sc.Canonicalizer = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList("")
			}))
		}},
		{name: "signature-method-hmac", code: errcode.SignatureWeak, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, secure.AlgRSASHA256, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256")
		})},
		{name: "missing-signature", code: errcode.SignatureWeak, build: func(t testing.TB, k *kit) []byte {
			s := string(k.msg)
			return k.seal(t, s[strings.Index(s, "<xaus:"):])
		}},
		{name: "signature-in-foreign-namespace", code: errcode.SignatureWeak, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`, `xmlns:ds="urn:not-dsig"`)
		})},

		// KeyInfo and the signing certificate.
		{name: "keyinfo-missing", code: errcode.CertMissing, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i, j := strings.Index(s, "<ds:KeyInfo>"), strings.Index(s, "</ds:KeyInfo>")+len("</ds:KeyInfo>")
			return s[:i] + s[j:]
		})},
		{name: "keyinfo-two-certificates", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			other := base64.StdEncoding.EncodeToString(k.p.Other.Cert.Raw)
			return replace1(t, s, "</ds:X509Data>", "<ds:X509Certificate>"+other+"</ds:X509Certificate></ds:X509Data>")
		})},
		{name: "keyinfo-keyname", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<ds:KeyInfo>", "<ds:KeyInfo><ds:KeyName>sender</ds:KeyName>")
		})},
		{name: "keyinfo-garbage-certificate", code: errcode.CertInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i := strings.Index(s, "<ds:X509Certificate>") + len("<ds:X509Certificate>")
			j := strings.Index(s, "</ds:X509Certificate>")
			return s[:i] + "AAAAAAAA" + s[j:]
		})},
		{name: "keyinfo-swapped-for-other-participant", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			i := strings.Index(s, "<ds:X509Certificate>") + len("<ds:X509Certificate>")
			j := strings.Index(s, "</ds:X509Certificate>")
			return s[:i] + base64.StdEncoding.EncodeToString(k.p.Other.Cert.Raw) + s[j:]
		})},
		{name: "cert-untrusted-ca", code: errcode.CertInvalid, build: signedBy(func(p *testPKI) party { return p.Untrusted })},
		{name: "cert-self-signed", code: errcode.CertInvalid, build: signedBy(func(p *testPKI) party { return p.SelfSigned })},
		{name: "cert-expired", code: errcode.CertExpired, build: signedBy(func(p *testPKI) party { return p.Expired })},
		{name: "cert-not-yet-valid", code: errcode.CertExpired, build: signedBy(func(p *testPKI) party { return p.NotYet })},
		{name: "cert-revoked", code: errcode.CertRevoked, build: signedBy(func(p *testPKI) party { return p.Revoked })},
		{name: "cert-wrong-usage-encryption-cert", code: errcode.CertInvalid, build: signedBy(func(p *testPKI) party { return p.WrongUsage })},
		{name: "cert-signed-with-sha1", code: errcode.SignatureWeak, build: signedBy(func(p *testPKI) party { return p.SHA1 })},
		{name: "cert-two-serialnumbers-two-kennungen", code: errcode.CertInvalid, build: signedBy(func(p *testPKI) party { return p.TwoSerials })},
		{name: "cert-kennung-with-line-feed", code: errcode.CertInvalid, build: signedBy(func(p *testPKI) party { return p.NLKennung })},
		{name: "cert-rsa-2048", code: errcode.SignatureWeak, build: func(t testing.TB, k *kit) []byte {
			// SignForTest refuses a 2048-bit key (as Seal does): sign with goxmldsig directly.
			return k.seal(t, k.signWith(t, k.p.Weak, func(*dsig.SigningContext) {}))
		}},

		// Ciphertext and key transport.
		{name: "gcm-ciphertext-bit-flip", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte { return flip(t, k.good(t), contentValue, 100) }},
		{name: "gcm-tag-bit-flip", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte { return flip(t, k.good(t), contentValue, -1) }},
		{name: "gcm-iv-bit-flip", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte { return flip(t, k.good(t), contentValue, 0) }},
		{name: "gcm-truncated", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte {
			return truncate(t, k.good(t), func(n int) int { return n - 20 })
		}},
		{name: "gcm-truncated-below-iv-and-tag", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return truncate(t, k.good(t), func(int) int { return 27 })
		}},
		{name: "wrapped-key-bit-flip", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte { return flip(t, k.good(t), keyValue, 10) }},
		{name: "wrong-recipient-key", code: errcode.DecryptFailed, build: func(t testing.TB, k *kit) []byte {
			b, err := secure.EncryptForTest([]byte(k.signed(t, k.p.Sender)), k.p.RecvB.Cert, secure.ProfileDefault)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "downgrade-aes256-cbc", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), contentMethod, secure.AlgAES256CBC)
		}},
		{name: "downgrade-aes128-cbc", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), contentMethod, secure.AlgAES128CBC)
		}},
		{name: "downgrade-3des", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), contentMethod, secure.AlgTripleDES)
		}},
		{name: "downgrade-rsa-1_5", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), keyMethod, secure.AlgRSA15)
		}},
		{name: "aes128-gcm-real-envelope", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return aesEnvelope(t, []byte(k.signed(t, k.p.Sender)), k.p.RecvA.Key, 16, secure.AlgAES128GCM)
		}},
		{name: "aes192-gcm-real-envelope", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return aesEnvelope(t, []byte(k.signed(t, k.p.Sender)), k.p.RecvA.Key, 24, secure.AlgAES192GCM)
		}},
		{name: "aes128-gcm-label-on-aes256-envelope", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), contentMethod, secure.AlgAES128GCM)
		}},
		{name: "oaep-second-digest-method-first-without-algorithm", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			b := must(secure.EncryptForTest([]byte(k.signed(t, k.p.Sender)), k.p.RecvA.Cert, secure.ProfileCompat))
			return bytes.Replace(b, []byte("<ds:DigestMethod "), []byte("<ds:DigestMethod/><ds:DigestMethod "), 1)
		}},
		{name: "oaep-digest-method-without-algorithm", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			b := must(secure.EncryptForTest([]byte(k.signed(t, k.p.Sender)), k.p.RecvA.Cert, secure.ProfileCompat))
			return regexp.MustCompile(`<ds:DigestMethod [^>]*/>`).ReplaceAll(b, []byte("<ds:DigestMethod/>"))
		}},
		{name: "oaep-two-mgf", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				m := mustFind(t, r, keyMethod)
				m.AddChild(mustFind(t, m, "./xenc11:MGF").Copy())
			})
		}},
		{name: "encrypted-key-two-keyinfo", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				ek := mustFind(t, r, "./ds:KeyInfo/xenc:EncryptedKey")
				ek.InsertChildAt(0, mustFind(t, ek, "./ds:KeyInfo").Copy())
			})
		}},
		{name: "encrypted-data-type-shadowed-by-prefixed-attribute", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return bytes.Replace(k.good(t), []byte(` Type="`+secure.TypeElement+`"`),
				[]byte(` xmlns:f="urn:f" f:Type="`+secure.TypeElement+`" Type="`+secure.TypeContent+`"`), 1)
		}},
		{name: "unknown-content-algorithm", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), contentMethod, "urn:evil:null-cipher")
		}},
		{name: "unknown-key-transport", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), keyMethod, "http://www.w3.org/2001/04/xmlenc#kw-aes256")
		}},
		{name: "oaep11-sha1-digest", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), keyMethod+"/ds:DigestMethod", secure.AlgSHA1)
		}},
		{name: "oaep11-mgf1-sha1", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return setAlg(t, k.good(t), keyMethod+"/xenc11:MGF", secure.AlgMGF1SHA1)
		}},
		{name: "oaep11-mgf-missing", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				m := mustFind(t, r, keyMethod)
				m.RemoveChild(mustFind(t, m, "./xenc11:MGF"))
			})
		}},
		{name: "mgf1p-sha256-digest", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			b, err := secure.EncryptForTest([]byte(k.signed(t, k.p.Sender)), k.p.RecvA.Cert, secure.ProfileCompat)
			if err != nil {
				t.Fatal(err)
			}
			return setAlg(t, b, keyMethod+"/ds:DigestMethod", secure.AlgSHA256)
		}},
		{name: "oaep-label", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				mustFind(t, r, keyMethod).CreateElement("xenc:OAEPparams").SetText("AAAA")
			})
		}},
		{name: "type-content-not-element", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) { r.CreateAttr("Type", secure.TypeContent) })
		}},
		{name: "cipher-reference", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				cd := mustFind(t, r, "./xenc:CipherData")
				cd.RemoveChild(mustFind(t, cd, "./xenc:CipherValue"))
				cd.CreateElement("xenc:CipherReference").CreateAttr("URI", "file:///etc/passwd")
			})
		}},
		{name: "good-key-plus-rsa-1_5-key", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				ki := mustFind(t, r, "./ds:KeyInfo")
				bad := mustFind(t, ki, "./xenc:EncryptedKey").Copy()
				mustFind(t, bad, "./xenc:EncryptionMethod").CreateAttr("Algorithm", secure.AlgRSA15)
				ki.AddChild(bad)
			})
		}},
		{name: "many-encrypted-keys", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return editEnvelope(t, k.good(t), func(r *etree.Element) {
				ki := mustFind(t, r, "./ds:KeyInfo")
				ek := mustFind(t, ki, "./xenc:EncryptedKey")
				for i := 0; i < 50; i++ {
					ki.AddChild(ek.Copy())
				}
			})
		}},
		{name: "huge-cipher-value", code: errcode.NotWellFormed, noDecrypt: true, limits: secure.Limits{Message: smallLimits()},
			build: func(t testing.TB, k *kit) []byte {
				return editEnvelope(t, k.good(t), func(r *etree.Element) {
					mustFind(t, r, contentValue).SetText(base64.StdEncoding.EncodeToString(make([]byte, 200<<10)))
				})
			}},
		{name: "huge-envelope", code: errcode.NotWellFormed, noDecrypt: true, limits: secure.Limits{Message: smallLimits()},
			build: func(t testing.TB, k *kit) []byte {
				return editEnvelope(t, k.good(t), func(r *etree.Element) {
					mustFind(t, r, contentValue).SetText(strings.Repeat("A", 1<<20))
				})
			}},
		{name: "envelope-doctype", code: errcode.NotWellFormed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			g := k.good(t)
			return append([]byte(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`), g[bytes.IndexByte(g, '\n')+1:]...)
		}},
		{name: "envelope-is-signed-plaintext", code: errcode.DecryptFailed, noDecrypt: true, build: func(t testing.TB, k *kit) []byte {
			return []byte(k.signed(t, k.p.Sender))
		}},
		{name: "empty-input", code: errcode.NotWellFormed, noDecrypt: true, build: func(testing.TB, *kit) []byte { return nil }},

		// Hostile plaintext inside a correct envelope.
		{name: "payload-doctype-entity", code: errcode.NotWellFormed, build: payload(`<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`)},
		{name: "payload-billion-laughs", code: errcode.NotWellFormed, build: payload(lol)},
		{name: "payload-external-entity", code: errcode.NotWellFormed, build: payload(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`)},
		{name: "payload-xinclude", code: errcode.NotWellFormed, build: payload(`<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>`)},
		{name: "payload-processing-instruction", code: errcode.NotWellFormed, build: payload(`<r><?evil x?></r>`)},
		{name: "payload-invalid-utf8", code: errcode.NotUTF8, build: payload("<r>\xff\xfe</r>")},
		{name: "payload-not-xml", code: errcode.NotWellFormed, build: payload("not xml at all")},
		{name: "payload-deep-nesting", code: errcode.NotWellFormed, build: payload(strings.Repeat("<a>", 5000) + strings.Repeat("</a>", 5000))},
		{name: "payload-undeclares-a-prefix", code: errcode.NotWellFormed, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<azrNummer>", `<azrNummer xmlns:xaus="">`)
		})},
		{name: "payload-rebinds-xml-prefix", code: errcode.NotWellFormed, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<azrNummer>", `<azrNummer xmlns:xml="urn:evil">`)
		})},
		{name: "canonical-form-blow-up", code: errcode.NotWellFormed, build: func(t testing.TB, k *kit) []byte {
			// A trusted signer's message whose one namespace declaration
			// (a long URI) the canonical form repeats on 5,000 siblings:
			// 10 MB to digest for 50 KB of message. Signed with goxmldsig
			// directly (Seal refuses to sign it) on a copy, since its
			// canonicaliser rewrites the tree it digests.
			msg := string(k.msg)
			msg = strings.Replace(msg, `xmlns:xaus="urn:xgate:de:xauslaender:1"`, `xmlns:xaus="urn:xgate:de:xauslaender:1" xmlns:p="urn:`+strings.Repeat("x", 2000)+`"`, 1)
			i := strings.LastIndex(msg, "</")
			msg = msg[:i] + strings.Repeat("<p:c/>", 5000) + msg[i:]
			doc := etree.NewDocument()
			if err := doc.ReadFromString(msg); err != nil {
				t.Fatal(err)
			}
			sc, err := dsig.NewSigningContext(k.p.Sender.Key, [][]byte{k.p.Sender.Cert.Raw})
			if err != nil {
				t.Fatal(err)
			}
			sc.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
			sig, err := sc.ConstructSignature(doc.Root().Copy(), true)
			if err != nil {
				t.Fatal(err)
			}
			doc.Root().AddChild(sig)
			plain, err := doc.WriteToString()
			if err != nil || len(plain) > 100<<10 {
				t.Fatalf("%d bytes, %v", len(plain), err)
			}
			return k.seal(t, plain)
		}},

		{name: "payload-relative-namespace", code: errcode.SignatureInvalid, build: signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<azrNummer>", `<azrNummer xmlns:r="relative/path">`)
		})},
	}
}

func smallLimits() message.Limits { return message.Limits{MaxBytes: 64 << 10} }

// countingKey counts private-key operations.
type countingKey struct {
	k *rsa.PrivateKey
	n *atomic.Int64
}

func (c countingKey) Public() crypto.PublicKey { return c.k.Public() }
func (c countingKey) Decrypt(r io.Reader, msg []byte, o crypto.DecrypterOpts) ([]byte, error) {
	c.n.Add(1)
	return c.k.Decrypt(r, msg, o)
}

func TestAttackCorpus(t *testing.T) {
	p := getPKI(t)
	k := &kit{p: p, msg: sampleMessage(t)}
	cases := attacks()
	if len(cases) < 30 {
		t.Fatalf("only %d attack cases", len(cases))
	}
	seen := map[string]bool{}
	for _, a := range cases {
		if seen[a.name] {
			t.Fatalf("duplicate case %s", a.name)
		}
		seen[a.name] = true
		t.Run(a.name, func(t *testing.T) {
			in := a.build(t, k)
			var n atomic.Int64
			o := p.openOpts()
			o.DecryptionKeys = []crypto.Decrypter{countingKey{p.RecvA.Key, &n}}
			o.Limits = a.limits
			op, err := secure.Open(context.Background(), in, o)
			if err == nil {
				t.Fatalf("accepted (type %s from %s)", op.Type, op.Sender.Subject)
			}
			t.Log(err)
			if c := codeOf(t, err); c != a.code {
				t.Errorf("code %s, want %s: %v", c, a.code, err)
			}
			var e *errcode.Error
			if errors.As(err, &e); e.Detail == "" {
				t.Errorf("no plain-language detail: %v", err)
			}
			if a.noDecrypt && n.Load() != 0 {
				t.Errorf("%d private-key operations before the refusal, want none", n.Load())
			}
			if !a.noDecrypt && a.code != errcode.DecryptFailed && n.Load() == 0 {
				t.Errorf("refused before decryption; the case does not test what it claims")
			}
		})
	}
}

// TestAttackControls proves that the builders' baselines open: without
// the manipulation each attack input would be accepted.
func TestAttackControls(t *testing.T) {
	p := getPKI(t)
	k := &kit{p: p, msg: sampleMessage(t)}
	for name, in := range map[string][]byte{
		"good":                     k.good(t),
		"signed by other trusted":  signedBy(func(p *testPKI) party { return p.Other })(t, k),
		"goxmldsig exc-c14n":       k.seal(t, k.signWith(t, p.Sender, func(*dsig.SigningContext) {})),
		"compat":                   must(secure.EncryptForTest([]byte(k.signed(t, p.Sender)), p.RecvA.Cert, secure.ProfileCompat)),
		"aesEnvelope with AES-256": aesEnvelope(t, []byte(k.signed(t, p.Sender)), p.RecvA.Key, 32, secure.AlgAES256GCM),
		"signer without kennung":   signedBy(func(p *testPKI) party { return p.NoKennung })(t, k),
		"absolute namespace URI": signedEdit(func(t testing.TB, k *kit, s string) string {
			return replace1(t, s, "<azrNummer>", `<azrNummer xmlns:r="urn:r">`)
		})(t, k),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := secure.Open(context.Background(), in, p.openOpts()); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("reference #ID of the root", func(t *testing.T) {
		msg := strings.Replace(string(k.msg), ` standard="`, ` ID="m1" standard="`, 1)
		plain, err := secure.SignForTest([]byte(msg), p.Sender.Key, p.Sender.Cert)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(plain, []byte(`URI="#m1"`)) {
			t.Fatalf("goxmldsig did not use the ID")
		}
		if _, err := secure.Open(context.Background(), k.seal(t, string(plain)), p.openOpts()); err != nil {
			t.Fatal(err)
		}
	})
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return b
}

// aesEnvelope builds a correct XML-Enc envelope for plain with AES-GCM of
// keyLen bytes (content algorithm alg) and RSA-OAEP SHA-256 for the
// holder of key: only the content algorithm is outside the profile.
func aesEnvelope(t testing.TB, plain []byte, key *rsa.PrivateKey, keyLen int, alg string) []byte {
	t.Helper()
	sk := make([]byte, keyLen)
	nonce := make([]byte, 12)
	if _, err := rand.Read(sk); err != nil {
		t.Fatal(err)
	}
	rand.Read(nonce)
	block, err := aes.NewCipher(sk)
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	ct := gcm.Seal(append([]byte(nil), nonce...), nonce, plain, nil)
	wrapped, err := rsa.EncryptOAEPWithOptions(rand.Reader, &key.PublicKey, sk, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	return []byte(`<xenc:EncryptedData xmlns:xenc="` + secure.NamespaceXEnc + `" Type="` + secure.TypeElement + `">` +
		`<xenc:EncryptionMethod Algorithm="` + alg + `"/>` +
		`<ds:KeyInfo xmlns:ds="` + secure.NamespaceDSig + `"><xenc:EncryptedKey>` +
		`<xenc:EncryptionMethod Algorithm="` + secure.AlgRSAOAEP + `"><ds:DigestMethod Algorithm="` + secure.AlgSHA256 + `"/>` +
		`<xenc11:MGF xmlns:xenc11="` + secure.NamespaceXEnc11 + `" Algorithm="` + secure.AlgMGF1SHA256 + `"/></xenc:EncryptionMethod>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(wrapped) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>` +
		`<xenc:CipherData><xenc:CipherValue>` + b64(ct) + `</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`)
}
