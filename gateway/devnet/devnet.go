// Package devnet writes a development network into a folder: a fresh
// development PKI, one signed routing directory whose endpoints are
// loopback ports reserved for the network until Close (ports.go), and
// one configuration file per site. xgate demo runs its sites in one
// process; the end-to-end tests and xgate bench run them as separate
// xgate serve / xgate peer processes. Nothing here is for production:
// the keys are development keys.
package devnet

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/xml/kennung"
)

// SiteSpec is one site of the network.
type SiteSpec struct {
	// ID is the participant's id in the development PKI: abh, mb, azr,
	// bamf, ba, jc, test.
	ID string
	// Extra are configuration values written into the site's file on top
	// of the network's, as dotted keys ("answers.deadlines": map, …).
	Extra map[string]any
}

// Spec describes the network.
type Spec struct {
	Sites []SiteSpec
	// GenerateKey makes the PKI's keys (tests: certstest.KeyGenerator()).
	GenerateKey func(bits int) (*rsa.PrivateKey, error)
	// Progress is called after each generated key.
	Progress func(done, total int)
	// DirectoryValidity defaults to 7 days.
	DirectoryValidity time.Duration
	// Now defaults to the wall clock.
	Now time.Time
}

// Site is one site's files and addresses.
type Site struct {
	ID        string
	Identity  kennung.Identity
	Dir       string // the site's folder: config, store, socket, log
	Config    string // its configuration file
	Store     string // its bbolt store
	Log       string // where its process writes its log (by convention)
	Intake    string // base URL of the intake API, http://127.0.0.1:port
	Transport string // host:port of the mTLS endpoint
	Admin     string // unix socket of the admin API
}

// Net is a written development network.
type Net struct {
	Dir       string
	Manifest  *devpki.Manifest
	Directory string // the signed directory file
	Sites     map[string]*Site
	Order     []string // site ids as specified

	endpoints map[kennung.Kennung]string
	serial    uint64
	validity  time.Duration
	ports     *portLocks // nil: the kernel's ports (ports.go)
}

// Ports reserves k more loopback ports with the network's, given back at
// Close: for more listeners than the sites' own (a second instance of a
// site, in tests).
func (n *Net) Ports(k int) ([]int, error) {
	if n.ports == nil {
		return kernelPorts(k)
	}
	return n.ports.reserve(k)
}

// Close gives the network's ports back, so that another network may
// take them: call it once its sites have stopped. Until then, and until
// this process ends, no other development network gets them.
func (n *Net) Close() {
	if n.ports != nil {
		n.ports.release()
	}
}

