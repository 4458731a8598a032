package certs_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
)

// leafPurposes are the purposes a gateway's own certificates serve.
var leafPurposes = []certs.Purpose{certs.Signing, certs.Encryption, certs.TLSServer, certs.TLSClient, certs.Directory}

// wantCode checks that err carries code (nil code: no error) and that
// the detail names the certificate.
func wantCode(t *testing.T, err error, code errcode.Code, c *x509.Certificate) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	got, ok := errcode.Of(err)
	if !ok || got != code {
		t.Fatalf("code = %q (%v), want %s; err = %v", got, ok, code, err)
	}
	if !errors.Is(err, &errcode.Error{Code: code}) {
		t.Errorf("errors.Is(err, %s sentinel) = false", code)
	}
	var e *errcode.Error
	errors.As(err, &e)
	if c != nil && (!strings.Contains(e.Detail, c.Subject.CommonName) || !strings.Contains(e.Detail, certs.SerialHex(c.SerialNumber))) {
		t.Errorf("detail %q does not name subject %q and serial", e.Detail, c.Subject.CommonName)
	}
}

func TestVerifyFailureModes(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	other := certstest.NewCA(t, "Untrusted Root")

	type mint func(t *testing.T, p certs.Purpose) certs.KeyPair
	cases := []struct {
		name string
		mint mint
		want errcode.Code
	}{
		{"good", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.Good(t, p) }, ""},
		{"expired", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.Expired(t, p) }, errcode.CertExpired},
		{"not yet valid", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.NotYetValid(t, p) }, errcode.CertExpired},
		{"revoked", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.Revoked(t, p) }, errcode.CertRevoked},
		{"wrong usage", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.WrongUsage(t, p) }, errcode.CertInvalid},
		{"self-signed", func(t *testing.T, p certs.Purpose) certs.KeyPair { return certstest.SelfSigned(t, p) }, errcode.CertInvalid},
		{"untrusted chain", func(t *testing.T, p certs.Purpose) certs.KeyPair { return other.Good(t, p) }, errcode.CertInvalid},
		{"2048-bit key", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.Weak(t, p) }, errcode.SignatureWeak},
		{"SHA-1 signature", func(t *testing.T, p certs.Purpose) certs.KeyPair { return ca.SHA1(t, p) }, errcode.SignatureWeak},
	}
	// Mint everything first: revocations must be in the CRL the verifier gets.
	type minted struct {
		name string
		p    certs.Purpose
		kp   certs.KeyPair
		want errcode.Code
	}
	var all []minted
	for _, p := range leafPurposes {
		for _, tc := range cases {
			all = append(all, minted{tc.name, p, tc.mint(t, p), tc.want})
		}
	}
	v := ca.Verifier(t)
	for _, m := range all {
		t.Run(m.p.String()+"/"+m.name, func(t *testing.T) {
			chain, err := v.Verify(m.kp.Cert, m.p, time.Time{})
			wantCode(t, err, m.want, m.kp.Cert)
			if m.want == "" && (len(chain) != 2 || !chain[1].Equal(ca.Cert)) {
				t.Errorf("chain = %d certificates, want leaf and root", len(chain))
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_, err := v.Verify(nil, certs.Signing, time.Time{})
		wantCode(t, err, errcode.CertMissing, nil)
	})
	// The detail says plainly what is wrong.
	details := []struct {
		kp   certs.KeyPair
		want string
	}{
		{certstest.SelfSigned(t, certs.Signing), "self-signed certificate is not one of the trust roots"},
		{other.Good(t, certs.Signing), "does not chain to a trusted root"},
		{ca.Weak(t, certs.Signing), "RSA key of 2048 bits is below the minimum of 3072"},
		{ca.SHA1(t, certs.Signing), "signature algorithm SHA1-RSA is not allowed"},
		{ca.WrongUsage(t, certs.Signing), "lacks digitalSignature"},
		{ca.Expired(t, certs.Signing), "expired: valid until"},
		{ca.NotYetValid(t, certs.Signing), "not yet valid: valid from"},
	}
	for _, d := range details {
		_, err := v.Verify(d.kp.Cert, certs.Signing, time.Time{})
		if err == nil || !strings.Contains(err.Error(), d.want) {
			t.Errorf("error %v does not say %q", err, d.want)
		}
	}
}

// TestVerifyKeySeparation crosses every leaf purpose with every other:
// a certificate made for one purpose is refused for any other (the TLS
// certificate serves both TLS sides).
func TestVerifyKeySeparation(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	v := ca.Verifier(t)
	made := map[certs.Purpose]*x509.Certificate{}
	for _, p := range append(leafPurposes, certs.CA) {
		if p == certs.CA {
			made[p] = ca.Intermediate(t, "Sub CA").Cert
			continue
		}
		made[p] = ca.Good(t, p).Cert
	}
	tls := func(p certs.Purpose) bool { return p == certs.TLSServer || p == certs.TLSClient }
	for madeFor, c := range made {
		for _, usedFor := range append(leafPurposes, certs.CA) {
			want := errcode.CertInvalid
			if madeFor == usedFor || tls(madeFor) && tls(usedFor) {
				want = ""
			}
			t.Run(madeFor.String()+"-as-"+usedFor.String(), func(t *testing.T) {
				_, err := v.Verify(c, usedFor, time.Time{})
				wantCode(t, err, want, c)
			})
		}
	}
}

func TestVerifyChains(t *testing.T) {
	t.Parallel()
	root := certstest.NewCA(t, "xgate Test Root")
	sub := root.Intermediate(t, "xgate Test Sub CA")
	leaf := sub.Good(t, certs.Signing)

	t.Run("intermediate configured", func(t *testing.T) {
		chain, err := sub.Verifier(t).Verify(leaf.Cert, certs.Signing, time.Time{})
		wantCode(t, err, "", nil)
		if len(chain) != 3 {
			t.Errorf("chain length %d, want 3", len(chain))
		}
	})
	t.Run("intermediate presented", func(t *testing.T) {
		// The sub-CA's CRL cannot be configured without the sub-CA: only
		// CRLIfPresent lets a presented intermediate through.
		v, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{root.Cert}, CRLs: []*x509.RevocationList{root.CRL(t)},
			CRLPolicy: certs.CRLIfPresent, Clock: clock.Fixed(root.Now)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(leaf.Cert, certs.Signing, time.Time{})
		wantCode(t, err, errcode.CertInvalid, leaf.Cert)
		_, err = v.Verify(leaf.Cert, certs.Signing, time.Time{}, leaf.Chain...)
		wantCode(t, err, "", nil)
	})
	t.Run("presented root is not trusted", func(t *testing.T) {
		// An attacker sends its own CA along: it must not become a root.
		evil := certstest.NewCA(t, "Evil Root")
		kp := evil.Good(t, certs.Signing)
		_, err := root.Verifier(t).Verify(kp.Cert, certs.Signing, time.Time{}, evil.Cert)
		wantCode(t, err, errcode.CertInvalid, kp.Cert)
	})
	t.Run("revoked intermediate", func(t *testing.T) {
		root2 := certstest.NewCA(t, "Root 2")
		sub2 := root2.Intermediate(t, "Sub 2")
		kp := sub2.Good(t, certs.Signing)
		root2.Revoke(sub2.Cert)
		_, err := sub2.Verifier(t).Verify(kp.Cert, certs.Signing, time.Time{})
		wantCode(t, err, errcode.CertRevoked, sub2.Cert)
	})
	t.Run("expired intermediate", func(t *testing.T) {
		sub3 := root.IssueCA(t, certstest.Spec{NotBefore: root.Now.AddDate(-2, 0, 0), NotAfter: root.Now.Add(-time.Hour)})
		sub3.Now = root.Now.AddDate(-1, 0, 0) // its leaf is itself valid at root.Now
		kp := sub3.Issue(t, certstest.Spec{NotBefore: root.Now.Add(-time.Hour), NotAfter: root.Now.AddDate(0, 1, 0)})
		_, err := root.Verifier(t).Verify(kp.Cert, certs.Signing, time.Time{}, sub3.Cert)
		wantCode(t, err, errcode.CertExpired, kp.Cert)
	})
	t.Run("2048-bit intermediate", func(t *testing.T) {
		weak := root.IssueCA(t, certstest.Spec{Bits: 2048})
		kp := weak.Good(t, certs.Signing)
		_, err := root.Verifier(t).Verify(kp.Cert, certs.Signing, time.Time{}, weak.Cert)
		wantCode(t, err, errcode.SignatureWeak, weak.Cert)
	})
	t.Run("CA certificate as signing certificate", func(t *testing.T) {
		_, err := root.Verifier(t).Verify(sub.Cert, certs.Signing, time.Time{})
		wantCode(t, err, errcode.CertInvalid, sub.Cert)
	})
	t.Run("SHA-1 self-signature of a root does not matter", func(t *testing.T) {
		old := &certstest.CA{Key: root.Keys.Key(t, 3072), Now: root.Now, Keys: root.Keys}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Legacy Root"},
			NotBefore: root.Now.Add(-time.Hour), NotAfter: root.Now.AddDate(5, 0, 0), SignatureAlgorithm: x509.SHA1WithRSA,
		}
		certs.CA.SetUsage(tmpl)
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &old.Key.PublicKey, old.Key)
		if err != nil {
			t.Fatal(err)
		}
		if old.Cert, err = x509.ParseCertificate(der); err != nil {
			t.Fatal(err)
		}
		kp := old.Good(t, certs.Signing)
		_, err = old.Verifier(t).Verify(kp.Cert, certs.Signing, time.Time{})
		wantCode(t, err, "", nil)
	})
	t.Run("root for purpose ca", func(t *testing.T) {
		_, err := root.Verifier(t).Verify(root.Cert, certs.CA, time.Time{})
		wantCode(t, err, "", nil)
	})
}

