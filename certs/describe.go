package certs

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

// Validity states of a certificate at a point in time.
const (
	StatusValid       = "valid"
	StatusExpired     = "expired"
	StatusNotYetValid = "not-yet-valid"
)

// Description is what `xgate certs show` prints about one certificate.
type Description struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"`
	NotBefore          time.Time `json:"notBefore"`
	NotAfter           time.Time `json:"notAfter"`
	Status             string    `json:"status"`   // StatusValid, StatusExpired or StatusNotYetValid at the time asked
	DaysLeft           int       `json:"daysLeft"` // whole days until NotAfter; negative once expired
	KeyType            string    `json:"keyType"`
	KeyBits            int       `json:"keyBits,omitempty"`
	SignatureAlgorithm string    `json:"signatureAlgorithm"`
	KeyUsage           []string  `json:"keyUsage"`
	ExtKeyUsage        []string  `json:"extKeyUsage,omitempty"`
	Policies           []string  `json:"policies,omitempty"`
	IsCA               bool      `json:"isCA"`
	SelfSigned         bool      `json:"selfSigned"`
	SANs               []string  `json:"sans,omitempty"` // "DNS:localhost", "IP:127.0.0.1", "URI:…", "email:…"
	FingerprintSHA256  string    `json:"fingerprintSHA256"`
	// Purposes are those whose usage rules the certificate meets (chain,
	// validity and revocation not considered).
	Purposes []Purpose `json:"purposes"`
	// Kennung, Role and Participant identify the owner when the subject
	// follows the development PKI's scheme (serialNumber = kennung, once,
	// see KennungFromCert; OU = role; O = name); empty otherwise.
	Kennung     kennung.Kennung `json:"kennung,omitempty"`
	Role        string          `json:"role,omitempty"`
	Participant string          `json:"participant,omitempty"`
}

