package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/pgstore"
	"github.com/xgate/xgate/outbox/storemigrate"
)

// envStoreDSN is the PostgreSQL connection string serve reads
// (gateway/config): a secret (it may hold a password), so a variable only.
const envStoreDSN = "XGATE_STORE_DSN"

func newStoreCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Move a gateway's outbox between store kinds",
		Long: `The store verbs work on a whole outbox store. migrate copies a bbolt store
file into an empty PostgreSQL database: the step from one gateway process
to several instances of a site sharing one database.`,
	}
	cmd.AddCommand(newStoreMigrateCmd(a))
	return cmd
}

type storeMigrateOptions struct {
	from, to    string
	certs       []string
	insecure    bool
	lockTimeout time.Duration
	format      formatFlag
}

func (o *storeMigrateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "the source: `bolt:FILE`, the stopped daemon's store file")
	fs.StringVar(&o.to, "to", "", "the target: `postgres:DSN` (a libpq connection string or URL); postgres: alone reads it from $"+envStoreDSN)
	fs.StringArrayVar(&o.certs, "checkpoint-cert", nil, "the gateway's signing certificate (a PEM `FILE`) whose checkpoints are trusted; repeat for a key rollover (required unless --insecure)")
	bindEnv(fs, "checkpoint-cert", envCheckpointCert)
	fs.BoolVar(&o.insecure, "insecure", false, "copy without --checkpoint-cert: both chains are verified without their checkpoint signatures (a warning says so)")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", defaultLockTimeout, "how long to wait for the store's file lock (a `DURATION`: 500ms, 2s, 1m)")
	bindEnv(fs, "lock-timeout", envLockTimeout)
	addFormatFlag(fs, &o.format)
}

func newStoreMigrateCmd(a *app) *cobra.Command {
	o := &storeMigrateOptions{}
	cmd := &cobra.Command{
		Use:   "migrate --from bolt:FILE --to postgres:DSN --checkpoint-cert SIGNING_CERT.pem",
		Short: "Copy a bbolt store into an empty PostgreSQL database",
		Long: `Migrate copies the outbox of a stopped gateway from its bbolt store file
into an empty PostgreSQL database: every record of both directions in
every state with its bodies, evidence and receipts (sequence numbers
kept, so ordering chains keep their order), every de-duplication entry,
and the audit chain with its signed checkpoints verbatim. Records that
were being sent are queued again (their leases belonged to the stopped
daemon), each with an audit entry after the copied chain. The database's
schema is created or brought up to date first.

Before copying it runs the source's store check and verifies its audit
chain; a damaged source is refused and nothing is copied (exit 3). The
copy is one PostgreSQL transaction: all of it lands or nothing. Then it
checks the copy and verifies its chain against the source's (exit 3 if
they differ).

It refuses to run while a daemon has the file open (exit 4 after
--lock-timeout): stop the daemon first, and start the instances with
store.kind postgres afterwards. It refuses a database that already holds
outbox data (exit 1).

Keep the password out of the command line (and the process list): give
--to postgres: alone and the connection string in $XGATE_STORE_DSN, the
variable the daemon reads too.`,
		Example: `  systemctl stop xgate
  export XGATE_STORE_DSN='host=db.example dbname=xgate user=xgate password=…'
  xgate store migrate --from bolt:/var/lib/xgate/outbox.db --to postgres: \
    --checkpoint-cert /etc/xgate/pki/signing.pem
  # then store.kind: postgres in the configuration, and start the instances`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStoreMigrate(cmd.Context(), cmd, a, o)
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "copied, checked and verified"),
		code(exitError, "the database already holds outbox data, an I/O or database error, interrupted (nothing is copied)"),
		code(exitUsage, "usage error, including no --checkpoint-cert without --insecure, and a source file that does not exist"),
		code(exitFailed, "the source fails its check or audit verification (nothing copied), or the copy does not match it"),
		code(exitUnavailable, "the source is held by a running daemon, or the database does not answer"))
}

// migrateResult is the JSON shape of migrate's output.
type migrateResult struct {
	Target string `json:"target"`
	*storemigrate.Report
}