func TestVerifyTimeAndCRL(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	kp := ca.Good(t, certs.Encryption) // valid Now-1h … Now+1y
	crl := ca.CRL(t)                   // NextUpdate Now+30d
	v, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLs: []*x509.RevocationList{crl}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want errcode.Code
	}{
		{"now", ca.Now, ""},
		{"before NotBefore", ca.Now.Add(-2 * time.Hour), errcode.CertExpired},
		{"after NotAfter", ca.Now.AddDate(1, 0, 1), errcode.CertExpired},
		{"CRL past NextUpdate", ca.Now.AddDate(0, 0, 31), errcode.CertInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(kp.Cert, certs.Encryption, tc.at)
			wantCode(t, err, tc.want, kp.Cert)
		})
	}
	t.Run("detail gives the dates", func(t *testing.T) {
		_, err := v.Verify(kp.Cert, certs.Encryption, ca.Now.AddDate(2, 0, 0))
		if !strings.Contains(err.Error(), kp.Cert.NotAfter.UTC().Format("2006-01-02 15:04:05")) {
			t.Errorf("error %q does not give NotAfter", err)
		}
	})
	t.Run("no CRL, default policy: fail closed", func(t *testing.T) {
		v, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, Clock: clock.Fixed(ca.Now)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(kp.Cert, certs.Encryption, time.Time{})
		wantCode(t, err, errcode.CertInvalid, kp.Cert)
		if !strings.Contains(err.Error(), "revocation status unknown") {
			t.Errorf("error %v does not say why", err)
		}
	})
	t.Run("no CRL, if-present", func(t *testing.T) {
		v, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLPolicy: certs.CRLIfPresent, Clock: clock.Fixed(ca.Now)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(kp.Cert, certs.Encryption, time.Time{})
		wantCode(t, err, "", nil)
	})
	t.Run("newest of two CRLs counts", func(t *testing.T) {
		old := ca.CRLAt(t, ca.Now.AddDate(0, 0, -60), ca.Now.AddDate(0, 0, -30))
		v, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLs: []*x509.RevocationList{old, crl}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(kp.Cert, certs.Encryption, ca.Now)
		wantCode(t, err, "", nil)
	})
}

