package certstest_test

import (
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
)

// TestKeyPool checks that the shipped keys parse, have their size, and
// differ within a pool.
func TestKeyPool(t *testing.T) {
	for _, pool := range []struct{ bits, n int }{{3072, 32}, {2048, 4}} {
		seen := map[string]bool{}
		src := certstest.NewKeySource()
		for range pool.n {
			k := src.Key(t, pool.bits)
			if k.N.BitLen() != pool.bits {
				t.Fatalf("%d-bit pool holds a %d-bit key", pool.bits, k.N.BitLen())
			}
			if err := k.Validate(); err != nil {
				t.Fatal(err)
			}
			seen[k.N.String()] = true
		}
		if len(seen) != pool.n {
			t.Errorf("%d-bit pool: %d distinct keys in %d calls", pool.bits, len(seen), pool.n)
		}
	}
}

func TestCA(t *testing.T) {
	ca := certstest.NewCA(t, "Root")
	sub := ca.Intermediate(t, "Sub")
	kp := sub.Good(t, certs.TLSServer)
	if len(kp.Chain) != 1 || !kp.Chain[0].Equal(sub.Cert) || sub.Root() != ca {
		t.Fatal("chain of an intermediate's leaf")
	}
	if _, err := sub.Verifier(t).Verify(kp.Cert, certs.TLSServer, sub.Now); err != nil {
		t.Fatal(err)
	}
	m := certstest.PKI(t)
	if len(m.Participants) != 7 {
		t.Errorf("PKI: %d participants", len(m.Participants))
	}
	p, _ := m.ByID("bamf")
	if _, err := m.KeyPair(p.Encryption); err != nil {
		t.Error(err)
	}
}
