package certs

import (
	"crypto/x509"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/xgate/xgate/xml/errcode"
)

// byNewest returns cs sorted newest first: latest NotBefore, then latest
// NotAfter. cs is not modified.
func byNewest(cs []*x509.Certificate) []*x509.Certificate {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b *x509.Certificate) int {
		if c := b.NotBefore.Compare(a.NotBefore); c != 0 {
			return c
		}
		return b.NotAfter.Compare(a.NotAfter)
	})
	return out
}

// Newest returns the newest certificate (latest NotBefore) among cs that
// is within its validity period at at: when the directory lists a current
// and a next encryption certificate for a partner, a sender takes this
// one. It checks time only; use Verifier.NewestValid for the full check.
// It returns T003 if cs is empty and T000 if none is valid at at.
func Newest(cs []*x509.Certificate, at time.Time) (*x509.Certificate, error) {
	var nonNil []*x509.Certificate
	for _, c := range cs {
		if c != nil {
			nonNil = append(nonNil, c)
		}
	}
	if len(nonNil) == 0 {
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.newest", Detail: "no certificate to choose from"}
	}
	for _, c := range byNewest(nonNil) {
		if checkTime(c, at) == nil {
			return c, nil
		}
	}
	return nil, &errcode.Error{Code: errcode.CertExpired, Op: "certs.newest",
		Detail: fmt.Sprintf("none of %d certificates is valid at %s", len(nonNil), stamp(at))}
}

// ValidKeyPairs yields the key pairs whose certificates are within their
// validity period at at, newest first: the receiver side of key rollover,
// which tries each of its own valid keys in turn. pairs is not modified.
func ValidKeyPairs(pairs []KeyPair, at time.Time) iter.Seq[KeyPair] {
	return func(yield func(KeyPair) bool) {
		var sorted []KeyPair
		for _, kp := range pairs {
			if kp.Cert != nil && kp.Key != nil && checkTime(kp.Cert, at) == nil {
				sorted = append(sorted, kp)
			}
		}
		slices.SortStableFunc(sorted, func(a, b KeyPair) int {
			if c := b.Cert.NotBefore.Compare(a.Cert.NotBefore); c != 0 {
				return c
			}
			return b.Cert.NotAfter.Compare(a.Cert.NotAfter)
		})
		for _, kp := range sorted {
			if !yield(kp) {
				return
			}
		}
	}
}
