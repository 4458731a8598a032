package secure

import (
	"context"
	"crypto/x509"
	"time"
)

// Purpose names what a certificate is checked for.
type Purpose int

const (
	// PurposeSigning is a gateway's message-signing certificate (KeyUsage
	// digitalSignature).
	PurposeSigning Purpose = iota + 1
	// PurposeEncryption is a gateway's key-transport certificate (KeyUsage
	// keyEncipherment).
	PurposeEncryption
)

// String returns "signing" or "encryption".
func (p Purpose) String() string {
	switch p {
	case PurposeSigning:
		return "signing"
	case PurposeEncryption:
		return "encryption"
	}
	return "unknown purpose"
}

// CertVerifier checks a certificate for a purpose at a given time: chain to
// the trust roots, validity period, key usage, revocation and key size.
//
// VerifyCert must return nil only for a certificate fit for purpose at now.
// Its errors should be *errcode.Error values with T000 (expired or not yet
// valid), T001 (revoked), T002 (chain or usage), T003 (missing) or T010
// (weak key); any other error is reported as T002. Implementations must be
// safe for concurrent use. The certs package provides the production
// implementation.
type CertVerifier interface {
	VerifyCert(ctx context.Context, cert *x509.Certificate, purpose Purpose, now time.Time) error
}

// CertVerifierFunc adapts a function to CertVerifier.
type CertVerifierFunc func(ctx context.Context, cert *x509.Certificate, purpose Purpose, now time.Time) error

// VerifyCert calls f.
func (f CertVerifierFunc) VerifyCert(ctx context.Context, cert *x509.Certificate, purpose Purpose, now time.Time) error {
	return f(ctx, cert, purpose, now)
}