// Describe returns the description of c, with its status at at.
func Describe(c *x509.Certificate, at time.Time) Description {
	d := Description{
		Subject:            SubjectString(c),
		Issuer:             IssuerString(c),
		Serial:             SerialHex(c.SerialNumber),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		Status:             validity(c, at),
		DaysLeft:           int(math.Floor(c.NotAfter.Sub(at).Hours() / 24)),
		KeyType:            c.PublicKeyAlgorithm.String(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		KeyUsage:           KeyUsageNames(c.KeyUsage),
		ExtKeyUsage:        ExtKeyUsageNames(c),
		IsCA:               c.BasicConstraintsValid && c.IsCA,
		SelfSigned:         isSelfSigned(c),
		FingerprintSHA256:  Fingerprint(c),
		Purposes:           Purposes(c),
	}
	if d.KeyUsage == nil {
		d.KeyUsage = []string{}
	}
	if d.Purposes == nil {
		d.Purposes = []Purpose{}
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); ok {
		d.KeyBits = k.N.BitLen()
	}
	for _, p := range c.Policies {
		s := p.String()
		if s == OIDDirectoryPolicy {
			s += " (xgate directory authority)"
		}
		d.Policies = append(d.Policies, s)
	}
	for _, n := range c.DNSNames {
		d.SANs = append(d.SANs, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		d.SANs = append(d.SANs, "IP:"+ip.String())
	}
	for _, u := range c.URIs {
		d.SANs = append(d.SANs, "URI:"+u.String())
	}
	for _, e := range c.EmailAddresses {
		d.SANs = append(d.SANs, "email:"+e)
	}
	d.Kennung, d.Role, d.Participant = owner(c)
	return d
}

// owner reads kennung, role and name from a subject built by the
// development PKI (certs/devpki): OU the role (or "directory"), the one
// serialNumber the kennung, O the name.
func owner(c *x509.Certificate) (k kennung.Kennung, role, name string) {
	s := c.Subject
	if len(s.OrganizationalUnit) == 1 {
		if r, err := kennung.ParseRole(s.OrganizationalUnit[0]); err == nil {
			role = string(r)
		} else if s.OrganizationalUnit[0] == "directory" {
			role = "directory"
		}
	}
	if role == "" {
		return "", "", ""
	}
	k, _ = KennungFromCert(c) // "" when missing or ambiguous
	if len(s.Organization) == 1 {
		name = s.Organization[0]
	}
	if role == "directory" {
		name = s.CommonName
	}
	return k, role, name
}

func validity(c *x509.Certificate, at time.Time) string {
	switch {
	case at.Before(c.NotBefore):
		return StatusNotYetValid
	case at.After(c.NotAfter):
		return StatusExpired
	}
	return StatusValid
}

// CRLDescription is what `xgate certs show` prints about a CRL.
type CRLDescription struct {
	Issuer             string         `json:"issuer"`
	Number             string         `json:"number,omitempty"`
	ThisUpdate         time.Time      `json:"thisUpdate"`
	NextUpdate         time.Time      `json:"nextUpdate,omitzero"`
	Status             string         `json:"status"` // "current" or "stale"
	SignatureAlgorithm string         `json:"signatureAlgorithm"`
	Revoked            []RevokedEntry `json:"revoked"`
}

// RevokedEntry is one serial number listed in a CRL.
type RevokedEntry struct {
	Serial     string    `json:"serial"`
	Time       time.Time `json:"time"`
	ReasonCode int       `json:"reasonCode"`
}

// DescribeCRL returns the description of crl at time at.
func DescribeCRL(crl *x509.RevocationList, at time.Time) CRLDescription {
	d := CRLDescription{
		Issuer:             crl.Issuer.String(),
		ThisUpdate:         crl.ThisUpdate.UTC(),
		NextUpdate:         crl.NextUpdate.UTC(),
		Status:             "current",
		SignatureAlgorithm: crl.SignatureAlgorithm.String(),
		Revoked:            []RevokedEntry{},
	}
	if crl.NextUpdate.IsZero() {
		d.NextUpdate = time.Time{}
	} else if at.After(crl.NextUpdate) {
		d.Status = "stale"
	}
	if crl.Number != nil {
		d.Number = crl.Number.String()
	}
	for _, r := range crl.RevokedCertificateEntries {
		d.Revoked = append(d.Revoked, RevokedEntry{Serial: SerialHex(r.SerialNumber), Time: r.RevocationTime.UTC(), ReasonCode: r.ReasonCode})
	}
	return d
}

// FileDescription describes every certificate and CRL of one file.
type FileDescription struct {
	File         string           `json:"file"`
	Certificates []Description    `json:"certificates"`
	CRLs         []CRLDescription `json:"crls,omitempty"`
}

// DescribeFile reads a PEM (or DER) file and describes its certificates
// and CRLs at time at. A file with neither is T003.
func DescribeFile(name string, at time.Time) (*FileDescription, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	fd := &FileDescription{File: name, Certificates: []Description{}}
	cs, err := ParseCertificates(data)
	if err != nil && !errors.Is(err, ErrNoPEM) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, c := range cs {
		fd.Certificates = append(fd.Certificates, Describe(c, at))
	}
	crls, err := ParseCRLs(data)
	if err != nil && !errors.Is(err, ErrNoPEM) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, crl := range crls {
		fd.CRLs = append(fd.CRLs, DescribeCRL(crl, at))
	}
	if len(fd.Certificates) == 0 && len(fd.CRLs) == 0 {
		if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
			return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.show", Detail: name + " holds a private key, not a certificate (show the matching .pem without -key)"}
		}
		return nil, &errcode.Error{Code: errcode.CertMissing, Op: "certs.show", Detail: "no certificate or CRL in " + name}
	}
	return fd, nil
}

// sameIssuer reports whether crl was issued for certificates issued by
// the issuer of c (issuer name and, where both carry it, key identifier).
func sameIssuer(c *x509.Certificate, crl *x509.RevocationList) bool {
	if !bytes.Equal(c.RawIssuer, crl.RawIssuer) {
		return false
	}
	return len(c.AuthorityKeyId) == 0 || len(crl.AuthorityKeyId) == 0 || slices.Equal(c.AuthorityKeyId, crl.AuthorityKeyId)
}
