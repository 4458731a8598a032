package certs

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xgate/xgate/xml/kennung"
)

// Certificate states in a Report; the ones marked * are problems.
const (
	CheckOK          = "ok"
	CheckExpiring    = "expiring"      // * NotAfter within the window
	CheckExpired     = "expired"       // *
	CheckRevoked     = "revoked"       // * listed in a verified CRL found in the folder
	CheckNotYetValid = "not-yet-valid" // not a problem: the next certificate of a rollover
	CheckStale       = "stale"         // * CRL past its NextUpdate
	CheckUnverified  = "unverified"    // * CRL whose issuer is not in the folder or whose signature fails
	CheckTooOpen     = "too-open"      // * private key readable by group or others
)

// CheckOptions configures Check.
type CheckOptions struct {
	// At is the time of the check. Defaults to time.Now().
	At time.Time
	// Within is the warning window: a certificate that runs out within
	// it is "expiring". Zero means no window: only expired certificates
	// count. (The CLI's --within defaults to 30 days.)
	Within time.Duration
}

// CertStatus is one certificate found by Check.
type CertStatus struct {
	File     string          `json:"file"`  // relative to the checked folder
	Index    int             `json:"index"` // position in the file, from 1
	Subject  string          `json:"subject"`
	Name     string          `json:"name"` // the subject's common name
	Serial   string          `json:"serial"`
	Kennung  kennung.Kennung `json:"kennung,omitempty"`
	Role     string          `json:"role,omitempty"`
	NotAfter time.Time       `json:"notAfter"`
	Status   string          `json:"status"`
	Detail   string          `json:"detail,omitempty"`
}

// CRLStatus is one CRL found by Check.
type CRLStatus struct {
	File       string    `json:"file"`
	Issuer     string    `json:"issuer"`
	IssuerName string    `json:"issuerName"` // the issuer's common name
	Number     string    `json:"number,omitempty"`
	NextUpdate time.Time `json:"nextUpdate,omitzero"`
	Revoked    int       `json:"revoked"` // entries listed
	Status     string    `json:"status"`
	Detail     string    `json:"detail,omitempty"`
}

