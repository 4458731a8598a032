package certs

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
)

// Purpose is what a certificate is used for. Each purpose has its own
// KeyUsage and ExtKeyUsage rules (see the table in the package doc), so that
// the signing, encryption and TLS keys of a gateway stay separate.
type Purpose int

// The purposes.
const (
	// Signing: XML-DSig signatures on messages and receipts.
	Signing Purpose = iota + 1
	// Encryption: the RSA-OAEP key transport of XML-Enc.
	Encryption
	// TLSServer: the server side of mutual TLS.
	TLSServer
	// TLSClient: the client side of mutual TLS.
	TLSClient
	// Directory: the signature of the routing directory by the directory
	// authority.
	Directory
	// CA: a certificate authority that issues the others.
	CA
)

// AllPurposes lists the purposes in a stable order.
func AllPurposes() []Purpose {
	return []Purpose{Signing, Encryption, TLSServer, TLSClient, Directory, CA}
}

var purposeNames = map[Purpose]string{
	Signing:    "signing",
	Encryption: "encryption",
	TLSServer:  "tls-server",
	TLSClient:  "tls-client",
	Directory:  "directory",
	CA:         "ca",
}

// String returns the lower-case name: "signing", "encryption", "tls-server",
// "tls-client", "directory", "ca".
func (p Purpose) String() string {
	if s, ok := purposeNames[p]; ok {
		return s
	}
	return fmt.Sprintf("purpose(%d)", int(p))
}

