package devpki

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/kennung"
)

// Options configures Init.
type Options struct {
	// Force lets Init write into a non-empty directory, replacing files
	// of the same names. Defaults to false: a non-empty directory is
	// refused with ErrDirNotEmpty.
	Force bool
	// Participants get a signing, an encryption and a TLS key pair each.
	// Defaults to DefaultParticipants().
	Participants []Member
	// Now is the creation time; certificates are valid from one hour
	// before it. Defaults to time.Now().
	Now time.Time
	// RootValidity is the lifetime of the root CA. Defaults to 10 years.
	RootValidity time.Duration
	// LeafValidity is the lifetime of every other certificate and of the
	// CRL (its NextUpdate). Defaults to 2 years.
	LeafValidity time.Duration
	// Workers is how many keys are generated at once. Defaults to
	// runtime.GOMAXPROCS(0).
	Workers int
	// GenerateKey makes one RSA key of the given size. Defaults to
	// rsa.GenerateKey with crypto/rand. Tests may hand out pre-generated
	// keys (certstest.Keys).
	GenerateKey func(bits int) (*rsa.PrivateKey, error)
	// Progress, if not nil, is called after each generated key with the
	// number done and the total, from one goroutine at a time.
	Progress func(done, total int)
}

const (
	year       = 365 * 24 * time.Hour
	backdate   = time.Hour // clock skew allowance
	keyBits    = certs.MinRSABits
	dirCA      = "ca"
	dirAuthDir = "directory"
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func (o *Options) setDefaults() {
	if o.Participants == nil {
		o.Participants = DefaultParticipants()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.RootValidity == 0 {
		o.RootValidity = 10 * year
	}
	if o.LeafValidity == 0 {
		o.LeafValidity = 2 * year
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.GenerateKey == nil {
		o.GenerateKey = func(bits int) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }
	}
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.RootValidity < 0 || o.LeafValidity < 0 || o.Workers < 0 {
		return errors.New("devpki: Options: validities and Workers must not be negative")
	}
	if o.LeafValidity > o.RootValidity {
		return errors.New("devpki: Options.LeafValidity exceeds RootValidity")
	}
	ids, kennungen := map[string]bool{}, map[kennung.Kennung]bool{}
	for _, p := range o.Participants {
		if _, err := kennung.Parse(string(p.Kennung)); err != nil {
			return fmt.Errorf("devpki: participant %s: %w", p.ID, err)
		}
		if _, err := kennung.ParseRole(string(p.Role)); err != nil {
			return fmt.Errorf("devpki: participant %s: %w", p.ID, err)
		}
		switch {
		case !idPattern.MatchString(p.ID) || p.ID == dirCA || p.ID == dirAuthDir:
			return fmt.Errorf("devpki: participant ID %q: want lower-case letters, digits and '-', not %q or %q", p.ID, dirCA, dirAuthDir)
		case ids[p.ID]:
			return fmt.Errorf("devpki: participant ID %q appears twice", p.ID)
		case kennungen[p.Kennung]:
			return fmt.Errorf("devpki: kennung %q appears twice", p.Kennung)
		case p.Name == "":
			return fmt.Errorf("devpki: participant %s: a name is required", p.ID)
		}
		ids[p.ID], kennungen[p.Kennung] = true, true
	}
	return nil
}

// ErrDirNotEmpty is returned by Init for a non-empty directory when
// Options.Force is not set.
var ErrDirNotEmpty = errors.New("devpki: directory is not empty")

// Result reports what Init wrote.
type Result struct {
	Manifest *Manifest
	Files    []string      // written files, slash-separated, relative to the folder, sorted
	Keys     int           // RSA keys generated
	Workers  int           // keys generated in parallel
	KeyGen   time.Duration // wall time of key generation
	Total    time.Duration // wall time of Init
}

// Init writes a development PKI into dir:
//
//	pki.json                       the Manifest
//	ca/root.pem, ca/root-key.pem   root CA, RSA-3072, RootValidity
//	ca/root.crl                    CRL of the root, empty, NextUpdate = LeafValidity
//	directory/signing{,-key}.pem   directory authority (purpose Directory)
//	<id>/signing{,-key}.pem        per participant: Signing,
//	<id>/encryption{,-key}.pem     Encryption,
//	<id>/tls{,-key}.pem            TLS server and client, SANs localhost, 127.0.0.1, ::1
//
// Keys are written 0600, certificates and the CRL 0644, each file by
// rename so that no half-written file is left. The kennung of a
// participant is the subject's serialNumber, its role the OU. All keys
// are RSA-3072, generated on Workers goroutines. Init refuses a non-empty
// dir unless opts.Force.
func Init(ctx context.Context, dir string, opts Options) (*Result, error) {
	start := time.Now()
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := prepareDir(dir, opts.Force); err != nil {
		return nil, err
	}

	// One key for the root, one for the directory authority, three per
	// participant.
	nKeys := 2 + 3*len(opts.Participants)
	keys, err := generateKeys(ctx, nKeys, opts)
	if err != nil {
		return nil, err
	}
	keyGen := time.Since(start)

	b := &builder{now: opts.Now, leafUntil: opts.Now.Add(opts.LeafValidity), files: map[string]file{}}
	m := &Manifest{Version: ManifestVersion, Created: opts.Now.UTC().Truncate(time.Second), dir: dir}

	root, err := b.root(keys[0], opts.Now.Add(opts.RootValidity))
	if err != nil {
		return nil, err
	}
	if m.Root, err = b.addPair(dirCA, "root", root, keys[0]); err != nil {
		return nil, err
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: opts.Now.Add(-backdate),
		NextUpdate: b.leafUntil,
	}, root, keys[0])
	if err != nil {
		return nil, fmt.Errorf("devpki: create CRL: %w", err)
	}
	m.CRL = path.Join(dirCA, "root.crl")
	b.files[m.CRL] = file{data: certs.EncodeCRL(crl), perm: 0o644}

	dirCert, err := b.leaf(root, keys[0], keys[1], certs.Directory, pkix.Name{
		Country: []string{"DE"}, Organization: []string{"xgate Entwicklungs-PKI"},
		OrganizationalUnit: []string{"directory"}, CommonName: "xgate Verzeichnisdienst",
	})
	if err != nil {
		return nil, err
	}
	if m.Directory, err = b.addPair(dirAuthDir, "signing", dirCert, keys[1]); err != nil {
		return nil, err
	}

	k := 2
	for _, id := range opts.Participants {
		p := Participant{Member: id}
		for _, pu := range []struct {
			purpose certs.Purpose
			name    string
			label   string
			files   *Files
		}{
			{certs.Signing, "signing", "Signatur", &p.Signing},
			{certs.Encryption, "encryption", "Verschlüsselung", &p.Encryption},
			{certs.TLSServer, "tls", "TLS", &p.TLS},
		} {
			c, err := b.leaf(root, keys[0], keys[k], pu.purpose, pkix.Name{
				Country: []string{"DE"}, Organization: []string{id.Name},
				OrganizationalUnit: []string{string(id.Role)}, SerialNumber: string(id.Kennung),
				CommonName: id.Name + " " + pu.label,
			})
			if err != nil {
				return nil, err
			}
			if *pu.files, err = b.addPair(id.ID, pu.name, c, keys[k]); err != nil {
				return nil, err
			}
			k++
		}
		m.Participants = append(m.Participants, p)
	}

	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("devpki: %w", err)
	}
	b.files[ManifestName] = file{data: append(mj, '\n'), perm: 0o644}
	names, err := b.write(dir)
	if err != nil {
		return nil, err
	}
	return &Result{Manifest: m, Files: names, Keys: nKeys, Workers: min(opts.Workers, nKeys), KeyGen: keyGen, Total: time.Since(start)}, nil
}

