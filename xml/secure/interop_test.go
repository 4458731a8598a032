package secure_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// Interop false alarms (issue 8, point 6): messages that xmlsec1 signs or
// verifies must open in xgate, and xgate's signatures of them must verify
// in xmlsec1. Each case is proven both ways with the real xmlsec1.

// interopMessages are the sample message with a construct at which a
// canonicaliser can go wrong.
func interopMessages(t testing.TB) []struct{ name, msg string } {
	base := string(sampleMessage(t))
	put := func(pairs ...string) string {
		s := base
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(s, pairs[i]) {
				t.Fatalf("%q not in the sample", pairs[i])
			}
			s = strings.Replace(s, pairs[i], pairs[i+1], 1)
		}
		return s
	}
	return []struct{ name, msg string }{
		{"xsi:type and xml:lang on one element (sorted by namespace URI)",
			put("<azrNummer>", `<azrNummer xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string" xml:lang="de">`)},
		{"prefixed attributes of two namespaces",
			put("<azrNummer>", `<azrNummer xmlns:b="urn:z" xmlns:a="urn:a" b:x="1" a:y="2" a:x="3" c="4">`)},
		{"same local name, prefixes declared on the root",
			put(`xmlns:xaus="urn:xgate:de:xauslaender:1"`, `xmlns:xaus="urn:xgate:de:xauslaender:1" xmlns:p="urn:2" xmlns:q="urn:1"`,
				"<azrNummer>", `<azrNummer p:a="p" q:a="q">`)},
		{"redundant xmlns=\"\"", put("<azrNummer>", `<azrNummer xmlns="">`)},
		{"xmlns=\"\" under a default namespace", put("<azrNummer>", `<ext xmlns="urn:d"><wert xmlns="">1</wert><wert>2</wert></ext><azrNummer>`)},
		{"literal tab, line feed and CR LF in attribute values", put("<azrNummer>", "<azrNummer info=\"1.0\tx\ny\r\nz\">")},
		{"character references in attribute values and text", put("<azrNummer>", "<azrNummer info=\"a&#9;b&#10;c&#13;\">&#13;&#x41;")},
		{"CDATA section", put("<azrNummer>", "<azrNummer><![CDATA[<&>]]>")},
		{"non-ASCII names, text and attributes", put("<azrNummer>", `<Straße grün="Ä&amp;Ö">Größe €</Straße><azrNummer>`)},
		{"unused and repeated namespace declarations", put("<azrNummer>", `<azrNummer xmlns:u="urn:unused" xmlns:xaus="urn:xgate:de:xauslaender:1">`)},
	}
}

func TestInteropXgateToXmlsec1(t *testing.T) {
	bin := xmlsec1(t)
	p := getPKI(t)
	f := writePEMs(t, p)
	for _, tc := range interopMessages(t) {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.msg
			plain, err := secure.SignForTest([]byte(msg), p.Sender.Key, p.Sender.Cert)
			if err != nil {
				t.Fatal(err)
			}
			runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "signed.xml", plain))
			// And xgate opens its own seal of it.
			sealed, err := secure.Seal(context.Background(), []byte(msg), p.sealOpts(secure.ProfileDefault))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := secure.Open(context.Background(), sealed, p.openOpts()); err != nil {
				t.Fatalf("xgate cannot open its own seal: %v", err)
			}
		})
	}
	t.Run("Reference to the root's ID", func(t *testing.T) {
		msg := strings.Replace(string(sampleMessage(t)), ` standard="`, ` ID="m1" standard="`, 1)
		plain, err := secure.SignForTest([]byte(msg), p.Sender.Key, p.Sender.Cert)
		if err != nil {
			t.Fatal(err)
		}
		runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, "--id-attr:ID", "urn:xgate:de:xauslaender:1:VonAZR.AZRGesamtauskunft.090004",
			f.file(t, "signed.xml", plain))
	})
	t.Run("compat seal, decrypted and verified by xmlsec1", func(t *testing.T) {
		msg := interopMessages(t)[0].msg
		sealed, err := secure.Seal(context.Background(), []byte(msg), p.sealOpts(secure.ProfileCompat))
		if err != nil {
			t.Fatal(err)
		}
		out := runXmlsec1(t, bin, false, "--decrypt", "--privkey-pem", f.recvKey+","+f.recvCrt, f.file(t, "sealed.xml", sealed))
		runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "decrypted.xml", out))
	})
}

