package live

import (
	"fmt"
	"net/url"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/xml/kennung"
)

// PartyFromPKI returns the participant p of a development PKI as a Party.
func PartyFromPKI(m *devpki.Manifest, p devpki.Participant) (Party, error) {
	sig, err := m.KeyPair(p.Signing)
	if err != nil {
		return Party{}, fmt.Errorf("live: %s signing: %w", p.ID, err)
	}
	tls, err := m.KeyPair(p.TLS)
	if err != nil {
		return Party{}, fmt.Errorf("live: %s tls: %w", p.ID, err)
	}
	return Party{Identity: p.Identity, Signing: sig, TLS: tls}, nil
}

// OthersFromPKI returns every participant of the PKI but the ones named
// in skip, as Parties.
func OthersFromPKI(m *devpki.Manifest, skip ...kennung.Kennung) ([]Party, error) {
	var out []Party
next:
	for _, p := range m.Participants {
		for _, k := range skip {
			if p.Kennung == k {
				continue next
			}
		}
		party, err := PartyFromPKI(m, p)
		if err != nil {
			return nil, err
		}
		out = append(out, party)
	}
	return out, nil
}

// CAFromPKI returns the development PKI's root CA key pair.
func CAFromPKI(m *devpki.Manifest) (certs.KeyPair, error) {
	return m.KeyPair(m.Root)
}

// SiteConfig is the configuration of the runner's gateway as participant
// p of a development PKI: its keys, the PKI's root and CRL, the signed
// directory file, and the transport listener at listen (host:port: the
// runner's endpoint in that directory). The Listener replaces the store.
func SiteConfig(m *devpki.Manifest, p devpki.Participant, directoryFile, listen string) (*config.Config, error) {
	pair := func(pu certs.Purpose) config.KeyPair {
		f, _ := p.Files(pu)
		kp := config.KeyPair{Cert: m.Path(f.Cert)}
		if f.Key != "" {
			kp.Key = m.Path(f.Key)
		}
		return kp
	}
	c := &config.Config{
		Site:      config.Site{Kennung: string(p.Kennung), Role: string(p.Role), Name: p.Name},
		Listen:    config.Listen{Transport: listen, Intake: "127.0.0.1:0", Metrics: ""},
		Keys:      config.Keys{Signing: pair(certs.Signing), Encryption: []config.KeyPair{pair(certs.Encryption)}, TLS: pair(certs.TLSServer)},
		Trust:     config.Trust{Roots: []string{m.Path(m.Root.Cert)}, CRLs: []string{m.Path(m.CRL)}, CRLPolicy: "require"},
		Directory: config.Directory{File: directoryFile},
		Store:     config.Store{Kind: config.StoreBolt, Path: "unused.db"},
		Log:       config.Log{Level: "warn", Format: "json"},
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// HostPort returns the host:port of an https endpoint URL.
func HostPort(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("live: %q is not an https endpoint", endpoint)
	}
	if u.Port() == "" {
		return u.Host + ":443", nil
	}
	return u.Host, nil
}
