package certstest

import (
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xgate/xgate/certs"
)

var genKeys = flag.Bool("genkeys", false, "regenerate the key pool in testdata/ (slow)")

// TestGenerateKeys rewrites testdata/rsa*.pem when run with -genkeys.
func TestGenerateKeys(t *testing.T) {
	if !*genKeys {
		t.Skip("run with -genkeys to regenerate the key pool")
	}
	for _, pool := range []struct{ bits, n int }{{3072, pool3072}, {2048, pool2048}} {
		for i := range pool.n {
			k, err := rsa.GenerateKey(rand.Reader, pool.bits)
			if err != nil {
				t.Fatal(err)
			}
			pemKey, err := certs.EncodePrivateKey(k)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("testdata", fmt.Sprintf("rsa%d-%02d.pem", pool.bits, i))
			if err := os.WriteFile(name, pemKey, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}
