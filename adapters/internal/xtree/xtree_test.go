package xtree_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

func ourSchema(t testing.TB) *xtree.Schema {
	t.Helper()
	model, err := schemas.NewModel()
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, ty := range catalogue.New().Types() {
		roots = append(roots, ty.Root())
	}
	s, err := xtree.NewSchema(model, schemas.NSMessages, "xaus", roots)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every valid vector decodes, and both Encode and Build(Flatten) give it
// back equal after canonicalisation.
func TestVectorsRoundTrip(t *testing.T) {
	s := ourSchema(t)
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range vectors {
		if !v.Valid {
			continue
		}
		n++
		node, ty, err := s.Decode(v.Data, message.Limits{})
		if err != nil {
			t.Errorf("%s: %v", v.Path, err)
			continue
		}
		out, err := s.Encode(ty, node)
		if err != nil {
			t.Fatalf("%s: encode: %v", v.Path, err)
		}
		if ok, diff, err := adaptertest.EqualXML(v.Data, out); err != nil || !ok {
			t.Errorf("%s: encode differs %v %s", v.Path, err, diff)
		}
		flat, _, err := s.DecodeValues(v.Data, message.Limits{})
		if err != nil {
			t.Fatalf("%s: DecodeValues: %v", v.Path, err)
		}
		if fmt.Sprint(flat) != fmt.Sprint(ty.Flatten(node)) {
			t.Errorf("%s: DecodeValues differs from Flatten(Decode)", v.Path)
		}
		built, err := ty.Build(ty.Flatten(node))
		if err != nil {
			t.Fatalf("%s: build: %v", v.Path, err)
		}
		out2, err := s.Encode(ty, built)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Errorf("%s: Build(Flatten) differs:\n%s", v.Path, adaptertest.Diff(out, out2))
		}
	}
	if n < 30 {
		t.Fatalf("only %d valid vectors", n)
	}
}

// Decode refuses what the schema does not declare, naming the path.
func TestDecodeRefuses(t *testing.T) {
	s := ourSchema(t)
	vectors, _ := conformance.Vectors()
	var sample []byte
	for _, v := range vectors {
		if v.Valid && v.Type == "020101" {
			sample = v.Data
			break
		}
	}
	cases := []struct{ name, old, new, field string }{
		{"unknown element", "<wohnhaftSeit>", "<geheim>x</geheim><wohnhaftSeit>", "/geheim"},
		{"xsi attribute", `test="xgate-Testdaten"`, `test="xgate-Testdaten" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="a b"`, "@xsi:schemaLocation"},
		{"text in element-only content", "<person>", "<person>Hallo", "person"},
		{"child in simple content", "<ort>Musterstadt</ort>", "<ort>Muster<b>stadt</b></ort>", "anschrift/ort/b"},
		{"wrong namespace", "<person>", `<person xmlns="urn:other">`, "person"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := bytes.Replace(sample, []byte(c.old), []byte(c.new), 1)
			if bytes.Equal(in, sample) {
				t.Fatal("no change")
			}
			_, _, err := s.Decode(in, message.Limits{})
			var me *adapters.MappingError
			if !errors.As(err, &me) || !strings.Contains(me.Field, c.field) {
				t.Fatalf("got %v, want a MappingError at %s", err, c.field)
			}
		})
	}
}

// The generator makes schema-valid messages of every type.
func TestGeneratorValid(t *testing.T) {
	s := ourSchema(t)
	set, err := validate.NewSchemaSet(schemas.FS(), schemas.Driver, "test", message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	g, err := adaptertest.NewGenerator(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range s.Roots() {
		ty, _ := s.Type(root)
		for i := range 40 {
			data, err := s.Encode(ty, g.Message(ty))
			if err != nil {
				t.Fatal(err)
			}
			if err := set.Validate(data); err != nil {
				t.Fatalf("%s #%d: %v\n%s", root, i, err, data)
			}
		}
	}
}
