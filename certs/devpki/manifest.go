package certs

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

// ManifestName is the file name of the manifest that Init writes at the
// top of a development PKI.
const ManifestName = "pki.json"

// ManifestVersion is the version of the manifest format Init writes.
const ManifestVersion = 1

// RoleTestPartner is the role of the conformance test partner in the
// development PKI. It is not a role of the message catalogue: the test
// partner answers in place of any of them.
const RoleTestPartner = kennung.RoleTest

// Identity names a participant: a short ID (its folder in the PKI), its
// role, its directory key (kennung) and its name.
type Identity struct {
	ID      string         `json:"id"`      // "abh"
	Role    catalogue.Role `json:"role"`    // "abh"
	Kennung string         `json:"kennung"` // "azr:abh-musterstadt"
	Name    string         `json:"name"`    // "Ausländerbehörde Musterstadt"
}

// DefaultParticipants returns the participants of the development PKI:
// one of each role of product.md plus the conformance test partner.
func DefaultParticipants() []Identity {
	return []Identity{
		{"abh", catalogue.RoleABH, "azr:999901", "Ausländerbehörde Musterstadt"},
		{"mb", catalogue.RoleMB, "ags:08999001", "Meldebehörde Musterstadt"},
		{"azr", catalogue.RoleAZR, "dbs:499990020000", "Bundesverwaltungsamt, Ausländerzentralregister (Test)"},
		{"bamf", catalogue.RoleBAMF, "dbs:499990030000", "Bundesamt für Migration und Flüchtlinge (Test)"},
		{"ba", catalogue.RoleBA, "dbs:499990040000", "Bundesagentur für Arbeit, ZAV (Test)"},
		{"jc", catalogue.RoleJC, "opt:99901", "Jobcenter Musterstadt"},
		{"test", RoleTestPartner, "dbs:499990990000", "xgate Konformitätstestpartner"},
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
	Identity
	Signing    Files `json:"signing"`
	Encryption Files `json:"encryption"`
	TLS        Files `json:"tls"` // serves both tls-server and tls-client
}

// Files returns the files of the key pair for purpose p (TLSServer and
// TLSClient share one).
func (p Participant) Files(pu Purpose) (Files, bool) {
	switch pu {
	case Signing:
		return p.Signing, true
	case Encryption:
		return p.Encryption, true
	case TLSServer, TLSClient:
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
		return nil, fmt.Errorf("certs: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("certs: %s: %w", filepath.Join(dir, ManifestName), err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("certs: %s: manifest version %d, want %d", filepath.Join(dir, ManifestName), m.Version, ManifestVersion)
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
func (m *Manifest) Participant(kennung string) (Participant, bool) {
	for _, p := range m.Participants {
		if p.Kennung == kennung {
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
func (m *Manifest) KeyPair(f Files) (KeyPair, error) {
	return LoadKeyPair(m.Path(f.Cert), m.Path(f.Key))
}

// Certificate loads the certificate of f.
func (m *Manifest) Certificate(f Files) (*x509.Certificate, error) {
	return LoadCertificate(m.Path(f.Cert))
}

// Verifier returns a Verifier that trusts the PKI's root and checks its
// CRL. c may be nil (the wall clock).
func (m *Manifest) Verifier(c clock.Clock) (*Verifier, error) {
	root, err := LoadCertificate(m.Path(m.Root.Cert))
	if err != nil {
		return nil, err
	}
	cfg := Config{Roots: []*x509.Certificate{root}, Clock: c}
	if m.CRL != "" {
		crls, err := LoadCRLs(m.Path(m.CRL))
		if err != nil {
			return nil, err
		}
		cfg.CRLs = crls
	}
	return NewVerifier(cfg)
}
