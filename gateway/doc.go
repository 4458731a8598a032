// Package gateway is the daemon (xgate serve): the intake API for local
// case-management software, delivery to partners over mutual TLS with
// signed receipts, the inbound endpoint, hand-over to local software,
// answers due and reminders, metrics and health. It composes what the
// other packages provide: validation (xml/validate), message security
// (xml/secure, certs), the signed routing directory (gateway/directory),
// the wire protocol (gateway/wire), the durable outbox (outbox, its
// stores) and the delivery scheduler (outbox/scheduler).
//
// # Overview
//
// Outbound: POST /v1/messages → validate → autor is this gateway, the
// directory lets it send that type to the leser → seal (sign, then encrypt
// for the leser's newest encryption certificate) → Enqueue, fsync'd → 202
// with the id and a status URL. The relay claims due records and posts the
// sealed bytes to the partner's /v1/transport; a verified
// Transportquittung (900001) moves the record to delivered and is kept as
// evidence, a verified Rückweisung (900010) to rejected, anything else is
// retried with back-off behind a per-partner circuit breaker.
//
// Inbound: POST /v1/transport (mutual TLS) → open (decrypt, verify the
// signature and the signer's certificate) → the leser is this gateway, the
// client certificate and the signing certificate belong to the autor's
// directory entry, the directory lets the autor send that type here →
// validate → de-duplicate → Receive, fsync'd → only then the signed
// Transportquittung; any failure draws a signed Rückweisung with its XÖV
// codes, a duplicate the original receipt again.
//
// Hand-over: an inbound business answer moves the original record to
// answered (correlated by ausloeserUUID); the message then goes to local
// software — pulled from GET /v1/inbox and acknowledged with POST
// /v1/inbox/{id}/ack, or pushed to a webhook whose 2xx is the
// acknowledgement — or, in a simulated partner (xgate peer), to a
// Responder whose answers go out through Submit like any other message.
//
// Answers due: a message whose type expects an answer gets a deadline
// (the catalogue's, or the configured override); the sweep sends an
// Erinnerung (900021) for each delivered record past it, at most
// Options.Reminders (the schema allows levels 1 to 3).
//
// # Stages and the hand-off between them
//
// The outbox records are the only durable hand-off between stages. A
// stage's work and the state change it causes commit in one store
// transaction (Enqueue, Settle, Receive, Apply), and the event that starts
// the next stage is published afterwards on a watermill router (an
// in-process GoChannel with the correlation-id, retry, recoverer and
// poison-queue middlewares, logging through watermill's slog adapter).
// Every handler is idempotent on the record id: it reads the record and
// acts only on the state it expects. An event lost in a crash between the
// commit and the publish is harmless, because the sweep re-publishes every
// record still waiting in that state, at start and every SweepEvery.
//
// Why not watermill's durable pub/sub (outbox/wmbolt) between stages:
// "enqueue, then publish" would span two bbolt files and two fsyncs, and
// a crash between them would either lose the event or need the very
// recovery scan the record states already give. With the records as the
// hand-off, a message costs one fsync at intake and one at receipt, and
// crash recovery is the sweep plus the store's lease expiry.
//
// # Several instances on one database
//
// With store.kind postgres several gateway processes of one site share
// one outbox (outbox/pgstore); any of them may take in a message, deliver
// a record or receive a partner's delivery. The record states stay the
// only hand-off between stages, between instances too, and the store's
// transitions are the arbiter of who did what:
//
//   - Outbound: an instance's intake enqueues and wakes its own relay;
//     every relay claims due heads with FOR UPDATE SKIP LOCKED under a
//     lease naming its process (site.InstanceOwner), so a record is
//     claimed by one relay at a time. A relay wakes at least every
//     site.PollShared to find records another instance accepted and did
//     not deliver; a dead instance's claims are due again when their
//     leases run out (re-claimed with a lease-expiry audit entry), and a
//     stopping instance hands its unfinished ones back at once.
//   - Inbound: de-duplication is the primary key of xgate_dedup, so a
//     message delivered to two instances is stored once and both answer
//     with the same receipt. The instance that stored it publishes the
//     hand-over event; another instance's sweep leaves the record alone
//     for Options.HandoverGrace (the delivery lease) and takes it over only
//     after that — a receiving instance that died.
//   - Every transition an instance makes is Apply or Settle on the record:
//     if two instances race, the second gets a *outbox.TransitionError (or
//     outbox.ErrLeaseLost) and does nothing more; an answer, a reminder or
//     a Responder's reply has a derived nachrichtenUUID, so the second
//     instance's copy is refused by the intake's de-duplication. A
//     message is recorded handed over, acknowledged or answered once.
//
// The events between the stages travel through watermill's SQL pub/sub
// (watermill-sql, Options.Events, gateway/site events.go) in the same
// database: a table per topic, one consumer group per handler and site
// shared by all instances, so an event published by one instance is
// handled by one of them (an enqueued record wakes one relay, a received
// message is handed over by one instance), and an instance that starts
// picks up what the group has not acknowledged. The publish does not share
// the record's transaction: the event only says "record X is ready", which
// the record's state already says durably, every handler is idempotent on
// the record id, and a lost event costs a wake-up, never a message — the
// relay polls the store (NextDue, PollShared) and the sweep re-publishes
// what waits. A transactional publish would need a hook in every store
// write for no gain in safety. With bbolt (one instance) the events stay
// in-process (GoChannel).
//
// Side effects outside the store are as at-least-once as on one instance:
// a webhook push whose 2xx was lost in a crash is pushed again, and so is
// one whose receiving instance keeps failing to push it beyond the grace
// (X-Xgate-Id tells local software it has it); local software pulling
// GET /v1/inbox from several instances gets each message until it
// acknowledges it, and the acknowledgement takes effect once.
//
// Derived ids make the gateway's own messages idempotent: an Erinnerung's
// nachrichtenUUID is a name-based UUID of the original and its level, a
// Responder's answer one of the inbound id and its position, so a repeat
// after a crash is refused by the intake's de-duplication.
//
// # Logs and metrics
//
// Logs (slog, JSON in the daemon) carry record ids, type codes, kennungen,
// states and XÖV codes, never message content: no names, birth dates or
// addresses. /metrics (Prometheus) has records by state, deliveries by
// partner and result, Rückweisungen by code, the intake→receipt latency
// histogram, certificate days to expiry, breaker state per partner, the
// directory's age, serial and expiry, and the private-key operations of
// the message keys (signatures, key decryption; not TLS) with the CPU time
// of the thread that ran each (internal/keycpu); /healthz answers while the
// process runs, /readyz when the store answers and the directory is
// current.
package gateway
