package certs_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
)

// checkFixture writes a folder with one certificate in every state and
// returns it with the CA.
func checkFixture(t *testing.T) (string, *certstest.CA) {
	t.Helper()
	ca := certstest.NewCA(t, "Root")
	dir := t.TempDir()
	certstest.WriteFile(t, filepath.Join(dir, "ca", "root.pem"), certs.EncodeCertificates(ca.Cert), 0o644)
	certstest.WriteKeyPair(t, dir, "good", ca.Good(t, certs.Signing)) // a year left
	certstest.WriteKeyPair(t, dir, "short", ca.Issue(t, certstest.Spec{NotAfter: ca.Now.Add(10 * 24 * time.Hour)}))
	certstest.WriteKeyPair(t, dir, "expired", ca.Expired(t, certs.Encryption))
	certstest.WriteKeyPair(t, dir, "next", ca.NotYetValid(t, certs.Encryption))
	certstest.WriteKeyPair(t, dir, "sub/revoked", ca.Revoked(t, certs.TLSServer))
	certstest.WriteFile(t, filepath.Join(dir, "ca", "root.crl"), certs.EncodeCRL(ca.CRL(t).Raw), 0o644)
	return dir, ca
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir, ca := checkFixture(t)
	status := func(rep *certs.Report) map[string]string {
		m := map[string]string{}
		for _, c := range rep.Certificates {
			m[c.File] = c.Status
		}
		return m
	}
	tests := []struct {
		name     string
		within   time.Duration
		short    string
		problems int
	}{
		{"5 day window", 5 * 24 * time.Hour, certs.CheckOK, 2},
		{"30 day window", 30 * 24 * time.Hour, certs.CheckExpiring, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := certs.Check(dir, certs.CheckOptions{At: ca.Now, Within: tc.within})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"ca/root.pem":     certs.CheckOK,
				"good.pem":        certs.CheckOK,
				"short.pem":       tc.short,
				"expired.pem":     certs.CheckExpired,
				"next.pem":        certs.CheckNotYetValid,
				"sub/revoked.pem": certs.CheckRevoked,
			}
			got := status(rep)
			for f, s := range want {
				if got[f] != s {
					t.Errorf("%s: %q, want %q", f, got[f], s)
				}
			}
			if len(got) != len(want) || len(rep.Keys) != 5 || len(rep.CRLs) != 1 || rep.CRLs[0].Status != certs.CheckOK {
				t.Errorf("report: %+v", rep)
			}
			if rep.Problems != tc.problems || rep.OK() {
				t.Errorf("problems = %d, want %d", rep.Problems, tc.problems)
			}
		})
	}
	t.Run("stale CRL and open key", func(t *testing.T) {
		dir, ca := checkFixture(t)
		certstest.WriteFile(t, filepath.Join(dir, "ca", "root.crl"), certs.EncodeCRL(ca.CRLAt(t, ca.Now.AddDate(0, -2, 0), ca.Now.AddDate(0, -1, 0)).Raw), 0o644)
		certstest.WriteFile(t, filepath.Join(dir, "open-key.pem"), mustKeyPEM(t), 0o644)
		rep, err := certs.Check(dir, certs.CheckOptions{At: ca.Now, Within: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if rep.CRLs[0].Status != certs.CheckStale {
			t.Errorf("CRL: %+v", rep.CRLs[0])
		}
		open := 0
		for _, k := range rep.Keys {
			if k.Status == certs.CheckTooOpen {
				open++
				if k.File != "open-key.pem" || k.Mode != "0644" {
					t.Errorf("key: %+v", k)
				}
			}
		}
		if open != 1 {
			t.Errorf("%d open keys, want 1", open)
		}
	})
	t.Run("CRL without its issuer is not trusted", func(t *testing.T) {
		ca := certstest.NewCA(t, "Root")
		dir := t.TempDir()
		certstest.WriteKeyPair(t, dir, "revoked", ca.Revoked(t, certs.Signing))
		certstest.WriteFile(t, filepath.Join(dir, "root.crl"), certs.EncodeCRL(ca.CRL(t).Raw), 0o644)
		rep, err := certs.Check(dir, certs.CheckOptions{At: ca.Now})
		if err != nil {
			t.Fatal(err)
		}
		if rep.CRLs[0].Status != certs.CheckUnverified || rep.Certificates[0].Status != certs.CheckOK {
			t.Errorf("report: %+v", rep)
		}
	})
}

func mustKeyPEM(t *testing.T) []byte {
	t.Helper()
	b, err := certs.EncodePrivateKey(certstest.Key(t, 2048))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
