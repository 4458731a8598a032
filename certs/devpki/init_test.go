package devpki_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/xml/kennung"
)

// realPKI is one development PKI shared by the tests of this package. It
// is made with the pre-generated keys of certstest; with
// XGATE_TEST_REAL_KEYS=1 it generates its 23 RSA-3072 keys instead (2 s on
// an idle 2-core machine, far more on a loaded one).
// TestInitGeneratesKeys covers real generation on a small PKI.
var realPKI struct {
	once sync.Once
	dir  string
	res  *devpki.Result
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realPKI.dir != "" {
		os.RemoveAll(realPKI.dir)
	}
	os.Exit(code)
}

func sharedPKI(t *testing.T) *devpki.Result {
	t.Helper()
	realPKI.once.Do(func() {
		realPKI.dir, realPKI.err = os.MkdirTemp("", "xgate-pki-")
		if realPKI.err != nil {
			return
		}
		opts := devpki.Options{GenerateKey: certstest.KeyGenerator()}
		if os.Getenv("XGATE_TEST_REAL_KEYS") != "" {
			opts.GenerateKey = nil
		}
		realPKI.res, realPKI.err = devpki.Init(context.Background(), filepath.Join(realPKI.dir, "pki"), opts)
	})
	if realPKI.err != nil {
		t.Fatal(realPKI.err)
	}
	return realPKI.res
}