// rewrites change a signed document in ways XML and exclusive c14n do
// not see: xmlsec1 still verifies the result, and so must xgate.
var rewrites = []struct {
	name string
	f    func(string) string
}{
	{"attributes reordered after signing", func(s string) string {
		s = reverseAttrs(s, "xaus:VonAZR.AZRGesamtauskunft.090004")
		s = reverseAttrs(s, "nachrichtentyp")
		return reverseAttrs(s, "azrNummer")
	}},
	{"white space inside the base64 SignatureValue", func(s string) string {
		return rewriteText(s, "ds:SignatureValue", func(v string) string { return spread(v, " \t\n  ") })
	}},
	{"SignatureValue in lines of 64 with CR LF", func(s string) string {
		return rewriteText(s, "ds:SignatureValue", func(v string) string { return spread(v, "\r\n") })
	}},
	{"white space inside the base64 X509Certificate", func(s string) string {
		return rewriteText(s, "ds:X509Certificate", func(v string) string { return spread(v, "\n   ") })
	}},
	{"redundant xmlns=\"\" and unused declarations added", func(s string) string {
		s = strings.Replace(s, "<nachrichtenkopf.g2g>", `<nachrichtenkopf.g2g xmlns="" xmlns:unused="urn:unused">`, 1)
		return strings.Replace(s, "<person>", `<person xmlns:xaus="urn:xgate:de:xauslaender:1">`, 1)
	}},
	{"literal white space in an attribute value", func(s string) string {
		return strings.Replace(s, `info="a b c"`, "info=\"a\tb\r\nc\"", 1)
	}},
	{"CR LF line ends", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
	{"single quotes, character references, start and end tag for an empty element", func(s string) string {
		s = strings.Replace(s, `listVersionID="1.0"`, `listVersionID='1.0'`, 1)
		s = strings.Replace(s, "Ausländerbehörde", "Ausl&#228;nderbeh&#xF6;rde", 1)
		return strings.Replace(s, "<leer/>", "<leer></leer>", 1)
	}},
}

func TestInteropXmlsec1ToXgate(t *testing.T) {
	bin := xmlsec1(t)
	p := getPKI(t)
	f := writePEMs(t, p)
	ctx := context.Background()
	for _, tc := range interopMessages(t) {
		t.Run(tc.name, func(t *testing.T) {
			signed := xmlsec1Sign(t, bin, f, []byte(tc.msg))
			if _, err := secure.OpenPlaintextForTest(ctx, signed, p.openOpts()); err != nil {
				t.Fatalf("xgate refuses what xmlsec1 signed: %v", err)
			}
		})
	}
	// A message with an attribute value to rewrite.
	msg := strings.Replace(string(sampleMessage(t)), "<azrNummer>", `<azrNummer info="a b c">`, 1)
	msg = strings.Replace(msg, "<ausloeserUUID>", "<leer/><ausloeserUUID>", 1)
	signed := string(xmlsec1Sign(t, bin, f, []byte(msg)))
	for _, rw := range rewrites {
		t.Run(rw.name, func(t *testing.T) {
			doc := rw.f(signed)
			if doc == signed {
				t.Fatal("the rewrite changed nothing")
			}
			runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "rewritten.xml", []byte(doc)))
			if _, err := secure.OpenPlaintextForTest(ctx, []byte(doc), p.openOpts()); err != nil {
				t.Fatalf("xmlsec1 verifies it, xgate refuses: %v", err)
			}
		})
	}
	t.Run("InclusiveNamespaces PrefixList", func(t *testing.T) {
		tmpl := strings.Replace(signatureTemplate, `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`,
			`<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xaus u"/></ds:Transform>`, 1)
		m := strings.Replace(string(sampleMessage(t)), "<azrNummer>", `<azrNummer xmlns:u="urn:u">`, 1)
		doc := xmlsec1SignTemplate(t, bin, f, []byte(m), tmpl)
		if !bytes.Contains(doc, []byte("InclusiveNamespaces")) {
			t.Fatal("template not used")
		}
		if _, err := secure.OpenPlaintextForTest(ctx, doc, p.openOpts()); err != nil {
			t.Fatalf("xgate refuses: %v", err)
		}
	})
	t.Run("Reference to the root's ID", func(t *testing.T) {
		m := strings.Replace(string(sampleMessage(t)), ` standard="`, ` ID="m1" standard="`, 1)
		tmpl := strings.Replace(signatureTemplate, `URI=""`, `URI="#m1"`, 1)
		doc := xmlsec1SignTemplate(t, bin, f, []byte(m), tmpl, "--id-attr:ID", "urn:xgate:de:xauslaender:1:VonAZR.AZRGesamtauskunft.090004")
		if _, err := secure.OpenPlaintextForTest(ctx, doc, p.openOpts()); err != nil {
			t.Fatalf("xgate refuses: %v", err)
		}
	})
	t.Run("KeyInfo with X509SubjectName and X509IssuerSerial", func(t *testing.T) {
		// xmlsec1 fills in only the certificate; the other X509Data forms
		// are written after signing (KeyInfo is not signed).
		tmpl := strings.Replace(signatureTemplate, `<ds:X509Data></ds:X509Data>`,
			`<ds:X509Data><ds:X509SubjectName/><ds:X509IssuerSerial/><ds:X509Certificate/></ds:X509Data>`, 1)
		doc := string(xmlsec1SignTemplate(t, bin, f, sampleMessage(t), tmpl))
		doc = strings.Replace(doc, "<ds:X509SubjectName/>", "<ds:X509SubjectName>"+p.Sender.Cert.Subject.String()+"</ds:X509SubjectName>", 1)
		doc = strings.Replace(doc, "<ds:X509IssuerSerial/>", "<ds:X509IssuerSerial><ds:X509IssuerName>"+p.Sender.Cert.Issuer.String()+
			"</ds:X509IssuerName><ds:X509SerialNumber>"+p.Sender.Cert.SerialNumber.String()+"</ds:X509SerialNumber></ds:X509IssuerSerial>", 1)
		runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "keyinfo.xml", []byte(doc)))
		if _, err := secure.OpenPlaintextForTest(ctx, []byte(doc), p.openOpts()); err != nil {
			t.Fatalf("xgate refuses: %v", err)
		}
	})
	t.Run("white space inside the base64 DigestValue", func(t *testing.T) {
		// xmlsec1 never writes it, but verifies it: a signer that wraps
		// base64 signs SignedInfo with the white space in it.
		plain, err := secure.SignForTest(sampleMessage(t), p.Sender.Key, p.Sender.Cert)
		if err != nil {
			t.Fatal(err)
		}
		doc := resign(t, p.Sender.Key, rewriteText(string(plain), "ds:DigestValue", func(v string) string { return spread(v, "\n\t ") }))
		runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "digest-ws.xml", []byte(doc)))
		if _, err := secure.OpenPlaintextForTest(ctx, []byte(doc), p.openOpts()); err != nil {
			t.Fatalf("xmlsec1 verifies it, xgate refuses: %v", err)
		}
	})
}

