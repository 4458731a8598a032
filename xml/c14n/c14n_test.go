package c14n_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/message"
)

// cases are documents at the edges of exclusive c14n, with the canonical
// form that xmlsec1 1.2.37 (libxml2) computes for them (checked by
// TestExclusiveMatchesXmlsec1 on every run where xmlsec1 is installed).
var cases = []struct {
	name, in, want string
	inclusive      []string
}{
	{name: "xsi:type and xml:lang: sorted by namespace URI, not local name",
		in:   `<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><c xml:lang="de" xsi:type="x"/></r>`,
		want: `<r><c xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="x" xml:lang="de"></c></r>`},
	{name: "prefixed attributes of two namespaces",
		in:   `<r xmlns:a="urn:z" xmlns:b="urn:a"><c a:y="2" b:x="1" a:x="3" z="0"/></r>`,
		want: `<r><c xmlns:a="urn:z" xmlns:b="urn:a" z="0" b:x="1" a:x="3" a:y="2"></c></r>`},
	{name: "same local name, prefixes declared on an ancestor",
		in:   `<r xmlns:p="urn:2" xmlns:q="urn:1"><c p:a="p" q:a="q"/><c q:a="q" p:a="p"/></r>`,
		want: `<r><c xmlns:p="urn:2" xmlns:q="urn:1" q:a="q" p:a="p"></c><c xmlns:p="urn:2" xmlns:q="urn:1" q:a="q" p:a="p"></c></r>`},
	{name: "redundant xmlns=\"\"",
		in:   `<r xmlns=""><c xmlns=""><d/></c></r>`,
		want: `<r><c><d></d></c></r>`},
	{name: "xmlns=\"\" after a default namespace",
		in:   `<r xmlns="urn:a"><c xmlns=""><d xmlns=""/></c></r>`,
		want: `<r xmlns="urn:a"><c xmlns=""><d></d></c></r>`},
	{name: "default namespace through a prefixed element",
		in:   `<r xmlns="urn:a" xmlns:p="urn:p"><p:c><d/><e xmlns=""/></p:c></r>`,
		want: `<r xmlns="urn:a"><p:c xmlns:p="urn:p"><d></d><e xmlns=""></e></p:c></r>`},
	{name: "redeclaration with the same and another URI",
		in:   `<p:r xmlns:p="urn:p"><p:c xmlns:p="urn:p"/><p:c xmlns:p="urn:q"/></p:r>`,
		want: `<p:r xmlns:p="urn:p"><p:c></p:c><p:c xmlns:p="urn:q"></p:c></p:r>`},
	{name: "unused declarations dropped, used ones pushed down to each user",
		in:   `<r xmlns:u="urn:unused" xmlns:p="urn:p"><a p:x="1"/><b><p:c/></b><p:d/></r>`,
		want: `<r><a xmlns:p="urn:p" p:x="1"></a><b><p:c xmlns:p="urn:p"></p:c></b><p:d xmlns:p="urn:p"></p:d></r>`},
	{name: "attribute values",
		in:   "<r a=\"&amp;&lt;&gt;&quot;&apos;\" b=\"1&#9;2&#10;3&#13;4\" c=\"1\t2\n3\r\n4\" d='\"'></r>",
		want: `<r a="&amp;&lt;>&quot;'" b="1&#x9;2&#xA;3&#xD;4" c="1 2 3 4" d="&quot;"></r>`},
	{name: "text",
		in:   "<r>&amp;&lt;&gt;\"'&#13;\r\n\t<![CDATA[<&>]]><!-- gone --> </r>",
		want: "<r>&amp;&lt;&gt;\"'&#xD;\n\t&lt;&amp;&gt; </r>"},
	{name: "white space and the XML declaration outside the root",
		in:   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->\n<r>\n  <a/>\n</r>\n",
		want: "<r>\n  <a></a>\n</r>"},
	{name: "non-ASCII names and text",
		in:   `<Straße xmlns:ñ="urn:n" grün="ä"><ñ:x ñ:ö="ü">Ärger €</ñ:x></Straße>`,
		want: `<Straße grün="ä"><ñ:x xmlns:ñ="urn:n" ñ:ö="ü">Ärger €</ñ:x></Straße>`},
	{name: "xml: attributes are not inherited",
		in:   `<r xml:lang="de" xml:space="preserve"><c xml:base="urn:b"/></r>`,
		want: `<r xml:lang="de" xml:space="preserve"><c xml:base="urn:b"></c></r>`},
	{name: "xml prefix declared",
		in:   `<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="de"></r>`,
		want: `<r xml:lang="de"></r>`},
	{name: "inclusive prefix list",
		in:        `<r xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><c/><q:c xmlns:p="urn:p2"/></r>`,
		want:      `<r xmlns="urn:d" xmlns:p="urn:p"><c></c><q:c xmlns:p="urn:p2" xmlns:q="urn:q"></q:c></r>`,
		inclusive: []string{"p", "#default"}},
}

