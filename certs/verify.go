package certs

import (
	"bytes"
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
	// or Intermediates (NewVerifier checks the signatures). Optional.
	CRLs []*x509.RevocationList
	// RequireCRL demands a current CRL from the issuer of every
	// non-root certificate in a chain. Defaults to false: an issuer
	// without a CRL in CRLs is not checked for revocation.
	RequireCRL bool
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
	}
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
	cas := append(append([]*x509.Certificate{}, cfg.Roots...), cfg.Intermediates...)
	for i, crl := range cfg.CRLs {
		if crl == nil {
			return nil, fmt.Errorf("certs: Config.CRLs[%d] is nil", i)
		}
		issuer, err := crlIssuer(crl, cas)
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
//	     allowed for p (KeyUsage, ExtKeyUsage, CA flag, policy), or the
//	     issuer's CRL is out of date (or missing with RequireCRL)
//	T001 revoked by its issuer's CRL
//
// On success it returns the chain from cert to its root.
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
	chain := chains[0]
	for i, c := range chain[1:] {
		// A root's self-signature proves nothing, so its algorithm does
		// not matter; its key size does.
		if err := checkStrength(c, i < len(chain)-2); err != nil {
			return nil, err
		}
	}
	if why := checkUsage(cert, p); why != "" {
		return nil, verr(errcode.CertInvalid, cert, "not usable for %s: %s", p, why)
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := v.checkRevocation(chain[i], chain[i+1], at); err != nil {
			return nil, err
		}
	}
	return chain, nil
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
		if v.cfg.RequireCRL {
			return verr(errcode.CertInvalid, c, "revocation status unknown: no CRL of issuer %q", issuer.Subject.String())
		}
		return nil
	}
	newest := entries[0]
	for _, e := range entries {
		if r, ok := e.revoked[c.SerialNumber.String()]; ok {
			return verr(errcode.CertRevoked, c, "revoked on %s by CRL number %v of %q (reason code %d)",
				stamp(r.RevocationTime), e.crl.Number, issuer.Subject.String(), r.ReasonCode)
		}
		if e.crl.ThisUpdate.After(newest.crl.ThisUpdate) {
			newest = e
		}
	}
	if nu := newest.crl.NextUpdate; !nu.IsZero() && at.After(nu) {
		return verr(errcode.CertInvalid, c, "revocation status unknown: the newest CRL of %q (number %v) expired at %s",
			issuer.Subject.String(), newest.crl.Number, stamp(nu))
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
