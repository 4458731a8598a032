// Package jsontest is the test the JSON adapters share: JSON Schemas up
// to date, the adaptertest suite with their schemas, and hostile JSON.
package jsontest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/internal/jsonadapter"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
)

// Case is one JSON adapter.
type Case struct {
	Spec     adapters.Spec
	New      adapters.Constructor
	Schemas  fs.FS
	SchemaID string
	Title    string
	Seed     uint64
	Dir      string // the schema folder below the package, "schema"
}

// Run runs every shared test.
func Run(t *testing.T, c Case) {
	r := adapters.NewRegistry(adapters.Deps{})
	if err := r.Register(c.Spec, c.New); err != nil {
		t.Fatal(err)
	}
	a, err := r.Lookup(c.Spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ja := a.(*jsonadapter.Adapter)
	t.Run("schemas-up-to-date", func(t *testing.T) { schemasUpToDate(t, c, ja) })
	check, err := adaptertest.JSONSchemas(c.Schemas)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("suite", func(t *testing.T) {
		adaptertest.Suite{
			Adapter: a, Ours: ja.Ours().Schema, Seed: c.Seed, N: 1000, Ext: ".json",
			CheckPartner: check, CanonicalPartner: adaptertest.CanonicalJSON,
		}.Run(t)
	})
	t.Run("hostile", func(t *testing.T) { hostile(t, a) })
}

func schemasUpToDate(t *testing.T, c Case, a *jsonadapter.Adapter) {
	cat := catalogue.New()
	want := map[string]bool{}
	for _, ty := range c.Spec.Types {
		ct, _ := cat.Lookup(ty.Code)
		name := ty.Code + ".schema.json"
		want[name] = true
		got, err := a.JSONSchema(ty.Code, c.SchemaID+ty.Code, c.Title+": "+ct.Root(),
			"The JSON form of "+ct.Root()+" ("+ct.Purpose+"), generated from xgate's XSD; see go doc ./adapters/internal/jsonmsg for the rules.")
		if err != nil {
			t.Fatal(err)
		}
		if *adaptertest.Update {
			if err := os.WriteFile(filepath.Join(c.Dir, name), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := fs.ReadFile(c.Schemas, name)
		if err != nil || !bytes.Equal(have, got) {
			t.Errorf("%s is stale or missing (go test ./adapters/... -run Schemas -update)", name)
		}
	}
	entries, _ := fs.ReadDir(c.Schemas, ".")
	for _, e := range entries {
		if !want[e.Name()] {
			if *adaptertest.Update {
				os.Remove(filepath.Join(c.Dir, e.Name()))
				continue
			}
			t.Errorf("%s is not the schema of a type of the adapter", e.Name())
		}
	}
}

// hostile: inputs a partner's system or an attacker might send are
// refused with a named reason, never translated.
func hostile(t *testing.T, a adapters.Adapter) {
	ctx := context.Background()
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var sample []byte
	for _, v := range vectors {
		if v.Valid && v.Type == a.Spec().Types[0].Code {
			sample = v.Data
			break
		}
	}
	good, err := a.Forward().Translate(ctx, sample)
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	deepArr := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	huge := bytes.Replace(good, []byte(`"produkt": "`), []byte(`"produkt": "`+strings.Repeat("x", 5<<20)), 1)
	latin1 := bytes.Replace(good, []byte("\"nachricht\""), []byte("\"nachricht\", \"x\xe4\":1, \"nachricht2\""), 1)
	utf16 := append([]byte{0xFF, 0xFE}, bytes.Join(bytes.Split(good, nil), []byte{0})...)
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"empty", nil, []string{"X000"}},
		{"not JSON", []byte("<xml/>"), []string{"not JSON"}},
		{"deeply nested objects", []byte(deep), []string{"nested deeper"}},
		{"deeply nested arrays", []byte(`{"nachricht":` + deepArr + `}`), []string{"nested deeper"}},
		{"huge field", huge, []string{"produkt", "at most 200"}},
		{"not UTF-8", latin1, []string{"S001", "not UTF-8"}},
		{"UTF-16", utf16, []string{"S001"}},
		{"byte-order mark", append([]byte{0xEF, 0xBB, 0xBF}, good...), []string{"byte-order mark"}},
		{"duplicate key", bytes.Replace(good, []byte(`"nachricht"`), []byte(`"produkt": "a", "nachricht"`), 1), []string{"twice"}},
		{"unknown key", bytes.Replace(good, []byte(`"nachricht"`), []byte(`"geheim": "a", "nachricht"`), 1), []string{"geheim", "unknown key"}},
		{"null", bytes.Replace(good, []byte(`"produkt": "`), []byte(`"produkt": null, "x": "`), 1), []string{"produkt", "null"}},
		{"two values", append(append([]byte{}, good...), good...), []string{"more than one"}},
		{"control character", bytes.Replace(good, []byte(`"produkt": "`), []byte(`"produkt": "\u0001`), 1), []string{"U+0001"}},
		{"unknown message", []byte(`{"nachricht": "Geheim.Nachricht.999999"}`), []string{"not a message this adapter translates"}},
		{"too large", bytes.Repeat([]byte(" "), 17<<20), []string{"limit"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := a.Reverse().Translate(ctx, c.in)
			if out != nil {
				t.Errorf("output on refusal: %.80s", out)
			}
			adaptertest.Refused(t, err, c.want...)
		})
	}
	// Our side: only valid messages of the adapter's types go forward.
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"invalid message", bytes.Replace(sample, []byte("<nachrichtenkopf.g2g>"), []byte("<nachrichtenkopf.g2g><x/>"), 1), []string{"X001"}},
		{"other type", otherType(t, vectors, a), []string{"not a message this adapter translates"}},
	} {
		t.Run("forward "+c.name, func(t *testing.T) {
			_, err := a.Forward().Translate(ctx, c.in)
			adaptertest.Refused(t, err, c.want...)
		})
	}
}

func otherType(t *testing.T, vectors []conformance.Vector, a adapters.Adapter) []byte {
	for _, v := range vectors {
		if _, ok := a.Spec().Type(v.Type); !ok && v.Valid {
			return v.Data
		}
	}
	t.Fatal("no vector of another type")
	return nil
}
