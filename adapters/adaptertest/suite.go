package adaptertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Update rewrites golden files (go test ./adapters/... -update).
var Update = flag.Bool("update", false, "rewrite golden files")

// Suite is the shared test of an adapter whose forward direction starts
// from our messages: the conformance vectors and generated messages go
// forward and back, every partner output is checked against the partner
// format's schema, round trips must be equal after canonicalisation, and
// forward outputs of the vectors are compared with golden files.
type Suite struct {
	Adapter adapters.Adapter
	// Ours is the schema of our side (to generate messages).
	Ours *xtree.Schema
	// Seed fixes the generator; N is the number of generated messages
	// per direction that must round-trip (at least 1000 in the
	// acceptance test). Refusals (a MappingError naming a field) do
	// not count.
	Seed uint64
	N    int
	// Ext is the file extension of the partner format in golden files
	// (".json", ".xml", ".dat").
	Ext string
	// CheckPartner validates a partner-format output of type code
	// against its schema; nil skips the check.
	CheckPartner func(code string, out []byte) error
	// CanonicalPartner gives the canonical form partner-format outputs
	// are compared in; nil compares bytes.
	CanonicalPartner func([]byte) ([]byte, error)
	// Tune, if set, adjusts the generator (text alphabet, lengths) for
	// what the partner format can carry.
	Tune func(*Generator)
	// MaxRefused is the largest share of generated messages the forward
	// direction may refuse (loudly); defaults to 0.05.
	MaxRefused float64
	// VectorRefused, if set, tells which vectors the adapter must refuse
	// (a name in a character set the partner format lacks): the refusal
	// is then checked instead of the round trip.
	VectorRefused func(v conformance.Vector) []string
}

// TypeCodePath is the path of the message type code in the header.
const TypeCodePath = "nachrichtenkopf.g2g/identifikation.nachricht/nachrichtentyp/code"

// Run runs the suite.
func (s Suite) Run(t *testing.T) {
	t.Run("vectors", s.vectors)
	t.Run("generated-forward", s.generatedForward)
	t.Run("generated-reverse", s.generatedReverse)
}

func (s Suite) types(d adapters.Direction) []string {
	var out []string
	for _, ty := range s.Adapter.Spec().Types {
		if ty.Has(d) {
			out = append(out, ty.Code)
		}
	}
	return out
}

func (s Suite) canonical(b []byte) ([]byte, error) {
	if s.CanonicalPartner == nil {
		return b, nil
	}
	return s.CanonicalPartner(b)
}

// vectors: every valid vector of a type the adapter translates forward
// goes forward (golden file), is valid in the partner format, and comes
// back equal.
func (s Suite) vectors(t *testing.T) {
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	fwd := s.types(adapters.Forward)
	n := 0
	ctx := context.Background()
	for _, v := range vectors {
		if !v.Valid || !contains(fwd, v.Type) {
			continue
		}
		n++
		t.Run(v.Path, func(t *testing.T) {
			out, err := s.Adapter.Forward().Translate(ctx, v.Data)
			if s.VectorRefused != nil {
				if want := s.VectorRefused(v); want != nil {
					Refused(t, err, want...)
					return
				}
			}
			if err != nil {
				t.Fatalf("forward: %v", err)
			}
			golden := out
			if s.Ext == ".xml" {
				golden = PrettyXML(t, out) // for review; the round trip checks the output itself
			}
			Golden(t, filepath.Join("testdata", "golden", v.Type, strings.TrimSuffix(v.Name, ".xml")+s.Ext), golden)
			if s.CheckPartner != nil {
				if err := s.CheckPartner(v.Type, out); err != nil {
					t.Fatalf("partner format: %v\n%s", err, out)
				}
			}
			back, err := s.Adapter.Reverse().Translate(ctx, out)
			if err != nil {
				t.Fatalf("reverse: %v\n%s", err, out)
			}
			if ok, diff, err := EqualXML(v.Data, back); err != nil || !ok {
				t.Fatalf("round trip differs (%v): %s", err, diff)
			}
		})
	}
	if n == 0 {
		t.Fatal("no vectors of the adapter's types")
	}
}

// Generate returns a generator for the suite, seeded with seed.
func (s Suite) Generate(seed uint64) *Generator {
	g, err := NewGenerator(seed)
	if err != nil {
		panic(err)
	}
	g.Fix = func(ty *xtree.Type, path, _ string) string {
		if path == TypeCodePath {
			return catalogue.CodeOfRoot(ty.Root)
		}
		return ""
	}
	if s.Tune != nil {
		s.Tune(g)
	}
	return g
}

