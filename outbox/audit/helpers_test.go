package audit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox/audit"
)

// testKey is an RSA key with a self-signed signing certificate.
type testKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// Key generation is the slow part of these tests (RSA-3072, as the
// gateway uses): two keys, made once per test binary.
var keysOnce = sync.OnceValues(func() ([2]testKey, error) {
	var ks [2]testKey
	for i := range ks {
		k, err := newTestKey(fmt.Sprintf("xgate audit test %d", i), 3072, x509.KeyUsageDigitalSignature)
		if err != nil {
			return ks, err
		}
		ks[i] = k
	}
	return ks, nil
})

func keys(t testing.TB) (gateway, other testKey) {
	t.Helper()
	ks, err := keysOnce()
	if err != nil {
		t.Fatal(err)
	}
	return ks[0], ks[1]
}

func newTestKey(cn string, bits int, usage x509.KeyUsage) (testKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return testKey{}, err
	}
	return certFor(key, cn, usage)
}

func certFor(key *rsa.PrivateKey, cn string, usage x509.KeyUsage) (testKey, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Ausländerbehörde Teststadt"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testKey{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return testKey{}, err
	}
	return testKey{key: key, cert: cert}, nil
}

func signer(t testing.TB, k testKey) *audit.RSASigner {
	t.Helper()
	s, err := audit.NewRSASigner(k.key, k.cert)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func verifierFor(t testing.TB, ks ...testKey) *audit.CertVerifier {
	t.Helper()
	var certs []*x509.Certificate
	for _, k := range ks {
		certs = append(certs, k.cert)
	}
	v, err := audit.NewCertVerifier(certs...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var t0 = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// chain builds n linked entries that vary every field kind.
func chain(n int) []audit.Entry {
	states := []string{"queued", "sending", "queued", "sending", "delivered", "answered"}
	var es []audit.Entry
	for i := range n {
		e := audit.Entry{
			Time:      t0.Add(time.Duration(i)*time.Second + time.Duration(i%3)*123*time.Millisecond),
			RecordID:  fmt.Sprintf("7f3c9a1e-0000-4000-8000-%012d", i/len(states)),
			Direction: "out",
			Partner:   "dbs:azr-bva",
			Type:      "090101",
			To:        states[i%len(states)],
			Actor:     "relay",
		}
		if i%len(states) > 0 {
			e.From = states[i%len(states)-1]
		} else {
			e.Actor = "intake"
		}
		if e.To == "queued" && e.From == "sending" {
			e.Reason, e.Code, e.Attempt = "partner unavailable", "http-503", 1
		}
		var prev *audit.Entry
		if len(es) > 0 {
			prev = &es[len(es)-1]
		}
		es = append(es, audit.Link(prev, e))
	}
	return es
}

// seal signs checkpoints of es at the given Seqs.
func seal(t testing.TB, s audit.Signer, es []audit.Entry, seqs ...uint64) []audit.Checkpoint {
	t.Helper()
	var cps []audit.Checkpoint
	for _, q := range seqs {
		c, err := audit.NewCheckpoint(s, es[q-1], es[q-1].Time.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, c)
	}
	return cps
}

// relink re-numbers and re-hashes es from index i on, as an attacker
// with the algorithm but without the signing key would.
func relink(es []audit.Entry, i int) []audit.Entry {
	for j := i; j < len(es); j++ {
		var prev *audit.Entry
		if j > 0 {
			prev = &es[j-1]
		}
		es[j] = audit.Link(prev, es[j])
	}
	return es
}

// tool returns the path of an external program an interop test needs
// (python3, openssl). A missing one fails the test when CI or
// XGATE_REQUIRE_TOOLS=1 is set (make test sets it; .ci/deps.sh installs
// the programs), and skips it loudly otherwise.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		msg := name + " is not installed (apt-get install -y " + pkg + "): the interoperability test did NOT run"
		if os.Getenv("CI") != "" || os.Getenv("XGATE_REQUIRE_TOOLS") == "1" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	return path
}
