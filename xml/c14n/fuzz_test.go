package c14n_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/message"
)

// FuzzExclusive: for every document message.Parse accepts, Exclusive
// either refuses with one of its errors or writes a canonical form that
// is a fixed point — parsed again and canonicalised again it is the same
// bytes — and that parses within the limits the signature code allows
// (twice the attributes plus one). It never panics.
func FuzzExclusive(f *testing.F) {
	for _, tc := range cases {
		f.Add([]byte(tc.in))
	}
	vs, err := conformance.Vectors()
	if err != nil {
		f.Fatal(err)
	}
	for i, v := range vs {
		if v.Valid && i%5 == 0 && len(v.Data) < 32<<10 {
			f.Add(v.Data)
		}
	}
	lim := message.Limits{MaxBytes: 256 << 10, MaxDepth: 32, MaxElements: 2000, MaxAttrs: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := message.Parse(data, lim)
		if err != nil {
			return
		}
		out, err := c14n.Exclusive(m.Root, c14n.Options{MaxBytes: 8 * len(data)})
		if err != nil {
			if !errors.Is(err, c14n.ErrUndeclaredPrefix) && !errors.Is(err, c14n.ErrRelativeNamespace) &&
				!errors.Is(err, c14n.ErrTooLarge) && !errors.Is(err, c14n.ErrUnsupported) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		reLim := lim
		reLim.MaxBytes, reLim.MaxAttrs = len(out)+1, 2*lim.MaxAttrs+1
		m2, err := message.Parse(out, reLim)
		if err != nil {
			t.Fatalf("the canonical form does not parse: %v\n%s", err, out)
		}
		out2, err := c14n.Exclusive(m2.Root, c14n.Options{})
		if err != nil {
			t.Fatalf("the canonical form does not canonicalise: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point:\n%s\n%s", out, out2)
		}
	})
}