// reverseAttrs reverses the order of the attributes of the first start
// tag of element name.
func reverseAttrs(doc, name string) string {
	re := regexp.MustCompile(`<` + regexp.QuoteMeta(name) + `((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))+)(\s*/?>)`)
	attr := regexp.MustCompile(`\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')`)
	done := false
	return re.ReplaceAllStringFunc(doc, func(tag string) string {
		if done {
			return tag
		}
		done = true
		m := re.FindStringSubmatch(tag)
		as := attr.FindAllString(m[1], -1)
		for i, j := 0, len(as)-1; i < j; i, j = i+1, j-1 {
			as[i], as[j] = as[j], as[i]
		}
		return "<" + name + strings.Join(as, "") + m[2]
	})
}

// rewriteText replaces the text of the first element name (written
// with that prefix) with f(text).
func rewriteText(doc, name string, f func(string) string) string {
	open, close := "<"+name+">", "</"+name+">"
	i, j := strings.Index(doc, open), strings.Index(doc, close)
	if i < 0 || j < i {
		return doc
	}
	return doc[:i+len(open)] + f(doc[i+len(open):j]) + doc[j:]
}

// spread puts sep after every 16 characters of v, and before and after.
func spread(v, sep string) string {
	v = strings.Join(strings.Fields(v), "")
	var b strings.Builder
	b.WriteString(sep)
	for i := 0; i < len(v); i += 16 {
		b.WriteString(v[i:min(i+16, len(v))])
		b.WriteString(sep)
	}
	return b.String()
}

// resign computes a new SignatureValue over the exclusive canonical
// SignedInfo of doc with key: a signer whose SignedInfo differs (white
// space in the DigestValue) produced doc.
func resign(t *testing.T, key *rsa.PrivateKey, doc string) string {
	t.Helper()
	m, err := message.Parse([]byte(doc), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	si := m.Root.FindElement("ds:Signature/ds:SignedInfo")
	canon, err := c14n.Exclusive(si, c14n.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return rewriteText(doc, "ds:SignatureValue", func(string) string { return base64.StdEncoding.EncodeToString(sig) })
}
