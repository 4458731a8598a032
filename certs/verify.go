package certs

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
)

// MinRSABits is the smallest RSA modulus the profile accepts (T010 below).
const MinRSABits = 3072

// Config configures a Verifier. It must not be changed after NewVerifier.
type Config struct {
	// Roots are the trust anchors. Only a chain ending in one of them is
	// accepted. Required.
	Roots []*x509.Certificate
	// Intermediates are CA certificates that may complete a chain; they
	// are not trusted by themselves. Optional.
	Intermediates []*x509.Certificate
	// CRLs are the revocation lists. Each must be signed by one of Roots
	// or Intermediates (NewVerifier checks the signatures).
	CRLs []*x509.RevocationList
	// CRLPolicy says what happens when CRLs holds no CRL for an issuer in
	// a chain. Defaults to CRLRequired (the zero value): the certificate
	// is refused (T002), fail closed. CRLIfPresent checks revocation only
	// where a CRL is configured. Either way a listed certificate is
	// refused (T001) and an issuer's CRL past its NextUpdate makes its
	// certificates T002.
	CRLPolicy CRLPolicy
	// Clock gives the time that Verify uses when it is given the zero
	// time. Defaults to the wall clock.
	Clock clock.Clock
}

func (c *Config) setDefaults() {
	c.Clock = clock.Or(c.Clock)
}

// Validate checks that the configuration can work.
func (c *Config) Validate() error {
	if len(c.Roots) == 0 {
		return errors.New("certs: Config.Roots is empty: a verifier needs at least one trust root")
	}
	for _, r := range c.Roots {
		if r == nil {
			return errors.New("certs: Config.Roots holds a nil certificate")
		}
	}
	for _, r := range c.Intermediates {
		if r == nil {
			return errors.New("certs: Config.Intermediates holds a nil certificate")
		}
		if !r.BasicConstraintsValid || !r.IsCA {
			return fmt.Errorf("certs: Config.Intermediates: %s is not a CA certificate", Label(r))
		}
	}
	if _, ok := crlPolicyNames[c.CRLPolicy]; !ok {
		return fmt.Errorf("certs: Config.CRLPolicy %d is unknown", int(c.CRLPolicy))
	}
	return nil
}

// CRLPolicy is what a Verifier does about an issuer without a CRL.
type CRLPolicy int

const (
	// CRLRequired refuses (T002) a certificate whose issuer has no CRL in
	// Config.CRLs: revocation must be known for every issuer in the chain
	// (fail closed). The zero value, and what the daemon runs with.
	CRLRequired CRLPolicy = iota
	// CRLIfPresent checks revocation only against the CRLs there are: an
	// issuer without one is not checked (fail open). For development
	// and for partners whose CA publishes no CRL.
	CRLIfPresent
)

var crlPolicyNames = map[CRLPolicy]string{CRLRequired: "require", CRLIfPresent: "if-present"}

// String returns "require" or "if-present", the names ParseCRLPolicy and
// configuration files use.
func (p CRLPolicy) String() string {
	if s, ok := crlPolicyNames[p]; ok {
		return s
	}
	return fmt.Sprintf("CRLPolicy(%d)", int(p))
}

