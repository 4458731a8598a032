package config_test

import (
	"bufio"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/config"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name (-update rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./gateway/config -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./gateway/config -update):\n--- want\n%s--- got\n%s", path, want, got)
	}
}

// envOf reads the "# env: NAME=value" lines at the top of a test file.
func envOf(t *testing.T, path string) func(string) (string, bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "# env: ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// TestBadConfigs: every file of testdata/bad is refused by Load or
// Validate, with the error text of its golden file: each problem names its
// key and where the value came from.
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) < 15 {
		t.Fatalf("bad configs: %v %v", files, err)
	}
	abs, err := filepath.Abs("testdata/bad")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(f, envOf(t, f))
			stage := "load"
			if err == nil {
				stage = "validate"
				err = cfg.Validate()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			text := strings.ReplaceAll(err.Error(), abs, "$DIR")
			golden(t, filepath.Join("bad", name+".golden"), stage+":\n"+text+"\n")
			// Each problem is a *FieldError (a YAML syntax error or an
			// empty file is not about a key).
			var fe *config.FieldError
			if stage == "validate" && !errors.As(err, &fe) {
				t.Errorf("no *FieldError in %v", err)
			}
		})
	}
}

// TestDefaults: a file with only what has no default gets every default,
// relative paths resolve against its folder, the admin socket goes beside
// the store, and an explicit 0 or "" wins over the default.
func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base, err := os.ReadFile("testdata/bad/trust-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	minimal := strings.Replace(string(base), "  crl_policy: off\n", "", 1)
	cfg, err := config.Load(write("min.yaml", minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	want := config.Config{}
	want.SetDefaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen.transport", cfg.Listen.Transport, config.DefaultTransport},
		{"listen.intake", cfg.Listen.Intake, config.DefaultIntake},
		{"listen.metrics", cfg.Listen.Metrics, config.DefaultMetrics},
		{"listen.admin_socket", cfg.Listen.AdminSocket, filepath.Join(dir, "admin.sock")},
		{"intake.max_body", cfg.Intake.MaxBody, config.Size(20 << 20)},
		{"store.kind", cfg.Store.Kind, "bolt"},
		{"store.path", cfg.Store.Path, filepath.Join(dir, "xgate.db")},
		{"store.commit_linger", cfg.Store.CommitLinger, config.Duration(2 * time.Millisecond)},
		{"keys.signing.cert", cfg.Keys.Signing.Cert, filepath.Join(dir, "pki/abh/signing.pem")},
		{"trust.roots[0]", cfg.Trust.Roots[0], filepath.Join(dir, "pki/ca/root.pem")},
		{"trust.crl_policy", cfg.Trust.CRLPolicy, "require"},
		{"directory.reload", cfg.Directory.Reload, config.Duration(5 * time.Minute)},
		{"delivery", cfg.Delivery, want.Delivery},
		{"answers.reminders", cfg.Answers.Reminders, 2},
		{"inbox", cfg.Inbox, want.Inbox},
		{"log", cfg.Log, config.Log{Level: "info", Format: "json"}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if got := cfg.Origin("directory.file"); got != "line 18" {
		t.Errorf("origin of directory.file: %q", got)
	}

	// Explicit zero values win; an empty value keeps the default; the
	// admin socket follows the store; absolute paths stay.
	_, err = config.Load(write("zero.yaml", minimal+`answers: {reminders: 0}
listen: {metrics: ""}
store: {path: /var/lib/xgate/site.db}
delivery:
  workers:
`), nil)
	if err == nil {
		t.Fatal("listen given twice: accepted")
	}
	cfg, err = config.Load(write("zero.yaml", strings.Replace(minimal, `  intake: "127.0.0.1:8080"`, `  intake: "127.0.0.1:8080"
  metrics: ""`, 1)+`answers: {reminders: 0}
store: {path: /var/lib/xgate/site.db, commit_linger: 0s}
delivery:
  workers:
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Answers.Reminders != 0 || cfg.Listen.Metrics != "" || cfg.Delivery.Workers != 8 ||
		cfg.Store.Path != "/var/lib/xgate/site.db" || cfg.Store.CommitLinger != 0 || cfg.Listen.AdminSocket != "/var/lib/xgate/admin.sock" {
		t.Errorf("explicit values: %+v %+v %+v", cfg.Answers, cfg.Listen, cfg.Delivery)
	}
}

// TestEnvironment: the overrides replace the file's values, record their
// origin, and Summary says where they came from without printing a secret.
func TestEnvironment(t *testing.T) {
	env := map[string]string{
		config.EnvListenTransport: "0.0.0.0:9443",
		config.EnvListenIntake:    "10.1.2.3:8080",
		config.EnvIntakeToken:     "tok-0123456789abcdef-SECRET",
		config.EnvWebhookToken:    "hook-SECRET",
		config.EnvStoreDSN:        "",
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := config.Load("examples/ba.yaml", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Listen.Transport != "0.0.0.0:9443" || cfg.Listen.Intake != "10.1.2.3:8080" ||
		cfg.Intake.Token != env[config.EnvIntakeToken] || cfg.Inbox.Webhook.Token != "hook-SECRET" || cfg.Store.DSN != "" {
		t.Errorf("overrides not applied: %+v %+v %+v", cfg.Listen, cfg.Intake, cfg.Inbox)
	}
	for key, want := range map[string]string{
		"listen.transport": "$XGATE_LISTEN_TRANSPORT", "intake.token": "$XGATE_INTAKE_TOKEN",
		"listen.metrics": "line 17", "store.dsn": "",
	} {
		if got := cfg.Origin(key); got != want {
			t.Errorf("origin of %s = %q, want %q", key, got, want)
		}
	}
	abs, _ := filepath.Abs("examples")
	sum := strings.ReplaceAll(cfg.Summary(), abs, "$DIR")
	if strings.Contains(sum, "SECRET") {
		t.Errorf("summary shows a secret:\n%s", sum)
	}
	golden(t, "summary_ba_env.golden", sum)
	if len(config.Overrides()) != 5 {
		t.Errorf("overrides: %v", config.Overrides())
	}
}

// TestExamples: every role has an example; each loads and validates, names
// the kennung the development PKI gives its role, and passes CheckFiles
// when placed beside a development PKI (certstest.PKI) with the secrets
// and folders it names.
func TestExamples(t *testing.T) {
	m := certstest.PKI(t)
	files, err := filepath.Glob("examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// An example is named after its role, optionally with a variant:
	// abh.yaml, abh-postgres.yaml.
	role := func(f string) string {
		r, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".yaml"), "-")
		return r
	}
	byID := map[string]bool{}
	for _, f := range files {
		byID[role(f)] = true
	}
	for _, id := range []string{"abh", "mb", "azr", "bamf", "ba", "jc"} {
		if !byID[id] {
			t.Errorf("no example for role %s", id)
		}
	}
	site := t.TempDir()
	if err := os.Symlink(m.Dir(), filepath.Join(site, "pki")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"secrets", "data"} {
		if err := os.Mkdir(filepath.Join(site, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	certstest.WriteFile(t, filepath.Join(site, "secrets/store.dsn"), []byte("host=/run/postgresql dbname=xgate\n"), 0o600)
	certstest.WriteFile(t, filepath.Join(site, "secrets/intake.token"), []byte("0123456789abcdef0123\n"), 0o600)
	certstest.WriteFile(t, filepath.Join(site, "directory.xml"), []byte("<Directory/>"), 0o644)
	for _, f := range files {
		name, id := strings.TrimSuffix(filepath.Base(f), ".yaml"), role(f)
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			p, ok := m.ByID(id)
			if !ok || cfg.Site.Role != id || cfg.Site.Kennung != string(p.Kennung) {
				t.Errorf("site %+v, development PKI %+v", cfg.Site, p)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			copyPath := filepath.Join(site, name+".yaml")
			certstest.WriteFile(t, copyPath, data, 0o644)
			cfg, err = config.Load(copyPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := cfg.CheckFiles(); err != nil {
				t.Fatal(err)
			}
			if _, err := cfg.Verifier(nil); err != nil {
				t.Fatal(err)
			}
			if cfg.Store.Kind == config.StorePostgres {
				if dsn, err := cfg.StoreDSN(); err != nil || dsn != "host=/run/postgresql dbname=xgate" {
					t.Errorf("dsn %q %v", dsn, err)
				}
			}
			if cfg.Intake.TokenFile != "" {
				if tok, err := cfg.IntakeToken(); err != nil || tok != "0123456789abcdef0123" {
					t.Errorf("token %q %v", tok, err)
				}
			}
		})
	}
}

// TestCheckFiles: files that exist but are wrong are named by key.
func TestCheckFiles(t *testing.T) {
	m := certstest.PKI(t)
	site := t.TempDir()
	if err := os.Symlink(m.Dir(), filepath.Join(site, "pki")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("examples/bamf.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer(
		`kennung: "dbs:499990030000"`, `kennung: "dbs:499990040000"`, // the BA's kennung, the BAMF's certificate
		"encryption-key.pem", "signing-key.pem", // key does not match its certificate
		"roots: [pki/ca/root.pem]", "roots: [pki/ca/missing.pem]",
	).Replace(string(data))
	certstest.WriteFile(t, filepath.Join(site, "site.yaml"), []byte(text), 0o644)
	if err := os.Mkdir(filepath.Join(site, "secrets"), 0o755); err != nil {
		t.Fatal(err)
	}
	certstest.WriteFile(t, filepath.Join(site, "secrets/intake.token"), []byte("0123456789abcdef0123\n"), 0o644)
	cfg, err := config.Load(filepath.Join(site, "site.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckFiles()
	if err == nil {
		t.Fatal("accepted")
	}
	got := strings.ReplaceAll(strings.ReplaceAll(err.Error(), site, "$SITE"), m.Dir(), "$PKI")
	got = regexp.MustCompile(`serial [0-9A-F:]+`).ReplaceAllString(got, "serial (random)")
	golden(t, "checkfiles.golden", got+"\n")
}

// TestDurationSize: the value syntaxes.
func TestDurationSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true}, {"5m", 5 * time.Minute, true}, {"3d", 72 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true}, {"0", 0, true}, {"500ms", 500 * time.Millisecond, true},
		{"1x", 0, false}, {"5", 0, false}, {"d", 0, false}, {"99999999999d", 0, false}, {"", 0, false},
	} {
		d, err := config.ParseDuration(c.in)
		if (err == nil) != c.ok || c.ok && d.D() != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v", c.in, d, err)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 72 * time.Hour: "72h", 90 * time.Minute: "1h30m", 10 * time.Second: "10s", 0: "0s"} {
		if got := config.Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
	}
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512", 512, true}, {"64KiB", 64 << 10, true}, {"20MiB", 20 << 20, true}, {"1 GiB", 1 << 30, true},
		{"2MB", 2e6, true}, {"20 megs", 0, false}, {"-1", 0, false}, {"99999999TiB", 0, false},
	} {
		s, err := config.ParseSize(c.in)
		if (err == nil) != c.ok || c.ok && int64(s) != c.want {
			t.Errorf("ParseSize(%q) = %v, %v", c.in, s, err)
		}
	}
	if s := config.Size(20 << 20).String(); s != "20MiB" {
		t.Errorf("Size.String = %s", s)
	}
}