// prepareDir creates dir, or checks that it is empty unless force.
func prepareDir(dir string, force bool) error {
	ents, err := os.ReadDir(dir)
	switch {
	case err == nil && len(ents) > 0 && !force:
		return fmt.Errorf("%w: %s (use Force to overwrite)", ErrDirNotEmpty, dir)
	case err == nil:
		return nil
	case !os.IsNotExist(err):
		return fmt.Errorf("devpki: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	return nil
}

// generateKeys makes n RSA keys on opts.Workers goroutines.
func generateKeys(ctx context.Context, n int, opts Options) ([]*rsa.PrivateKey, error) {
	keys := make([]*rsa.PrivateKey, n)
	jobs := make(chan int)
	type result struct {
		i   int
		err error
	}
	results := make(chan result)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range min(opts.Workers, n) {
		wg.Go(func() {
			for i := range jobs {
				k, err := opts.GenerateKey(keyBits)
				if err == nil && k.N.BitLen() < keyBits {
					err = fmt.Errorf("generated key has %d bits, want %d", k.N.BitLen(), keyBits)
				}
				keys[i] = k
				results <- result{i, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var firstErr error
	done := 0
	for r := range results {
		if r.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("devpki: generate key: %w", r.err)
			cancel()
		}
		done++
		if opts.Progress != nil && firstErr == nil {
			opts.Progress(done, n)
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil || done < n {
		return nil, fmt.Errorf("devpki: key generation stopped after %d of %d keys: %w", done, n, context.Cause(ctx))
	}
	return keys, nil
}

type file struct {
	data []byte
	perm os.FileMode
}

// builder collects certificates and files in memory before anything is
// written.
type builder struct {
	now       time.Time
	leafUntil time.Time
	files     map[string]file // slash path → content
}

func (b *builder) root(key *rsa.PrivateKey, until time.Time) (*x509.Certificate, error) {
	t := &x509.Certificate{
		Subject: pkix.Name{
			Country: []string{"DE"}, Organization: []string{"xgate Entwicklungs-PKI"},
			CommonName: "xgate Entwicklungs-Wurzel-CA",
		},
		NotBefore:             b.now.Add(-backdate),
		NotAfter:              until,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    x509.SHA256WithRSA,
		BasicConstraintsValid: true,
	}
	certs.CA.SetUsage(t)
	return issue(t, t, &key.PublicKey, key)
}

func (b *builder) leaf(ca *x509.Certificate, caKey, key *rsa.PrivateKey, p certs.Purpose, subject pkix.Name) (*x509.Certificate, error) {
	t := &x509.Certificate{
		Subject:            subject,
		NotBefore:          b.now.Add(-backdate),
		NotAfter:           b.leafUntil,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	p.SetUsage(t)
	if p == certs.TLSServer || p == certs.TLSClient {
		t.DNSNames = []string{"localhost"}
		t.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	return issue(t, ca, &key.PublicKey, caKey)
}

// issue signs template t with parent's key and returns the parsed result.
// Serial numbers are 128 random bits.
func issue(t, parent *x509.Certificate, pub *rsa.PublicKey, signer *rsa.PrivateKey) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("devpki: serial: %w", err)
	}
	t.SerialNumber = serial.Add(serial, big.NewInt(1))
	der, err := x509.CreateCertificate(rand.Reader, t, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("devpki: create certificate %q: %w", t.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

// addPair records cert and key files under folder/name{,-key}.pem.
func (b *builder) addPair(folder, name string, c *x509.Certificate, key *rsa.PrivateKey) (Files, error) {
	f := Files{Cert: path.Join(folder, name+".pem"), Key: path.Join(folder, name+"-key.pem")}
	kp, err := certs.EncodePrivateKey(key)
	if err != nil {
		return Files{}, err
	}
	b.files[f.Cert] = file{data: certs.EncodeCertificates(c), perm: 0o644}
	b.files[f.Key] = file{data: kp, perm: 0o600}
	return f, nil
}

// write puts every file in place, keys first, the manifest last.
func (b *builder) write(dir string) ([]string, error) {
	names := make([]string, 0, len(b.files))
	for n := range b.files {
		names = append(names, n)
	}
	sort.Strings(names)
	order := slices.Clone(names)
	slices.SortStableFunc(order, func(a, c string) int {
		switch {
		case a == ManifestName:
			return 1
		case c == ManifestName:
			return -1
		}
		return 0
	})
	for _, n := range order {
		f := b.files[n]
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(n)), f.data, f.perm); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// writeFile writes data to name with exactly perm (whatever the umask or
// an existing file's mode), through a temporary file and a rename.
func writeFile(name string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("devpki: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("devpki: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("devpki: %w", err)
	}
	return nil
}