func runStoreMigrate(ctx context.Context, cmd *cobra.Command, a *app, o *storeMigrateOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	path, ok := strings.CutPrefix(o.from, "bolt:")
	switch {
	case o.from == "":
		return errRequired("from")
	case !ok || path == "":
		return usageError("--from must be bolt:FILE, not %q", o.from)
	case o.to == "":
		return errRequired("to")
	case o.lockTimeout <= 0:
		return usageError("--lock-timeout must be positive")
	case o.insecure && source(cmd, "checkpoint-cert") == "flag":
		return errExclusive("checkpoint-cert", "insecure")
	case len(o.certs) == 0 && !o.insecure:
		return usageError("--checkpoint-cert is required: without it the checkpoint signatures are not checked, " +
			"and a chain rewritten together with its checkpoints would be copied as good (--insecure checks the chains alone)")
	}
	dsn, ok := strings.CutPrefix(o.to, "postgres:")
	if !ok {
		return usageError("--to must be postgres:DSN, not %q", redactTarget(o.to))
	}
	if dsn == "" {
		dsn, _ = a.getenv(envStoreDSN)
		if dsn == "" {
			return usageError("--to postgres: takes the connection string from $%s, which is not set", envStoreDSN)
		}
	}
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return usageError("--to: not a PostgreSQL connection string: %v", redactErr(err, dsn))
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return errInput(fmt.Errorf("--from: no bbolt store file at %s", path))
	}
	var v audit.Verifier
	if len(o.certs) > 0 {
		cv, err := loadAuditVerifier(o.certs)
		if err != nil {
			return errInput(err)
		}
		v = cv
	}
	target := site.DatabaseName(dsn)
	dst, err := pgstore.Open(ctx, dsn, pgstore.Config{})
	if err != nil {
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return withExit(exitUnavailable, fmt.Errorf("--to %s: %w", target, err))
		}
		return fmt.Errorf("--to %s: %w", target, err)
	}
	defer dst.Close()
	if v == nil {
		fmt.Fprintln(stderr, "xgate: WARNING: --insecure: checkpoint signatures NOT checked (no --checkpoint-cert): a chain rewritten together with its checkpoints would be copied as good")
	}
	rep, err := storemigrate.BoltToPostgres(ctx, path, dst, storemigrate.Config{LockTimeout: o.lockTimeout, Verifier: v})
	switch {
	case errors.Is(err, storemigrate.ErrSourceLocked):
		return withExit(exitUnavailable, fmt.Errorf("%s is held by another process, most likely a running xgate daemon "+
			"(waited %v): stop it first; the copy must see the store at rest", path, o.lockTimeout))
	case errors.Is(err, storemigrate.ErrSourceBroken):
		return failedError("%v (nothing copied; xgate outbox check and xgate audit verify say more)", err)
	case errors.Is(err, storemigrate.ErrCopyMismatch):
		return failedError("%v", err)
	case errors.Is(err, pgstore.ErrNotEmpty):
		return fmt.Errorf("%s: %w: migrate copies into an empty database only (nothing copied)", target, err)
	case err != nil:
		return err
	}
	if o.format.json() {
		return writeJSON(stdout, migrateResult{Target: target, Report: rep})
	}
	printMigrate(stdout, path, target, rep)
	return nil
}

func printMigrate(w io.Writer, path, target string, rep *storemigrate.Report) {
	fmt.Fprintf(w, "copied %s → %s\n", path, target)
	fmt.Fprintf(w, "  records          %d (%d were being sent: queued again)\n", rep.Records, rep.Requeued)
	fmt.Fprintf(w, "  de-duplication   %d entries\n", rep.Dedup)
	fmt.Fprintf(w, "  audit chain      %d entries, %d checkpoints, source head %d %s\n", rep.AuditEntries, rep.Checkpoints, rep.SourceSeq, rep.SourceHead)
	if t := rep.TargetAudit; t != nil {
		fmt.Fprintf(w, "  copy verified    %d entries, %d checkpoints, head %s\n", t.Entries, t.CheckpointsVerified, t.Head)
	}
}

// redactTarget shows a --to value without what may be a password.
func redactTarget(s string) string {
	if i := strings.Index(s, ":"); i >= 0 {
		return s[:i+1] + "…"
	}
	return "…"
}

// redactErr is err's text with the DSN taken out.
func redactErr(err error, dsn string) string {
	return strings.ReplaceAll(err.Error(), dsn, "…")
}
