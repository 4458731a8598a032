// Package scheduler is the outbox's delivery scheduler: the Relay claims
// due outbound records from an outbox store, hands them to a Deliverer
// (the transport), and settles the outcome — delivered, rejected, retry
// later, or failed.
//
// # Overview
//
//	relay, err := scheduler.New(scheduler.Config{Workers: 8}, store, transport)
//	go relay.Run(ctx)          // blocks until ctx is done
//	relay.Notify()             // after every Enqueue: wake up now
//	relay.Shutdown(shutdownCtx) // stop claiming, drain deliveries
//
// Retries follow the route's Policy (per partner kennung, with a default):
// exponential back-off with full jitter — after the n-th failed attempt
// the next comes after rand[0, min(Cap, Base·2^(n-1))] — until MaxAge
// after acceptance (default 72h) or MaxAttempts. A *RetryAfter from the
// transport (HTTP 429/503) sets a minimum wait. Permanent refusals
// (ErrPermanent: a signed Rückweisung, HTTP 4xx) go straight to rejected.
//
// Each partner has a circuit breaker: after BreakerThreshold consecutive
// transient failures it opens and the partner's records are left out of
// claims (ClaimParams.SkipPartners). When the breaker's own back-off
// (BreakerBase doubling to BreakerCap) expires, exactly one record of the
// partner is claimed as a probe; success closes the breaker, failure
// doubles the wait. A down partner thus sees one attempt per breaker
// interval, whatever its queue length, and other partners keep flowing.
//
// Order: the store's Claim hands out, per (partner, ordering key), only
// the oldest unfinished record, so a later message waits while an earlier
// one retries, and different keys never block each other. The Relay adds
// nothing to this but must not break it: it settles every claimed record.
//
// The Relay does not poll. It sleeps until the earliest of: the store's
// NextDue, a breaker's probe time, a Notify, the end of a delivery, and
// Config.MaxSleep (default 1m, the safety net for records made due by
// another process). An idle Relay over a large store costs nothing.
//
// # Caveats
//
// Store.NextDue cannot leave out partners with an open breaker. While such
// a partner has due records, NextDue reports a past time and hides the
// due times of other partners; the Relay then uses the retry times it set
// itself and the last exact NextDue, and otherwise wakes after MaxSleep. A
// record made due by another relay (or before a restart) in that window may
// be picked up up to MaxSleep late. A store that implements NextDueSkipper
// removes this: the Relay then asks for the next due time of the partners
// it can actually claim.
//
// Time comes from Config.Clock and jitter from Config.Rand, so tests can
// run the Relay on a fake clock. DeliverTimeout is measured on the wall
// clock (context deadlines); keep it below LeaseFor so that a slow
// delivery ends before another relay may claim the record again.
//
// Record.Attempts, as returned by Claim, counts the current attempt (the
// first claim returns 1), as the outbox.Store contract and its shared test
// suite define it; MaxAttempts compares against that number.
package scheduler