// ParseCRLPolicy reads "require" or "if-present".
func ParseCRLPolicy(s string) (CRLPolicy, error) {
	for p, name := range crlPolicyNames {
		if s == name {
			return p, nil
		}
	}
	return 0, fmt.Errorf("certs: unknown CRL policy %q (want require or if-present)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (p CRLPolicy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *CRLPolicy) UnmarshalText(b []byte) error {
	q, err := ParseCRLPolicy(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// crlEntry is a CRL whose signature was checked against issuer.
type crlEntry struct {
	crl     *x509.RevocationList
	issuer  *x509.Certificate
	revoked map[string]x509.RevocationListEntry // by serial, decimal
}

// Verifier checks certificates against trust roots, CRLs and the usage
// rules of each Purpose. It holds no mutable state and is safe for
// concurrent use.
type Verifier struct {
	cfg           Config
	cas           []*x509.Certificate // Roots, then Intermediates
	roots         *x509.CertPool
	intermediates *x509.CertPool
	crls          map[string][]*crlEntry // by issuer identity (subject + key)
}

// NewVerifier checks cfg and the signature of every CRL against its
// issuer among cfg.Roots and cfg.Intermediates. A CRL that no known CA
// signed is an error: revocation data from an unknown source would be
// either useless or a way to deny service.
func NewVerifier(cfg Config) (*Verifier, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{
		cfg:           cfg,
		roots:         Pool(cfg.Roots...),
		intermediates: Pool(cfg.Intermediates...),
		crls:          map[string][]*crlEntry{},
	}
	v.cas = append(append([]*x509.Certificate{}, cfg.Roots...), cfg.Intermediates...)
	for i, crl := range cfg.CRLs {
		if crl == nil {
			return nil, fmt.Errorf("certs: Config.CRLs[%d] is nil", i)
		}
		issuer, err := crlIssuer(crl, v.cas)
		if err != nil {
			return nil, err
		}
		e := &crlEntry{crl: crl, issuer: issuer, revoked: map[string]x509.RevocationListEntry{}}
		for _, r := range crl.RevokedCertificateEntries {
			e.revoked[r.SerialNumber.String()] = r
		}
		k := issuerKey(issuer)
		v.crls[k] = append(v.crls[k], e)
	}
	return v, nil
}

// crlIssuer finds the CA among cas whose subject is the CRL's issuer and
// whose key verifies the CRL's signature.
func crlIssuer(crl *x509.RevocationList, cas []*x509.Certificate) (*x509.Certificate, error) {
	var lastErr error
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, crl.RawIssuer) {
			continue
		}
		if err := crl.CheckSignatureFrom(ca); err != nil {
			lastErr = err
			continue
		}
		return ca, nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("certs: CRL of %q (number %v): signature does not verify against its issuer: %w", crl.Issuer.String(), crl.Number, lastErr)
	}
	return nil, fmt.Errorf("certs: CRL of %q (number %v): issuer is not among the trust roots and intermediates", crl.Issuer.String(), crl.Number)
}

// issuerKey identifies a CA by subject and public key, so that a
// re-issued CA certificate with the same key finds the same CRLs.
func issuerKey(c *x509.Certificate) string {
	return string(c.RawSubject) + "\x00" + string(c.RawSubjectPublicKeyInfo)
}

// Roots returns a pool of the trust roots, for tls.Config.RootCAs and
// ClientCAs. The caller must not modify it.
func (v *Verifier) Roots() *x509.CertPool { return v.roots }

// Now returns the verifier's current time (Config.Clock).
func (v *Verifier) Now() time.Time { return v.cfg.Clock.Now() }

// Verify checks that cert may be used for purpose p at time at (the zero
// time means Now). presented are intermediates that came with the
// certificate (in a message's KeyInfo or a TLS handshake); they may
// complete a chain but are never trusted by themselves.
//
// The checks, in order, and their codes:
//
//	T003 cert is nil
//	T010 RSA key under 3072 bits, a key that is not RSA, or a weak
//	     signature algorithm (SHA-1, MD5) on cert or any chain certificate
//	T000 at is before NotBefore or after NotAfter (of cert or the chain)
//	T002 self-signed and not a root, no chain to a root, usage not
//	     allowed for p (KeyUsage, ExtKeyUsage, CA flag, policy), or an
//	     issuer's CRL is out of date (or missing, under CRLRequired)
//	T001 cert or a CA of its chain revoked by its issuer's CRL
//
// Revocation is checked for every certificate of the chain, the trust
// anchor included when it is not self-signed and its issuer is among
// Roots and Intermediates (a sub-CA configured as a root still falls to
// its root's CRL). On success it returns the chain from cert to its
// anchor.
func (v *Verifier) Verify(cert *x509.Certificate, p Purpose, at time.Time, presented ...*x509.Certificate) ([]*x509.Certificate, error) {
	if cert == nil {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: opVerify, Detail: fmt.Sprintf("no %s certificate", p)}
	}
	if at.IsZero() {
		at = v.cfg.Clock.Now()
	}
	if err := checkStrength(cert, !v.isRoot(cert)); err != nil {
		return nil, err
	}
	if err := checkTime(cert, at); err != nil {
		return nil, err
	}
	if isSelfSigned(cert) && !v.isRoot(cert) {
		return nil, verr(errcode.CertInvalid, cert, "self-signed certificate is not one of the trust roots")
	}
	inter := v.intermediates
	if len(presented) > 0 {
		inter = inter.Clone()
		for _, c := range presented {
			if c != nil {
				inter.AddCert(c)
			}
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     p.x509Usages(),
	})
	if err != nil {
		return nil, mapX509Error(cert, p, at, err)
	}
	if why := checkUsage(cert, p); why != "" {
		return nil, verr(errcode.CertInvalid, cert, "not usable for %s: %s", p, why)
	}
	// x509.Verify may find several chains (a sub-CA that is also a
	// configured root, cross-certificates): the first that passes every
	// check counts; if none does, the first one's error is the answer.
	var firstErr error
	for _, chain := range chains {
		err := v.checkChain(chain, at)
		if err == nil {
			return chain, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// checkChain checks what x509.Verify does not: key sizes and signature
// algorithms of the CAs, and revocation of every certificate of the chain
// by its issuer, up to and including the trust anchor when the anchor is
// not self-signed and its issuer is configured.
func (v *Verifier) checkChain(chain []*x509.Certificate, at time.Time) error {
	for i, c := range chain[1:] {
		// A root's self-signature proves nothing, so its algorithm does
		// not matter; its key size does.
		if err := checkStrength(c, i < len(chain)-2); err != nil {
			return err
		}
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := v.checkRevocation(chain[i], chain[i+1], at); err != nil {
			return err
		}
	}
	anchor := chain[len(chain)-1]
	if bytes.Equal(anchor.RawSubject, anchor.RawIssuer) {
		return nil // a self-issued root: no issuer above it
	}
	// A sub-CA configured as a root: its own issuer's CRL still counts
	// when that issuer is known.
	if issuer := v.issuerOf(anchor); issuer != nil {
		return v.checkRevocation(anchor, issuer, at)
	}
	return nil
}

// issuerOf returns the configured root or intermediate that issued c, or
// nil.
func (v *Verifier) issuerOf(c *x509.Certificate) *x509.Certificate {
	for _, ca := range v.cas {
		if bytes.Equal(ca.RawSubject, c.RawIssuer) && !ca.Equal(c) && c.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	return nil
}

// VerifyCert is Verify without the chain and without presented
// certificates: the method xml/secure's CertVerifier interface asks for,
// so that a *Verifier (or a secure.VerifyCache around it) can check
// message signers directly. Verification does no I/O; ctx is only
// checked for cancellation.
func (v *Verifier) VerifyCert(ctx context.Context, cert *x509.Certificate, p Purpose, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := v.Verify(cert, p, at)
	return err
}

func (v *Verifier) isRoot(c *x509.Certificate) bool {
	for _, r := range v.cfg.Roots {
		if r.Equal(c) {
			return true
		}
	}
	return false
}

// isSelfSigned reports a certificate whose issuer is its own subject and
// whose signature its own key verifies.
func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// checkStrength enforces RSA ≥ MinRSABits and, if sig, a SHA-2
// signature (T010).
func checkStrength(c *x509.Certificate, sig bool) error {
	pub, ok := c.PublicKey.(*rsa.PublicKey)
	if !ok {
		return verr(errcode.SignatureWeak, c, "key type %s is not allowed: the profile requires RSA of at least %d bits", c.PublicKeyAlgorithm, MinRSABits)
	}
	if n := pub.N.BitLen(); n < MinRSABits {
		return verr(errcode.SignatureWeak, c, "RSA key of %d bits is below the minimum of %d", n, MinRSABits)
	}
	if !sig {
		return nil
	}
	switch c.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA,
		x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return nil
	}
	return verr(errcode.SignatureWeak, c, "signature algorithm %s is not allowed (SHA-256 or better with RSA required)", c.SignatureAlgorithm)
}

// checkTime enforces NotBefore ≤ at ≤ NotAfter (T000).
func checkTime(c *x509.Certificate, at time.Time) error {
	switch {
	case at.Before(c.NotBefore):
		return verr(errcode.CertExpired, c, "not yet valid: valid from %s, checked at %s", stamp(c.NotBefore), stamp(at))
	case at.After(c.NotAfter):
		return verr(errcode.CertExpired, c, "expired: valid until %s, checked at %s", stamp(c.NotAfter), stamp(at))
	}
	return nil
}

// mapX509Error turns an x509.Verify error into a coded one.
func mapX509Error(cert *x509.Certificate, p Purpose, at time.Time, err error) error {
	var (
		inv  x509.CertificateInvalidError
		ua   x509.UnknownAuthorityError
		weak x509.InsecureAlgorithmError
	)
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		d := "a certificate of its chain is outside its validity period at " + stamp(at)
		if inv.Cert != nil && inv.Cert != cert {
			d = fmt.Sprintf("issuing %s is valid only from %s to %s, checked at %s", Label(inv.Cert), stamp(inv.Cert.NotBefore), stamp(inv.Cert.NotAfter), stamp(at))
		}
		return &errcode.Error{Code: errcode.CertExpired, Op: opVerify, Detail: Label(cert) + ": " + d, Err: err}
	case errors.As(err, &weak):
		return &errcode.Error{Code: errcode.SignatureWeak, Op: opVerify, Detail: Label(cert) + ": weak signature algorithm in the chain", Err: err}
	case errors.As(err, &ua):
		return &errcode.Error{Code: errcode.CertInvalid, Op: opVerify,
			Detail: fmt.Sprintf("%s: does not chain to a trusted root (issuer %q)", Label(cert), cert.Issuer.String()), Err: err}
	case errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage:
		return &errcode.Error{Code: errcode.CertInvalid, Op: opVerify,
			Detail: fmt.Sprintf("%s: not usable for %s: the chain does not allow ExtKeyUsage %s", Label(cert), p, ekuString(p.x509Usages(), nil)), Err: err}
	}
	return &errcode.Error{Code: errcode.CertInvalid, Op: opVerify, Detail: Label(cert) + ": chain verification failed", Err: err}
}

// checkRevocation looks c up in the CRLs of issuer (T001) and demands
// that the newest of them be current (T002).
func (v *Verifier) checkRevocation(c, issuer *x509.Certificate, at time.Time) error {
	entries := v.crls[issuerKey(issuer)]
	if len(entries) == 0 {
		if v.cfg.CRLPolicy == CRLRequired {
			return verr(errcode.CertInvalid, c, "revocation status unknown: no CRL of issuer %q is configured, and the CRL policy is %q",
				SubjectString(issuer), CRLRequired)
		}
		return nil
	}
	newest := entries[0]
	for _, e := range entries {
		if r, ok := e.revoked[c.SerialNumber.String()]; ok {
			return verr(errcode.CertRevoked, c, "revoked on %s by CRL number %v of %q (reason code %d)",
				stamp(r.RevocationTime), e.crl.Number, SubjectString(issuer), r.ReasonCode)
		}
		if e.crl.ThisUpdate.After(newest.crl.ThisUpdate) {
			newest = e
		}
	}
	if nu := newest.crl.NextUpdate; !nu.IsZero() && at.After(nu) {
		return verr(errcode.CertInvalid, c, "revocation status unknown: the newest CRL of %q (number %v) expired at %s",
			SubjectString(issuer), newest.crl.Number, stamp(nu))
	}
	return nil
}

// NewestValid returns the newest of cands (latest NotBefore) that passes
// Verify for p at at; the sender side of key rollover. If none passes it
// returns the error of the newest candidate (T003 if cands is empty).
func (v *Verifier) NewestValid(cands []*x509.Certificate, p Purpose, at time.Time) (*x509.Certificate, error) {
	if len(cands) == 0 {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: opVerify, Detail: fmt.Sprintf("no %s certificate", p)}
	}
	var firstErr error
	for _, c := range byNewest(cands) {
		if _, err := v.Verify(c, p, at); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		return c, nil
	}
	return nil, firstErr
}
