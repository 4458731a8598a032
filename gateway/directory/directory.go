package directory

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// Any in Permission.Types or Permission.To means every type or every
// participant.
const Any = "*"

// TransportPath is the path of the transport endpoint under a
// participant's Endpoint.
const TransportPath = "/v1/transport"

// Permission lets a participant send some message types to some
// participants.
type Permission struct {
	// Types are message type codes ("090001") or Any.
	Types []string
	// To names the recipients: kennungen ("dbs:499990020000"), role names
	// ("azr") or Any.
	To []string
}

// allows reports whether p covers typ to the participant to.
func (p Permission) allows(typ string, to *Participant) bool {
	if !slices.Contains(p.Types, typ) && !slices.Contains(p.Types, Any) {
		return false
	}
	for _, t := range p.To {
		if t == Any || t == string(to.Kennung) || t == string(to.Role) {
			return true
		}
	}
	return false
}

// Participant is one entry of the directory.
type Participant struct {
	Kennung kennung.Kennung
	Role    kennung.Role
	Name    string
	// Endpoint is the base URL of the participant's gateway,
	// "https://127.0.0.1:8443"; messages go to Endpoint + TransportPath.
	Endpoint string
	// Dialect is "" for native xgate messages, or the name of the adapter
	// that translates for this participant ("xmeld").
	Dialect string
	// Profile is the key transport senders use for this participant.
	Profile secure.Profile
	// Signing are the certificates whose signatures count as this
	// participant's; each names Kennung in its subject.
	Signing []*x509.Certificate
	// Encryption are the certificates messages to this participant are
	// encrypted for: the current one and, during a rollover, the next.
	Encryption []*x509.Certificate
	// TLS are the certificates the participant's gateway presents in
	// mutual TLS, as server and as client.
	TLS []*x509.Certificate
	// Sends says which types this participant may send to whom.
	Sends []Permission
}

// EncryptionCerts returns the encryption certificates (current and next);
// a sender picks the newest valid one (certs.Newest, secure.Seal).
func (p *Participant) EncryptionCerts() []*x509.Certificate {
	return slices.Clone(p.Encryption)
}

// TransportURL returns Endpoint + TransportPath.
func (p *Participant) TransportURL() string {
	return trimSlash(p.Endpoint) + TransportPath
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// HasTLSCert reports whether c is one of the participant's TLS
// certificates, byte for byte.
func (p *Participant) HasTLSCert(c *x509.Certificate) bool { return hasCert(p.TLS, c) }

// HasSigningCert reports whether c is one of the participant's signing
// certificates, byte for byte.
func (p *Participant) HasSigningCert(c *x509.Certificate) bool { return hasCert(p.Signing, c) }

func hasCert(list []*x509.Certificate, c *x509.Certificate) bool {
	if c == nil {
		return false
	}
	for _, x := range list {
		if bytes.Equal(x.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// MaySend reports whether the participant may send a message of type typ
// to the participant to.
func (p *Participant) MaySend(typ string, to *Participant) bool {
	if to == nil {
		return false
	}
	for _, perm := range p.Sends {
		if perm.allows(typ, to) {
			return true
		}
	}
	return false
}

// Directory is the routing directory: who the participants are, where they
// listen, their certificates and what each may send to whom. Verify returns
// one; it is not changed afterwards and is safe for concurrent reading.
type Directory struct {
	// Serial numbers the directory's editions; a newer edition has a
	// higher serial, and a Source refuses to go back.
	Serial uint64
	// Issued is when the edition was made; NotAfter is when it stops
	// being trusted.
	Issued, NotAfter time.Time
	Participants     []Participant
	// Authority is the certificate that signed the directory (set by
	// Verify, not marshalled).
	Authority *x509.Certificate
}

// Lookup returns the participant with kennung k.
func (d *Directory) Lookup(k kennung.Kennung) (*Participant, bool) {
	for i := range d.Participants {
		if d.Participants[i].Kennung == k {
			return &d.Participants[i], true
		}
	}
	return nil, false
}

// OpAuthorize is the Op of Authorize's errors.
const OpAuthorize = "authorize"

// Authorize decides whether sender may send a message of type typ to
// recipient. Its errors are *errcode.Error values: T070 (sender not
// authorised) for a sender not in the directory or a type the sender may
// not send to that recipient, T080 (wrong recipient) for a recipient not in
// the directory.
func (d *Directory) Authorize(sender, recipient kennung.Kennung, typ string) error {
	s, ok := d.Lookup(sender)
	if !ok {
		return errcode.New(errcode.SenderNotAuthorised, OpAuthorize,
			fmt.Sprintf("sender %q is not in the routing directory (serial %d)", sender, d.Serial))
	}
	r, ok := d.Lookup(recipient)
	if !ok {
		return errcode.New(errcode.WrongRecipient, OpAuthorize,
			fmt.Sprintf("recipient %q is not in the routing directory (serial %d)", recipient, d.Serial))
	}
	if !s.MaySend(typ, r) {
		return errcode.New(errcode.SenderNotAuthorised, OpAuthorize,
			fmt.Sprintf("%s (%s) may not send type %q to %s (%s) (directory serial %d)", s.Kennung, s.Role, typ, r.Kennung, r.Role, d.Serial))
	}
	return nil
}
