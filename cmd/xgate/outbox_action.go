package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/outbox"
)

type outboxActionOptions struct {
	reason, state, partner string
}

func newOutboxReplayCmd(g *storeFlags) *cobra.Command {
	o := &outboxActionOptions{}
	cmd := &cobra.Command{
		Use:   "replay (ID... | --state failed|rejected [--partner K]) --reason TEXT",
		Short: "Queue failed or rejected records for delivery again",
		Long: `Replay moves failed or rejected records back to queued, due at once, with a
fresh attempt budget. Each replay is one audited transition with the actor
"operator:$USER" and --reason. Give record IDs, or --state (failed or
rejected) with an optional --partner to replay all of them.

Records keep their place in their ordering key: a replayed record is
delivered before later records of the same recipient and key that are still
waiting. Ctrl-C stops between two records; those done stay done and the
summary says how many.`,
		Example: `  xgate outbox replay --reason "certificate renewed (INC-4711)" 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11
  xgate outbox replay --state failed --partner dbs:499990020000 --reason "AZR outage over (INC-4712)"`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxAction(cmd.Context(), cmd, g, o, outbox.StateQueued, args)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the audit chain (required)")
	cmd.Flags().StringVar(&o.state, "state", "", "replay every record in this state: failed or rejected")
	cmd.Flags().StringVar(&o.partner, "partner", "", "with --state: only records of this partner")
	return exits(cmd,
		code(exitOK, "all replayed"),
		code(exitError, "some could not be (not found, or in a state that cannot be replayed; each is named on standard error), the store failed, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

func newOutboxCancelCmd(g *storeFlags) *cobra.Command {
	o := &outboxActionOptions{}
	cmd := &cobra.Command{
		Use:   "cancel ID... --reason TEXT",
		Short: "Cancel queued, failed or rejected records",
		Long: `Cancel ends records for good: queued ones are not delivered, failed and
rejected ones are not replayed. Each cancel is one audited transition with
the actor "operator:$USER" and --reason. A record being sent cannot be
cancelled; wait for its attempt to end.`,
		Example: `  xgate outbox cancel --reason "sent to the wrong authority (INC-4713)" 4f9a1c2e-6d1b-4c1e-9a57-0f3b8e2d7c11`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOutboxAction(cmd.Context(), cmd, g, o, outbox.StateCancelled, args)
		},
	}
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, for the audit chain (required)")
	return exits(cmd,
		code(exitOK, "all cancelled"),
		code(exitError, "some could not be (each is named on standard error), the store failed, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

func runOutboxAction(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *outboxActionOptions, to outbox.State, ids []string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	verb := map[outbox.State]string{outbox.StateQueued: "replay", outbox.StateCancelled: "cancel"}[to]
	done := map[outbox.State]string{outbox.StateQueued: "replayed", outbox.StateCancelled: "cancelled"}[to]
	switch {
	case strings.TrimSpace(o.reason) == "":
		return usageError("--reason is required: it goes into the audit chain")
	case o.state == "" && len(ids) == 0:
		return usageError("give record IDs or --state")
	case o.state != "" && len(ids) > 0:
		return usageError("give record IDs or --state, not both")
	case o.state != "" && o.state != string(outbox.StateFailed) && o.state != string(outbox.StateRejected):
		return errBadValue("state", o.state, "failed", "rejected")
	case o.partner != "" && o.state == "":
		return errNeeds("partner", "state")
	}
	actor, err := operatorActor()
	if err != nil {
		return err
	}
	s, err := g.open(ctx, cmd, readWrite)
	if err != nil {
		return err
	}
	defer s.Close()
	if o.state != "" {
		// Collect first: replaying changes the index being walked.
		f := outbox.Filter{Direction: outbox.DirOut, State: outbox.State(o.state), Partner: o.partner, Limit: 1000}
		for {
			rs, err := s.List(ctx, f)
			if err != nil {
				return err
			}
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			if len(rs) < f.Limit {
				break
			}
			f.AfterSeq = rs[len(rs)-1].Seq
		}
	}
	failed := 0
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "%d %s, %d refused, %d not done\n", i-failed, done, failed, len(ids)-i)
			return fmt.Errorf("%s: %w", verb, err)
		}
		err := s.Apply(ctx, id, outbox.Action{To: to, At: time.Now(), Actor: actor, Reason: o.reason})
		var te *outbox.TransitionError
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "%s %s\n", done, id)
		case errors.As(err, &te):
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: it is %s, which cannot be %s\n", verb, id, te.From, done)
		case errors.Is(err, admin.ErrUnavailable):
			// The daemon stopped answering: this one may or may not be
			// done, the rest are not.
			fmt.Fprintf(stderr, "xgate: %s %s: %v; it may or may not be %s (see xgate outbox show)\n", verb, id, err, done)
			fmt.Fprintf(stderr, "%d %s, %d refused, %d not done\n", i-failed, done, failed, len(ids)-i)
			return silentExit(exitUnavailable)
		case errors.Is(err, outbox.ErrNotFound):
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: no such record\n", verb, id)
		default:
			failed++
			fmt.Fprintf(stderr, "xgate: %s %s: %v\n", verb, id, err)
		}
	}
	fmt.Fprintf(stderr, "%d %s, %d refused\n", len(ids)-failed, done, failed)
	if failed > 0 {
		return silentExit(exitError)
	}
	return nil
}

// operator names the person acting, for the audit chain.
func operatorActor() (string, error) {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		return "", withExit(exitError, errors.New("cannot tell who you are: set USER"))
	}
	return "operator:" + name, nil
}
