package message

import (
	"testing"

	"github.com/beevik/etree"
)

func TestFingerprint(t *testing.T) {
	fp := func(s string) string {
		d := etree.NewDocument()
		if err := d.ReadFromString(s); err != nil {
			t.Fatal(err)
		}
		return Fingerprint(d.Root())
	}
	base := `<f a="1" b="2"><code listURI="u"><code>01</code><name>Eins</name></code><x> v  w </x></f>`
	for _, c := range []struct {
		other string
		same  bool
	}{
		{`<f b="2" a="1"><code listURI="u"><code>01</code><name>One</name></code><x>v w</x></f>`, true},
		{`<f a="1" b="2"><code listURI="u"><code>02</code><name>Eins</name></code><x> v  w </x></f>`, false},
		{`<f a="1" b="3"><code listURI="u"><code>01</code><name>Eins</name></code><x> v  w </x></f>`, false},
		{`<f a="1" b="2"><code listURI="u"><code>01</code><name>Eins</name></code><x>vw</x></f>`, false},
	} {
		if got := fp(c.other) == fp(base); got != c.same {
			t.Errorf("%s: same=%v, want %v", c.other, got, c.same)
		}
	}
}
