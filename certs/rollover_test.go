package certs_test

import (
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/xml/errcode"
)

func TestNewest(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root")
	now := ca.Now
	span := func(from, to time.Duration) *x509.Certificate {
		return ca.Issue(t, certstest.Spec{Purpose: certs.Encryption, NotBefore: now.Add(from), NotAfter: now.Add(to)}).Cert
	}
	day := 24 * time.Hour
	old := span(-400*day, 30*day)     // current, ends soon
	next := span(-1*day, 700*day)     // next, already valid: newest valid
	future := span(10*day, 800*day)   // not yet valid
	expired := span(-900*day, -1*day) // gone

	tests := []struct {
		name string
		cs   []*x509.Certificate
		at   time.Time
		want *x509.Certificate
		code errcode.Code
	}{
		{"newest valid wins", []*x509.Certificate{old, future, next, expired}, now, next, ""},
		{"order does not matter", []*x509.Certificate{next, old}, now, next, ""},
		{"before next starts", []*x509.Certificate{old, next}, now.Add(-2 * day), old, ""},
		{"future becomes newest", []*x509.Certificate{old, next, future}, now.Add(20 * day), future, ""},
		{"none valid", []*x509.Certificate{expired, future}, now, nil, errcode.CertExpired},
		{"empty", nil, now, nil, errcode.CertMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := certs.Newest(tc.cs, tc.at)
			if tc.code != "" {
				if c, _ := errcode.Of(err); c != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("Newest = %v, %v", got.NotBefore, err)
			}
		})
	}
}

func TestNewestValid(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root")
	current := ca.Issue(t, certstest.Spec{Purpose: certs.Encryption, NotBefore: ca.Now.AddDate(0, -6, 0)}).Cert
	newer := ca.Revoked(t, certs.Encryption).Cert // newest, but revoked
	v := ca.Verifier(t)
	got, err := v.NewestValid([]*x509.Certificate{current, newer}, certs.Encryption, time.Time{})
	if err != nil || !got.Equal(current) {
		t.Fatalf("NewestValid = %v, %v", got, err)
	}
	_, err = v.NewestValid([]*x509.Certificate{newer}, certs.Encryption, time.Time{})
	if c, _ := errcode.Of(err); c != errcode.CertRevoked {
		t.Errorf("only a revoked one: err = %v", err)
	}
	if _, err := v.NewestValid(nil, certs.Encryption, time.Time{}); !isCode(err, errcode.CertMissing) {
		t.Errorf("none: err = %v", err)
	}
}

func TestValidKeyPairs(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root")
	old := ca.Issue(t, certstest.Spec{Purpose: certs.Encryption, NotBefore: ca.Now.AddDate(0, -6, 0)})
	cur := ca.Good(t, certs.Encryption)
	gone := ca.Expired(t, certs.Encryption)
	soon := ca.NotYetValid(t, certs.Encryption)

	var got []*x509.Certificate
	for kp := range certs.ValidKeyPairs([]certs.KeyPair{old, gone, soon, cur, {}}, ca.Now) {
		got = append(got, kp.Cert)
	}
	want := []*x509.Certificate{cur.Cert, old.Cert}
	if !slices.EqualFunc(got, want, (*x509.Certificate).Equal) {
		t.Fatalf("got %d pairs, want current then old", len(got))
	}
	// Stopping early works.
	n := 0
	for range certs.ValidKeyPairs([]certs.KeyPair{old, cur}, ca.Now) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break: %d iterations", n)
	}
}

func isCode(err error, c errcode.Code) bool { got, ok := errcode.Of(err); return ok && got == c }