// ParsePurpose is the inverse of String.
func ParsePurpose(s string) (Purpose, error) {
	for p, name := range purposeNames {
		if strings.EqualFold(s, name) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("certs: unknown purpose %q", s)
}

// MarshalText implements encoding.TextMarshaler.
func (p Purpose) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Purpose) UnmarshalText(b []byte) error {
	q, err := ParsePurpose(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// oidDocumentSigning is id-kp-documentSigning (RFC 9336), the
// ExtKeyUsage that xgate's message signing certificates carry.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// OIDDirectoryPolicy is the certificate policy that marks the directory
// authority's signing certificate: a UUID-based OID (ITU-T X.667, arc
// 2.25), which needs no registration.
const OIDDirectoryPolicy = "2.25.196596065073013610649223038553315254176.1"

// OIDDocumentSigning is the dotted form of id-kp-documentSigning (RFC 9336).
const OIDDocumentSigning = "1.3.6.1.5.5.7.3.36"

func directoryPolicy() x509.OID {
	oid, err := x509.ParseOID(OIDDirectoryPolicy)
	if err != nil {
		panic("certs: bad OIDDirectoryPolicy constant: " + err.Error()) // programmer error
	}
	return oid
}

// rule is what a purpose demands of a certificate.
type rule struct {
	need    x509.KeyUsage // every bit required
	forbid  x509.KeyUsage // none of these bits allowed
	ekuNeed bool          // an ExtKeyUsage extension must be present
	eku     []x509.ExtKeyUsage
	unkEKU  []asn1.ObjectIdentifier // accepted unknown EKUs
	ca      bool
}

func (p Purpose) rule() (rule, bool) {
	switch p {
	case Signing:
		return rule{
			need:   x509.KeyUsageDigitalSignature,
			forbid: x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			unkEKU: []asn1.ObjectIdentifier{oidDocumentSigning},
			eku:    []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		}, true
	case Encryption:
		return rule{
			need:   x509.KeyUsageKeyEncipherment,
			forbid: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			eku:    []x509.ExtKeyUsage{x509.ExtKeyUsageAny, x509.ExtKeyUsageEmailProtection},
		}, true
	case TLSServer:
		return rule{
			need:    x509.KeyUsageDigitalSignature,
			forbid:  x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			ekuNeed: true,
			eku:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}, true
	case TLSClient:
		return rule{
			need:    x509.KeyUsageDigitalSignature,
			forbid:  x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			ekuNeed: true,
			eku:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, true
	case Directory:
		return rule{
			need:   x509.KeyUsageDigitalSignature,
			forbid: x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			unkEKU: []asn1.ObjectIdentifier{oidDocumentSigning},
			eku:    []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		}, true
	case CA:
		return rule{need: x509.KeyUsageCertSign, ca: true}, true
	}
	return rule{}, false
}

// x509Usages is what x509.Verify is asked to check along the chain. The
// EKU rules of non-TLS purposes are checked on the leaf by checkUsage:
// x509.Verify defaults to serverAuth when given nothing.
func (p Purpose) x509Usages() []x509.ExtKeyUsage {
	switch p {
	case TLSServer:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case TLSClient:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	return []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
}

// SetUsage sets the KeyUsage, ExtKeyUsage, certificate policies and basic
// constraints of the template t to what Verify demands for p. Init and
// certstest use it; it is exported so that other issuers produce the same
// profile.
func (p Purpose) SetUsage(t *x509.Certificate) {
	t.ExtKeyUsage, t.UnknownExtKeyUsage, t.Policies = nil, nil, nil
	t.BasicConstraintsValid = true
	t.IsCA = false
	switch p {
	case Signing:
		t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		t.UnknownExtKeyUsage = []asn1.ObjectIdentifier{oidDocumentSigning}
	case Encryption:
		t.KeyUsage = x509.KeyUsageKeyEncipherment
	case TLSServer, TLSClient:
		// One TLS key per gateway serves both sides of mutual TLS.
		t.KeyUsage = x509.KeyUsageDigitalSignature
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	case Directory:
		t.KeyUsage = x509.KeyUsageDigitalSignature
		t.Policies = []x509.OID{directoryPolicy()}
	case CA:
		t.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		t.IsCA = true
	}
}

// checkUsage returns a plain description of why c may not be used for p,
// or "" if it may.
func checkUsage(c *x509.Certificate, p Purpose) string {
	r, ok := p.rule()
	if !ok {
		return fmt.Sprintf("unknown purpose %d", int(p))
	}
	if r.ca {
		if !c.BasicConstraintsValid || !c.IsCA {
			return "is not a CA certificate (basic constraints)"
		}
	} else if c.IsCA {
		return fmt.Sprintf("is a CA certificate and may not be used for %s", p)
	}
	if c.KeyUsage == 0 {
		return "has no KeyUsage extension; xgate requires one"
	}
	if missing := r.need &^ c.KeyUsage; missing != 0 {
		return fmt.Sprintf("KeyUsage %s lacks %s, which %s requires", keyUsageString(c.KeyUsage), keyUsageString(missing), p)
	}
	if bad := r.forbid & c.KeyUsage; bad != 0 {
		return fmt.Sprintf("KeyUsage %s includes %s, which a %s certificate must not have (key separation)", keyUsageString(c.KeyUsage), keyUsageString(bad), p)
	}
	hasEKU := len(c.ExtKeyUsage)+len(c.UnknownExtKeyUsage) > 0
	if r.ekuNeed && !hasEKU {
		return fmt.Sprintf("has no ExtKeyUsage; %s requires %s", p, ekuString(r.eku, nil))
	}
	if hasEKU && len(r.eku)+len(r.unkEKU) > 0 {
		ok := slices.ContainsFunc(c.ExtKeyUsage, func(u x509.ExtKeyUsage) bool { return slices.Contains(r.eku, u) }) ||
			slices.ContainsFunc(c.UnknownExtKeyUsage, func(o asn1.ObjectIdentifier) bool {
				return slices.ContainsFunc(r.unkEKU, o.Equal)
			})
		if !ok {
			return fmt.Sprintf("ExtKeyUsage %s does not allow %s (needs one of %s)", ekuString(c.ExtKeyUsage, c.UnknownExtKeyUsage), p, ekuString(r.eku, r.unkEKU))
		}
	}
	dir := slices.ContainsFunc(c.Policies, directoryPolicy().Equal)
	switch {
	case p == Directory && !dir:
		return "lacks the directory authority policy " + OIDDirectoryPolicy
	case p == Signing && dir:
		return "is the directory authority's certificate and may not sign messages"
	}
	return ""
}

// Purposes returns every purpose whose usage rules c meets. It does not
// check chain, validity or revocation.
func Purposes(c *x509.Certificate) []Purpose {
	var out []Purpose
	for _, p := range AllPurposes() {
		if checkUsage(c, p) == "" {
			out = append(out, p)
		}
	}
	return out
}

var keyUsageNames = []struct {
	u    x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "contentCommitment"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

// KeyUsageNames returns the RFC 5280 names of the bits set in u.
func KeyUsageNames(u x509.KeyUsage) []string {
	var out []string
	for _, n := range keyUsageNames {
		if u&n.u != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func keyUsageString(u x509.KeyUsage) string {
	if u == 0 {
		return "(none)"
	}
	return strings.Join(KeyUsageNames(u), "+")
}

var extKeyUsageNames = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "any",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

// ExtKeyUsageNames returns readable names of the extended key usages of c;
// documentSigning by name, other unknown ones as dotted OIDs.
func ExtKeyUsageNames(c *x509.Certificate) []string {
	return ekuNames(c.ExtKeyUsage, c.UnknownExtKeyUsage)
}

func ekuNames(known []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) []string {
	var out []string
	for _, u := range known {
		if n, ok := extKeyUsageNames[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku(%d)", int(u)))
		}
	}
	for _, o := range unknown {
		if o.Equal(oidDocumentSigning) {
			out = append(out, "documentSigning")
		} else {
			out = append(out, o.String())
		}
	}
	return out
}

func ekuString(known []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) string {
	n := ekuNames(known, unknown)
	if len(n) == 0 {
		return "(none)"
	}
	return strings.Join(n, "+")
}
