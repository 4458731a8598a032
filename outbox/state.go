package outbox

import "slices"

// State is the state of a record.
type State string

// Outbound states.
const (
	StateQueued    State = "queued"
	StateSending   State = "sending"
	StateDelivered State = "delivered"
	StateAnswered  State = "answered"
	StateRejected  State = "rejected"
	StateFailed    State = "failed"
	StateCancelled State = "cancelled"
)

// Inbound states.
const (
	StateReceived     State = "received"
	StateHandedOver   State = "handed-over"
	StateAcknowledged State = "acknowledged"
)

// OutboundStates lists the outbound states in lifecycle order.
func OutboundStates() []State {
	return []State{StateQueued, StateSending, StateDelivered, StateAnswered, StateRejected, StateFailed, StateCancelled}
}

// InboundStates lists the inbound states in lifecycle order.
func InboundStates() []State {
	return []State{StateReceived, StateHandedOver, StateAcknowledged}
}

// transitions is the state machine: from → allowed targets.
var transitions = map[State][]State{
	StateQueued:       {StateSending, StateCancelled},
	StateSending:      {StateQueued, StateDelivered, StateRejected, StateFailed},
	StateDelivered:    {StateAnswered},
	StateRejected:     {StateQueued, StateCancelled},
	StateFailed:       {StateQueued, StateCancelled},
	StateReceived:     {StateHandedOver},
	StateHandedOver:   {StateAcknowledged},
	StateAnswered:     nil,
	StateCancelled:    nil,
	StateAcknowledged: nil,
}

// CanTransition reports whether the state machine allows from → to.
func CanTransition(from, to State) bool { return slices.Contains(transitions[from], to) }

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := transitions[s]; return ok }

// Final reports whether no transition leaves s.
func (s State) Final() bool { return len(transitions[s]) == 0 }
