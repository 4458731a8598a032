package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
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
// cannot be read or parsed are usage errors. Under --crl-policy
// if-present it warns on stderr, naming each configured CA that has no
// --crl: certificates it issued are not checked for revocation.
func (t *trustFlags) verifier(stderr io.Writer) (*certs.Verifier, error) {
	roots, err := certs.LoadRoots(t.trust)
	if err != nil {
		return nil, errInput(fmt.Errorf("--trust: %w", err))
	}
	var inter []*x509.Certificate
	for _, f := range t.intermediates {
		cs, err := certs.LoadIntermediates(f)
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
	policy := certs.CRLPolicy(t.crlPolicy)
	v, err := certs.NewVerifier(certs.Config{Roots: roots, Intermediates: inter, CRLs: crls, CRLPolicy: policy})
	if err != nil {
		return nil, errInput(err)
	}
	if policy == certs.CRLIfPresent {
		var without []string
		for _, ca := range append(roots, inter...) {
			if !slices.ContainsFunc(crls, func(c *x509.RevocationList) bool { return bytes.Equal(c.RawIssuer, ca.RawSubject) }) {
				without = append(without, strconv.Quote(certs.SubjectString(ca)))
			}
		}
		if len(without) > 0 {
			fmt.Fprintf(stderr, "xgate: warning: --crl-policy if-present: no --crl for %s; certificates issued there are not checked for revocation\n",
				strings.Join(without, ", "))
		}
	}
	return v, nil
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
	// The reason may quote what the message or a certificate says.
	return failedError("%s refused: %s %s: %s\n  (%s)", op, e.Code, e.Code.Text(), escape.Line(reason), e.Code.Reason())
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
