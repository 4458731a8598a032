package scenario

import (
	"context"
	"slices"
	"time"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

// Scenario is one story of catalogue.md §6: steps run in order.
type Scenario struct {
	Name  string // short and unique: "arrival"
	Title string // one line for people: "Arrival: the MB reports a move-in, …"
	Steps []Step
}

// Step is one message a site's local software submits at its gateway's
// intake, and what must follow.
type Step struct {
	// Name is unique across all scenarios ("arrival-query"): Env keeps
	// what happened under it, and later steps refer to it.
	Name string
	// From is the sending site, To the site the message is for.
	From, To kennung.Role
	// Type is the message type Build makes.
	Type string
	// Build makes the message: header for From and To with a fresh
	// nachrichtenUUID, content from a shipped sample with the values that
	// must correspond taken from env (earlier messages and their answers).
	// It fails with ErrNotSent or ErrNoAnswer when a step it depends on has
	// not been sent or answered yet. It does not record anything in env:
	// the driver calls env.Sent with the bytes it submits.
	Build func(ctx context.Context, env *Env) ([]byte, error)
	// Expect lists the business answers the receiving site's software (a
	// peer.Responder) sends back, in any order; empty: none is expected.
	// Transport receipts (900001), rejections (900010) and reminders
	// (900021) come from the gateways and are not listed.
	Expect []string
	// AfterAnswer, if set, checks each business answer when it arrives
	// (e.g. that the 090098 carries the AZR number the step asked about);
	// an error fails the step. env already holds the answer.
	AfterAnswer func(ctx context.Context, env *Env, a Answer) error
	// Fault is what the driver does around this step besides submitting.
	Fault Fault
}

// FaultKind says what goes wrong on purpose in a step (§6 "Trouble").
type FaultKind int

const (
	// NoFault: submit, wait for the transport receipt and the answers.
	NoFault FaultKind = iota
	// PartnerDown: the To site is stopped before the message is submitted
	// and started again after Fault.Down. Delivery waits (retries) and
	// resumes; the receipt and the answers come after the restart.
	PartnerDown
	// Rejected: the message (its header names To as leser) is sealed for
	// and delivered to the site of Fault.Via instead, which refuses it with
	// a signed Rückweisung (900010) carrying Fault.Code (T080: leser is not
	// that gateway). The record ends rejected without retry; no business
	// answer comes. A driver whose intake refuses a leser that differs from
	// the recipient seals and delivers the bytes itself (xml/secure.Seal,
	// gateway/wire.Client) with the From site's keys.
	Rejected
	// LateAnswer: the message's root attribute test carries
	// peer.MarkLate, so the partner's answer is held back
	// (peer.Config.LateDelay). The driver configures the From site's
	// deadline for Type shorter than that: the From gateway sends an
	// Erinnerung (900021) to To before the answer arrives.
	LateAnswer
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case NoFault:
		return "none"
	case PartnerDown:
		return "partner-down"
	case Rejected:
		return "rejected"
	case LateAnswer:
		return "late-answer"
	}
	return "unknown"
}

// Fault is a fault a step provokes.
type Fault struct {
	Kind FaultKind
	// Down is how long the To site stays down (PartnerDown).
	Down time.Duration
	// Via is the site that receives the message instead of To, and Code
	// the code its Rückweisung carries (Rejected).
	Via  kennung.Role
	Code errcode.Code
}

// Answer is a business answer a step's message drew.
type Answer struct {
	Type      string // "090098"
	UUID      string // its nachrichtenUUID
	Ausloeser string // its ausloeserUUID: the step message's nachrichtenUUID
	XML       []byte
}

// GatewayTypes are the types no scenario step and no peer makes: the
// gateways make them themselves (transport receipt, technical rejection,
// reminder).
func GatewayTypes() []string {
	return []string{catalogue.TypeTransportquittung, catalogue.TypeRueckweisung, catalogue.TypeErinnerung}
}

// All returns the scenarios of catalogue.md §6, in order, and one more
// ("queries") for the register's other answers and push notices; across
// them, with the peers' answers and GatewayTypes, every message type of the
// catalogue crosses the wire.
func All() []Scenario {
	return []Scenario{arrival(), asylum(), employment(), newPerson(), departure(), trouble(), queries()}
}

// Types returns the types the steps of the scenarios send and the answers
// they expect, sorted and without repeats.
func Types(scs []Scenario) []string {
	var out []string
	for _, sc := range scs {
		for _, st := range sc.Steps {
			out = append(out, st.Type)
			out = append(out, st.Expect...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
