package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/internal/escape"
)

type outboxCheckOptions struct{ format formatFlag }

// checkJSON is the JSON shape of check's result.
type checkJSON struct {
	Store    string   `json:"store"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
}

func newOutboxCheckCmd(g *storeFlags) *cobra.Command {
	o := &outboxCheckOptions{}
	cmd := &cobra.Command{
		Use:   "check [--format table|json]",
		Short: "Check the store's consistency (records, indexes, counters, audit links)",
		Long: `Check reads the whole store in one read transaction and verifies that every
record decodes and has a valid state with the fields that state requires
(a lease exactly while sending); that every index (ids, states, partners,
ordering chains, due times, counters, de-duplication) holds exactly what
the records imply; that every record's last audit entry names its state;
that the audit chain links (each hash recomputed, each entry pointing to
the one before, numbered from 1); and that every checkpoint names the
hash of its entry. It lists the first 50 problems.

It does not check checkpoint signatures: "xgate audit verify" does. The
file is opened read-only.`,
		Example: `  xgate outbox check --store /var/lib/xgate/outbox.db

  # in a nightly job on a copy of the file
  cp --reflink=auto outbox.db /tmp/copy.db && xgate outbox check --store /tmp/copy.db --format json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOutboxCheck(cmd.Context(), cmd, g, o)
		},
	}
	addFormatFlag(cmd.Flags(), &o.format)
	return exits(cmd,
		code(exitOK, "the store is consistent"),
		code(exitError, "the store could not be read, interrupted"),
		codeUsage(),
		code(exitFailed, "the check failed: the problems are listed"),
		codeStoreBusy())
}

func runOutboxCheck(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *outboxCheckOptions) error {
	s, err := g.open(ctx, cmd, readOnly)
	if err != nil {
		return err
	}
	defer s.Close()
	problems, err := s.Check(ctx)
	if err != nil {
		return fmt.Errorf("outbox check: %w", err)
	}
	name := g.sourceName(cmd)
	w := cmd.OutOrStdout()
	if o.format.json() {
		if err := writeJSON(w, checkJSON{Store: name, OK: len(problems) == 0, Problems: append([]string{}, problems...)}); err != nil {
			return err
		}
	} else if len(problems) == 0 {
		fmt.Fprintf(w, "ok: %s is consistent\n", name)
	} else {
		fmt.Fprintf(w, "%s: %d problem(s):\n", name, len(problems))
		for _, p := range problems {
			fmt.Fprintf(w, "  %s\n", escape.Line(p))
		}
	}
	if len(problems) > 0 {
		return failedError("outbox check: %s has %d problem(s)", name, len(problems))
	}
	return nil
}