// Create writes the network into dir (which must be empty or missing).
// Its ports are reserved until Close (ports.go).
func Create(ctx context.Context, dir string, spec Spec) (_ *Net, err error) {
	if len(spec.Sites) == 0 {
		return nil, errors.New("devnet: no sites")
	}
	if spec.DirectoryValidity == 0 {
		spec.DirectoryValidity = 7 * 24 * time.Hour
	}
	if spec.Now.IsZero() {
		spec.Now = time.Now()
	}
	dir, err = filepath.Abs(dir) // the configuration files name absolute paths
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	res, err := devpki.Init(ctx, filepath.Join(dir, "pki"), devpki.Options{GenerateKey: spec.GenerateKey, Progress: spec.Progress, Now: spec.Now})
	if err != nil {
		return nil, fmt.Errorf("devnet: pki: %w", err)
	}
	m := res.Manifest
	n := &Net{Dir: dir, Manifest: m, Directory: filepath.Join(dir, "directory.xml"), Sites: map[string]*Site{}}
	if r, ok := defaultRange(); ok {
		if n.ports, err = newPortLocks(defaultLockDir(), r); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				n.Close()
			}
		}()
	}
	endpoints := map[kennung.Kennung]string{}
	for _, ss := range spec.Sites {
		p, ok := m.ByID(ss.ID)
		if !ok {
			return nil, fmt.Errorf("devnet: no participant %q in the development PKI", ss.ID)
		}
		ports, err := n.Ports(2)
		if err != nil {
			return nil, err
		}
		sd := filepath.Join(dir, ss.ID)
		if err := os.MkdirAll(sd, 0o700); err != nil {
			return nil, err
		}
		s := &Site{
			ID: ss.ID, Identity: p.Identity, Dir: sd,
			Config: filepath.Join(sd, "xgate.yaml"), Store: filepath.Join(sd, "outbox.db"),
			Log: filepath.Join(sd, "xgate.log"), Admin: filepath.Join(sd, "admin.sock"),
			Intake: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), Transport: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		}
		n.Sites[ss.ID] = s
		n.Order = append(n.Order, ss.ID)
		endpoints[p.Kennung] = "https://" + s.Transport
	}
	for _, p := range m.Participants { // participants without a site: an endpoint nobody answers on
		if _, ok := endpoints[p.Kennung]; !ok {
			endpoints[p.Kennung] = "https://127.0.0.1:9"
		}
	}
	n.endpoints, n.validity = endpoints, spec.DirectoryValidity
	if err := n.writeDirectory(ctx, nil, spec.Now); err != nil {
		return nil, err
	}
	for _, ss := range spec.Sites {
		if err := n.writeConfig(ss); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// writeDirectory signs the directory of the network's endpoints, with
// override's endpoints instead where given, as the next edition.
func (n *Net) writeDirectory(ctx context.Context, override map[kennung.Kennung]string, now time.Time) error {
	eps := map[kennung.Kennung]string{}
	for k, v := range n.endpoints {
		eps[k] = v
	}
	for k, v := range override {
		eps[k] = v
	}
	d, err := directory.FromPKI(n.Manifest, eps, n.validity, now)
	if err != nil {
		return fmt.Errorf("devnet: directory: %w", err)
	}
	if d.Serial <= n.serial {
		d.Serial = n.serial + 1
	}
	n.serial = d.Serial
	unsigned, err := directory.Marshal(d)
	if err != nil {
		return err
	}
	authority, err := n.Manifest.KeyPair(n.Manifest.Directory)
	if err != nil {
		return err
	}
	signed, err := directory.Sign(ctx, unsigned, authority)
	if err != nil {
		return fmt.Errorf("devnet: sign directory: %w", err)
	}
	tmp := n.Directory + ".tmp"
	if err := os.WriteFile(tmp, signed, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, n.Directory)
}

// Redirect writes the next edition of the directory in which k's
// endpoint is endpoint (a stale or wrong entry, for the demo's trouble
// scenario); Restore writes one with the right endpoints again. Sites see
// it when they reload.
func (n *Net) Redirect(ctx context.Context, k kennung.Kennung, endpoint string) error {
	return n.writeDirectory(ctx, map[kennung.Kennung]string{k: endpoint}, time.Now())
}

// Restore writes the next edition of the directory with every endpoint
// as created.
func (n *Net) Restore(ctx context.Context) error { return n.writeDirectory(ctx, nil, time.Now()) }

// writeConfig writes one site's configuration file.
func (n *Net) writeConfig(ss SiteSpec) error {
	s := n.Sites[ss.ID]
	p, _ := n.Manifest.ByID(ss.ID)
	abs := func(rel string) string { return n.Manifest.Path(rel) }
	pair := func(pu certs.Purpose) map[string]any {
		f, _ := p.Files(pu)
		return map[string]any{"cert": abs(f.Cert), "key": abs(f.Key)}
	}
	cfg := map[string]any{
		"site": map[string]any{"kennung": string(p.Kennung), "role": string(p.Role), "name": p.Name},
		"listen": map[string]any{
			"intake": trimScheme(s.Intake), "transport": s.Transport, "admin_socket": s.Admin, "metrics": "",
		},
		"keys": map[string]any{
			"signing": pair(certs.Signing), "encryption": []any{pair(certs.Encryption)}, "tls": pair(certs.TLSServer),
		},
		"trust": map[string]any{
			"roots": []string{abs(n.Manifest.Root.Cert)}, "crls": []string{abs(n.Manifest.CRL)}, "crl_policy": "require",
		},
		"directory": map[string]any{"file": n.Directory, "reload": "1m"},
		"store":     map[string]any{"kind": "bolt", "path": s.Store},
		"delivery": map[string]any{
			"workers": 8, "timeout": "10s", "lease": "1m",
			"retry": map[string]any{"initial": "200ms", "max": "2s", "max_age": "1h"},
		},
		"log": map[string]any{"level": "info", "format": "json"},
	}
	for k, v := range ss.Extra {
		setDotted(cfg, k, v)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# %s (%s) — written by xgate's development network; development keys only.\n", p.Name, p.Role)
	return os.WriteFile(s.Config, append([]byte(head), b...), 0o600)
}

// setDotted sets cfg["a"]["b"] = v for key "a.b".
func setDotted(cfg map[string]any, key string, v any) {
	m := cfg
	for {
		i := indexDot(key)
		if i < 0 {
			m[key] = v
			return
		}
		sub, ok := m[key[:i]].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[key[:i]] = sub
		}
		m, key = sub, key[i+1:]
	}
}

func indexDot(s string) int {
	for i := range len(s) {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

func trimScheme(u string) string {
	const p = "http://"
	if len(u) > len(p) && u[:len(p)] == p {
		return u[len(p):]
	}
	return u
}

// Folder returns dir, or, when dir is "", a new temporary folder named
// with prefix that cleanup removes; cleanup does nothing for a given dir.
func Folder(dir, prefix string) (_ string, cleanup func(), _ error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return d, func() { _ = os.RemoveAll(d) }, nil
}

// Progress returns a printer of progress lines to w; nil w is silent.
func Progress(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}
