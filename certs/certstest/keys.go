package certstest

import (
	"crypto/rsa"
	"embed"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/xgate/xgate/certs"
)

// The pool sizes; TestGenerateKeys writes them.
const (
	pool3072 = 32
	pool2048 = 4
)

//go:embed testdata/rsa*.pem
var keyFiles embed.FS

// starts spreads the starting points of key sources over the pool, for
// the life of the test process.
var starts atomic.Uint64

// shared is the source of Key.
var shared = NewKeySource()

// KeySource hands out the pre-generated keys of testdata/ in turn: the
// keys of one source differ until it has handed out a whole pool (32 keys
// of 3072 bits, 4 of 2048). Each CA has its own source, shared with its
// intermediates. A KeySource is safe for concurrent use.
type KeySource struct {
	n3072, n2048 atomic.Uint64
}

// NewKeySource returns a source that starts at another place in the
// pool than the previous one.
func NewKeySource() *KeySource {
	s := &KeySource{}
	start := starts.Add(7)
	s.n3072.Store(start)
	s.n2048.Store(start)
	return s
}

// Key returns the source's next key of 3072 or 2048 bits, freshly parsed
// (callers share no state through it).
func (s *KeySource) Key(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := s.Generate(bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Generate is Key for devpki.Options.GenerateKey.
func (s *KeySource) Generate(bits int) (*rsa.PrivateKey, error) {
	var i uint64
	switch bits {
	case 3072:
		i = (s.n3072.Add(1) - 1) % pool3072
	case 2048:
		i = (s.n2048.Add(1) - 1) % pool2048
	default:
		return nil, fmt.Errorf("certstest: no pre-generated %d-bit keys (3072 and 2048 exist)", bits)
	}
	data, err := keyFiles.ReadFile(fmt.Sprintf("testdata/rsa%d-%02d.pem", bits, i))
	if err != nil {
		return nil, fmt.Errorf("certstest: %w", err)
	}
	return certs.ParsePrivateKeyPEM(data)
}

// Key returns a pre-generated key of 3072 or 2048 bits from a source
// shared by the whole test process. Parallel tests take from it too, so
// two calls may return the same key; take keys that must differ from one
// KeySource or CA.
func Key(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	return shared.Key(t, bits)
}

// KeyGenerator returns a function for devpki.Options.GenerateKey that
// hands out pool keys from a new KeySource: devpki.Init then takes
// milliseconds instead of seconds, and all keys of one Init differ (the
// default PKI needs 23 of the 32).
func KeyGenerator() func(bits int) (*rsa.PrivateKey, error) {
	return NewKeySource().Generate
}
