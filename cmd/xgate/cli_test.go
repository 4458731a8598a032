package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// verbs returns every runnable leaf command of the tree by its path
// without "xgate ", e.g. "outbox list".
func verbs(t *testing.T) map[string]*cobra.Command {
	t.Helper()
	out := map[string]*cobra.Command{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" {
				continue
			}
			if sub.HasSubCommands() {
				walk(sub)
				continue
			}
			out[strings.TrimPrefix(sub.CommandPath(), "xgate ")] = sub
		}
	}
	walk(newRootCmd(newApp(), &bytes.Buffer{}, &bytes.Buffer{}))
	return out
}

// TestHelp: every verb's --help has examples and its exit codes, every
// code it lists is one of the table's, the root's help has the table and
// the vocabulary, -v means nothing anywhere, every flag bound to an
// environment variable names it, and a flag's name means one thing: the
// same name has the same usage text wherever it appears with a variable.
func TestHelp(t *testing.T) {
	code, out, _ := runXgate(t, "", "--help")
	if code != 0 {
		t.Fatalf("xgate --help: exit %d", code)
	}
	for _, e := range exitTable() {
		if !strings.Contains(out, "  "+strconv.Itoa(e.code)+"  "+e.text) {
			t.Errorf("xgate --help lacks exit code %d", e.code)
		}
	}
	for _, v := range vocabulary() {
		if !strings.Contains(out, v.flag) || v.env != "" && !strings.Contains(out, "$"+v.env) {
			t.Errorf("xgate --help lacks the vocabulary's %s", v.flag)
		}
	}
	known := map[string]bool{}
	for _, e := range exitTable() {
		known[strconv.Itoa(e.code)] = true
	}
	usageOf := map[string]string{}
	for path, c := range verbs(t) {
		t.Run(path, func(t *testing.T) {
			code, out, errOut := runXgate(t, "", append(strings.Fields(path), "--help")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			golden(t, filepath.Join("help", strings.ReplaceAll(path, " ", "_")+".golden"), out)
			if !strings.Contains(out, "Examples:\n") || !strings.Contains(out, "\nExit codes:\n") {
				t.Errorf("--help lacks examples or exit codes:\n%s", out)
			}
			codes := strings.Fields(c.Annotations["exit_codes"])
			if len(codes) < 3 || codes[0] != "0" {
				t.Errorf("exit codes %v: want at least 0, 1 and 2", codes)
			}
			for _, k := range codes {
				if !known[k] {
					t.Errorf("exit code %s is not in the table", k)
				}
			}
			c.Flags().VisitAll(func(f *pflag.Flag) {
				if f.Shorthand == "v" {
					t.Errorf("-v is --%s here", f.Name)
				}
			})
			c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
				if f.Shorthand == "v" {
					t.Errorf("-v is --%s here", f.Name)
				}
			})
			all := pflag.NewFlagSet("", pflag.ContinueOnError)
			all.AddFlagSet(c.Flags())
			all.AddFlagSet(c.InheritedFlags())
			all.VisitAll(func(f *pflag.Flag) {
				env := f.Annotations[annEnv]
				if len(env) == 0 {
					if strings.HasPrefix(f.Name, "insecure") && strings.Contains(f.Usage, "$XGATE") {
						t.Errorf("--%s reads the environment", f.Name)
					}
					return
				}
				if !strings.Contains(out, "$"+env[0]) {
					t.Errorf("--help does not name $%s of --%s", env[0], f.Name)
				}
				if u, ok := usageOf[f.Name]; ok && f.Name != "trust" && u != f.Usage {
					t.Errorf("--%s has two meanings: %q and %q", f.Name, u, f.Usage)
				}
				usageOf[f.Name] = f.Usage
				found := false
				for _, v := range vocabulary() {
					found = found || v.env == env[0] && strings.HasPrefix(v.flag, "--"+f.Name)
				}
				if !found {
					t.Errorf("--%s ($%s) is not in the vocabulary", f.Name, env[0])
				}
			})
		})
	}
	// validate --help names its stages correctly.
	_, out, _ = runXgate(t, "", "validate", "--help")
	if !strings.Contains(out, "four stages") || !strings.Contains(out, "  4. business rules") || strings.Contains(out, "three stages") {
		t.Errorf("validate --help miscounts its stages:\n%s", out)
	}
}

