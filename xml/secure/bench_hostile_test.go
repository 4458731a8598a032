package secure_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// Expensive work before the signature check (issue 8, point 7): a hostile
// but correctly encrypted message that declares many namespaces on many
// nested elements against a normal message of the same size. Before,
// checkNamespaces copied the prefix map per element and goxmldsig's
// NSTraverse copied it twice more: the cost grew with elements × prefixes
// in scope. Now every namespace walk keeps a stack per prefix.
//
//	go test ./xml/secure -run '^$' -bench NamespaceFlood -benchtime 20x -count 3
//
// Normal, HostileForged (a trusted certificate, a forged SignatureValue:
// the attacker's case, refused with T011 after SignedInfo's check) and
// HostileSigned (a trusted sender's hostile message: the whole path, with
// the exclusive c14n of every element) report time and memory per Open;
// RatioForged and RatioSigned run hostile and normal Opens alternately and
// report hostile/normal.

const floodSize = 2 << 20

// hostileMessage is the sample message with nested chains of elements
// that each declare 30 namespace prefixes, unused, grown to about size
// bytes: at depth 50 a chain has 1,500 prefixes in scope.
func hostileMessage(tb testing.TB, size int) []byte {
	tb.Helper()
	msg := string(sampleMessage(tb))
	i := strings.LastIndex(msg, "</")
	var b strings.Builder
	b.WriteString(msg[:i])
	const depth, perElement = 50, 30
	chain := 0
	for b.Len() < size {
		for d := 0; d < depth; d++ {
			b.WriteString("<n")
			for k := 0; k < perElement; k++ {
				fmt.Fprintf(&b, ` xmlns:p%d_%d="urn:x:%d:%d"`, d, k, chain, k)
			}
			b.WriteString(">")
		}
		b.WriteString(strings.Repeat("</n>", depth))
		chain++
	}
	b.WriteString(msg[i:])
	return []byte(b.String())
}

// normalMessage is the sample message grown to about size bytes with
// history entries of ordinary text.
func normalMessage(tb testing.TB, size int) []byte {
	tb.Helper()
	msg := sampleMessage(tb)
	i := bytes.LastIndex(msg, []byte("</"))
	var b bytes.Buffer
	b.Write(msg[:i])
	for k := 0; b.Len() < size; k++ {
		fmt.Fprintf(&b, "<historie>2019-11-%02d: Aufenthaltstitel nach § 25 Abs. 5 AufenthG verlängert, Eintrag %d; Wohnsitzauflage aufgehoben, Beschäftigung erlaubt, Verpflichtungserklärung liegt vor</historie>\n", k%28+1, k)
	}
	b.Write(msg[i:])
	return b.Bytes()
}

// forge replaces the SignatureValue of a signed plaintext by another
// valid-looking one: the certificate is trusted, the signature wrong.
func forge(tb testing.TB, plain []byte) []byte {
	tb.Helper()
	s := string(plain)
	i := strings.Index(s, "<ds:SignatureValue>") + len("<ds:SignatureValue>")
	if i < len("<ds:SignatureValue>") {
		tb.Fatal("no SignatureValue")
	}
	c := byte('A')
	if s[i+10] == 'A' {
		c = 'B'
	}
	return []byte(s[:i+10] + string(c) + s[i+11:])
}

func BenchmarkNamespaceFlood(b *testing.B) {
	p := getPKI(b)
	ctx := context.Background()
	opts := p.openOpts()
	opts.Verifier = secure.NewVerifyCache(opts.Verifier, secure.VerifyCacheConfig{})

	normal, err := secure.Seal(ctx, normalMessage(b, floodSize), p.sealOpts(secure.ProfileDefault))
	if err != nil {
		b.Fatal(err)
	}
	hostile := hostileMessage(b, floodSize)
	signedPlain, err := secure.SignForTest(hostile, p.Sender.Key, p.Sender.Cert)
	if err != nil {
		b.Fatal(err)
	}
	hostileSigned, err := secure.EncryptForTest(signedPlain, p.RecvA.Cert, secure.ProfileDefault)
	if err != nil {
		b.Fatal(err)
	}
	hostileForged, err := secure.EncryptForTest(forge(b, signedPlain), p.RecvA.Cert, secure.ProfileDefault)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("normal %d bytes sealed, hostile %d bytes plain (%d elements, %d namespace declarations)",
		len(normal), len(hostile), bytes.Count(hostile, []byte("<n ")), bytes.Count(hostile, []byte("xmlns:p")))

	open := func(sealed []byte, wantOK bool) func() error {
		return func() error {
			_, err := secure.Open(ctx, sealed, opts)
			if wantOK {
				return err
			}
			if err == nil {
				return fmt.Errorf("forged signature accepted")
			}
			return nil
		}
	}
	run := func(name string, f func() error, size int) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("Normal", open(normal, true), floodSize)
	run("HostileForged", open(hostileForged, false), len(hostile))
	run("HostileSigned", open(hostileSigned, true), len(hostile))
	b.Run("RatioForged", func(b *testing.B) { interleave(b, open(hostileForged, false), open(normal, true)) })
	b.Run("RatioSigned", func(b *testing.B) { interleave(b, open(hostileSigned, true), open(normal, true)) })
}

// TestNamespaceFloodOpens keeps the benchmark's inputs honest: the
// hostile message is within the limits, its signed form opens, the
// forged one is refused with T011 after decryption.
func TestNamespaceFloodOpens(t *testing.T) {
	p := getPKI(t)
	hostile := hostileMessage(t, 256<<10)
	if _, err := message.Parse(hostile, message.Limits{}); err != nil {
		t.Fatal(err)
	}
	plain, err := secure.SignForTest(hostile, p.Sender.Key, p.Sender.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secure.OpenPlaintextForTest(context.Background(), plain, p.openOpts()); err != nil {
		t.Fatal(err)
	}
	if _, err := secure.OpenPlaintextForTest(context.Background(), forge(t, plain), p.openOpts()); codeOf(t, err) != "T011" {
		t.Fatalf("forged: %v", err)
	}
}
