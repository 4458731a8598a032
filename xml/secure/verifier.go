package secure

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/xgate/xgate/certs"
)

// CertVerifier checks a certificate for a purpose at a given time: chain to
// the trust roots, validity period, key usage, revocation and key size.
// *certs.Verifier satisfies it directly, and so does a VerifyCache.
//
// VerifyCert must return nil only for a certificate fit for purpose at now.
// Its errors should be *errcode.Error values with T000 (expired or not yet
// valid), T001 (revoked), T002 (chain or usage), T003 (missing) or T010
// (weak key); any other error is reported as T002. Open asks for
// certs.Signing, Seal (with SealOptions.Verifier) for certs.Encryption.
// Implementations must be safe for concurrent use.
type CertVerifier interface {
	VerifyCert(ctx context.Context, cert *x509.Certificate, purpose certs.Purpose, now time.Time) error
}

// CertVerifierFunc adapts a function to CertVerifier (for tests and for
// verifiers that are not a *certs.Verifier).
type CertVerifierFunc func(ctx context.Context, cert *x509.Certificate, purpose certs.Purpose, now time.Time) error

// VerifyCert calls f.
func (f CertVerifierFunc) VerifyCert(ctx context.Context, cert *x509.Certificate, purpose certs.Purpose, now time.Time) error {
	return f(ctx, cert, purpose, now)
}

// The production implementation.
var _ CertVerifier = (*certs.Verifier)(nil)
