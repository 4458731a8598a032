package directory

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// FromPKI makes the development directory of a development PKI: every
// participant of the manifest with its signing, encryption and TLS
// certificate, the endpoint given for its kennung (each participant needs
// one), the default profile, native dialect, and what it may send from the
// catalogue: each type its role may send (From) to the roles that may
// receive it (To), and to the conformance test participant (kennung.RoleTest)
// too; the test participant may send every type to everyone. The serial is
// now in Unix seconds (a later directory has a higher one), Issued is now,
// NotAfter now + validity.
func FromPKI(m *devpki.Manifest, endpoints map[kennung.Kennung]string, validity time.Duration, now time.Time) (*Directory, error) {
	if m == nil {
		return nil, errors.New("directory: no development PKI manifest")
	}
	if validity <= 0 {
		return nil, fmt.Errorf("directory: validity %s must be positive", validity)
	}
	if now.Unix() <= 0 {
		return nil, fmt.Errorf("directory: time %s is before 1970", now)
	}
	var missing []string
	for _, p := range m.Participants {
		if endpoints[p.Kennung] == "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", p.ID, p.Kennung))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("directory: no endpoint for %s", strings.Join(missing, ", "))
	}
	for k := range endpoints {
		if _, ok := m.Participant(k); !ok {
			return nil, fmt.Errorf("directory: an endpoint for %s, which is not a participant of the PKI", k)
		}
	}
	cat := catalogue.New()
	d := &Directory{
		Serial:   uint64(now.Unix()),
		Issued:   now.UTC().Truncate(time.Second),
		NotAfter: now.Add(validity).UTC().Truncate(time.Second),
	}
	for _, mp := range m.Participants {
		p := Participant{
			Kennung:  mp.Kennung,
			Role:     mp.Role,
			Name:     mp.Name,
			Endpoint: endpoints[mp.Kennung],
			Profile:  secure.ProfileDefault,
			Sends:    permissionsOf(cat, mp.Role),
		}
		sign, err := m.Certificate(mp.Signing)
		if err != nil {
			return nil, fmt.Errorf("directory: %s: %w", mp.ID, err)
		}
		enc, err := m.Certificate(mp.Encryption)
		if err != nil {
			return nil, fmt.Errorf("directory: %s: %w", mp.ID, err)
		}
		tls, err := m.Certificate(mp.TLS)
		if err != nil {
			return nil, fmt.Errorf("directory: %s: %w", mp.ID, err)
		}
		p.Signing, p.Encryption, p.TLS = append(p.Signing, sign), append(p.Encryption, enc), append(p.TLS, tls)
		d.Participants = append(d.Participants, p)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// permissionsOf derives what role r may send from the catalogue: one
// Permission per set of recipients, types in catalogue order.
func permissionsOf(cat *catalogue.Catalogue, r kennung.Role) []Permission {
	if r == kennung.RoleTest {
		return []Permission{{Types: []string{Any}, To: []string{Any}}}
	}
	var out []Permission
	for _, t := range cat.Types() {
		if !t.SentBy(r) {
			continue
		}
		to := []string{Any}
		if t.To != nil {
			to = to[:0]
			for _, x := range t.To {
				to = append(to, string(x))
			}
			to = append(to, string(kennung.RoleTest))
		}
		i := slices.IndexFunc(out, func(p Permission) bool { return slices.Equal(p.To, to) })
		if i < 0 {
			out = append(out, Permission{To: to})
			i = len(out) - 1
		}
		out[i].Types = append(out[i].Types, t.Code)
	}
	return out
}
