package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/message"
)

// term is one word of the CLI's vocabulary: a flag that means the same
// on every verb that has it. doc.go shows the same table; a test keeps
// the two equal.
type term struct {
	flag    string // with its value, "--store PATH"
	env     string // the environment variable, or "" for none
	def     string // the default, or "" for none
	meaning string
}

// vocabulary is the CLI's vocabulary. Flags with an environment variable
// take their value from the flag, else the variable, else the default.
func vocabulary() []term {
	return []term{
		{"--store PATH", envStore, defaultStore, "the outbox store of outbox and audit verbs: a bbolt file, or postgres:DSN (postgres: alone takes the DSN from $XGATE_STORE_DSN)"},
		{"--server URL", envServer, "", "the running daemon's admin API (unix:///path/admin.sock, or http://127.0.0.1:PORT with the token in $XGATE_ADMIN_TOKEN); outbox and audit verbs go through it instead of --store"},
		{"--lock-timeout D", envLockTimeout, defaultLockTimeout.String(), "how long to wait for the store's file lock before exit 4"},
		{"--format table|json", envFormat, "table", "output: table for people, json for programs"},
		{"--signing-key FILE", envSigningKey, "", "this gateway's signing private key (PEM, mode 0600)"},
		{"--signing-cert FILE", envSigningCert, "", "the certificate of --signing-key"},
		{"--encryption-key FILE...", envEncryptionKey, "", "this gateway's encryption private key(s): the current and next one during a rollover"},
		{"--encryption-cert FILE...", envEncryptionCert, "", "the certificate(s) of --encryption-key"},
		{"--recipient-cert FILE...", "", "", "the recipient's encryption certificate(s)"},
		{"--trust PATH", envTrust, "", "trust roots: a PEM file or a folder of them"},
		{"--intermediate PATH...", envIntermediate, "", "intermediate (sub-)CA certificates, files or folders, that may complete a chain (not trusted by themselves)"},
		{"--crl FILE...", envCRL, "", "certificate revocation lists of the trusted and intermediate CAs"},
		{"--crl-policy require|if-present", "", certs.CRLRequired.String(), "require: every CA of a chain needs a current --crl (fail closed); if-present: check only where a --crl is given (a warning names the CAs not checked); never from the environment"},
		{"--checkpoint-cert FILE...", envCheckpointCert, "", "the gateway signing certificate(s) whose audit checkpoints are trusted"},
		{"--insecure-skip-verify", "", "", "skip a certificate verification (a warning says so); never from the environment"},
		{"--insecure", "", "", "run a check without its trust anchor (a warning says so); never from the environment"},
		{"--max-bytes N", "", strconv.Itoa(message.DefaultMaxBytes), "the largest message accepted, in bytes"},
		{"--reason TEXT", "", "", "why, for the audit chain (operator actions)"},
		{"--config FILE", envConfig, "", "the site configuration of the daemon (serve, peer)"},
		{"--intake URL", envIntake, defaultIntake, "the running gateway's intake API (send)"},
		{"--verbose", "", "", "more detail (one line per item); there is no -v"},
		{"-q, --quiet", "", "", "print nothing; only the exit code tells"},
		{"-o, --out FILE", "", "", "write to FILE (atomically) instead of standard output"},
		{"--report FILE...", "", "", "write a conformance report to FILE as well, in the form its extension names: .xml JUnit, .json JSON, .html HTML"},
	}
}

// Environment variables, one per setting.
const (
	envStore          = "XGATE_STORE"
	envServer         = "XGATE_SERVER"
	envLockTimeout    = "XGATE_LOCK_TIMEOUT"
	envFormat         = "XGATE_FORMAT"
	envSigningKey     = "XGATE_SIGNING_KEY"
	envSigningCert    = "XGATE_SIGNING_CERT"
	envEncryptionKey  = "XGATE_ENCRYPTION_KEY"
	envEncryptionCert = "XGATE_ENCRYPTION_CERT"
	envTrust          = "XGATE_TRUST"
	envIntermediate   = "XGATE_INTERMEDIATE"
	envCRL            = "XGATE_CRL"
	envCheckpointCert = "XGATE_CHECKPOINT_CERT"
	envConfig         = "XGATE_CONFIG"
	envIntake         = "XGATE_INTAKE"
	// envAdminToken and envIntakeToken are bearer tokens: secrets, so
	// variables only, never flags.
	envAdminToken  = "XGATE_ADMIN_TOKEN"
	envIntakeToken = "XGATE_INTAKE_TOKEN"
)

// Defaults of the vocabulary.
const (
	defaultStore       = "./xgate.db"
	defaultLockTimeout = 2 * time.Second
	defaultIntake      = "http://127.0.0.1:8080"
)

// Annotations on flags (pflag.Flag.Annotations).
const (
	annEnv     = "xgate_env"      // the flag's environment variable
	annFromEnv = "xgate_from_env" // set when the value came from it
)

// bindEnv gives flag name of fs the environment variable env: its help
// names the variable, and applyEnv sets the flag from it when the command
// line does not.
func bindEnv(fs *pflag.FlagSet, name, env string) {
	f := fs.Lookup(name)
	if f == nil {
		panic("bindEnv: no flag --" + name) // programmer error
	}
	f.Usage += " [$" + env + "]"
	if err := fs.SetAnnotation(name, annEnv, []string{env}); err != nil {
		panic(err)
	}
}

