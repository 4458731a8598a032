package secure_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// countElements returns the number of elements of a document.
func countElements(t testing.TB, doc []byte) int {
	t.Helper()
	m, err := message.Parse(doc, message.Limits{MaxBytes: 64 << 20, MaxElements: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	n := 1
	stack := m.Root.ChildElements()
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n++
		stack = append(stack, e.ChildElements()...)
	}
	return n
}

// withElements returns the sample message grown to exactly n elements:
// a large AZR record, its history as many small entries before the
// root's end tag (the Signature comes after them, where goxmldsig's
// depth-first search never reached).
func withElements(t testing.TB, n int) []byte {
	t.Helper()
	msg := sampleMessage(t)
	have := countElements(t, msg)
	if n < have {
		t.Fatalf("the sample already has %d elements", have)
	}
	var b bytes.Buffer
	i := bytes.LastIndex(msg, []byte("</"))
	b.Write(msg[:i])
	for k := 0; k < n-have; k++ {
		fmt.Fprintf(&b, "<historie>%d</historie>\n", k)
	}
	b.Write(msg[i:])
	return b.Bytes()
}

// withBytes returns the sample message grown to exactly n bytes with a
// long text.
func withBytes(t testing.TB, n int) []byte {
	t.Helper()
	msg := sampleMessage(t)
	const open, close = "<bemerkung>", "</bemerkung>"
	pad := n - len(msg) - len(open) - len(close)
	if pad < 0 {
		t.Fatalf("the sample has more than %d bytes", n)
	}
	i := bytes.LastIndex(msg, []byte("</"))
	out := make([]byte, 0, n)
	out = append(out, msg[:i]...)
	out = append(out, open...)
	line := []byte("Verlauf der Aufenthaltstitel, Duldungen und Ausreisepflicht; ")
	for k := 0; k < pad; k++ {
		out = append(out, line[k%len(line)])
	}
	out = append(out, close...)
	out = append(out, msg[i:]...)
	return out
}

// TestSealOpenAtTheLimits: every message up to the declared limits
// (message.Limits defaults: 20,000 elements, 16 MiB, depth 64, 32
// attributes) seals and opens, and one over is refused by Seal. Before
// xml/c14n replaced goxmldsig's Validate, every message above about 1,000
// elements was refused as T011 ("changed after signing").
func TestSealOpenAtTheLimits(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	deep := func(depth int) []byte {
		// depth counts the root: root, then depth-1 nested elements.
		msg := string(sampleMessage(t))
		i := strings.LastIndex(msg, "</")
		return []byte(msg[:i] + strings.Repeat("<n>", depth-1) + "x" + strings.Repeat("</n>", depth-1) + msg[i:])
	}
	manyAttrs := func(n int) []byte {
		// n attributes on one element, half of them with prefixes
		// declared on the root: the canonical form adds a declaration per
		// prefix, which the re-parse of the canonical bytes must allow.
		msg := string(sampleMessage(t))
		var decl, attrs strings.Builder
		for k := 0; k < n; k++ {
			if k%2 == 0 {
				fmt.Fprintf(&decl, ` xmlns:p%d="urn:p%d"`, k, k)
				fmt.Fprintf(&attrs, ` p%d:a="%d"`, k, k)
			} else {
				fmt.Fprintf(&attrs, ` a%d="%d"`, k, k)
			}
		}
		msg = strings.Replace(msg, `xmlns:xaus="urn:xgate:de:xauslaender:1"`, `xmlns:xaus="urn:xgate:de:xauslaender:1"`+decl.String(), 1)
		i := strings.LastIndex(msg, "</")
		return []byte(msg[:i] + "<viele" + attrs.String() + "/>" + msg[i:])
	}
	cases := []struct {
		name string
		msg  func() []byte
		ok   bool
	}{
		{"20,000 elements", func() []byte { return withElements(t, message.DefaultMaxElements) }, true},
		{"20,001 elements", func() []byte { return withElements(t, message.DefaultMaxElements+1) }, false},
		{"16 MiB", func() []byte { return withBytes(t, message.DefaultMaxBytes) }, true},
		{"16 MiB + 1", func() []byte { return withBytes(t, message.DefaultMaxBytes+1) }, false},
		{"depth 64", func() []byte { return deep(message.DefaultMaxDepth) }, true},
		{"depth 65", func() []byte { return deep(message.DefaultMaxDepth + 1) }, false},
		{"32 attributes, prefixes declared on the root", func() []byte { return manyAttrs(message.DefaultMaxAttrs) }, true},
		{"33 attributes", func() []byte { return manyAttrs(message.DefaultMaxAttrs + 1) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.msg()
			sealed, err := secure.Seal(ctx, msg, p.sealOpts(secure.ProfileDefault))
			if !tc.ok {
				if c := codeOf(t, err); c != errcode.NotWellFormed {
					t.Fatalf("over the limit: %v, want X000", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			op, err := secure.Open(ctx, sealed, p.openOpts())
			if err != nil {
				t.Fatalf("xgate cannot open what it sealed: %v", err)
			}
			if want := excC14N(t, msg); !bytes.Equal(op.Canonical, want) {
				t.Errorf("opened bytes differ from the message (%d vs %d bytes)", len(op.Canonical), len(want))
			}
		})
	}
}

// TestXmlsec1AtTheElementLimit: a message of 20,000 elements signed by
// xmlsec1 opens in xgate, and xgate's signature of it verifies in
// xmlsec1.
func TestXmlsec1AtTheElementLimit(t *testing.T) {
	bin := xmlsec1(t)
	p := getPKI(t)
	f := writePEMs(t, p)
	msg := withElements(t, message.DefaultMaxElements)
	ctx := context.Background()

	signed := xmlsec1Sign(t, bin, f, msg)
	sealed, err := secure.EncryptForTest(signed, p.RecvA.Cert, secure.ProfileDefault)
	if err != nil {
		t.Fatal(err)
	}
	op, err := secure.Open(ctx, sealed, p.openOpts())
	if err != nil {
		t.Fatalf("xgate refuses xmlsec1's signature of %d elements: %v", message.DefaultMaxElements, err)
	}
	if got := countElements(t, op.Canonical); got != message.DefaultMaxElements {
		t.Errorf("opened %d elements", got)
	}
	// Control: one changed history entry is caught.
	changed := bytes.Replace(signed, []byte("<historie>19000<"), []byte("<historie>19001<"), 1)
	if _, err := secure.OpenPlaintextForTest(ctx, changed, p.openOpts()); codeOf(t, err) != errcode.SignatureInvalid {
		t.Fatalf("changed entry: %v", err)
	}

	plain, err := secure.SignForTest(msg, p.Sender.Key, p.Sender.Cert)
	if err != nil {
		t.Fatal(err)
	}
	runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "big.xml", plain))
}