func TestInit(t *testing.T) {
	t.Parallel()
	res := sharedPKI(t)
	t.Logf("Init: %d keys on %d workers: key generation %v, total %v", res.Keys, res.Workers, res.KeyGen.Round(time.Millisecond), res.Total.Round(time.Millisecond))
	m, err := devpki.LoadManifest(res.Manifest.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Keys != 23 || len(m.Participants) != 7 {
		t.Fatalf("%d keys, %d participants", res.Keys, len(m.Participants))
	}
	v, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}

	// File modes: keys 0600, everything else 0644.
	for _, f := range res.Files {
		st, err := os.Stat(m.Path(f))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if filepath.Ext(f) == ".pem" && len(f) > 8 && f[len(f)-8:] == "-key.pem" {
			want = 0o600
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", f, st.Mode().Perm(), want)
		}
	}

	root, err := certs.LoadCertificate(m.Path(m.Root.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(root, certs.CA, time.Time{}); err != nil {
		t.Errorf("root: %v", err)
	}
	if root.NotAfter.Sub(root.NotBefore) < 10*365*24*time.Hour {
		t.Errorf("root valid for %v only", root.NotAfter.Sub(root.NotBefore))
	}
	seen := map[string]bool{} // public keys: every key pair has its own
	check := func(name string, f devpki.Files, ps ...certs.Purpose) *x509.Certificate {
		t.Helper()
		kp, err := m.KeyPair(f) // also proves key matches certificate and 0600
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if kp.Key.N.BitLen() != 3072 {
			t.Errorf("%s: %d-bit key", name, kp.Key.N.BitLen())
		}
		pk := string(kp.Key.N.Bytes())
		if seen[pk] {
			t.Errorf("%s: key reused", name)
		}
		seen[pk] = true
		for _, p := range ps {
			if _, err := v.Verify(kp.Cert, p, time.Time{}); err != nil {
				t.Errorf("%s for %s: %v", name, p, err)
			}
		}
		if got := certs.Purposes(kp.Cert); !slices.Equal(got, ps) {
			t.Errorf("%s: usable for %v, want exactly %v", name, got, ps)
		}
		return kp.Cert
	}
	check("directory", m.Directory, certs.Directory)
	for _, p := range m.Participants {
		for _, c := range []*x509.Certificate{
			check(p.ID+" signing", p.Signing, certs.Signing),
			check(p.ID+" encryption", p.Encryption, certs.Encryption),
			check(p.ID+" tls", p.TLS, certs.TLSServer, certs.TLSClient),
		} {
			d := certs.Describe(c, time.Now())
			if d.Kennung != p.Kennung || d.Role != string(p.Role) || d.Participant != p.Name {
				t.Errorf("%s: subject %q tells %q/%q/%q", p.ID, c.Subject, d.Kennung, d.Role, d.Participant)
			}
		}
		tls, _ := m.KeyPair(p.TLS)
		if err := tls.Cert.VerifyHostname("localhost"); err != nil {
			t.Error(err)
		}
		for _, ip := range []string{"127.0.0.1", "::1"} {
			if !slices.ContainsFunc(tls.Cert.IPAddresses, net.ParseIP(ip).Equal) {
				t.Errorf("%s tls: no SAN %s", p.ID, ip)
			}
		}
	}
	// The participants of the brief, with their kennungen.
	want := map[kennung.Kennung]kennung.Role{
		"azr:999901": kennung.RoleABH, "ags:08999001": kennung.RoleMB, "dbs:499990020000": kennung.RoleAZR,
		"dbs:499990030000": kennung.RoleBAMF, "dbs:499990040000": kennung.RoleBA, "opt:99901": kennung.RoleJC, "dbs:499990990000": kennung.RoleTest,
	}
	for k, r := range want {
		if p, ok := m.Participant(k); !ok || p.Role != r {
			t.Errorf("participant %s: %v %v", k, p.Role, ok)
		}
	}
	// A fresh PKI has nothing to report.
	rep, err := certs.Check(m.Dir(), certs.CheckOptions{})
	if err != nil || !rep.OK() || len(rep.Certificates) != 23 || len(rep.Keys) != 23 || len(rep.CRLs) != 1 {
		t.Errorf("Check: %+v, %v", rep, err)
	}
}

// TestInitGeneratesKeys runs Init with its default key generator on one
// participant (5 keys, in parallel) and checks the keys.
func TestInitGeneratesKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("generates RSA-3072 keys")
	}
	t.Parallel()
	res, err := devpki.Init(context.Background(), t.TempDir(), devpki.Options{Participants: devpki.DefaultParticipants()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Init: %d keys on %d workers: key generation %v", res.Keys, res.Workers, res.KeyGen.Round(time.Millisecond))
	m := res.Manifest
	v, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Participants[0]
	seen := map[string]bool{}
	for _, f := range []devpki.Files{m.Root, m.Directory, p.Signing, p.Encryption, p.TLS} {
		kp, err := m.KeyPair(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := kp.Key.Validate(); err != nil || kp.Key.N.BitLen() != 3072 || seen[kp.Key.N.String()] {
			t.Errorf("%s: bad key (%v, %d bits, repeated %v)", f.Key, err, kp.Key.N.BitLen(), seen[kp.Key.N.String()])
		}
		seen[kp.Key.N.String()] = true
	}
	kp, _ := m.KeyPair(p.Signing)
	if _, err := v.Verify(kp.Cert, certs.Signing, time.Time{}); err != nil {
		t.Error(err)
	}
}

func TestInitRefusesNonEmptyDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certstest.WriteFile(t, filepath.Join(dir, "ca", "root-key.pem"), []byte("old"), 0o644)
	opts := devpki.Options{GenerateKey: certstest.KeyGenerator()}
	if _, err := devpki.Init(context.Background(), dir, opts); !errors.Is(err, devpki.ErrDirNotEmpty) {
		t.Fatalf("err = %v, want ErrDirNotEmpty", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "ca", "root-key.pem")); string(data) != "old" {
		t.Fatal("Init touched a file of a non-empty dir")
	}
	opts.Force = true
	if _, err := devpki.Init(context.Background(), dir, opts); err != nil {
		t.Fatal(err)
	}
	// Force replaced the 0644 file by a key file of mode 0600.
	if _, err := certs.LoadPrivateKey(filepath.Join(dir, "ca", "root-key.pem")); err != nil {
		t.Fatal(err)
	}
}

func TestInitOptions(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name string
		opts devpki.Options
	}{
		{"duplicate id", devpki.Options{Participants: []devpki.Member{member("a", "abh", "azr:a", "A"), member("a", "abh", "azr:b", "B")}}},
		{"duplicate kennung", devpki.Options{Participants: []devpki.Member{member("a", "abh", "azr:a", "A"), member("b", "abh", "azr:a", "B")}}},
		{"bad kennung", devpki.Options{Participants: []devpki.Member{member("a", "abh", "no prefix", "A")}}},
		{"reserved id", devpki.Options{Participants: []devpki.Member{member("ca", "abh", "azr:a", "A")}}},
		{"path in id", devpki.Options{Participants: []devpki.Member{member("../x", "abh", "azr:a", "A")}}},
		{"leaf outlives root", devpki.Options{RootValidity: time.Hour, LeafValidity: 2 * time.Hour}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.GenerateKey = certstest.KeyGenerator()
			if _, err := devpki.Init(context.Background(), t.TempDir(), tc.opts); err == nil {
				t.Error("accepted")
			}
		})
	}
	t.Run("key generation error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := devpki.Init(context.Background(), t.TempDir(), devpki.Options{GenerateKey: func(int) (*rsa.PrivateKey, error) { return nil, boom }})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		dir := filepath.Join(t.TempDir(), "pki")
		if _, err := devpki.Init(ctx, dir, devpki.Options{GenerateKey: certstest.KeyGenerator()}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, devpki.ManifestName)); err == nil {
			t.Error("a cancelled Init wrote a manifest")
		}
	})
	t.Run("progress", func(t *testing.T) {
		var calls []int
		_, err := devpki.Init(context.Background(), t.TempDir(), devpki.Options{
			GenerateKey: certstest.KeyGenerator(), Workers: 3,
			Progress: func(done, total int) { calls = append(calls, done); _ = total },
		})
		if err != nil || len(calls) != 23 || calls[22] != 23 {
			t.Errorf("progress calls %v, err %v", calls, err)
		}
	})
}

// BenchmarkInit measures the development PKI with real key generation
// (23 RSA-3072 keys on GOMAXPROCS workers).
func BenchmarkInit(b *testing.B) {
	for b.Loop() {
		if _, err := devpki.Init(context.Background(), b.TempDir(), devpki.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func member(id string, r kennung.Role, k kennung.Kennung, name string) devpki.Member {
	return devpki.Member{ID: id, Identity: kennung.Identity{Kennung: k, Role: r, Name: name}}
}