func canon(t testing.TB, in string, opts c14n.Options) []byte {
	t.Helper()
	m, err := message.Parse([]byte(in), message.Limits{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	out, err := c14n.Exclusive(m.Root, opts)
	if err != nil {
		t.Fatalf("c14n: %v", err)
	}
	return out
}

func TestExclusive(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := canon(t, tc.in, c14n.Options{InclusivePrefixes: tc.inclusive})
			if string(got) != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestExclusiveInScope canonicalises an inner element: the declarations
// of its ancestors count (what SignedInfo inside a Signature needs), the
// omitted subtree is left out with nothing else.
func TestExclusiveInScope(t *testing.T) {
	m, err := message.Parse([]byte(`<r xmlns:ds="urn:ds" xmlns:x="urn:x"><ds:S><ds:I a="1"> <ds:M/> <x:n/></ds:I><ds:V/></ds:S></r>`), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	si := m.Root.FindElement("ds:S/ds:I")
	got, err := c14n.Exclusive(si, c14n.Options{Omit: si.FindElement("ds:M")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<ds:I xmlns:ds="urn:ds" a="1">  <x:n xmlns:x="urn:x"></x:n></ds:I>`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestExclusiveRefuses(t *testing.T) {
	t.Run("undeclared prefix", func(t *testing.T) {
		m, err := message.Parse([]byte(`<r><p:c/></r>`), message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c14n.Exclusive(m.Root, c14n.Options{}); !errors.Is(err, c14n.ErrUndeclaredPrefix) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("undeclared attribute prefix", func(t *testing.T) {
		m, err := message.Parse([]byte(`<r><c p:a="1"/></r>`), message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c14n.Exclusive(m.Root, c14n.Options{}); !errors.Is(err, c14n.ErrUndeclaredPrefix) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("namespace name with &", func(t *testing.T) {
		// libxml2 keeps the & of a namespace name as the reference
		// "&#38;" and writes that into the canonical form, where c14n
		// says &amp;: no canonical form both sides agree on.
		m, err := message.Parse([]byte(`<p:r xmlns:p="urn:a&amp;b"/>`), message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c14n.Exclusive(m.Root, c14n.Options{}); !errors.Is(err, c14n.ErrRelativeNamespace) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad inclusive prefix", func(t *testing.T) {
		m, _ := message.Parse([]byte(`<r/>`), message.Limits{})
		if _, err := c14n.Exclusive(m.Root, c14n.Options{InclusivePrefixes: []string{"a:b"}}); !errors.Is(err, c14n.ErrUnsupported) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("output over MaxBytes", func(t *testing.T) {
		// One declaration of a long URI, used by 1000 siblings: each
		// renders it.
		in := `<r xmlns:p="urn:` + strings.Repeat("x", 1000) + `">` + strings.Repeat("<p:c/>", 1000) + `</r>`
		m, err := message.Parse([]byte(in), message.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c14n.Exclusive(m.Root, c14n.Options{MaxBytes: 100 << 10}); !errors.Is(err, c14n.ErrTooLarge) {
			t.Fatalf("err = %v", err)
		}
		out, err := c14n.Exclusive(m.Root, c14n.Options{})
		if err != nil || len(out) < 1000*1000 {
			t.Fatalf("without a bound: %d bytes, %v", len(out), err)
		}
	})
}

// TestExclusiveDoesNotModify: the tree is left as it was.
func TestExclusiveDoesNotModify(t *testing.T) {
	in := cases[1].in
	m, err := message.Parse([]byte(in), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var before, after bytes.Buffer
	m.Root.WriteTo(&before, &etree.WriteSettings{})
	if _, err := c14n.Exclusive(m.Root, c14n.Options{}); err != nil {
		t.Fatal(err)
	}
	m.Root.WriteTo(&after, &etree.WriteSettings{})
	if before.String() != after.String() {
		t.Errorf("tree changed:\n%s\n%s", before.String(), after.String())
	}
}

// TestExclusiveMatchesXmlsec1 holds Exclusive to libxml2's exclusive c14n
// as xmlsec1 runs it for a Reference (enveloped-signature, exc-c14n):
// every case above and every conformance vector, byte for byte.
func TestExclusiveMatchesXmlsec1(t *testing.T) {
	bin := xmlsec1(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "hmac.key")
	if err := os.WriteFile(key, []byte("c14n-oracle"), 0o600); err != nil {
		t.Fatal(err)
	}
	type input struct {
		name, doc string
		inclusive []string
	}
	var ins []input
	for _, tc := range cases {
		ins = append(ins, input{tc.name, tc.in, tc.inclusive})
	}
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	// Every third valid vector: each xmlsec1 run costs a process start.
	n := 0
	for _, v := range vs {
		if v.Valid {
			if n%3 == 0 {
				ins = append(ins, input{name: v.Path, doc: string(v.Data)})
			}
			n++
		}
	}
	for _, in := range ins {
		t.Run(in.name, func(t *testing.T) {
			t.Parallel()
			want := xmlsec1Canonical(t, bin, dir, key, in.doc, in.inclusive)
			got := canon(t, in.doc, c14n.Options{InclusivePrefixes: in.inclusive})
			if !bytes.Equal(got, want) {
				t.Errorf("differs from xmlsec1:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestAbsoluteURIMatchesXmlsec1: a namespace name our c14n refuses,
// libxml2 refuses, and the other way round.
func TestAbsoluteURIMatchesXmlsec1(t *testing.T) {
	uris := map[string]bool{
		"urn:a": true, "urn:a%20b": true, "x-y.z+1:foo": true, "urn:": true, "urn:a#f": true, "urn:a?q": true,
		"urn:a'b": true, "urn:a~b!$()*+,;=": true, "http://[::1]/x": true, "urn:%41": true,
		"http://www.w3.org/2001/XMLSchema-instance": true, "urn:xgate:de:xauslaender:1": true,
		"urn:a b": false, "urn:ä": false, "a": false, "urn:a%zz": false, "urn:a%2": false, "urn:{x}": false, "urn:a|b": false,
		`urn:a\b`: false, "urn:a^b": false, "urn:a`b": false, "urn:a[b]": false, "1a:b": false, ":a": false,
		"urn:a&lt;b": false, "urn:a&gt;b": false, "../x": false, "#x": false,
	}
	bin := xmlsec1(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "hmac.key")
	if err := os.WriteFile(key, []byte("c14n-oracle"), 0o600); err != nil {
		t.Fatal(err)
	}
	for u, want := range uris {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			doc := `<r xmlns:p="` + u + `"><p:c>x</p:c></r>`
			m, err := message.Parse([]byte(doc), message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c14n.Exclusive(m.Root, c14n.Options{})
			if got := err == nil; got != want {
				t.Errorf("c14n accepts: %v (%v), want %v", got, err, want)
			}
			if got := xmlsec1Accepts(t, bin, dir, key, doc); got != want {
				t.Errorf("xmlsec1 accepts: %v, want %v", got, want)
			}
		})
	}
}

// xmlsec1Canonical signs doc with an HMAC template and returns the
// PreDigest data of its one Reference: libxml2's exclusive c14n of the
// document without the Signature.
func xmlsec1Canonical(t *testing.T, bin, dir, key, doc string, inclusive []string) []byte {
	t.Helper()
	out, err := xmlsec1Sign(t, bin, dir, key, doc, inclusive)
	if err != nil {
		t.Fatalf("xmlsec1: %v\n%s", err, out)
	}
	const start, end = "== PreDigest data - start buffer:\n", "\n== PreDigest data - end buffer"
	a, b := bytes.Index(out, []byte(start)), bytes.Index(out, []byte(end))
	if a < 0 || b < a {
		t.Fatalf("no PreDigest data in xmlsec1's output:\n%s", out)
	}
	return out[a+len(start) : b]
}

// xmlsec1Accepts reports whether xmlsec1 can sign doc (canonicalise it).
func xmlsec1Accepts(t *testing.T, bin, dir, key, doc string) bool {
	t.Helper()
	_, err := xmlsec1Sign(t, bin, dir, key, doc, nil)
	return err == nil
}

// xmlsec1Sign puts an HMAC signature template (enveloped, exc-c14n with
// the inclusive prefixes) before the root's end tag and runs xmlsec1
// --sign with --store-references --print-debug on it.
func xmlsec1Sign(t *testing.T, bin, dir, key, doc string, inclusive []string) ([]byte, error) {
	t.Helper()
	transform := `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`
	if len(inclusive) > 0 {
		transform = `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="` +
			strings.Join(inclusive, " ") + `"/></ds:Transform>`
	}
	tmpl := `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
		`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"/>` +
		`<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
		transform + `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/>` +
		`</ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>`
	i := strings.LastIndex(doc, "</") // the inputs have no empty root tag
	if i < 0 {
		t.Fatal("cannot place the template: the root has no end tag")
	}
	f, err := os.CreateTemp(dir, "doc-*.xml")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	path := f.Name()
	if err := os.WriteFile(path, []byte(doc[:i]+tmpl+doc[i:]), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, bin, "--sign", "--hmackey", key, "--store-references", "--print-debug", path).CombinedOutput()
}

// xmlsec1 returns the path of the xmlsec1 binary; a missing one fails the
// test when CI or XGATE_REQUIRE_XMLSEC1=1 is set and skips it otherwise.
func xmlsec1(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmlsec1")
	if err != nil {
		msg := "xmlsec1 is not installed (apt-get install -y xmlsec1): the comparison with the reference implementation did NOT run"
		if os.Getenv("CI") != "" || os.Getenv("XGATE_REQUIRE_XMLSEC1") == "1" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	return path
}
