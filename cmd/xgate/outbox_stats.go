package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/outbox"
)

func newOutboxStatsCmd(g *storeFlags) *cobra.Command {
	var format formatFlag
	cmd := &cobra.Command{
		Use:   "stats [--format table|json]",
		Short: "Count records by state",
		Long: `Stats prints how many records are in each state (kept as counters, so it is
instant on any store size), the creation time of the oldest queued record
and the size of the file.`,
		Example: `  xgate outbox stats
  xgate outbox stats --format json --store /var/lib/xgate/outbox.db`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context(), cmd, readOnly)
			if err != nil {
				return err
			}
			defer s.Close()
			st, err := s.Stats(cmd.Context())
			if err != nil {
				return err
			}
			return printStats(cmd.OutOrStdout(), st, format)
		},
	}
	addFormatFlag(cmd.Flags(), &format)
	return exits(cmd,
		code(exitOK, "shown"),
		code(exitError, "the store could not be read, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

type statsJSON struct {
	Outbound     map[outbox.State]int `json:"outbound"`
	Inbound      map[outbox.State]int `json:"inbound"`
	OldestQueued string               `json:"oldest_queued,omitempty"`
	SizeBytes    int64                `json:"size_bytes"`
}

func printStats(w io.Writer, st outbox.Stats, format formatFlag) error {
	if format.json() {
		return writeJSON(w, statsJSON{Outbound: st.Outbound, Inbound: st.Inbound, OldestQueued: outboxTSOrEmpty(st.OldestQueued), SizeBytes: st.SizeBytes})
	}
	for _, part := range []struct {
		name   string
		states []outbox.State
		counts map[outbox.State]int
	}{{"Outbound", outbox.OutboundStates(), st.Outbound}, {"Inbound", outbox.InboundStates(), st.Inbound}} {
		total := 0
		for _, s := range part.states {
			total += part.counts[s]
		}
		fmt.Fprintf(w, "%-16s%10d\n", part.name, total)
		for _, s := range part.states {
			fmt.Fprintf(w, "  %-14s%10d\n", s, part.counts[s])
		}
	}
	if !st.OldestQueued.IsZero() {
		fmt.Fprintf(w, "Oldest queued: %s\n", outboxTS(st.OldestQueued))
	}
	fmt.Fprintf(w, "Store size: %d bytes\n", st.SizeBytes)
	return nil
}
