// Package config is the site configuration of the gateway daemon (xgate
// serve): one YAML file per site, read by Load, checked by Validate and
// CheckFiles, described by Summary.
//
// # Overview
//
//	cfg, err := config.Load("/etc/xgate/abh.yaml", os.LookupEnv)
//	if err == nil {
//		err = cfg.Validate()
//	}
//	if err == nil {
//		err = cfg.CheckFiles()
//	}
//	if err != nil {
//		return err // every problem, one per line: "key: problem (line N)"
//	}
//	fmt.Print(cfg.Summary())
//
// The sections are site, listen, intake, keys, trust, directory, store,
// delivery, answers, inbox and log; examples/ has a commented file for each
// role (abh.yaml explains every key and its default; abh-postgres.yaml is
// the same authority as a site of several instances on one PostgreSQL
// database), and a test loads and validates each one against a development
// PKI.
//
// Load applies, in order: the defaults (SetDefaults), the file, the
// environment, and then resolves relative paths against the folder of the
// file. A value written in the file wins over the default even when it is 0
// or "" (reminders: 0 sends no reminder; metrics: "" serves /metrics on the
// intake listener); a key written with no value keeps its default. The
// environment overrides secrets and addresses:
//
//	XGATE_LISTEN_TRANSPORT  listen.transport
//	XGATE_LISTEN_INTAKE     listen.intake
//	XGATE_INTAKE_TOKEN      intake.token
//	XGATE_STORE_DSN         store.dsn
//	XGATE_WEBHOOK_TOKEN     inbox.webhook.token
//
// # Errors
//
// Every problem is a *FieldError naming the key path, the problem and where
// the value came from; Load, Validate and CheckFiles return all of them at
// once in an *Error, so that one run of xgate serve --check lists
// everything:
//
//	config abh.yaml: 4 problems:
//	  directory.reload: "1x" is not a duration (line 12)
//	  delivery.retyr: unknown key (did you mean retry?); delivery has lease, retry, timeout, workers (line 30)
//	  listen.intake: 0.0.0.0:8080 is not a loopback address: set intake.token, … ($XGATE_LISTEN_INTAKE)
//	  keys.encryption: required: the current encryption key pair (and the next one during a rollover)
//
// Load decodes the YAML tree itself (yaml.v3 nodes) rather than through
// yaml.Unmarshal, so that each error can name its key path; like yaml.v3's
// KnownFields(true) it refuses any key that matches no field, and it also
// refuses a key given twice, merge keys (<<) and a second YAML document.
// testdata/bad holds one bad file per rule with its error text (golden).
//
// Validate needs no disk; CheckFiles loads every key pair, trust file,
// token and DSN file the way the daemon will (keys mode 0600 and matching
// their certificates, secrets mode 0600). Verifier, SigningKeyPair,
// EncryptionKeyPairs, TLSKeyPair, IntakeToken and StoreDSN are those
// loaders for the daemon.
//
// # Caveats
//
//   - Durations are Go durations (90s, 5m, 72h) or whole days in front
//     (3d, 1d12h); sizes are bytes or KiB/MiB/GiB/TiB (KB/MB/GB are 1000).
//   - Message type codes as map keys must be quoted ("090001"): unquoted,
//     YAML reads some of them as numbers.
//   - Secrets in the file (intake.token, store.dsn, inbox.webhook.token)
//     are readable by whoever reads the file; prefer the *_file keys or the
//     environment. Summary never prints a secret.
//   - A Config built in code gets its defaults from SetDefaults, which
//     cannot tell 0 from unset: set Answers.Reminders and Listen.Metrics
//     after it to get 0 or "".
package config
