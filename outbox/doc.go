// Package outbox is xgate's durable store of outbound and inbound messages:
// the contract every backend implements, the state machine, and the
// sentinel errors.
//
// # Overview
//
// The promise (reliability.md): a message accepted by the gateway is
// delivered exactly once in effect, or an operator is told why not —
// through crashes, restarts and partner outages. At-least-once on the wire;
// the receiver de-duplicates by nachrichtenUUID.
//
// Outbound records move through
//
//	queued ──claim──▶ sending ──Delivered──▶ delivered ──Answered──▶ answered
//	  ▲                 │  │
//	  └──── Retry ──────┘  └── Rejected ──▶ rejected
//	  │  attempts or age exhausted (Failed) ──▶ failed
//	  └──── operator Replay ◀── failed | rejected
//	        operator Cancel ──▶ cancelled
//
// Inbound records move received → handed-over → acknowledged.
//
// Every transition is one store transaction together with one audit entry
// (package outbox/audit). After a crash, Open of a backend moves sending
// records back to queued; nothing else needs repair.
//
// Optional capabilities are separate interfaces that callers detect with a
// type assertion: AuditLog (the hash chain), Expirer (de-duplication
// retention) and Checker (a full consistency check).
//
// Backends live in subpackages (outbox/boltstore; a PostgreSQL store can
// follow) and pass the shared behavioural suite in outbox/outboxtest.
//
// # Caveats
//
// Time never comes from time.Now inside a store: it is passed in
// (ClaimParams.Now, Transition.At) or read from the injected Clock.
package outbox
