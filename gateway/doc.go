// Package gateway will hold the daemon (xgate serve): the intake API for
// local case-management software, the signed routing directory, mTLS
// transport, the inbound endpoint, receipts, watermill routing between the
// stages, metrics and health.
//
// # Overview
//
// Not built yet. The parts it composes exist: validation (xml/validate),
// message security (xml/secure, certs) and the durable outbox (outbox,
// outbox/boltstore, outbox/scheduler, outbox/wmbolt).
package gateway
