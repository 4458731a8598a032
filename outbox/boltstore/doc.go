// Package boltstore is the outbox.Store on a single bbolt file: the
// default for one gateway.
//
// # Overview
//
//	s, err := boltstore.Open(ctx, "/var/lib/xgate/outbox.db", boltstore.Config{Logger: log, MaxSize: 8 << 30})
//	defer s.Close()
//	err = s.Enqueue(ctx, outbox.Message{ID: uuid, Partner: "dbs:azr-bva", Sealed: b, At: now})
//
// Every write method is one bbolt read-write transaction that contains the
// state change, all index updates and the audit entry (outbox/audit) that
// records it. Writes from concurrent goroutines share transactions: a
// committer goroutine takes the first waiting operation, adds everything
// else that is waiting (up to Config.MaxBatch) and commits once; each
// caller returns after the fsync of the commit that holds its operation
// (group commit; Config.CommitLinger keeps a commit open a little for
// writers that come later, off by default). If an operation fails in a
// way that may have left partial writes, the shared transaction is rolled
// back and each operation of the group runs again alone, so one bad
// operation never fails its neighbours. Reads (Get, List, NextDue, Stats,
// the audit log) are bbolt read transactions and run concurrently.
//
// A read-write Open moves every sending record back to queued (audited,
// actor "recovery"); nothing else needs repair after a crash. Check
// verifies the whole file (records, indexes, due entries, counts, audit
// chain links, checkpoint heads) and returns a *CheckError listing what it
// found; the crash test runs it after every kill -9.
//
// Compact rewrites the file (bbolt's Compact into a new file beside it,
// compared bucket by bucket, fsync'd, renamed over the original) to give
// back the space that Expire freed inside it. It holds the file's
// exclusive lock throughout, so it refuses to run beside a daemon.
//
// # Bucket layout
//
// Integers are 8-byte big-endian. A time in a key is its UnixNano as
// uint64 with the sign bit flipped, so that keys sort by time. Dir is one
// byte, 'o' (outbound) or 'i' (inbound). IDs, partner names and ordering
// keys contain no NUL byte; NUL separates key parts. Records and bodies
// are keyed by Seq, so that new ones are appended (random nachrichtenUUIDs
// would rewrite pages all over the file on every commit); index entries
// whose key says everything have empty values, except by_state, which
// carries a copy of the record's metadata.
//
//	meta             "format" → "xgate-outbox-1"; bucket sequence = last lease token
//	records          Seq → record JSON without bodies: dir, id, state, attempts,
//	                 times, last error, lease, ordering key, and "due" (the time
//	                 of its due entry); bucket sequence = last Seq
//	ids              Dir+ID → Seq
//	bodies           Seq+kind → bytes; kind 's' sealed, 'e' evidence, 'o' opened,
//	                 'r' receipt
//	by_state         state+NUL+Seq → copy of the record JSON     (all records; a
//	                 covering index: listing a state reads only this range)
//	by_partner       partner+NUL+Seq                             (all records)
//	by_order         partner+NUL+orderingKey+NUL+Seq             (outbound queued or sending)
//	due              partner+NUL+time+Seq                        (heads of by_order chains:
//	                 queued by NextAttempt, sending by lease expiry)
//	counts           state → number of records in it
//	dedup            nachrichtenUUID → time received              (inbound)
//	dedup_by_time    time+nachrichtenUUID                         (for Expire)
//	audit            audit Seq → audit.Entry JSON (audit.Link to the entry
//	                 before, appended in the transaction of the change it records)
//	audit_by_record  Dir+ID+NUL+audit Seq                        (History; kept on Expire)
//	checkpoints      audit Seq → audit.Checkpoint JSON (signed head at that Seq)
//
// Tools that edit the file directly (the audit tamper tests) change an
// entry's JSON under its key in "audit"; Check and audit.Verify then name
// that Seq.
//
// # Caveats
//
// bbolt locks the file: a read-write Open fails while any other process
// has it open, and a read-only Open (several may share the file) waits
// while a writer holds it. Both give up after Config.Timeout (default 2s),
// or when their context is done, with an error wrapping ErrLocked —
// operator commands on a running daemon's store must go through the
// daemon. An Open that waited while Compact replaced the file opens the
// new file, never the unlinked old one.
//
// Values returned by bbolt are only valid inside their transaction: the
// store copies every byte slice and string before returning it.
//
// Config.MaxSize bounds the file: a write that needs more space fails with
// outbox.ErrStoreFull and writes nothing; earlier data stays readable, and
// writing resumes once space is freed inside the file (Expire) or the
// store is reopened with a larger limit. The file never shrinks by itself;
// Compact shrinks it.
//
// Claim scans, per partner, only due heads of ordering chains, so records
// waiting behind an earlier one and partners in SkipPartners cost nothing.
// NextDueSkipping (the scheduler's optional NextDueSkipper) leaves out
// partners with an open circuit breaker, whose due records would otherwise
// hide every later due time from NextDue.
//
// Expire deletes acknowledged inbound records together with their expired
// de-duplication entries (their audit entries stay); inbound records that
// were never acknowledged keep their entries.
package boltstore