func TestNewVerifierChecksCRLs(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	other := certstest.NewCA(t, "xgate Test Root") // same name, other key
	forged := other.CRL(t)
	if _, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLs: []*x509.RevocationList{forged}}); err == nil {
		t.Error("a CRL signed by another key with the same issuer name was accepted")
	}
	stranger := certstest.NewCA(t, "Stranger")
	if _, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLs: []*x509.RevocationList{stranger.CRL(t)}}); err == nil {
		t.Error("a CRL of an unknown issuer was accepted")
	}
	if _, err := certs.NewVerifier(certs.Config{}); err == nil {
		t.Error("a verifier without roots was accepted")
	}
	// A CRL whose signature was altered after parsing.
	crl := ca.CRL(t)
	crl.Signature = append([]byte(nil), crl.Signature...)
	crl.Signature[10] ^= 1
	if _, err := certs.NewVerifier(certs.Config{Roots: []*x509.Certificate{ca.Cert}, CRLs: []*x509.RevocationList{crl}}); err == nil {
		t.Error("a CRL with a broken signature was accepted")
	}
}

func BenchmarkVerify(b *testing.B) {
	ca := certstest.NewCA(b, "xgate Test Root")
	kp := ca.Good(b, certs.Signing)
	v := ca.Verifier(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(kp.Cert, certs.Signing, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyTwoTier runs a real two-tier PKI (root → sub-CA → leaf)
// through the revocation rules: the sub-CA configured as an intermediate
// (not an anchor), revocation checked along the whole chain, the sub-CA
// configured as a root still falls to its root's CRL, and the CRL policy
// decides about missing CRLs.
func TestVerifyTwoTier(t *testing.T) {
	t.Parallel()
	root := certstest.NewCA(t, "xgate Test Root")
	sub := root.Intermediate(t, "xgate Test Sub CA")
	leaf := sub.Good(t, certs.Signing)
	revokedLeaf := sub.Revoked(t, certs.Signing)

	rootCRL := root.CRL(t) // lists nothing
	staleRootCRL := root.CRLAt(t, root.Now.AddDate(0, -2, 0), root.Now.AddDate(0, -1, 0))
	subCRL := sub.CRL(t) // lists revokedLeaf
	root.Revoke(sub.Cert)
	rootCRLRevokingSub := root.CRL(t)

	type crls = []*x509.RevocationList
	type certList = []*x509.Certificate
	cases := []struct {
		name          string
		roots, inter  certList
		crls          crls
		policy        certs.CRLPolicy
		cert          *x509.Certificate
		presented     certList
		want          errcode.Code
		wantChain     int
		detailContain string
	}{
		{name: "sub-CA as intermediate, both CRLs current", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{rootCRL, subCRL},
			cert: leaf.Cert, wantChain: 3},
		{name: "root's CRL revokes the sub-CA", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{rootCRLRevokingSub, subCRL},
			cert: leaf.Cert, want: errcode.CertRevoked, detailContain: "Sub CA"},
		{name: "sub-CA's CRL revokes the leaf", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{rootCRL, subCRL},
			cert: revokedLeaf.Cert, want: errcode.CertRevoked},
		{name: "sub-CA presented with the message, root's CRL revokes it", roots: certList{root.Cert}, crls: crls{rootCRLRevokingSub},
			policy: certs.CRLIfPresent, cert: leaf.Cert, presented: certList{sub.Cert}, want: errcode.CertRevoked},
		{name: "sub-CA configured as a root too, root's CRL revokes it", roots: certList{root.Cert, sub.Cert}, crls: crls{rootCRLRevokingSub, subCRL},
			cert: leaf.Cert, want: errcode.CertRevoked, detailContain: "Sub CA"},
		{name: "sub-CA configured as a root too, nothing revoked", roots: certList{root.Cert, sub.Cert}, crls: crls{rootCRL, subCRL},
			cert: leaf.Cert},
		{name: "sub-CA as the only anchor, its root unknown", roots: certList{sub.Cert}, crls: crls{subCRL},
			cert: leaf.Cert, wantChain: 2},
		{name: "sub-CA's CRL missing, require", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{rootCRL},
			cert: leaf.Cert, want: errcode.CertInvalid, detailContain: "no CRL of issuer"},
		{name: "sub-CA's CRL missing, if-present", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{rootCRL},
			policy: certs.CRLIfPresent, cert: leaf.Cert, wantChain: 3},
		{name: "root's CRL missing, require", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{subCRL},
			cert: leaf.Cert, want: errcode.CertInvalid, detailContain: "Test Root"},
		{name: "root's CRL missing, if-present", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{subCRL},
			policy: certs.CRLIfPresent, cert: leaf.Cert, wantChain: 3},
		{name: "root's CRL stale", roots: certList{root.Cert}, inter: certList{sub.Cert}, crls: crls{staleRootCRL, subCRL},
			policy: certs.CRLIfPresent, cert: leaf.Cert, want: errcode.CertInvalid, detailContain: "expired at"},
		{name: "no CRL at all, require", roots: certList{root.Cert}, inter: certList{sub.Cert},
			cert: leaf.Cert, want: errcode.CertInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := certs.NewVerifier(certs.Config{Roots: tc.roots, Intermediates: tc.inter, CRLs: tc.crls, CRLPolicy: tc.policy, Clock: clock.Fixed(root.Now)})
			if err != nil {
				t.Fatal(err)
			}
			chain, err := v.Verify(tc.cert, certs.Signing, time.Time{}, tc.presented...)
			if tc.want == "" {
				wantCode(t, err, "", nil)
				if tc.wantChain != 0 && len(chain) != tc.wantChain {
					t.Errorf("chain of %d, want %d", len(chain), tc.wantChain)
				}
				// The same through the interface xml/secure consumes.
				if err := v.VerifyCert(context.Background(), tc.cert, certs.Signing, time.Time{}); tc.presented == nil && err != nil {
					t.Errorf("VerifyCert: %v", err)
				}
				return
			}
			if c, _ := errcode.Of(err); c != tc.want {
				t.Fatalf("code %q, want %s: %v", c, tc.want, err)
			}
			if !strings.Contains(err.Error(), tc.detailContain) {
				t.Errorf("error %v does not mention %q", err, tc.detailContain)
			}
		})
	}

	t.Run("an intermediate that is not a CA is refused", func(t *testing.T) {
		_, err := certs.NewVerifier(certs.Config{Roots: certList{root.Cert}, Intermediates: certList{leaf.Cert}})
		if err == nil || !strings.Contains(err.Error(), "not a CA certificate") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unknown policy is refused", func(t *testing.T) {
		if _, err := certs.NewVerifier(certs.Config{Roots: certList{root.Cert}, CRLPolicy: 7}); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("policy names", func(t *testing.T) {
		for _, p := range []certs.CRLPolicy{certs.CRLRequired, certs.CRLIfPresent} {
			var q certs.CRLPolicy
			b, _ := p.MarshalText()
			if err := q.UnmarshalText(b); err != nil || q != p {
				t.Errorf("%v: round trip gives %v, %v", p, q, err)
			}
		}
		if _, err := certs.ParseCRLPolicy("off"); err == nil {
			t.Error("\"off\" accepted")
		}
		if certs.CRLPolicy(0) != certs.CRLRequired {
			t.Error("the zero value is not fail-closed")
		}
	})
}
