package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/gateway/demo"
)

type demoOptions struct {
	keep   string
	step   time.Duration
	format formatFlag
}

// newDemoCmd is xgate demo: the real gateway demo (make demo runs it).
// The sample check it ran before is xgate conformance check.
func newDemoCmd(a *app) *cobra.Command {
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job on the embedded default and report",
		Long: `Demo starts an ABH gateway and its five partners — Meldebehörde, AZR,
BAMF, Bundesagentur für Arbeit, Jobcenter — as separate gateways in this
process, each with its own store, keys and listeners, on a fresh
development PKI and signed routing directory in a temporary folder. They
talk only over loopback mutual TLS. The partners answer as xgate peer
does; the demo plays the ABH's local software. It runs the scenarios of
catalogue §6 (arrival, asylum granted, employment, new person,
departure, trouble: a partner down, a misrouted message rejected, a late
answer reminded) so that every message type crosses the wire signed and
encrypted.

It prints one row per message (type, from → to, state, receipt
verified, answered, ms) and exits 0 only if every message arrived with a
verified receipt (or was rejected on purpose), every due answer came and
every type of the catalogue crossed the wire. --keep DIR keeps the PKI,
directory, configurations, stores and logs: afterwards
  xgate outbox list --store DIR/abh/outbox.db
  xgate audit verify --store DIR/abh/outbox.db --checkpoint-cert DIR/pki/abh/signing.pem
work on each site. The sample check is xgate conformance check.`,
		Example: `  xgate demo
  xgate demo --format json > demo.json
  xgate demo --keep /tmp/xgate-demo && xgate outbox list --store /tmp/xgate-demo/abh/outbox.db`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd, a, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.keep, "keep", "", "keep the PKI, directory, stores and logs in `DIR` (must not exist)")
	fs.DurationVar(&o.step, "step-timeout", 20*time.Second, "how long one scenario step may take (`D`)")
	addFormatFlag(fs, &o.format)
	return exits(cmd,
		code(exitOK, "every message arrived with a verified receipt and every due answer came"),
		code(exitError, "a gateway could not start, interrupted"),
		codeUsage(),
		code(exitFailed, "a message did not arrive, an answer did not come, or a type did not cross the wire"))
}

func runDemo(ctx context.Context, cmd *cobra.Command, a *app, o *demoOptions) error {
	if o.step <= 0 {
		return usageError("--step-timeout must be positive")
	}
	if o.keep != "" {
		if _, err := os.Stat(o.keep); err == nil {
			return usageError("--keep %s: exists already; name a new folder", o.keep)
		}
	}
	cfg := demo.Config{Dir: o.keep, StepTimeout: o.step, GenerateKey: a.generateKey, Progress: cmd.ErrOrStderr()}
	res, err := demo.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	w := cmd.OutOrStdout()
	if o.format.json() {
		enc := json.NewEncoder(w)
		for _, r := range res.Rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tNAME\tFROM → TO\tSTATE\tRECEIPT\tANSWERED\tMS")
		for _, r := range res.Rows {
			receipt, answered := mark(r.Receipt), "-"
			if r.Rejection != "" {
				receipt = "rejected " + r.Rejection
			}
			if r.ExpectsAns {
				answered = mark(r.Answered)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s → %s\t%s\t%s\t%s\t%d\n", r.Type, r.Name, r.From, r.To, r.State, receipt, answered, r.Millis)
		}
		_ = tw.Flush()
		fmt.Fprintf(w, "\n%d messages of %d types crossed the wire in %.1fs\n", len(res.Rows), res.Types, res.Elapsed.Seconds())
		if o.keep != "" {
			fmt.Fprintf(w, "kept in %s\n", o.keep)
		}
	}
	if !res.OK() {
		for _, p := range res.Problems {
			fmt.Fprintf(cmd.ErrOrStderr(), "xgate demo: %s\n", p)
		}
		return withExit(exitFailed, fmt.Errorf("%d problems", len(res.Problems)))
	}
	return nil
}

// mark is yes or no in the demo's table.
func mark(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
