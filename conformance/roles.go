package conformance

import (
	"fmt"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Directory tells the role of a participant. The gateway's signed routing
// directory and the development participants (DevParticipants) both
// answer it; the role never comes from the kennung's prefix.
type Directory interface {
	// Role returns the role of the participant k, false if k is unknown.
	Role(k kennung.Kennung) (kennung.Role, bool)
}

// Participants is a Directory from a fixed table.
type Participants map[kennung.Kennung]kennung.Role

// Role implements Directory.
func (p Participants) Role(k kennung.Kennung) (kennung.Role, bool) {
	r, ok := p[k]
	return r, ok
}

// DevParticipants returns the participants of the development PKI
// (devpki.DefaultParticipants): the directory the shipped vectors are
// written for. The conformance test partner (kennung.RoleTest) may send
// and receive every type.
func DevParticipants() Participants {
	p := Participants{}
	for _, m := range devpki.DefaultParticipants() {
		p[m.Kennung] = m.Role
	}
	return p
}

// CheckRoles applies the directory's rule to a parsed message of type t,
// as the gateway does before it hands a message over:
//
//   - T070 (Absender nicht berechtigt): autor is not in the directory, or
//     its role may not send t, or leser's role may not receive t;
//   - T080 (falscher Empfänger): leser is not in the directory.
//
// A participant of role test may send and receive every type. Kennungen
// that are not syntactically valid are left to the schema (X001), and
// types the catalogue does not know to the version and schema stages.
// The findings carry no rule id: the gateway's Rückweisung carries none.
func CheckRoles(m *message.Message, t catalogue.Type, dir Directory) []*errcode.Error {
	if m == nil || t.Code == "" || dir == nil {
		return nil
	}
	h := m.Header()
	var out []*errcode.Error
	find := func(party string) *etree.Element {
		if e := m.Root.FindElement("./nachrichtenkopf.g2g/" + party + "/kennung"); e != nil {
			return e
		}
		return m.Root
	}
	finding := func(c errcode.Code, party, detail string) {
		e := find(party)
		out = append(out, &errcode.Error{Code: c, Op: "authorize", Detail: detail, Line: m.Line(e), Path: message.Path(e)})
	}
	if k, err := kennung.Parse(h.Autor.Kennung); err == nil {
		switch r, ok := dir.Role(k); {
		case !ok:
			finding(errcode.SenderNotAuthorised, "autor", fmt.Sprintf("sender %s is not in the directory", k))
		case r != kennung.RoleTest && !t.SentBy(r):
			finding(errcode.SenderNotAuthorised, "autor", fmt.Sprintf("sender %s has role %s; %s is sent by %s", k, r, t.Code, roleNames(t.From)))
		}
	}
	if k, err := kennung.Parse(h.Leser.Kennung); err == nil {
		switch r, ok := dir.Role(k); {
		case !ok:
			finding(errcode.WrongRecipient, "leser", fmt.Sprintf("recipient %s is not in the directory", k))
		case r != kennung.RoleTest && !t.ReceivedBy(r):
			finding(errcode.SenderNotAuthorised, "leser", fmt.Sprintf("recipient %s has role %s; %s goes to %s", k, r, t.Code, roleNames(t.To)))
		}
	}
	return out
}

func roleNames(rs []kennung.Role) string {
	if len(rs) == 0 {
		return "any role"
	}
	s := ""
	for i, r := range rs {
		if i > 0 {
			s += ", "
		}
		s += string(r)
	}
	return s
}
