package directory

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// Namespace is the namespace of the directory document.
const Namespace = "urn:xgate:directory:1"

// Element names of the document.
const (
	elDirectory     = "Directory"
	elSerial        = "Serial"
	elIssued        = "Issued"
	elNotAfter      = "NotAfter"
	elParticipant   = "Participant"
	elKennung       = "Kennung"
	elRole          = "Role"
	elName          = "Name"
	elEndpoint      = "Endpoint"
	elDialect       = "Dialect"
	elProfile       = "Profile"
	elSigning       = "SigningCertificate"
	elEncryption    = "EncryptionCertificate"
	elTLS           = "TLSCertificate"
	elPermission    = "Permission"
	elType          = "Type"
	elTo            = "To"
	elSignature     = "Signature"
	timeFormat      = time.RFC3339
	maxParticipants = 10000
)

// ErrInvalid is wrapped by every error about the content of a directory:
// a missing or malformed field, a duplicate participant or certificate, an
// unknown element.
var ErrInvalid = errors.New("directory: invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Marshal returns d as an unsigned directory document (UTF-8, indented,
// namespace Namespace, certificates as base64 DER), after checking it as
// Verify will. Sign it with Sign.
//
//	<Directory xmlns="urn:xgate:directory:1">
//	  <Serial>7</Serial>
//	  <Issued>2026-12-01T08:00:00Z</Issued>
//	  <NotAfter>2027-01-01T08:00:00Z</NotAfter>
//	  <Participant>
//	    <Kennung>azr:999901</Kennung>
//	    <Role>abh</Role>
//	    <Name>Ausländerbehörde Musterstadt</Name>
//	    <Endpoint>https://127.0.0.1:8443</Endpoint>
//	    <Dialect>xmeld</Dialect>                       (only if not native)
//	    <Profile>default</Profile>
//	    <SigningCertificate>MII…</SigningCertificate>  (one or more, each kind)
//	    <EncryptionCertificate>MII…</EncryptionCertificate>
//	    <TLSCertificate>MII…</TLSCertificate>
//	    <Permission><Type>090001</Type>…<To>azr</To><To>test</To></Permission>
//	  </Participant>
//	</Directory>
func Marshal(d *Directory) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement(elDirectory)
	root.CreateAttr("xmlns", Namespace)
	root.CreateElement(elSerial).SetText(strconv.FormatUint(d.Serial, 10))
	root.CreateElement(elIssued).SetText(d.Issued.UTC().Format(timeFormat))
	root.CreateElement(elNotAfter).SetText(d.NotAfter.UTC().Format(timeFormat))
	for _, p := range d.Participants {
		e := root.CreateElement(elParticipant)
		e.CreateElement(elKennung).SetText(string(p.Kennung))
		e.CreateElement(elRole).SetText(string(p.Role))
		e.CreateElement(elName).SetText(p.Name)
		e.CreateElement(elEndpoint).SetText(p.Endpoint)
		if p.Dialect != "" {
			e.CreateElement(elDialect).SetText(p.Dialect)
		}
		e.CreateElement(elProfile).SetText(p.Profile.String())
		for _, l := range []struct {
			name  string
			certs []*x509.Certificate
		}{{elSigning, p.Signing}, {elEncryption, p.Encryption}, {elTLS, p.TLS}} {
			for _, c := range l.certs {
				e.CreateElement(l.name).SetText(base64.StdEncoding.EncodeToString(c.Raw))
			}
		}
		for _, perm := range p.Sends {
			pe := e.CreateElement(elPermission)
			for _, t := range perm.Types {
				pe.CreateElement(elType).SetText(t)
			}
			for _, t := range perm.To {
				pe.CreateElement(elTo).SetText(t)
			}
		}
	}
	doc.Indent(2)
	return doc.WriteToBytes()
}

