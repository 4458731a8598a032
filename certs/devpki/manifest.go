package devpki

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/kennung"
)

// ManifestName is the file name of the manifest that Init writes at the
// top of a development PKI.
const ManifestName = "pki.json"

// ManifestVersion is the version of the manifest format Init writes.
const ManifestVersion = 1

// Member is a participant of the development PKI: a short ID (its folder
// in the PKI) and who it is (xgate's one identity model, kennung.Identity:
// directory key, role, name).
type Member struct {
	ID string `json:"id"` // "abh"
	kennung.Identity
}

// DefaultParticipants returns the participants of the development PKI:
// one of each role of product.md plus the conformance test partner
// (kennung.RoleTest, which answers in place of any role).
func DefaultParticipants() []Member {
	m := func(id string, r kennung.Role, k kennung.Kennung, name string) Member {
		return Member{ID: id, Identity: kennung.Identity{Kennung: k, Role: r, Name: name}}
	}
	return []Member{
		m("abh", kennung.RoleABH, "azr:999901", "Ausländerbehörde Musterstadt"),
		m("mb", kennung.RoleMB, "ags:08999001", "Meldebehörde Musterstadt"),
		m("azr", kennung.RoleAZR, "dbs:499990020000", "Bundesverwaltungsamt, Ausländerzentralregister (Test)"),
		m("bamf", kennung.RoleBAMF, "dbs:499990030000", "Bundesamt für Migration und Flüchtlinge (Test)"),
		m("ba", kennung.RoleBA, "dbs:499990040000", "Bundesagentur für Arbeit, ZAV (Test)"),
		m("jc", kennung.RoleJC, "opt:99901", "Jobcenter Musterstadt"),
		m("test", kennung.RoleTest, "dbs:499990990000", "xgate Konformitätstestpartner"),
	}
}

// Files locates a certificate and its private key, relative to the
// manifest's folder.
type Files struct {
	Cert string `json:"cert"`
	Key  string `json:"key,omitempty"`
}

// Participant is one participant of the PKI with its three key pairs.
type Participant struct {
	Member
	Signing    Files `json:"signing"`
	Encryption Files `json:"encryption"`
	TLS        Files `json:"tls"` // serves both tls-server and tls-client
}

// Files returns the files of the key pair for purpose p (TLSServer and
// TLSClient share one).
func (p Participant) Files(pu certs.Purpose) (Files, bool) {
	switch pu {
	case certs.Signing:
		return p.Signing, true
	case certs.Encryption:
		return p.Encryption, true
	case certs.TLSServer, certs.TLSClient:
		return p.TLS, true
	}
	return Files{}, false
}

// Manifest describes a development PKI written by Init: where the root,
// its CRL, the directory authority and each participant's files are.
type Manifest struct {
	Version      int           `json:"version"`
	Created      time.Time     `json:"created"`
	Root         Files         `json:"root"`
	CRL          string        `json:"crl"`
	Directory    Files         `json:"directory"`
	Participants []Participant `json:"participants"`

	dir string
}

// LoadManifest reads dir/pki.json.
func LoadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("devpki: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("devpki: %s: %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("devpki: %s: manifest version %d, want %d", filepath.Join(dir, ManifestName), m.Version, ManifestVersion)
	}
	m.dir = dir
	return &m, nil
}

// Dir returns the folder the manifest was read from or written to.
func (m *Manifest) Dir() string { return m.dir }

// Path resolves a path of the manifest against its folder.
func (m *Manifest) Path(rel string) string {
	if rel == "" || filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(m.dir, filepath.FromSlash(rel))
}

// Participant returns the participant with the given kennung.
func (m *Manifest) Participant(k kennung.Kennung) (Participant, bool) {
	for _, p := range m.Participants {
		if p.Kennung == k {
			return p, true
		}
	}
	return Participant{}, false
}

// ByID returns the participant with the given ID ("abh", "test", …).
func (m *Manifest) ByID(id string) (Participant, bool) {
	for _, p := range m.Participants {
		if p.ID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// KeyPair loads the key pair f (key permissions checked).
func (m *Manifest) KeyPair(f Files) (certs.KeyPair, error) {
	return certs.LoadKeyPair(m.Path(f.Cert), m.Path(f.Key))
}

// Certificate loads the certificate of f.
func (m *Manifest) Certificate(f Files) (*x509.Certificate, error) {
	return certs.LoadCertificate(m.Path(f.Cert))
}

// Verifier returns a certs.Verifier that trusts the PKI's root and checks
// its CRL (certs.CRLRequired). c may be nil (the wall clock).
func (m *Manifest) Verifier(c clock.Clock) (*certs.Verifier, error) {
	root, err := certs.LoadCertificate(m.Path(m.Root.Cert))
	if err != nil {
		return nil, err
	}
	cfg := certs.Config{Roots: []*x509.Certificate{root}, Clock: c}
	if m.CRL != "" {
		crls, err := certs.LoadCRLs(m.Path(m.CRL))
		if err != nil {
			return nil, err
		}
		cfg.CRLs = crls
	}
	return certs.NewVerifier(cfg)
}
