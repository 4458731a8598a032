// Command xgate is the interagency data-exchange gateway: one binary with
// cobra subcommands (noun then verb) for the daemon, operators and
// vendors. This comment is the CLI's one description of its vocabulary
// and exit codes; a test keeps it equal to what the code does
// (vocabulary, exitTable).
//
// # Vocabulary
//
// A flag means the same on every verb that has it. Settings of the
// installation have one environment variable each; a value comes from the
// flag, else the variable, else the default, on every verb alike. List
// flags (FILE...) repeat on the command line and take a colon-separated
// list from the variable. Flags that weaken a check are never read from
// the environment.
//
//	flag                             variable               default
//	--store PATH                     XGATE_STORE            ./xgate.db
//	    the outbox store of outbox and audit verbs: a bbolt file, or postgres:DSN (postgres: alone takes the DSN from $XGATE_STORE_DSN)
//	--server URL                     XGATE_SERVER           -
//	    the running daemon's admin API (unix:///path/admin.sock, or http://127.0.0.1:PORT with the token in $XGATE_ADMIN_TOKEN); outbox and audit verbs go through it instead of --store
//	--lock-timeout D                 XGATE_LOCK_TIMEOUT     2s
//	    how long to wait for the store's file lock before exit 4
//	--format table|json              XGATE_FORMAT           table
//	    output: table for people, json for programs
//	--signing-key FILE               XGATE_SIGNING_KEY      -
//	    this gateway's signing private key (PEM, mode 0600)
//	--signing-cert FILE              XGATE_SIGNING_CERT     -
//	    the certificate of --signing-key
//	--encryption-key FILE...         XGATE_ENCRYPTION_KEY   -
//	    this gateway's encryption private key(s): the current and next one during a rollover
//	--encryption-cert FILE...        XGATE_ENCRYPTION_CERT  -
//	    the certificate(s) of --encryption-key
//	--recipient-cert FILE...         -                      -
//	    the recipient's encryption certificate(s)
//	--trust PATH                     XGATE_TRUST            -
//	    trust roots: a PEM file or a folder of them
//	--intermediate PATH...           XGATE_INTERMEDIATE     -
//	    intermediate (sub-)CA certificates, files or folders, that may complete a chain (not trusted by themselves)
//	--crl FILE...                    XGATE_CRL              -
//	    certificate revocation lists of the trusted and intermediate CAs
//	--crl-policy require|if-present  -                      require
//	    require: every CA of a chain needs a current --crl (fail closed); if-present: check only where a --crl is given (a warning names the CAs not checked); never from the environment
//	--checkpoint-cert FILE...        XGATE_CHECKPOINT_CERT  -
//	    the gateway signing certificate(s) whose audit checkpoints are trusted
//	--insecure-skip-verify           -                      -
//	    skip a certificate verification (a warning says so); never from the environment
//	--insecure                       -                      -
//	    run a check without its trust anchor (a warning says so); never from the environment
//	--max-bytes N                    -                      16777216
//	    the largest message accepted, in bytes
//	--reason TEXT                    -                      -
//	    why, for the audit chain (operator actions)
//	--config FILE                    XGATE_CONFIG           -
//	    the site configuration of the daemon (serve, peer)
//	--intake URL                     XGATE_INTAKE           http://127.0.0.1:8080
//	    the running gateway's intake API (send)
//	--verbose                        -                      -
//	    more detail (one line per item); there is no -v
//	-q, --quiet                      -                      -
//	    print nothing; only the exit code tells
//	-o, --out FILE                   -                      -
//	    write to FILE (atomically) instead of standard output
//	--report FILE...                 -                      -
//	    write a conformance report to FILE as well, in the form its extension names: .xml JUnit, .json JSON, .html HTML
//
// --store and --server: a verb uses the daemon when --server is set,
// unless --store is given on the command line; both on the command line is
// a usage error. The admin API's bearer token comes from $XGATE_ADMIN_TOKEN
// only (a secret: no flag). A store file is opened read-only by verbs that
// only read. When an admin socket (admin.sock) lies beside the store file
// and the daemon behind it says it serves that very file, the verb goes
// through it; else a verb that cannot get the file's lock within
// --lock-timeout (a daemon holds it) exits 4 and says to use --server. A
// daemon that does not answer is exit 4, a bad --server address or a
// refused token exit 2.
//
// A PostgreSQL store (store.kind postgres, several daemon instances) has
// no file: the outbox and audit verbs open the database with --store
// postgres:DSN (read-only for the verbs that only read; the instances may
// run meanwhile) or go through any instance's admin API (--server), and
// answer as they do for a bbolt file. Its connection string, which may
// hold a password, is best kept in $XGATE_STORE_DSN (serve reads it;
// --store postgres: and store migrate --to postgres: alone take it from
// there); the output names the database without the password.
//
// # Exit codes
//
// The same for every verb; each verb's --help lists those it uses and what
// they mean for it, and a test produces each of them, verb by verb.
//
//	0  ok
//	1  operational error: I/O, a refused action, interrupted by a signal
//	2  usage error: unknown verb or flag, bad value, missing argument, an input file that cannot be read
//	3  verification or validation failed: invalid message, tampered audit chain, failed check, failed certificate check
//	4  resource busy or unavailable: the store is locked by a running daemon, the daemon is down
//
// Usage errors are typed (exitErr with exitUsage): cobra's flag errors
// through the root's FlagErrorFunc, argument errors by wrapping every
// command's Args, unknown verbs by the nouns' own RunE; no error text is
// matched.
//
// # Adapters
//
// `xgate adapters list` prints the built-in adapters (package
// adapters/all) with their types, directions and settings; `xgate
// translate --adapter NAME [--reverse] [--set NAME=VALUE]... FILE|-` runs
// one: forward from our message to the partner format, reverse back. A
// refused input (the error names field, value and message type) is exit 3
// and writes nothing; a batch adapter in reverse writes one file per
// message into --out-dir and reports refused rows, exit 3 if any.
//
// # Signals
//
// main installs signal.NotifyContext(SIGINT, SIGTERM) once; every command
// runs under that context (cmd.Context()). Long work checks it between
// items (files, records, key generations, compaction transactions), stops
// with what it did so far left consistent, and exits 1 with "stopped
// (interrupt signal received): …". A second signal ends the process at
// once.
//
// # Adding a verb
//
// One file per verb with an xxxOptions struct and AddFlags, a RunE that
// calls a plain runXxx(ctx, cmd, …), output to cmd.OutOrStdout(), and:
//
//   - the shared flags: addFormatFlag, storeFlags (as persistent flags of
//     the noun), keyPairFlags.addSigningFlags/addEncryptionFlags,
//     trustFlags.AddFlags and trustFlags.verifier; bindEnv for a new
//     setting (add it to vocabulary and to the table above);
//   - errors through usageError, errRequired, errExclusive, errNeeds,
//     errBadValue, errInput (exit 2), failedError (3), withExit(code, err)
//     and silentExit(code) after printing findings; anything else is 1;
//   - exits(cmd, code(…)…) for the help's exit codes, and an Example;
//   - add the command in newRootCmd; prepare wires usage errors and the
//     environment for the whole tree.
//
// Verbs that read or change a gateway's outbox get it from
// storeFlags.open as an outboxBackend (an admin.Backend with Close):
// localStore (the bbolt file through admin.StoreBackend) or the daemon's
// admin API client (*admin.Client, through app.remote), which answer
// alike; TestRemoteSameOutput runs every such verb both ways.
package main
