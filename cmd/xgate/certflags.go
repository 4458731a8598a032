package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// loadKey reads a private key; a file that group or others may read is
// refused (exit 1), with the fix in the message.
func loadKey(path string) (*rsa.PrivateKey, error) {
	k, err := certs.LoadPrivateKey(path)
	if err != nil {
		var pe *certs.KeyPermissionError
		if errors.As(err, &pe) {
			return nil, withExit(exitError, err)
		}
		return nil, errInput(err)
	}
	return k, nil
}

// verifier builds a certs.Verifier from the trust flags. Files that
// cannot be read or parsed are usage errors.
func (t *trustFlags) verifier() (*certs.Verifier, error) {
	roots, err := certs.LoadRoots(t.trust)
	if err != nil {
		return nil, errInput(fmt.Errorf("--trust: %w", err))
	}
	var inter []*x509.Certificate
	for _, f := range t.intermediates {
		cs, err := certs.LoadCertificates(f)
		if err != nil {
			return nil, errInput(fmt.Errorf("--intermediate: %w", err))
		}
		inter = append(inter, cs...)
	}
	var crls []*x509.RevocationList
	for _, f := range t.crls {
		cs, err := certs.LoadCRLs(f)
		if err != nil {
			return nil, errInput(fmt.Errorf("--crl: %w", err))
		}
		crls = append(crls, cs...)
	}
	v, err := certs.NewVerifier(certs.Config{Roots: roots, Intermediates: inter, CRLs: crls})
	if err != nil {
		return nil, errInput(err)
	}
	return v, nil
}

// certVerifier adapts a certs.Verifier to the interface xml/secure
// consumes.
func certVerifier(v *certs.Verifier) secure.CertVerifier {
	return secure.CertVerifierFunc(func(_ context.Context, c *x509.Certificate, p secure.Purpose, now time.Time) error {
		cp := certs.Signing
		if p == secure.PurposeEncryption {
			cp = certs.Encryption
		}
		_, err := v.Verify(c, cp, now)
		return err
	})
}

// refused reports a refusal (exit 3): the XÖV code, its short text, the
// specific reason and the general explanation. An error without a code
// is operational (exit 1), a cancelled ctx says so.
func refused(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var e *errcode.Error
	if !errors.As(err, &e) {
		return withExit(exitError, fmt.Errorf("%s failed: %w", op, err))
	}
	reason := e.Detail
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}
	return failedError("%s refused: %s %s: %s\n  (%s)", op, e.Code, e.Code.Text(), reason, e.Code.Reason())
}

// readError maps a read failure: over the size limit is a refusal (X000,
// exit 3), anything else a usage error.
func readError(err error) error {
	var e *errcode.Error
	if errors.As(err, &e) {
		return refused(context.Background(), "read", e)
	}
	return errInput(err)
}
