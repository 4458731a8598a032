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

// next counts the keys handed out, per size, for the life of the test
// process, so that successive calls get different keys.
var next = map[int]*atomic.Uint64{3072: new(atomic.Uint64), 2048: new(atomic.Uint64)}

// Key returns a pre-generated RSA key of 3072 or 2048 bits from the pool
// in testdata/ (32 and 4 keys). Successive calls, from any test of the
// process, get different keys until the pool wraps around. Each call
// parses a fresh copy, so callers may not share state through it.
func Key(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := poolKey(bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func poolKey(bits int) (*rsa.PrivateKey, error) {
	ctr, ok := next[bits]
	if !ok {
		return nil, fmt.Errorf("certstest: no pre-generated %d-bit keys (3072 and 2048 exist)", bits)
	}
	size := pool3072
	if bits == 2048 {
		size = pool2048
	}
	i := (ctr.Add(1) - 1) % uint64(size)
	data, err := keyFiles.ReadFile(fmt.Sprintf("testdata/rsa%d-%02d.pem", bits, i))
	if err != nil {
		return nil, fmt.Errorf("certstest: %w", err)
	}
	return certs.ParsePrivateKeyPEM(data)
}

// KeyGenerator returns a function for certs.Options.GenerateKey that
// hands out pool keys instead of generating new ones: certs.Init then
// takes milliseconds instead of seconds. Within one Init all keys differ
// (the default PKI needs 23 of the 32).
func KeyGenerator() func(bits int) (*rsa.PrivateKey, error) {
	return poolKey
}