// KeyStatus is one private key file found by Check.
type KeyStatus struct {
	File   string `json:"file"`
	Mode   string `json:"mode"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Report is the result of Check.
type Report struct {
	Dir          string        `json:"dir"`
	At           time.Time     `json:"at"`
	Within       time.Duration `json:"-"`
	WithinText   string        `json:"within"`
	Certificates []CertStatus  `json:"certificates"`
	CRLs         []CRLStatus   `json:"crls"`
	Keys         []KeyStatus   `json:"keys"`
	Problems     int           `json:"problems"`
}

// OK reports whether the check found no problem.
func (r *Report) OK() bool { return r.Problems == 0 }

// found is one certificate with where it was found.
type found struct {
	cert  *x509.Certificate
	file  string
	index int
}

// Check walks dir and reports every certificate (expired, expiring within
// opts.Within, revoked by a CRL found in dir whose issuer certificate is
// also in dir and verifies it), every CRL (stale, unverified)
// and every private key file whose permissions are too open. It reads
// *.pem, *.crt, *.cer, *.der, *.crl and *.key files.
func Check(dir string, opts CheckOptions) (*Report, error) {
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	if opts.Within < 0 {
		return nil, errors.New("certs: CheckOptions.Within must not be negative")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("certs: %s is not a directory", dir)
	}
	rep := &Report{Dir: dir, At: opts.At.UTC(), Within: opts.Within, WithinText: opts.Within.String(),
		Certificates: []CertStatus{}, CRLs: []CRLStatus{}, Keys: []KeyStatus{}}

	var (
		certs   []found
		crls    []*x509.RevocationList
		crlFile []string
	)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.Type().IsRegular() || !slices.Contains(certExts, ext) && ext != ".key" {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if hasPrivateKey(data) || ext == ".key" {
			rep.Keys = append(rep.Keys, keyStatus(p, rel))
			return nil
		}
		cs, _ := ParseCertificates(data)
		for i, c := range cs {
			certs = append(certs, found{c, rel, i + 1})
		}
		cl, _ := ParseCRLs(data)
		for _, c := range cl {
			crls = append(crls, c)
			crlFile = append(crlFile, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}

	// CRLs count only when an issuer certificate in the folder verifies them.
	var cas []*x509.Certificate
	for _, f := range certs {
		if f.cert.BasicConstraintsValid && f.cert.IsCA {
			cas = append(cas, f.cert)
		}
	}
	var trusted []*x509.RevocationList
	for i, crl := range crls {
		s := CRLStatus{File: crlFile[i], Issuer: crl.Issuer.String(), IssuerName: crl.Issuer.CommonName, NextUpdate: crl.NextUpdate.UTC(),
			Revoked: len(crl.RevokedCertificateEntries), Status: CheckOK}
		if crl.Number != nil {
			s.Number = crl.Number.String()
		}
		if _, err := crlIssuer(crl, cas); err != nil {
			s.Status, s.Detail = CheckUnverified, strings.TrimPrefix(err.Error(), "certs: ")
		} else {
			trusted = append(trusted, crl)
			// CRLs are re-issued often: only a stale one is a problem, not
			// one whose next update falls within the window.
			if nu := crl.NextUpdate; !nu.IsZero() && opts.At.After(nu) {
				s.Status, s.Detail = CheckStale, "past its next update of "+stamp(nu)
			}
		}
		rep.CRLs = append(rep.CRLs, s)
	}

	for _, f := range certs {
		c := f.cert
		k, role, _ := owner(c)
		s := CertStatus{File: f.file, Index: f.index, Subject: SubjectString(c), Name: c.Subject.CommonName, Serial: SerialHex(c.SerialNumber),
			Kennung: k, Role: role, NotAfter: c.NotAfter.UTC(), Status: CheckOK}
		rev := revokedBy(c, trusted)
		switch {
		case rev != nil:
			s.Status, s.Detail = CheckRevoked, "revoked on "+stamp(rev.RevocationTime)
		case opts.At.After(c.NotAfter):
			s.Status, s.Detail = CheckExpired, "expired on "+stamp(c.NotAfter)
		case c.NotAfter.Sub(opts.At) <= opts.Within:
			s.Status, s.Detail = CheckExpiring, fmt.Sprintf("expires on %s, in %s", stamp(c.NotAfter), humanDuration(c.NotAfter.Sub(opts.At)))
		case opts.At.Before(c.NotBefore):
			s.Status, s.Detail = CheckNotYetValid, "valid from "+stamp(c.NotBefore)
		}
		rep.Certificates = append(rep.Certificates, s)
	}

	for _, s := range rep.Certificates {
		if s.Status != CheckOK && s.Status != CheckNotYetValid {
			rep.Problems++
		}
	}
	for _, s := range rep.CRLs {
		if s.Status != CheckOK {
			rep.Problems++
		}
	}
	for _, s := range rep.Keys {
		if s.Status != CheckOK {
			rep.Problems++
		}
	}
	return rep, nil
}

func hasPrivateKey(data []byte) bool {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return false
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			return true
		}
	}
}

func keyStatus(p, rel string) KeyStatus {
	s := KeyStatus{File: rel, Status: CheckOK}
	st, err := os.Stat(p)
	if err != nil {
		s.Status, s.Detail = CheckTooOpen, err.Error()
		return s
	}
	s.Mode = fmt.Sprintf("%04o", uint32(st.Mode().Perm()))
	if err := CheckKeyPermissions(p); err != nil {
		s.Status, s.Detail = CheckTooOpen, "fix: chmod 600 "+shellQuote(p)
	}
	return s
}

// revokedBy returns the entry of c in one of crls, or nil.
func revokedBy(c *x509.Certificate, crls []*x509.RevocationList) *x509.RevocationListEntry {
	for _, crl := range crls {
		if !sameIssuer(c, crl) {
			continue
		}
		for i, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return &crl.RevokedCertificateEntries[i]
			}
		}
	}
	return nil
}

// humanDuration prints d in days and hours ("12d 3h", "5h").
func humanDuration(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	if days == 0 {
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dd %dh", days, hours)
}
