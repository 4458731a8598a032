package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
)

// The outbox and audit verbs get their data through outboxBackend and
// nothing else: the bbolt store file (localStore) or the running daemon's
// admin API (*admin.Client, through app.remote). Both are an
// admin.Backend, whose methods honour ctx and return the outbox's errors
// (outbox.ErrNotFound, a *outbox.TransitionError) with the store's text,
// so that the verbs' output and exit codes are the same whichever side
// answers; a daemon that does not answer is admin.ErrUnavailable (exit 4).

// outboxBackend is one gateway's outbox, local or remote. Close releases
// it.
type outboxBackend interface {
	admin.Backend
	Close() error
}

// remoteOpener connects to the daemon's admin API at server. When the
// daemon does not answer it returns withExit(exitUnavailable, err)
// (exit 4); bad addresses and a refused token are usage errors.
type remoteOpener func(ctx context.Context, server string) (outboxBackend, error)

// localStore is the bbolt store file as an outboxBackend.
type localStore struct {
	admin.Backend
	io.Closer
}

func newLocalStore(s *boltstore.Store) localStore { return localStore{admin.StoreBackend(s), s} }

// dialAdmin is app.remote: the admin API client, with the token from
// $XGATE_ADMIN_TOKEN.
func (a *app) dialAdmin(ctx context.Context, server string) (outboxBackend, error) {
	token, _ := a.getenv(envAdminToken)
	c, err := admin.Dial(ctx, server, token)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, admin.ErrBadServer):
		return nil, usageError("--server: %v", err)
	case errors.Is(err, admin.ErrUnauthorized):
		return nil, usageError("%v: set %s to the daemon's admin token", err, envAdminToken)
	case ctx.Err() != nil:
		return nil, err
	}
	var se *admin.ServerError
	if errors.As(err, &se) {
		return nil, withExit(exitError, err) // it answered, and refused
	}
	return nil, withExit(exitUnavailable, err)
}

// storeFlags are the flags that say which gateway's outbox a verb works
// on: --store (a file), --server (a daemon) and --lock-timeout.
type storeFlags struct {
	store       string
	server      string
	lockTimeout time.Duration

	remote remoteOpener
	// getenv reads $XGATE_STORE_DSN for --store postgres: (app.getenv).
	getenv func(string) (string, bool)
}

// AddFlags adds the flags as persistent flags of a noun (outbox, audit).
func (o *storeFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", defaultStore, "the outbox store: a bbolt `FILE`, or postgres:DSN (postgres: alone takes the DSN from $"+envStoreDSN+")")
	fs.StringVar(&o.server, "server", "", "the running daemon's admin API at `URL` (unix:///path/admin.sock or http://127.0.0.1:PORT) instead of --store")
	fs.DurationVar(&o.lockTimeout, "lock-timeout", defaultLockTimeout, "how long to wait for the store's file lock (a `DURATION`: 500ms, 2s, 1m)")
	bindEnv(fs, "store", envStore)
	bindEnv(fs, "server", envServer)
	bindEnv(fs, "lock-timeout", envLockTimeout)
}

// useServer decides between --store and --server: the command line wins
// over the environment; both on the command line is a usage error; both
// from the environment means the server (the daemon holds the file).
func (o *storeFlags) useServer(cmd *cobra.Command) (bool, error) {
	if o.server == "" {
		return false, nil
	}
	store, server := source(cmd, "store"), source(cmd, "server")
	switch {
	case store == "flag" && server == "flag":
		return false, errExclusive("store", "server")
	case store == "flag":
		return false, nil
	}
	return true, nil
}

// access says how a verb opens the local store.
type access int

const (
	readOnly  access = iota // shared lock, no recovery
	readWrite               // exclusive lock, recovery of sending records
)

// open returns the outbox the flags name. A missing store file is a
// usage error, a locked one exit 4 with the advice to use --server.
func (o *storeFlags) open(ctx context.Context, cmd *cobra.Command, how access) (outboxBackend, error) {
	if o.lockTimeout <= 0 {
		return nil, usageError("--lock-timeout must be positive")
	}
	remote, err := o.useServer(cmd)
	if err != nil {
		return nil, err
	}
	if remote {
		if o.remote == nil {
			return nil, usageError("--server %s: this build of xgate has no admin API client; use --store on the gateway host", o.server)
		}
		return o.remote(ctx, o.server)
	}
	if dsn, ok, err := o.postgres(); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return openPostgres(ctx, dsn, how)
	}
	if err := o.checkFile(); err != nil {
		return nil, err
	}
	b, note := o.daemonBeside(ctx)
	if b != nil {
		return b, nil
	}
	s, err := boltstore.Open(ctx, o.store, boltstore.Config{ReadOnly: how == readOnly, Timeout: o.lockTimeout})
	if err != nil {
		return nil, o.openError(err, note)
	}
	return newLocalStore(s), nil
}