func (s Suite) generatedForward(t *testing.T) {
	s.generated(t, adapters.Forward, s.Seed)
}

func (s Suite) generatedReverse(t *testing.T) {
	s.generated(t, adapters.Reverse, s.Seed+1)
}

// generated: N messages round-trip in direction d. Forward starts from a
// generated message of ours; reverse from the partner form of one (the
// partner format's own generator is the forward translation of ours) and
// checks partner → ours → partner.
func (s Suite) generated(t *testing.T, d adapters.Direction, seed uint64) {
	codes := s.types(d)
	if len(codes) == 0 {
		t.Skipf("the adapter does not translate %s", d)
	}
	ctx := context.Background()
	g := s.Generate(seed)
	cat := catalogue.New()
	ok, refused := 0, 0
	maxRefused := s.MaxRefused
	if maxRefused == 0 {
		maxRefused = 0.05
	}
	for i := 0; ok < s.N; i++ {
		if refused > int(maxRefused*float64(s.N))+1 {
			t.Fatalf("%d of %d generated messages refused", refused, i)
		}
		code := codes[i%len(codes)]
		ct, _ := cat.Lookup(code)
		ty, found := s.Ours.Type(ct.Root())
		if !found {
			t.Fatalf("type %s not in the schema", code)
		}
		msg, err := s.Ours.Encode(ty, g.Message(ty))
		if err != nil {
			t.Fatal(err)
		}
		partner, err := s.Adapter.Forward().Translate(ctx, msg)
		if err != nil {
			var me *adapters.MappingError
			if !errors.As(err, &me) || me.Field == "" || me.Adapter == "" {
				t.Fatalf("#%d %s: forward failed without naming a field: %v\n%s", i, code, err, msg)
			}
			if c, _ := errcode.Of(err); c == "" {
				t.Fatalf("#%d: no XÖV code: %v", i, err)
			}
			refused++
			if refused <= 3 {
				t.Logf("refused (counted): %v", err)
			}
			continue
		}
		if s.CheckPartner != nil {
			if err := s.CheckPartner(code, partner); err != nil {
				t.Fatalf("#%d %s: partner format: %v\n%s", i, code, err, partner)
			}
		}
		back, err := s.Adapter.Reverse().Translate(ctx, partner)
		if err != nil {
			t.Fatalf("#%d %s: reverse: %v\n%s\n%s", i, code, err, msg, partner)
		}
		if d == adapters.Forward {
			if eq, diff, err := EqualXML(msg, back); err != nil || !eq {
				t.Fatalf("#%d %s: ours → partner → ours differs (%v): %s", i, code, err, diff)
			}
		} else {
			again, err := s.Adapter.Forward().Translate(ctx, back)
			if err != nil {
				t.Fatalf("#%d %s: forward of the reverse: %v", i, code, err)
			}
			a, err1 := s.canonical(partner)
			b, err2 := s.canonical(again)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Fatalf("#%d %s: partner → ours → partner differs (%v %v): %s", i, code, err1, err2, Diff(a, b))
			}
		}
		ok++
	}
	t.Logf("%s: %d messages round-tripped, %d refused with a named field", d, ok, refused)
}

// PrettyXML re-indents a message by two spaces between elements, for
// golden files a reviewer reads; text content is untouched (the messages
// have no mixed content).
func PrettyXML(t testing.TB, data []byte) []byte {
	t.Helper()
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m.Doc.Indent(2)
	out, err := m.Doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// CanonicalJSON re-encodes a JSON document with sorted keys and no
// insignificant white space.
func CanonicalJSON(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Golden compares got with the file at path; with -update it writes it.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (run with -update to accept):\n%s", path, Diff(want, got))
	}
}

// Refused checks that err refuses an input loudly: a MappingError (or an
// error chain with one) with an XÖV code whose text contains every
// fragment of want.
func Refused(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want a refusal mentioning %q", want)
	}
	var me *adapters.MappingError
	if !errors.As(err, &me) {
		t.Fatalf("not a MappingError: %T %v", err, err)
	}
	if _, ok := errcode.Of(err); !ok {
		t.Fatalf("no XÖV code: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not mention %q", err, w)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
