package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/xgate/xgate/xml/kennung"
)

// Deliver hands msg from the site of role from to the local software of
// the site of role to, and returns the business answers that software
// makes (for a partner: its peer.Responder's answers).
type Deliver func(ctx context.Context, from, to kennung.Role, msg []byte) ([][]byte, error)

// RunLocal plays sc without gateways: for each step it builds the message,
// records it in env, hands it to deliver, records the answers, runs
// AfterAnswer, hands each answer back to the sending site (whose software
// must not answer an answer) and compares the answer types with Expect.
// A Rejected step's message is built and recorded but not delivered (its
// gateway would refuse it); PartnerDown and LateAnswer steps are delivered
// at once. It is the reference for what a demo driver does across real
// gateways, and the scenarios' test.
func RunLocal(ctx context.Context, sc Scenario, env *Env, deliver Deliver) error {
	for _, st := range sc.Steps {
		if err := runLocalStep(ctx, st, env, deliver); err != nil {
			return fmt.Errorf("scenario %s, step %s: %w", sc.Name, st.Name, err)
		}
	}
	return nil
}

func runLocalStep(ctx context.Context, st Step, env *Env, deliver Deliver) error {
	msg, err := st.Build(ctx, env)
	if err != nil {
		return err
	}
	if _, err := env.Sent(st.Name, msg); err != nil {
		return err
	}
	if st.Fault.Kind == Rejected {
		return nil
	}
	out, err := deliver(ctx, st.From, st.To, msg)
	if err != nil {
		return err
	}
	var got []string
	for _, b := range out {
		a, step, err := env.Received(b)
		if err != nil {
			return err
		}
		if step != st.Name {
			return fmt.Errorf("answer %s %s belongs to step %s", a.Type, a.UUID, step)
		}
		got = append(got, a.Type)
		if st.AfterAnswer != nil {
			if err := st.AfterAnswer(ctx, env, a); err != nil {
				return err
			}
		}
		back, err := deliver(ctx, st.To, st.From, b)
		if err != nil {
			return fmt.Errorf("answer %s back to %s: %w", a.Type, st.From, err)
		}
		if len(back) > 0 {
			return errors.New("the sending site answered an answer")
		}
	}
	want := slices.Clone(st.Expect)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("answers %v, want %v", got, want)
	}
	return nil
}
