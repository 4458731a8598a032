package message_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// FuzzParse feeds the hardened parser. Properties: it never panics; it
// agrees with the reference parser it replaced (the encoding/xml
// implementation in reference_test.go): both accept with identical trees
// and lines or both refuse with the same code, apart from the named
// exceptions of diff_test.go; every refusal is an *errcode.Error with X000
// or S001; an accepted document stays within the limits, and etree's own
// reader builds the same tree from the same bytes (so that nothing
// accepted here is read differently elsewhere). Seeds: every conformance
// vector, the hostile corpus, the tricky inputs of diff_test.go (each also
// with CRLF and CR line ends); testdata/fuzz/FuzzParse holds regressions.
func FuzzParse(f *testing.F) {
	vs, err := conformance.Vectors()
	if err != nil {
		f.Fatal(err)
	}
	var vectors [][]byte
	for _, v := range vs {
		vectors = append(vectors, v.Data)
	}
	for _, d := range message.Corpus(vectors...) {
		if len(d) <= 64<<10 {
			f.Add(d)
		}
	}
	for _, s := range []string{
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`,
		`<r>&lol;</r>`,
		"<r>\n<?php echo 1 ?></r>",
		`<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>`,
		"<r>\n\xff\xfe</r>",
		"\xff\xfe<\x00r\x00/\x00>\x00",
		`<?xml version="1.0" encoding="ISO-8859-1"?><r/>`,
		"<r>a\x00b</r>",
		`<r a="1" a="2"/>`,
		`<r/><s/>`,
		`<r><![CDATA[<x>]]>&#13;&#x10FFFF;&amp;</r>`,
		`<p:r xmlns:p="urn:a" p:a="1" xmlns="urn:b"><s xmlns:p="urn:c"/></p:r>`,
	} {
		f.Add([]byte(s))
	}
	lim := message.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxElements: 2000, MaxAttrs: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := message.CompareWithReference(data, lim); err != nil {
			t.Fatal(err)
		}
		m, err := message.Parse(data, lim)
		if err != nil {
			var e *errcode.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *errcode.Error", err, err)
			}
			if e.Code != errcode.NotWellFormed && e.Code != errcode.NotUTF8 {
				t.Fatalf("code %s: %v", e.Code, err)
			}
			return
		}
		if m.Root == nil || m.Doc.Root() != m.Root {
			t.Fatal("accepted without a root element")
		}
		depth, count := 0, 0
		var walk func(e *etree.Element, d int)
		walk = func(e *etree.Element, d int) {
			count++
			if d > depth {
				depth = d
			}
			if len(e.Attr) > lim.MaxAttrs {
				t.Fatalf("element with %d attributes accepted", len(e.Attr))
			}
			for _, c := range e.ChildElements() {
				walk(c, d+1)
			}
		}
		walk(m.Root, 1)
		if depth > lim.MaxDepth || count > lim.MaxElements {
			t.Fatalf("depth %d, %d elements accepted", depth, count)
		}
		// Differential: etree's reader must accept the same bytes and
		// produce the same tree (its attribute values normalised as
		// XML 1.0 §3.3.3 says, which encoding/xml does not do).
		ref := etree.NewDocument()
		ref.ReadSettings.Permissive = false
		if err := ref.ReadFromBytes(message.NormaliseAttrValues(data)); err != nil {
			t.Fatalf("accepted, but etree refuses: %v", err)
		}
		if ref.Root() == nil {
			t.Fatal("accepted, but etree finds no root")
		}
		got, want := serialise(m.Root), serialise(ref.Root())
		if !bytes.Equal(got, want) {
			t.Fatalf("trees differ:\n parse %q\n etree %q", got, want)
		}
	})
}

func serialise(e *etree.Element) []byte {
	var b bytes.Buffer
	e.WriteTo(&b, &etree.WriteSettings{CanonicalEndTags: true, CanonicalText: true, CanonicalAttrVal: true})
	return b.Bytes()
}