// fromElement reads a directory from its root element, strictly: every
// element in Namespace, known, no attributes but namespace declarations,
// no stray text; then Validate.
func fromElement(root *etree.Element) (*Directory, error) {
	if root.Tag != elDirectory || root.NamespaceURI() != Namespace {
		return nil, invalid("the root element is {%s}%s, not {%s}%s", root.NamespaceURI(), root.Tag, Namespace, elDirectory)
	}
	if err := checkElement(root, "/"+elDirectory); err != nil {
		return nil, err
	}
	d := &Directory{}
	seen := map[string]int{}
	for _, c := range root.ChildElements() {
		path := "/" + elDirectory + "/" + c.Tag
		if err := checkElement(c, path); err != nil {
			return nil, err
		}
		seen[c.Tag]++
		var err error
		switch c.Tag {
		case elSerial:
			d.Serial, err = strconv.ParseUint(c.Text(), 10, 64)
			if err != nil {
				err = invalid("%s: %q is not a serial number", path, c.Text())
			}
		case elIssued:
			d.Issued, err = parseTime(path, c.Text())
		case elNotAfter:
			d.NotAfter, err = parseTime(path, c.Text())
		case elParticipant:
			if len(d.Participants) >= maxParticipants {
				return nil, invalid("more than %d participants", maxParticipants)
			}
			var p Participant
			p, err = participantFrom(c, fmt.Sprintf("%s[%d]", path, seen[c.Tag]))
			d.Participants = append(d.Participants, p)
		default:
			err = invalid("%s: unknown element", path)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, name := range []string{elSerial, elIssued, elNotAfter} {
		if seen[name] != 1 {
			return nil, invalid("/%s/%s: %d times, want exactly once", elDirectory, name, seen[name])
		}
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// checkElement refuses attributes other than namespace declarations, an
// element outside Namespace, and text mixed with child elements.
func checkElement(e *etree.Element, path string) error {
	if e.NamespaceURI() != Namespace {
		return invalid("%s: element in namespace %q, want %q", path, e.NamespaceURI(), Namespace)
	}
	for _, a := range e.Attr {
		if a.Space != "xmlns" && !(a.Space == "" && a.Key == "xmlns") {
			return invalid("%s: unexpected attribute %s", path, a.FullKey())
		}
	}
	if len(e.ChildElements()) > 0 {
		for _, t := range e.Child {
			if cd, ok := t.(*etree.CharData); ok && strings.TrimSpace(cd.Data) != "" {
				return invalid("%s: text between elements", path)
			}
		}
	}
	return nil
}

func parseTime(path, s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, invalid("%s: %q is not a time (RFC 3339, e.g. 2026-12-01T08:00:00Z)", path, s)
	}
	return t, nil
}

func participantFrom(e *etree.Element, path string) (Participant, error) {
	var p Participant
	seen := map[string]int{}
	for _, c := range e.ChildElements() {
		cpath := path + "/" + c.Tag
		if err := checkElement(c, cpath); err != nil {
			return p, err
		}
		seen[c.Tag]++
		if c.Tag != elPermission && len(c.ChildElements()) > 0 {
			return p, invalid("%s: unexpected child elements", cpath)
		}
		switch c.Tag {
		case elKennung:
			p.Kennung = kennung.Kennung(c.Text())
		case elRole:
			p.Role = kennung.Role(c.Text())
		case elName:
			p.Name = c.Text()
		case elEndpoint:
			p.Endpoint = c.Text()
		case elDialect:
			p.Dialect = c.Text()
		case elProfile:
			pr, err := secure.ParseProfile(c.Text())
			if err != nil || c.Text() == "" {
				return p, invalid("%s: %q is not a key-transport profile", cpath, c.Text())
			}
			p.Profile = pr
		case elSigning, elEncryption, elTLS:
			cert, err := parseCert(cpath, c.Text())
			if err != nil {
				return p, err
			}
			switch c.Tag {
			case elSigning:
				p.Signing = append(p.Signing, cert)
			case elEncryption:
				p.Encryption = append(p.Encryption, cert)
			default:
				p.TLS = append(p.TLS, cert)
			}
		case elPermission:
			perm, err := permissionFrom(c, fmt.Sprintf("%s[%d]", cpath, seen[c.Tag]))
			if err != nil {
				return p, err
			}
			p.Sends = append(p.Sends, perm)
		default:
			return p, invalid("%s: unknown element", cpath)
		}
	}
	for _, name := range []string{elKennung, elRole, elName, elEndpoint, elProfile} {
		if seen[name] != 1 {
			return p, invalid("%s/%s: %d times, want exactly once", path, name, seen[name])
		}
	}
	if seen[elDialect] > 1 {
		return p, invalid("%s/%s: %d times, want at most once", path, elDialect, seen[elDialect])
	}
	return p, nil
}

func parseCert(path, text string) (*x509.Certificate, error) {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, text)
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, invalid("%s: not base64: %v", path, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, invalid("%s: not a certificate: %v", path, err)
	}
	return c, nil
}

func permissionFrom(e *etree.Element, path string) (Permission, error) {
	var perm Permission
	for _, c := range e.ChildElements() {
		cpath := path + "/" + c.Tag
		if err := checkElement(c, cpath); err != nil {
			return perm, err
		}
		if len(c.ChildElements()) > 0 {
			return perm, invalid("%s: unexpected child elements", cpath)
		}
		switch c.Tag {
		case elType:
			perm.Types = append(perm.Types, c.Text())
		case elTo:
			perm.To = append(perm.To, c.Text())
		default:
			return perm, invalid("%s: unknown element", cpath)
		}
	}
	return perm, nil
}

var (
	typeCode    = regexp.MustCompile(`^\d{6}$`)
	dialectName = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
)

// Validate checks d as Marshal and Verify do: a serial, Issued before
// NotAfter, at least one participant; per participant a valid and unique
// kennung, a role, a name, an https endpoint (base URL), a dialect name or
// none, at least one signing, encryption and TLS certificate, each signing
// certificate naming the participant's kennung, no certificate listed for
// two participants, and well-formed permissions (type codes or *, recipients
// as kennung, role or *).
func (d *Directory) Validate() error {
	if d.Serial == 0 {
		return invalid("serial: must be 1 or more")
	}
	if d.Issued.IsZero() || d.NotAfter.IsZero() {
		return invalid("issued and not_after are required")
	}
	if !d.NotAfter.After(d.Issued) {
		return invalid("not_after %s is not after issued %s", d.NotAfter.UTC().Format(timeFormat), d.Issued.UTC().Format(timeFormat))
	}
	if len(d.Participants) == 0 {
		return invalid("no participants")
	}
	kennungen := map[kennung.Kennung]bool{}
	owner := map[[32]byte]kennung.Kennung{}
	for i := range d.Participants {
		p := &d.Participants[i]
		where := fmt.Sprintf("participant %d (%q)", i+1, p.Kennung)
		if _, err := kennung.Parse(string(p.Kennung)); err != nil {
			return invalid("%s: %v", where, err)
		}
		if kennungen[p.Kennung] {
			return invalid("%s: listed twice", where)
		}
		kennungen[p.Kennung] = true
		if _, err := kennung.ParseRole(string(p.Role)); err != nil {
			return invalid("%s: %q is not a role", where, p.Role)
		}
		if p.Name == "" || strings.IndexFunc(p.Name, unicode.IsControl) >= 0 {
			return invalid("%s: the name is empty or has a control character", where)
		}
		if err := checkEndpoint(p.Endpoint); err != nil {
			return invalid("%s: endpoint %q: %v", where, p.Endpoint, err)
		}
		if p.Dialect != "" && !dialectName.MatchString(p.Dialect) {
			return invalid("%s: dialect %q is not an adapter name", where, p.Dialect)
		}
		if _, err := secure.ParseProfile(p.Profile.String()); err != nil {
			return invalid("%s: unknown profile %d", where, p.Profile)
		}
		for _, l := range []struct {
			what  string
			certs []*x509.Certificate
		}{{"signing", p.Signing}, {"encryption", p.Encryption}, {"TLS", p.TLS}} {
			if len(l.certs) == 0 {
				return invalid("%s: no %s certificate", where, l.what)
			}
			for _, c := range l.certs {
				if c == nil {
					return invalid("%s: a %s certificate is nil", where, l.what)
				}
				fp := sha256.Sum256(c.Raw)
				if o, dup := owner[fp]; dup {
					return invalid("%s: the %s certificate %s is also listed for %s", where, l.what, certs.Label(c), o)
				}
				owner[fp] = p.Kennung
			}
		}
		for _, c := range p.Signing {
			k, err := certs.KennungFromCert(c)
			if err != nil {
				return invalid("%s: signing certificate %s: %v", where, certs.Label(c), err)
			}
			if k != p.Kennung {
				return invalid("%s: signing certificate %s names kennung %s", where, certs.Label(c), k)
			}
		}
		for j, perm := range p.Sends {
			if len(perm.Types) == 0 || len(perm.To) == 0 {
				return invalid("%s: permission %d: needs at least one type and one recipient", where, j+1)
			}
			for _, t := range perm.Types {
				if t != Any && !typeCode.MatchString(t) {
					return invalid("%s: permission %d: %q is not a message type code", where, j+1, t)
				}
			}
			for _, to := range perm.To {
				if to == Any {
					continue
				}
				if strings.Contains(to, ":") {
					if _, err := kennung.Parse(to); err != nil {
						return invalid("%s: permission %d: recipient %q: %v", where, j+1, to, err)
					}
				} else if _, err := kennung.ParseRole(to); err != nil {
					return invalid("%s: permission %d: recipient %q is not a kennung, a role or *", where, j+1, to)
				}
			}
		}
	}
	return nil
}

// checkEndpoint accepts an absolute https URL without user, query or
// fragment, with at most a path prefix.
func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "https":
		return errors.New("must be https")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("no host")
	case u.User != nil:
		return errors.New("carries a user")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return errors.New("carries a query or fragment")
	}
	return nil
}
