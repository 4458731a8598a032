package secure_test

import (
	"context"
	"crypto/x509"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

func TestVerifyCache(t *testing.T) {
	p := getPKI(t)
	var calls atomic.Int64
	inner := p.Verifier()
	counting := secure.CertVerifierFunc(func(ctx context.Context, c *x509.Certificate, pu certs.Purpose, now time.Time) error {
		calls.Add(1)
		return inner.VerifyCert(ctx, c, pu, now)
	})
	ctx := context.Background()
	now := time.Now()
	vc := secure.NewVerifyCache(counting, secure.VerifyCacheConfig{TTL: time.Minute, MaxEntries: 2})
	step := func(name string, c *x509.Certificate, pu certs.Purpose, at time.Time, wantCode errcode.Code, wantCalls int64) {
		t.Helper()
		before := calls.Load()
		err := vc.VerifyCert(ctx, c, pu, at)
		if wantCode == "" && err != nil || wantCode != "" && (err == nil || codeOf(t, err) != wantCode) {
			t.Errorf("%s: got %v, want %q", name, err, wantCode)
		}
		if got := calls.Load() - before; got != wantCalls {
			t.Errorf("%s: %d calls of the wrapped verifier, want %d", name, got, wantCalls)
		}
	}
	step("first", p.Sender.Cert, certs.Signing, now, "", 1)
	step("cached", p.Sender.Cert, certs.Signing, now.Add(30*time.Second), "", 0)
	step("after TTL", p.Sender.Cert, certs.Signing, now.Add(2*time.Minute), "", 1)
	step("before the cached time", p.Sender.Cert, certs.Signing, now.Add(-time.Second), "", 1)
	step("other purpose", p.Sender.Cert, certs.Encryption, now, errcode.CertInvalid, 1)
	step("refusal not cached", p.Sender.Cert, certs.Encryption, now, errcode.CertInvalid, 1)
	step("revoked", p.Revoked.Cert, certs.Signing, now, errcode.CertRevoked, 1)
	step("leaf expired, even when cached", p.Sender.Cert, certs.Signing, p.Sender.Cert.NotAfter.Add(time.Second), errcode.CertExpired, 1)
	step("fill", p.Other.Cert, certs.Signing, now, "", 1)
	step("full cache starts over", p.RecvA.Cert, certs.Encryption, now, "", 1)
	step("evicted", p.Other.Cert, certs.Signing, now, "", 1)
}