// vectorFile finds the one conformance vector matching pattern below
// the vectors folder (type codes may be renumbered; file names stay).
func vectorFile(t *testing.T, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(vectors + pattern)
	if err != nil || len(m) != 1 {
		t.Fatalf("vector %s: %v %v", pattern, m, err)
	}
	return m[0]
}

// failWriter fails every write, as a closed pipe does.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("write /dev/stdout: broken pipe") }

// runCLI runs the command line with a context and a standard output of
// choice.
func runCLI(ctx context.Context, a *app, stdout interface{ Write([]byte) (int, error) }, args ...string) (int, string) {
	var errb bytes.Buffer
	code := run(ctx, a, args, strings.NewReader(""), stdout, &errb)
	return code, errb.String()
}

// TestExitCodes produces, verb by verb, every exit code the verb's help
// lists, and no verb lists a code that no case produces. A verb may have
// several cases for one code (one per flag that adds a way to it); the
// cases are in the order of the codes.
func TestExitCodes(t *testing.T) {
	t.Setenv("USER", "jdoe")
	t.Setenv(envStoreDSN, "") // --store postgres: without it is a usage error
	dir := t.TempDir()
	store := outboxFixture(t)
	damaged := filepath.Join(dir, "damaged.db")
	auditCopyFile(t, store, damaged)
	db, err := bolt.Open(damaged, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("counts")).Put([]byte("failed"), make([]byte, 8)) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	locked := filepath.Join(dir, "locked.db")
	auditCopyFile(t, store, locked)
	holder, err := boltstore.Open(context.Background(), locked, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	notStore := filepath.Join(dir, "notes.txt")
	certstest.WriteFile(t, notStore, bytes.Repeat([]byte("no store\n"), 600), 0o644)
	missing := filepath.Join(dir, "missing.db")

	af := newAuditFixture(t)
	tamperedAudit := af.tampered(t, "edited", func(t *testing.T, entries, _ *bolt.Bucket) {
		e := auditGetEntry(t, entries, 9)
		e.Actor = "mallory"
		auditPutEntry(t, entries, 9, e)
	})
	sf := newSealFiles(t)
	_, sealed, _ := runXgate(t, "", "seal", "--signing-key", sf.signKey, "--signing-cert", sf.signCert,
		"--recipient-cert", sf.encCert, "--trust", sf.ca, "--crl", sf.crl, sf.msg)
	sealedFile := sf.write(t, "sealed.xml", sealed)
	loose := filepath.Join(dir, "loose-key.pem")
	data, _ := os.ReadFile(sf.signKey)
	certstest.WriteFile(t, loose, data, 0o644)

	ca := certstest.NewCA(t, "Root")
	goodCerts := t.TempDir()
	certstest.WriteFile(t, filepath.Join(goodCerts, "root.pem"), certs.EncodeCertificates(ca.Cert), 0o644)
	certstest.WriteKeyPair(t, goodCerts, "good", ca.Good(t, certs.Signing))
	expiredCerts := t.TempDir()
	certstest.WriteKeyPair(t, expiredCerts, "old", ca.Issue(t, certstest.Spec{NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().Add(-time.Hour)}))
	notEmpty := t.TempDir()
	certstest.WriteFile(t, filepath.Join(notEmpty, "x"), []byte("x"), 0o644)

	badVectors := t.TempDir()
	if err := os.MkdirAll(filepath.Join(badVectors, "000020", "invalid"), 0o755); err != nil {
		t.Fatal(err)
	}
	valid, _ := os.ReadFile(vectorFile(t, "*/valid/quittung.xml"))
	certstest.WriteFile(t, filepath.Join(badVectors, "000020", "invalid", "X001-not-really-invalid.xml"), valid, 0o644)

	// store migrate: fresh databases when PostgreSQL is there; a server
	// that does not answer either way.
	pgOK, _ := pg.Available(t)
	migrateInto, migrateBroken := "host="+filepath.Join(dir, "no-server")+" dbname=x user=x connect_timeout=2", ""
	if pgOK {
		migrateInto, migrateBroken = pg.Database(t), pg.Database(t)
	}
	noServer := "postgres:host=" + filepath.Join(dir, "no-server") + " dbname=x user=x connect_timeout=2"
	migrateSource := filepath.Join(dir, "migrate.db")
	auditCopyFile(t, af.store, migrateSource)

	df := newDirectoryFiles(t, time.Time{})
	dirOut := filepath.Join(t.TempDir(), "directory.xml")

	quittung := vectorFile(t, "*/valid/quittung.xml")
	busy, err := net.Listen("tcp", "127.0.0.1:0") // conformance serve: the address is taken
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	const (
		plain = iota
		interrupted
		brokenPipe
		signalLater // a daemon: the signal comes while it serves
	)
	type tc struct {
		code int
		how  int
		args []string
	}
	s := func(args ...string) []string { return args }
	id := "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"
	gf := newGatewayFiles(t)
	// conformance run: the ABH's keys against the MB's gateway, in-process.
	mbSite := startInProcess(t, gf.mbConfig)
	netDir := filepath.Dir(filepath.Dir(gf.mbConfig))
	runArgs := s("--pki", filepath.Join(netDir, "pki"), "--directory", filepath.Join(netDir, "directory.xml"), "--as", "abh",
		"--type", "020101", "--kind", "receipt", "--answers", "no", "--timeout", "5s")
	cases := map[string][]tc{
		"serve": {
			{0, plain, s("--config", gf.abhConfig, "--check")},
			{1, interrupted, s("--config", gf.abhConfig, "--check")},
			{2, plain, s("--check")},
			{3, plain, s("--config", gf.badConfig, "--check")},
			{4, plain, s("--config", gf.busyConfig)},
			{4, plain, s("--config", gf.noDatabase)},
		},
		"peer": {
			{0, plain, s("--as", "mb", "--config", gf.mbConfig, "--check")},
			{1, interrupted, s("--as", "mb", "--config", gf.mbConfig, "--check")},
			{2, plain, s("--as", "azr", "--config", gf.mbConfig, "--check")},
			{3, plain, s("--as", "mb", "--config", gf.badConfig, "--check")},
			{4, plain, s("--as", "abh", "--config", gf.busyConfig)},
		},
		"send": {
			{0, plain, s("--intake", gf.intakeOK, "--to", "ags:08999001", gf.message)},
			{1, plain, s("--intake", gf.intake500, "--to", "ags:08999001", gf.message)},
			{2, plain, s("--intake", gf.intakeOK, gf.message)},
			{3, plain, s("--intake", gf.intakeOK, "--to", "dbs:499990020000", gf.message)},
			{3, plain, s("--intake", gf.intakeOK, "--to", "ags:08999001", gf.invalid)},
			{4, plain, s("--intake", gf.intakeDown, "--to", "ags:08999001", gf.message)},
		},
		"bench": {
			{0, plain, s("--binary", gf.binary(t), "--messages", "20", "--concurrency", "4")},
			{1, interrupted, s("--binary", gf.binary(t), "--messages", "20")},
			{2, plain, s("--messages", "0")},
		},
		"demo": {
			{0, plain, s("--step-timeout", "30s")},
			{1, interrupted, s()},
			{2, plain, s("--keep", dir)},
			// 3: a message would have to go astray; gateway/demo's
			// TestCoverage runs the demo's checks on broken results.
		},
		"validate": {
			{0, plain, s(quittung)},
			{1, interrupted, s(quittung)},
			{2, plain, s(filepath.Join(dir, "nope.xml"))},
			{3, plain, s(vectorFile(t, "*/invalid/X001-missing-ergebnis.xml"))},
		},
		"adapters list": {
			{0, plain, s()},
			{1, brokenPipe, s()},
			{2, plain, s("--format", "yaml")},
		},
		"translate": {
			{0, plain, s("--adapter", "jobcenter-json", quittung)},
			{1, brokenPipe, s("--adapter", "jobcenter-json", quittung)},
			{2, plain, s("--adapter", "no-such-adapter", quittung)},
			{2, plain, s("--adapter", "jobcenter-json", "--set", "colour=blue", quittung)},
			{3, plain, s("--adapter", "jobcenter-json", "--reverse", quittung)},
			{3, plain, append(append(s("--adapter", "fachverfahren-csv", "--reverse", "--out-dir", t.TempDir()), csvSettings()...), csvExport)},
		},
		"catalogue list": {
			{0, plain, s()},
			{1, brokenPipe, s()},
			{2, plain, s("--format", "yaml")},
		},
		"catalogue show": {
			{0, plain, s("020101")},
			{1, brokenPipe, s("020101")},
			{2, plain, s("999999")},
		},
		"catalogue rules": {
			{0, plain, s()},
			{1, brokenPipe, s()},
			{2, plain, s("extra")},
		},
		"conformance list": {
			{0, plain, s()},
			{1, brokenPipe, s()},
			{2, plain, s("--category", "bogus")},
		},
		"conformance check": {
			{0, plain, s()},
			{1, interrupted, s()},
			{2, plain, s(filepath.Join(dir, "nope"))},
			{3, plain, s(badVectors)},
		},
		"conformance package": {
			{0, plain, s("--out", filepath.Join(t.TempDir(), "pkg.zip"))},
			{1, plain, s("--out", notEmpty)},
			{2, plain, s()},
		},
		"conformance run": {
			{0, plain, s(append(runArgs, "--target", "https://"+mbSite.Addrs().Transport)...)},
			{1, interrupted, s(append(runArgs, "--target", "https://"+mbSite.Addrs().Transport)...)},
			{2, plain, s(runArgs...)},
			{3, plain, s(append(runArgs, "--target", "https://127.0.0.1:9", "--target-kennung", "ags:08999001")...)},
		},
		"conformance serve": {
			{0, signalLater, s("--check-only", "--listen", "127.0.0.1:0")},
			{1, plain, s("--check-only", "--listen", busy.Addr().String())},
			{2, plain, s("--listen", "127.0.0.1:0")},
			{3, plain, s("--config", gf.abhConfig, "--listen", "127.0.0.1:0", "--for", "10ms")}, // the test partner saw nothing
		},
		"certs init": {
			{0, plain, s("--workers", "2", filepath.Join(t.TempDir(), "pki"))},
			{1, plain, s(notEmpty)},
			{2, plain, s("--dir", t.TempDir())},
		},
		"certs show": {
			{0, plain, s(filepath.Join(goodCerts, "root.pem"))},
			{1, plain, s(notStore)},
			{2, plain, s(filepath.Join(dir, "nope.pem"))},
		},
		"certs check": {
			{0, plain, s("--within", "1d", goodCerts)},
			{1, brokenPipe, s("--within", "1d", goodCerts)},
			{2, plain, s(filepath.Join(dir, "nope"))},
			{3, plain, s(expiredCerts)},
		},
		"directory init": {
			{0, plain, append(s("--pki", df.pki, "--out", dirOut), df.endpoints...)},
			{1, interrupted, append(s("--pki", df.pki), df.endpoints...)},
			{1, plain, append(s("--pki", df.pki, "--out", filepath.Join(dir, "no", "such", "folder.xml")), df.endpoints...)},
			{2, plain, df.endpoints},
			{2, plain, s("--pki", df.pki, "--endpoint", "abh=https://127.0.0.1:8443")},
		},
		"directory sign": {
			{0, plain, s("--key", df.authKey, "--cert", df.authCert, df.unsigned)},
			{1, plain, s("--key", df.abhKey, "--cert", df.abhCert, df.unsigned)},
			{1, plain, s("--key", df.looseKey, "--cert", df.authCert, df.unsigned)},
			{2, plain, s("--key", df.authKey, df.unsigned)},
			{2, plain, s("--key", df.authKey, "--cert", df.authCert, filepath.Join(dir, "nope.xml"))},
			{3, plain, s("--key", df.authKey, "--cert", df.authCert, df.signed)},
			{3, plain, s("--key", df.authKey, "--cert", df.authCert, notStore)},
		},
		"directory show": {
			{0, plain, append(df.trust, df.signed)},
			{0, plain, s("--insecure", df.unsigned)},
			{1, brokenPipe, append(df.trust, df.signed)},
			{2, plain, s(df.signed)},
			{3, plain, append(df.trust, df.tampered)},
			{3, plain, s("--insecure", notStore)},
		},
		"directory verify": {
			{0, plain, append(df.trust, df.signed)},
			{1, brokenPipe, append(df.trust, df.signed)},
			{2, plain, append(df.trust, filepath.Join(dir, "nope.xml"))},
			{2, plain, s("--trust", filepath.Join(dir, "nope.pem"), df.signed)},
			{3, plain, append(df.trust, df.unsigned)},
			{3, plain, append(df.trust, df.tampered)},
			{3, plain, s("--trust", df.trust[1], df.signed)}, // no --crl: fail closed
		},
		"seal": {
			{0, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, "--crl", sf.crl, sf.msg)},
			{0, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, "--crl-policy", "if-present", sf.msg)},
			{1, plain, s("--signing-key", loose, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, "--crl", sf.crl, sf.msg)},
			{2, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, sf.msg)},
			{2, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, "--crl-policy", "off", sf.msg)},
			{2, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, "--intermediate", sf.encCert, sf.msg)},
			{3, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.otherCA, sf.msg)},
			{3, plain, s("--signing-key", sf.signKey, "--signing-cert", sf.signCert, "--recipient-cert", sf.encCert, "--trust", sf.ca, sf.msg)}, // no --crl: fail closed
		},
		"open": {
			{0, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl", sf.crl, sealedFile)},
			{0, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl-policy", "if-present", sealedFile)},
			{0, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl", sf.crl, "--expect-sender", "dbs:499990020000", "--expect-recipient", "azr:999901", sealedFile)},
			{1, plain, s("--encryption-key", loose, "--trust", sf.ca, "--crl", sf.crl, sealedFile)},
			{2, plain, s("--encryption-key", sf.encKey, sealedFile)},
			{2, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl-policy", "off", sealedFile)},
			{2, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--intermediate", sf.encCert, sealedFile)},
			{2, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl", sf.crl, "--expect-sender", "BVA", sealedFile)},
			{3, plain, s("--encryption-key", sf.encKey, "--trust", sf.otherCA, sealedFile)},
			{3, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, sealedFile)}, // no --crl: fail closed
			{3, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl", sf.crl, "--expect-sender", "dbs:499990030000", sealedFile)},
			{3, plain, s("--encryption-key", sf.encKey, "--trust", sf.ca, "--crl", sf.crl, "--expect-recipient", "azr:999902", sealedFile)},
		},
		"outbox list": {
			{0, plain, s("--store", store)},
			{1, interrupted, s("--store", store)},
			{2, plain, s("--store", missing)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms")},
		},
		"outbox show": {
			{0, plain, s("--store", store, id)},
			{1, plain, s("--store", store, "no-such-id")},
			{2, plain, s("--store", store)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms", id)},
		},
		"outbox stats": {
			{0, plain, s("--store", store)},
			{1, plain, s("--store", notStore)},
			{2, plain, s("--store", store, "--format", "xml")},
			{2, plain, s("--store", "postgres:")}, // no $XGATE_STORE_DSN
			{4, plain, s("--store", locked, "--lock-timeout", "100ms")},
			{4, plain, s("--store", noServer)},
		},
		"outbox check": {
			{0, plain, s("--store", store)},
			{1, interrupted, s("--store", store)},
			{2, plain, s("--store", store, "extra")},
			{3, plain, s("--store", damaged)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms")},
		},
		"outbox replay": {
			{0, plain, s("--store", store, "--reason", "INC-1", id)},
			{1, plain, s("--store", store, "--reason", "INC-2", "5b0c8e2a-4d7f-4e1a-9c3b-000000000001")},
			{2, plain, s("--store", store, id)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms", "--reason", "x", id)},
		},
		"outbox cancel": {
			{0, plain, s("--store", store, "--reason", "INC-3", "5b0c8e2a-4d7f-4e1a-9c3b-000000000004")},
			{1, plain, s("--store", store, "--reason", "INC-4", "5b0c8e2a-4d7f-4e1a-9c3b-000000000001")},
			{2, plain, s("--store", store, "--reason", "x")},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms", "--reason", "x", id)},
		},
		"outbox compact": {
			{0, plain, s("--store", store)},
			{1, plain, s("--store", notStore)},
			{2, plain, s("--store", store, "--server", "https://127.0.0.1:8443")},
			{2, plain, s("--store", noServer)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms")},
		},
		"audit verify": {
			{0, plain, s("--store", af.store, "--checkpoint-cert", af.cert)},
			{1, plain, s("--export", notStore, "--checkpoint-cert", af.cert)},
			{2, plain, s("--store", af.store)},
			{3, plain, s("--store", tamperedAudit, "--checkpoint-cert", af.cert)},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms", "--insecure")},
		},
		"audit export": {
			{0, plain, s("--store", af.store)},
			{1, interrupted, s("--store", af.store)},
			{2, plain, s("--store", af.store, "--format", "json")},
			{4, plain, s("--store", locked, "--lock-timeout", "100ms")},
		},
	}
	// store migrate: with PostgreSQL every code, in order; without it the
	// cases that need no database.
	var migrate []tc
	if pgOK {
		migrate = append(migrate,
			tc{0, plain, s("--from", "bolt:"+migrateSource, "--to", "postgres:"+migrateInto, "--checkpoint-cert", af.cert)},
			tc{1, plain, s("--from", "bolt:"+migrateSource, "--to", "postgres:"+migrateInto, "--checkpoint-cert", af.cert)})
	}
	migrate = append(migrate,
		tc{2, plain, s("--from", "bolt:"+migrateSource, "--to", "postgres:"+migrateInto)},
		tc{2, plain, s("--from", migrateSource, "--to", "postgres:"+migrateInto, "--insecure")})
	if pgOK {
		migrate = append(migrate,
			tc{3, plain, s("--from", "bolt:"+tamperedAudit, "--to", "postgres:"+migrateBroken, "--checkpoint-cert", af.cert)},
			tc{4, plain, s("--from", "bolt:"+locked, "--to", "postgres:"+migrateBroken, "--lock-timeout", "100ms", "--insecure")})
	}
	cases["store migrate"] = append(migrate, tc{4, plain, s("--from", "bolt:"+migrateSource, "--to", noServer, "--insecure")})
	all := verbs(t)
	for path := range all {
		if _, ok := cases[path]; !ok {
			t.Errorf("no exit-code cases for %q", path)
		}
	}
	paths := make([]string, 0, len(cases))
	for p := range cases {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			c, ok := all[path]
			if !ok {
				t.Fatalf("no verb %q", path)
			}
			var got []string
			for _, k := range cases[path] {
				ctx := context.Background()
				switch k.how {
				case interrupted:
					ctx = cancelled
				case signalLater:
					c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
					defer cancel()
					ctx = c
				}
				var out bytes.Buffer
				var w interface{ Write([]byte) (int, error) } = &out
				if k.how == brokenPipe {
					w = failWriter{}
				}
				args := append(strings.Fields(path), k.args...)
				a := newApp()
				a.generateKey = certstest.KeyGenerator() // certs init: real generation runs in TestCertsCommands
				code, errOut := runCLI(ctx, a, w, args...)
				if code != k.code {
					t.Errorf("xgate %s: exit %d, want %d\n%s", strings.Join(args, " "), code, k.code, errOut)
				}
				switch {
				case k.how == interrupted && !strings.Contains(errOut, "stopped ("):
					t.Errorf("xgate %s interrupted does not say it stopped: %s", strings.Join(args, " "), errOut)
				case k.code != 0 && errOut == "":
					t.Errorf("xgate %s: exit %d without a word on stderr", strings.Join(args, " "), code)
				}
				if !slices.Contains(got, strconv.Itoa(code)) {
					got = append(got, strconv.Itoa(code))
				}
			}
			want := strings.Fields(c.Annotations["exit_codes"])
			if path == "demo" {
				want = slices.DeleteFunc(want, func(s string) bool { return s == "3" })
			}
			if path == "store migrate" && !pgOK {
				t.Log("no PostgreSQL: store migrate's exit codes 0, 1 and 3 are not produced")
				want = slices.DeleteFunc(want, func(s string) bool { return s == "0" || s == "1" || s == "3" })
			}
			if !slices.Equal(got, want) {
				t.Errorf("exit codes produced %v, --help lists %v", got, want)
			}
		})
	}
}

// TestEnvironment: a setting comes from the flag, else the environment
// variable, else the default — the same on every verb; bad values from
// the environment are usage errors naming the variable.
func TestEnvironment(t *testing.T) {
	store := outboxFixture(t)
	other := outboxFixture(t)
	code, out, _ := runXgate(t, "", "outbox", "stats", "--store", other, "--format", "json")
	if code != 0 {
		t.Fatal(out)
	}
	t.Setenv("XGATE_STORE", store)
	t.Setenv("XGATE_FORMAT", "json")
	for _, args := range [][]string{{"outbox", "stats"}, {"outbox", "list"}, {"outbox", "check"}, {"audit", "verify", "--insecure"}} {
		code, out, errOut := runXgate(t, "", args...)
		if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "{") && !strings.HasPrefix(strings.TrimSpace(out), "[") {
			t.Errorf("%v with XGATE_STORE and XGATE_FORMAT=json: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	// The flag wins over the variable.
	if code, out, _ := runXgate(t, "", "outbox", "stats", "--format", "table"); code != 0 || !strings.Contains(out, "Outbound") {
		t.Errorf("--format table over XGATE_FORMAT=json: exit %d\n%s", code, out)
	}
	// XGATE_SERVER alone selects the daemon (here none answers: exit 4;
	// an https URL is not the admin API's: usage error); --store on the
	// command line wins over it.
	t.Setenv("XGATE_SERVER", "unix://"+filepath.Join(t.TempDir(), "admin.sock"))
	if code, _, errOut := runXgate(t, "", "outbox", "stats"); code != exitUnavailable || !strings.Contains(errOut, "does not answer") {
		t.Errorf("XGATE_SERVER: exit %d %s", code, errOut)
	}
	t.Setenv("XGATE_SERVER", "https://127.0.0.1:8443")
	if code, _, errOut := runXgate(t, "", "outbox", "stats"); code != exitUsage || !strings.Contains(errOut, "--server") {
		t.Errorf("XGATE_SERVER https: exit %d %s", code, errOut)
	}
	if code, _, errOut := runXgate(t, "", "outbox", "stats", "--store", store); code != 0 {
		t.Errorf("--store over XGATE_SERVER: exit %d %s", code, errOut)
	}
	if code, _, errOut := runXgate(t, "", "outbox", "stats", "--store", store, "--server", "https://x"); code != exitUsage || !strings.Contains(errOut, "not both") {
		t.Errorf("--store and --server: exit %d %s", code, errOut)
	}
	t.Setenv("XGATE_SERVER", "")
	t.Setenv("XGATE_LOCK_TIMEOUT", "soon")
	if code, _, errOut := runXgate(t, "", "outbox", "stats"); code != exitUsage || !strings.Contains(errOut, "$XGATE_LOCK_TIMEOUT") {
		t.Errorf("bad XGATE_LOCK_TIMEOUT: exit %d %s", code, errOut)
	}
	t.Setenv("XGATE_LOCK_TIMEOUT", "")
	t.Setenv("XGATE_FORMAT", "xml")
	if code, _, errOut := runXgate(t, "", "validate", vectorFile(t, "*/valid/quittung.xml")); code != exitUsage || !strings.Contains(errOut, "$XGATE_FORMAT") {
		t.Errorf("bad XGATE_FORMAT: exit %d %s", code, errOut)
	}
}

// TestEnvironmentLists: a list flag takes a colon-separated list from its
// variable. Here the signer is a sub-CA's: XGATE_INTERMEDIATE completes
// the chain, and XGATE_CRL must name both CAs' CRLs (each element counts:
// without the sub-CA's CRL the default policy refuses, and the root's CRL
// that revokes the sub-CA refuses). --crl-policy has no variable.
func TestEnvironmentLists(t *testing.T) {
	tt := newTwoTier(t)
	list := func(paths ...string) string { return strings.Join(paths, string(os.PathListSeparator)) }
	t.Setenv("XGATE_TRUST", tt.root+string(os.PathListSeparator)) // not a list: one path
	if code, _, errOut := runXgate(t, "", "open", "--encryption-key", tt.encKey, tt.sealed); code != exitUsage || !strings.Contains(errOut, "--trust") {
		t.Errorf("XGATE_TRUST with a separator: exit %d %s", code, errOut)
	}
	t.Setenv("XGATE_TRUST", tt.root)
	t.Setenv("XGATE_INTERMEDIATE", tt.sub)
	for _, c := range []struct {
		crl  string
		code int
		want string
	}{
		{list(tt.rootCRL, tt.subCRL), 0, "kennung: dbs:499990020000"},
		{tt.rootCRL, exitFailed, "revocation status unknown"},
		{list(tt.rootCRLRevokingSub, tt.subCRL), exitFailed, "T001"},
	} {
		t.Setenv("XGATE_CRL", c.crl)
		if code, _, errOut := runXgate(t, "", "open", "--encryption-key", tt.encKey, tt.sealed); code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("XGATE_CRL=%s: exit %d, want %d with %q\n%s", c.crl, code, c.code, c.want, errOut)
		}
	}
	t.Setenv("XGATE_CRL", tt.rootCRL)
	t.Setenv("XGATE_CRL_POLICY", "if-present")
	if code, _, errOut := runXgate(t, "", "open", "--encryption-key", tt.encKey, tt.sealed); code != exitFailed || !strings.Contains(errOut, "revocation status unknown") {
		t.Errorf("XGATE_CRL_POLICY=if-present was read: exit %d %s", code, errOut)
	}
}

// remoteStore stands in for the admin API client of issue 11: it is the
// seam's other side, here backed by a local store, and counts its calls.
type remoteStore struct {
	outboxBackend
	server string
	calls  int
}

func (r *remoteStore) List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error) {
	r.calls++
	return r.outboxBackend.List(ctx, f)
}

// TestServerSeam: with app.remote set, --server takes the outbox verbs
// through it (and never opens the file named by --store's default), and a
// daemon that does not answer is exit 4.
func TestServerSeam(t *testing.T) {
	store := outboxFixture(t)
	s, err := boltstore.Open(context.Background(), store, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	remote := &remoteStore{outboxBackend: newLocalStore(s)}
	a := newApp()
	a.remote = func(_ context.Context, server string) (outboxBackend, error) {
		if server == "https://down.invalid" {
			return nil, withExit(exitUnavailable, errors.New("admin API at https://down.invalid does not answer"))
		}
		remote.server = server
		return remote, nil
	}
	var out bytes.Buffer
	code, errOut := runCLI(context.Background(), a, &out, "outbox", "list", "--server", "https://127.0.0.1:8443", "--state", "failed")
	if code != 0 || remote.calls != 1 || remote.server != "https://127.0.0.1:8443" || !strings.Contains(out.String(), "000000000002") {
		t.Fatalf("list through --server: exit %d, %d calls\n%s%s", code, remote.calls, out.String(), errOut)
	}
	if code, errOut := runCLI(context.Background(), a, &out, "outbox", "stats", "--server", "https://down.invalid"); code != exitUnavailable {
		t.Fatalf("daemon down: exit %d %s", code, errOut)
	}
}

// TestOutboxCompactCommand compacts a real store that shrinks and checks
// it afterwards.
func TestOutboxCompactCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{DedupRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	body := bytes.Repeat([]byte("<x>Musterstadt</x>"), 2000)
	errs := make(chan error, 300)
	for w := range 10 { // concurrent calls share commits
		go func() {
			for i := w; i < 300; i += 10 {
				id := "in-" + strconv.Itoa(i)
				_, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "ags:08999001", Type: "060020", Opened: body, Receipt: []byte("<Quittung/>"), At: at, Actor: "intake"})
				for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
					if err == nil {
						err = s.Apply(ctx, id, outbox.Action{To: to, At: at, Actor: "gateway"})
					}
				}
				errs <- err
			}
		}()
	}
	for range 300 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Expire(ctx, at.Add(2*time.Hour)); err != nil || n != 300 {
		t.Fatalf("expire: %d %v", n, err)
	}
	s.Close()
	before, _ := os.Stat(path)
	code, out, errOut := runXgate(t, "", "outbox", "compact", "--store", path)
	after, _ := os.Stat(path)
	if code != 0 || !strings.Contains(out, "compacted "+path+": "+strconv.FormatInt(before.Size(), 10)+" → "+strconv.FormatInt(after.Size(), 10)+" bytes") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if after.Size()*4 > before.Size() {
		t.Fatalf("did not shrink: %d → %d", before.Size(), after.Size())
	}
	if code, out, _ := runXgate(t, "", "outbox", "check", "--store", path); code != 0 || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("check after compact: exit %d\n%s", code, out)
	}
}

// TestOutboxCheckCommand: check on a consistent store and on one whose
// counters and due index were edited, as text and JSON.
func TestOutboxCheckCommand(t *testing.T) {
	store := outboxFixture(t)
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	auditCopyFile(t, store, damaged)
	db, err := bolt.Open(damaged, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("counts")).Put([]byte("failed"), make([]byte, 8)); err != nil {
			return err
		}
		k, _ := tx.Bucket([]byte("due")).Cursor().First()
		return tx.Bucket([]byte("due")).Delete(k)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "outbox_check.golden", runSteps(t, store, []cliStep{{[]string{"check"}, 0}, {[]string{"check", "--format", "json"}, 0}})+
		runSteps(t, damaged, []cliStep{{[]string{"check"}, 3}, {[]string{"check", "--format", "json"}, 3}}))
}
