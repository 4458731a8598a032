package pgstore_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/pgstore"
)

func msg(id, partner string, at time.Time) outbox.Message {
	return outbox.Message{ID: id, Partner: partner, Type: "060001", Sealed: []byte("sealed:" + id), At: at, Actor: "intake"}
}

func mustCheck(t testing.TB, s *pgstore.Store) {
	t.Helper()
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// signingKey is the gateway's checkpoint key of these tests: RSA-3072
// (certs.MinRSABits), made once per test binary.
var signingKey = sync.OnceValues(func() (*audit.RSASigner, error) {
	key, err := rsa.GenerateKey(rand.Reader, certs.MinRSABits)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "xgate pgstore test signing key", Organization: []string{"Ausländerbehörde Musterstadt"}},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return audit.NewRSASigner(key, cert)
})

func signer(t testing.TB) *audit.RSASigner {
	t.Helper()
	s, err := signingKey()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verify runs audit.Verify over the store's chain with the test signing
// certificate and fails t on any problem.
func verify(t testing.TB, s *pgstore.Store) *audit.Report {
	t.Helper()
	ctx := context.Background()
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewCertVerifier(signer(t).Certificate())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
		return s.AuditEntries(ctx, 1, fn)
	}), cps, v)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("audit.Verify: %v", rep.Problem)
	}
	return rep
}

// history returns "from>to" of every audit entry of id.
func history(t testing.TB, s *pgstore.Store, id string) []string {
	t.Helper()
	es, err := s.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.From + ">" + e.To
	}
	return out
}

// firstErr keeps the first error reported by any goroutine.
type firstErr struct {
	mu  sync.Mutex
	err error
}

func (f *firstErr) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