// postgres returns the connection string of --store postgres:DSN
// (postgres: alone: $XGATE_STORE_DSN); ok is false for a store file.
func (o *storeFlags) postgres() (dsn string, ok bool, err error) {
	dsn, ok = strings.CutPrefix(o.store, "postgres:")
	if !ok {
		return "", false, nil
	}
	if dsn == "" && o.getenv != nil {
		dsn, _ = o.getenv(envStoreDSN)
	}
	if dsn == "" {
		return "", true, usageError("--store postgres: takes the connection string from $%s, which is not set", envStoreDSN)
	}
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return "", true, usageError("--store: not a PostgreSQL connection string: %v", redactErr(err, dsn))
	}
	return dsn, true, nil
}

// sourceName names where a verb's outbox is, for its output: the
// --server URL, the database without its password, or the store file.
func (o *storeFlags) sourceName(cmd *cobra.Command) string {
	if remote, _ := o.useServer(cmd); remote {
		return o.server
	}
	if dsn, ok, err := o.postgres(); ok && err == nil {
		return site.DatabaseName(dsn)
	}
	return o.store
}

// openPostgres opens a PostgreSQL store as an outboxBackend: read-only
// for the verbs that only read (no migration; audit entries the
// instances have not linked yet are not shown), read-write for replay and
// cancel, beside the running instances if there are any. A database that
// does not answer is exit 4.
func openPostgres(ctx context.Context, dsn string, how access) (outboxBackend, error) {
	st, err := pgstore.Open(ctx, dsn, pgstore.Config{ReadOnly: how == readOnly})
	if err != nil {
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) {
			return nil, withExit(exitUnavailable, fmt.Errorf("%s does not answer: %w", site.DatabaseName(dsn), err))
		}
		return nil, withExit(exitError, err)
	}
	return localStore{site.PostgresBackend(st), st}, nil
}

// daemonBeside returns the admin API of the daemon that serves the store
// file, through the admin socket beside it (the daemon's default), if
// there is one that answers and says it serves this very file. Else it
// returns nil and, when there was a socket, a note for the lock error.
func (o *storeFlags) daemonBeside(ctx context.Context) (outboxBackend, string) {
	if o.remote == nil {
		return nil, ""
	}
	sock, err := filepath.Abs(filepath.Join(filepath.Dir(o.store), admin.DefaultSocket))
	if err != nil {
		return nil, ""
	}
	if st, err := os.Stat(sock); err != nil || st.Mode()&fs.ModeSocket == 0 {
		return nil, ""
	}
	b, err := o.remote(ctx, "unix://"+sock)
	if err != nil {
		var ee *exitErr
		if errors.As(err, &ee) && ee.err != nil {
			err = ee.err
		}
		return nil, fmt.Sprintf("the admin socket beside it did not help: %v", err)
	}
	served := ""
	if i, ok := b.(interface{ Info() admin.Info }); ok {
		served = i.Info().Store
	}
	if !sameFile(served, o.store) {
		b.Close()
		if served == "" {
			served = "a store it does not name"
		}
		return nil, fmt.Sprintf("the daemon at the admin socket beside it (%s) serves %s, not this file", sock, served)
	}
	return b, ""
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// checkFile reports a store path that names no file (exit 2): opening
// it read-write would create an empty store.
func (o *storeFlags) checkFile() error {
	st, err := os.Stat(o.store)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errInput(fmt.Errorf("no outbox store at %s (set --store or %s)", o.store, envStore))
	case err != nil:
		return errInput(err)
	case st.IsDir():
		return errInput(fmt.Errorf("%s is a folder, not an outbox store", o.store))
	}
	return nil
}

// openError maps the store's open errors to exit codes; note says why
// the admin socket beside the store was not used.
func (o *storeFlags) openError(err error, note string) error {
	if errors.Is(err, boltstore.ErrLocked) {
		if note != "" {
			note = "; " + note
		}
		return withExit(exitUnavailable, fmt.Errorf("%s is locked by another process, most likely a running xgate daemon "+
			"(waited %v): stop it, or use --server (%s) to go through its admin API%s", o.store, o.lockTimeout, envServer, note))
	}
	return withExit(exitError, err)
}
