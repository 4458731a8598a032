package secure

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"

	"github.com/xgate/xgate/certs"
)

// VerifyCacheConfig configures a VerifyCache.
type VerifyCacheConfig struct {
	// TTL is how long an accepted certificate is remembered. A change
	// that the wrapped verifier would notice without being replaced
	// (an intermediate expiring, a CRL becoming stale) takes effect after
	// at most TTL. Defaults to 5 minutes.
	TTL time.Duration
	// MaxEntries bounds the memory; when it is reached the cache starts
	// over. Defaults to 4096.
	MaxEntries int
}

func (c *VerifyCacheConfig) setDefaults() {
	if c.TTL <= 0 {
		c.TTL = 5 * time.Minute
	}
	if c.MaxEntries <= 0 {
		c.MaxEntries = 4096
	}
}

// VerifyCache is a CertVerifier that remembers, for a while, the
// certificates another CertVerifier accepted. Chain building, usage and
// revocation checks cost an RSA public-key operation per chain link
// (about 0.2 ms for RSA-3072 here); a gateway sees the same few sender
// certificates over and over, so it pays that once per certificate and
// TTL instead of once per message.
//
// Only acceptances are remembered, keyed by the SHA-256 of the
// certificate and the purpose; a refusal is asked again every time. The
// leaf's own validity period is checked on every call. Replace the cache
// together with the verifier when trust roots or CRLs change. A
// VerifyCache is safe for concurrent use.
type VerifyCache struct {
	next CertVerifier
	cfg  VerifyCacheConfig

	mu sync.Mutex
	ok map[verifyKey]verifyEntry
}

type verifyKey struct {
	sum     [sha256.Size]byte
	purpose certs.Purpose
}

// verifyEntry is an acceptance for times in [from, until).
type verifyEntry struct{ from, until time.Time }

// NewVerifyCache wraps next.
func NewVerifyCache(next CertVerifier, cfg VerifyCacheConfig) *VerifyCache {
	cfg.setDefaults()
	return &VerifyCache{next: next, cfg: cfg, ok: make(map[verifyKey]verifyEntry)}
}

// VerifyCert answers from the cache when cert was accepted for purpose at
// a time less than TTL before now, and asks the wrapped verifier otherwise.
func (c *VerifyCache) VerifyCert(ctx context.Context, cert *x509.Certificate, purpose certs.Purpose, now time.Time) error {
	if cert == nil || now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return c.next.VerifyCert(ctx, cert, purpose, now) // its error says why
	}
	k := verifyKey{sha256.Sum256(cert.Raw), purpose}
	c.mu.Lock()
	e, hit := c.ok[k]
	c.mu.Unlock()
	if hit && !now.Before(e.from) && now.Before(e.until) {
		return nil
	}
	if err := c.next.VerifyCert(ctx, cert, purpose, now); err != nil {
		return err
	}
	until := now.Add(c.cfg.TTL)
	if cert.NotAfter.Before(until) {
		until = cert.NotAfter
	}
	c.mu.Lock()
	if len(c.ok) >= c.cfg.MaxEntries {
		clear(c.ok)
	}
	c.ok[k] = verifyEntry{from: now, until: until}
	c.mu.Unlock()
	return nil
}
