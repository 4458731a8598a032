package wire_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/xml/secure"
)

// go test ./gateway/wire -run '^$' -bench . -benchtime 200x

func BenchmarkBuildReceipt(b *testing.B) {
	d := seal(b)
	s, r := env.azr.signer(), d.received()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := wire.BuildReceipt(ctx, s, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
}

// BenchmarkRawSign is the floor of BuildReceipt: one RSA-3072
// PKCS#1 v1.5 signature of a SHA-256 digest.
func BenchmarkRawSign(b *testing.B) {
	sum := sha256.Sum256([]byte("receipt"))
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, env.azr.Signing.Key, crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
}

func BenchmarkVerifyAnswer(b *testing.B) {
	d := seal(b)
	_, xml, err := wire.BuildReceipt(context.Background(), env.azr.signer(), d.received())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		verifier secure.CertVerifier
	}{
		{"certs.Verifier", env.verifier},
		{"VerifyCache", secure.NewVerifyCache(env.verifier, secure.VerifyCacheConfig{TTL: time.Hour})},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := d.expect()
			e.Verifier = c.verifier
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				a, err := wire.VerifyAnswer(ctx, xml, e)
				if err != nil || !a.Receipt {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
		})
	}
}

// BenchmarkDeliverRoundTrip is one delivery over loopback mTLS with a
// kept-alive connection: Deliver, the peer's Open and BuildReceipt, then
// VerifyAnswer (uncached chain check).
func BenchmarkDeliverRoundTrip(b *testing.B) {
	p := newPeer(b)
	c := newClient(b, nil)
	d := seal(b)
	ctx := context.Background()
	e := d.expect()
	b.ReportAllocs()
	for b.Loop() {
		body, err := c.Deliver(ctx, p.endpoint("ok"), d.sealed)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := wire.VerifyAnswer(ctx, body, e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")
	b.ReportMetric(float64(p.conns.Load()), "conns")
}
