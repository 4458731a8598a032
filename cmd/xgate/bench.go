package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/gateway/bench"
	"github.com/xgate/xgate/gateway/devnet"
)

type benchOptions struct {
	messages    int
	concurrency int
	keep        string
	profile     bool
	binary      string
	format      formatFlag
}

func newBenchCmd(a *app) *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure end-to-end throughput between two gateways on loopback",
		Long: `Bench starts two gateways as separate processes on loopback (an ABH
sending, an MB receiving) with a fresh development PKI, submits N
messages at concurrency C through the sender's intake API and waits for
each verified transport receipt. It prints messages per second, the
latency from intake to verified receipt (p50, p95, p99), the CPU time of
both gateways while the messages went through (their
process_cpu_seconds_total from the first submission until every record
settled; start-up and shutdown apart), and the ratio to this machine's bound, measured in the
same run: cores ÷ the CPU time of the three RSA-3072 private-key
operations every message needs (the sender's signature, the receiver's
key decryption, the receiver's receipt signature), the medians of
samples taken before, during and after the run. The gateways count
those operations and the CPU time they take (xgate_private_key_* in
/metrics): bench splits the CPU per message into the private-key
operations and everything else, and prints the ceiling, the ratio the
run would reach if everything else cost nothing.

Then it measures the floor in its own process: the steps no gateway can
skip, each alone (validate at intake, seal, open, validate inbound,
signed receipt, verify receipt, the intake's HTTP POST and the mutual-TLS
delivery as bare exchanges on loopback, the sealed and the opened message
written to bbolt with C to a commit), next to the three private-key
operations alone, interleaved with them. Its ratio is the most any run
can reach on this machine.`,
		Example: `  xgate bench
  xgate bench --messages 2000 --concurrency 64 --format json
  xgate bench --keep /tmp/run --profile && go tool pprof -top /tmp/run/mb/cpu.pprof`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), cmd, a, o)
		},
	}
	fs := cmd.Flags()
	fs.IntVar(&o.messages, "messages", 1000, "`N` messages")
	fs.IntVar(&o.concurrency, "concurrency", 32, "`C` submissions in flight")
	fs.StringVar(&o.keep, "keep", "", "keep the PKI, stores and logs in `DIR` (must not exist)")
	fs.BoolVar(&o.profile, "profile", false, "each gateway writes a Go CPU profile to DIR/<site>/cpu.pprof (needs --keep DIR)")
	fs.StringVar(&o.binary, "binary", "", "the xgate `FILE` that runs the two gateways (default: this one)")
	addFormatFlag(fs, &o.format)
	return exits(cmd,
		code(exitOK, "every message was delivered; the numbers are printed"),
		code(exitError, "a gateway failed, a message was not delivered, interrupted"),
		codeUsage())
}

func runBench(ctx context.Context, cmd *cobra.Command, a *app, o *benchOptions) error {
	if o.messages < 1 || o.concurrency < 1 {
		return usageError("--messages and --concurrency must be at least 1")
	}
	exe := o.binary
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	gen, err := devnet.NewGenerator()
	if err != nil {
		return err
	}
	if o.profile && o.keep == "" {
		return usageError("--profile needs --keep DIR: the profiles are written there")
	}
	if o.keep != "" {
		if _, err := os.Stat(o.keep); err == nil {
			return usageError("--keep %s: exists already", o.keep)
		}
	}
	start := time.Now()
	res, err := bench.Run(ctx, bench.Config{
		Exe: exe, Dir: o.keep, Profile: o.profile, GenerateKey: a.generateKey, Messages: o.messages, Concurrency: o.concurrency,
		Progress: cmd.ErrOrStderr(),
		Message: func(i int, from, to devnet.Site) ([]byte, error) {
			data, _, _, err := gen.Anmeldung(i, 64, from.Identity, to.Identity)
			return data, err
		},
	})
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if o.format.json() {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(w, "%s\n", b)
		return nil
	}
	fmt.Fprintf(w, "messages      %d delivered of %d at concurrency %d in %.1fs (run %.1fs)\n", res.Delivered, res.Messages, res.Concurrency, res.Seconds, time.Since(start).Seconds())
	fmt.Fprintf(w, "throughput    %.1f messages/s\n", res.PerSecond)
	fmt.Fprintf(w, "latency       p50 %.0f ms, p95 %.0f ms, p99 %.0f ms (intake → verified receipt)\n", res.P50ms, res.P95ms, res.P99ms)
	fmt.Fprintf(w, "cpu           %.1f s for both gateways while the messages went through, %.2f ms per message (sender %.2f, receiver %.2f); %.1f s in their whole run\n", res.CPUSeconds, res.CPUPerMsg, res.SenderCPUPerMsg, res.ReceiverCPUPerMsg, res.RunCPUSeconds)
	if res.KeyOps > 0 {
		fmt.Fprintf(w, "keys          %.2f ms per message in the gateways' private-key operations (%.1f per message; %.2f ms isolated)\n", res.KeyCPUPerMsg, res.KeyOps, 2*res.SignMs+res.DecryptMs)
		fmt.Fprintf(w, "other         %.2f ms per message (everything but the private-key operations)\n", res.OtherCPUPerMsg)
	} else {
		fmt.Fprintf(w, "keys          not measured: the gateways report no private-key operations (an older --binary?)\n")
	}
	if res.SenderCommits > 0 {
		fmt.Fprintf(w, "commits       %.2f per message at the sender, %.2f at the receiver (store transactions, each fsync'd)\n", res.SenderCommits, res.ReceiverCommits)
	}
	fmt.Fprintf(w, "bound         %.1f messages/s = %d cores ÷ (2 × %.2f ms sign + %.2f ms decrypt), medians of %d samples before, during and after the run\n", res.Bound, res.Cores, res.SignMs, res.DecryptMs, res.RSASamples)
	fmt.Fprintf(w, "ratio         %.2f\n", res.Ratio)
	if res.Ceiling > 0 {
		fmt.Fprintf(w, "ceiling       %.2f = the ratio if everything but the private-key operations cost nothing\n", res.Ceiling)
	}
	if f := res.Floor; f != nil {
		fmt.Fprintf(w, "floor         %.2f = the ratio if a message cost only the steps no gateway can skip, each alone in this process\n", f.Ratio)
		fmt.Fprintf(w, "              (no scheduling, logging, metrics, indexes or audit): the three keys alone %.2f ms ÷ these %.2f ms\n", f.KeysMs, f.TotalMs)
		for _, s := range f.Steps {
			fmt.Fprintf(w, "                %6.2f ms  %s\n", s.Ms, s.Name)
		}
		fmt.Fprintf(w, "              in them, the three RSA public-key operations alone (encrypt, verify, verify) take %.2f ms\n", f.PublicMs)
	}
	return nil
}