// applyEnv sets every flag of cmd that has an environment variable, was
// not given on the command line and whose variable is set. A list flag
// takes a list separated by the path list separator (":"), as PATH does.
func applyEnv(cmd *cobra.Command, getenv func(string) (string, bool)) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		envs := f.Annotations[annEnv]
		if err != nil || len(envs) == 0 || f.Changed {
			return
		}
		v, ok := getenv(envs[0])
		if !ok || v == "" {
			return
		}
		values := []string{v}
		if strings.HasSuffix(f.Value.Type(), "Array") || strings.HasSuffix(f.Value.Type(), "Slice") {
			values = strings.Split(v, string(os.PathListSeparator))
		}
		for _, x := range values {
			if e := f.Value.Set(x); e != nil {
				err = usageError("$%s: %v", envs[0], e)
				return
			}
		}
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[annFromEnv] = []string{"1"}
	})
	return err
}

// source tells where flag name's value came from: "flag", "env" or
// "default".
func source(cmd *cobra.Command, name string) string {
	f := cmd.Flags().Lookup(name)
	switch {
	case f == nil:
		return "default"
	case f.Changed:
		return "flag"
	case len(f.Annotations[annFromEnv]) > 0:
		return "env"
	}
	return "default"
}

// formatFlag is --format: table or json, checked when set.
type formatFlag string

func (f *formatFlag) String() string { return string(*f) }
func (f *formatFlag) Type() string   { return "table|json" }
func (f *formatFlag) Set(v string) error {
	if v != "table" && v != "json" {
		return fmt.Errorf("must be table or json, not %q", v)
	}
	*f = formatFlag(v)
	return nil
}

func (f formatFlag) json() bool { return f == "json" }

// addFormatFlag adds --format (XGATE_FORMAT) to a verb whose output is data.
func addFormatFlag(fs *pflag.FlagSet, f *formatFlag) {
	*f = "table"
	fs.Var(f, "format", "output format: table or json")
	bindEnv(fs, "format", envFormat)
}

// keyPairFlags are a key and its certificate named by purpose:
// --signing-key/--signing-cert, --encryption-key/--encryption-cert.
type keyPairFlags struct {
	keys, certs []string
}

// addSigningFlags adds --signing-key and --signing-cert (one each).
func (k *keyPairFlags) addSigningFlags(fs *pflag.FlagSet) {
	k.keys, k.certs = make([]string, 1), make([]string, 1)
	fs.StringVar(&k.keys[0], "signing-key", "", "this gateway's signing key: a PEM `FILE` (PKCS#1 or PKCS#8, mode 0600)")
	fs.StringVar(&k.certs[0], "signing-cert", "", "the certificate of --signing-key: a PEM `FILE`")
	bindEnv(fs, "signing-key", envSigningKey)
	bindEnv(fs, "signing-cert", envSigningCert)
}

// addEncryptionFlags adds --encryption-key and --encryption-cert
// (repeatable: the current and the next pair during a rollover).
func (k *keyPairFlags) addEncryptionFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&k.keys, "encryption-key", nil, "this gateway's encryption key: a PEM `FILE`, mode 0600; repeat during a rollover: each is tried")
	fs.StringArrayVar(&k.certs, "encryption-cert", nil, "the certificate(s) of --encryption-key: a PEM `FILE`; a key whose certificate is not valid now is not used")
	bindEnv(fs, "encryption-key", envEncryptionKey)
	bindEnv(fs, "encryption-cert", envEncryptionCert)
}

// trustFlags say whom to trust: --trust, --intermediate, --crl and
// --crl-policy.
type trustFlags struct {
	trust         string
	intermediates []string
	crls          []string
	crlPolicy     crlPolicyFlag
}

// AddFlags adds the trust flags; whose names the certificate they verify.
// --crl-policy has no environment variable: its only other value,
// if-present, weakens the check, and such a value never comes from the
// environment.
func (t *trustFlags) AddFlags(fs *pflag.FlagSet, whose string) {
	fs.StringVar(&t.trust, "trust", "", "trust roots for "+whose+": a PEM file or a folder of them (`PATH`)")
	fs.StringArrayVar(&t.intermediates, "intermediate", nil, "intermediate (sub-)CA certificates: a PEM file or a folder (`PATH`) that may complete the chain to --trust but is not trusted by itself; repeatable")
	fs.StringArrayVar(&t.crls, "crl", nil, "a CRL `FILE` of the trusted or intermediate CAs; repeatable")
	fs.Var(&t.crlPolicy, "crl-policy", "require: refuse a certificate whose chain has a CA without a current --crl (fail closed); "+
		"if-present: check revocation only where a --crl is given (a warning names the CAs not checked)")
	bindEnv(fs, "trust", envTrust)
	bindEnv(fs, "intermediate", envIntermediate)
	bindEnv(fs, "crl", envCRL)
}

// crlPolicyFlag is --crl-policy: require (the zero value, the default)
// or if-present, checked when set.
type crlPolicyFlag certs.CRLPolicy

func (f *crlPolicyFlag) String() string { return certs.CRLPolicy(*f).String() }
func (f *crlPolicyFlag) Type() string   { return "require|if-present" }
func (f *crlPolicyFlag) Set(v string) error {
	p, err := certs.ParseCRLPolicy(v)
	if err != nil {
		return fmt.Errorf("must be require or if-present, not %q", v)
	}
	*f = crlPolicyFlag(p)
	return nil
}
