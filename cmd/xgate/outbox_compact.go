package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/outbox/boltstore"
)

func newOutboxCompactCmd(g *storeFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the store file to give back the space of deleted data",
		Long: `Compact rewrites the store file: bbolt never shrinks a file by itself, so
the space of expired inbound records stays in it. Compact copies every
bucket and key into a new file beside the store, compares the copy with
the original bucket by bucket, fsyncs it and renames it over the
original. Until then the original is untouched: an error or Ctrl-C
removes the copy and leaves the store as it was. It prints the size
before and after; progress goes to standard error on long runs.

It needs the file to itself: it refuses while the daemon or any other
xgate command has it open (after --lock-timeout, exit 4). Stop the daemon
first; --server does not apply. The copy needs free disk space of about
the size of the live data.`,
		Example: `  systemctl stop xgate
  xgate outbox compact --store /var/lib/xgate/outbox.db
  systemctl start xgate`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOutboxCompact(cmd.Context(), cmd, g)
		},
	}
	return exits(cmd,
		code(exitOK, "compacted"),
		code(exitError, "not an xgate store, I/O error, interrupted (the store is unchanged)"),
		codeUsage(),
		code(exitUnavailable, "the store is held by a running daemon or another xgate command"))
}

func runOutboxCompact(ctx context.Context, cmd *cobra.Command, g *storeFlags) error {
	if source(cmd, "server") == "flag" {
		return usageError("compact works on the store file itself, with the daemon stopped: --server does not apply")
	}
	if g.lockTimeout <= 0 {
		return usageError("--lock-timeout must be positive")
	}
	if strings.HasPrefix(g.store, "postgres:") {
		return usageError("compact rewrites a bbolt store file; PostgreSQL gives space back by itself (autovacuum)")
	}
	if err := g.checkFile(); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	res, err := boltstore.Compact(ctx, g.store, boltstore.CompactConfig{
		Timeout: g.lockTimeout,
		Progress: func(n int64) {
			fmt.Fprintf(stderr, "compacting %s: %s written\n", g.store, mib(n))
		},
	})
	switch {
	case errors.Is(err, boltstore.ErrLocked):
		return withExit(exitUnavailable, fmt.Errorf("%s is held by another process, most likely a running xgate daemon "+
			"(waited %v): stop it first; compaction needs the file to itself", g.store, g.lockTimeout))
	case err != nil:
		return err
	}
	saved := res.Before - res.After
	fmt.Fprintf(cmd.OutOrStdout(), "compacted %s: %d → %d bytes (%s → %s, %s given back)\n",
		g.store, res.Before, res.After, mib(res.Before), mib(res.After), mib(saved))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
