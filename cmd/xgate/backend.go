package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// The outbox and audit verbs get their data through the interfaces below
// and nothing else: the local bbolt store implements them now (localStore);
// the daemon's admin API client (--server, issue 11) will implement them
// too, and remoteOpener is where it plugs in. Every method must honour ctx
// and return the outbox sentinels (outbox.ErrNotFound, a
// *outbox.TransitionError) so that the verbs' messages and exit codes stay
// the same whichever side answers.

// recordReader reads records and counters (outbox list, show, stats).
type recordReader interface {
	// Get returns the record with that ID, outbound first; outbox.ErrNotFound.
	Get(ctx context.Context, id string) (outbox.Record, error)
	// List returns the records matching f in Seq order, at most f.Limit.
	List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error)
	// Stats counts records by state.
	Stats(ctx context.Context) (outbox.Stats, error)
	// History returns the record's audit entries, oldest first.
	History(ctx context.Context, id string) ([]audit.Entry, error)
}

// recordActor changes records as an operator (outbox replay, cancel). The
// action is audited with a.Actor and a.Reason.
type recordActor interface {
	// Apply moves the record; outbox.ErrNotFound, *outbox.TransitionError.
	Apply(ctx context.Context, id string, a outbox.Action) error
}

// storeChecker runs the store's consistency check (outbox check).
type storeChecker interface {
	// Check returns the problems found (none: a nil slice) or the error
	// that stopped the check.
	Check(ctx context.Context) (problems []string, err error)
}

// auditReader reads the audit chain (audit verify, export).
type auditReader interface {
	// AuditEntries calls fn for every entry from Seq from on, in order.
	AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error
	// Checkpoints returns every signed checkpoint.
	Checkpoints(ctx context.Context) ([]audit.Checkpoint, error)
}

// outboxBackend is everything the outbox and audit verbs use: one
// gateway's outbox, local or remote. Close releases it.
type outboxBackend interface {
	recordReader
	recordActor
	storeChecker
	auditReader
	Close() error
}

// remoteOpener connects to the daemon's admin API at server. The lead's
// admin API client (issue 11) provides one; newRootCmd's caller sets it.
// When the daemon does not answer it returns withExit(exitUnavailable,
// err) (exit 4); bad URLs are usage errors (usageError).
type remoteOpener func(ctx context.Context, server string) (outboxBackend, error)

// localStore is the bbolt store file as an outboxBackend.
type localStore struct{ *boltstore.Store }

// Check converts the store's *boltstore.CheckError into its problems.
func (l localStore) Check(ctx context.Context) ([]string, error) {
	err := l.Store.Check(ctx)
	var ce *boltstore.CheckError
	if errors.As(err, &ce) {
		return ce.Problems, nil
	}
	return nil, err
}

// storeFlags are the flags that say which gateway's outbox a verb works
// on: --store (a file), --server (a daemon) and --lock-timeout.
type storeFlags struct {
	store       string
	server      string
	lockTimeout time.Duration

	remote remoteOpener
}

// AddFlags adds the flags as persistent flags of a noun (outbox, audit).
func (o *storeFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", defaultStore, "the outbox store `FILE`")
	fs.StringVar(&o.server, "server", "", "the running daemon's admin API at `URL` (issue 11) instead of --store")
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
			return nil, usageError("--server %s: this build of xgate has no admin API client yet (issue 11); use --store on the gateway host", o.server)
		}
		return o.remote(ctx, o.server)
	}
	if err := o.checkFile(); err != nil {
		return nil, err
	}
	s, err := boltstore.Open(ctx, o.store, boltstore.Config{ReadOnly: how == readOnly, Timeout: o.lockTimeout})
	if err != nil {
		return nil, o.openError(err)
	}
	return localStore{s}, nil
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

// openError maps the store's open errors to exit codes.
func (o *storeFlags) openError(err error) error {
	if errors.Is(err, boltstore.ErrLocked) {
		return withExit(exitUnavailable, fmt.Errorf("%s is locked by another process, most likely a running xgate daemon "+
			"(waited %v): stop it, or use --server (%s) to go through its admin API", o.store, o.lockTimeout, envServer))
	}
	return withExit(exitError, err)
}
