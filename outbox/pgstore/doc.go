// Package pgstore is the outbox.Store on PostgreSQL (15 or later, through
// pgx): the store for a site where several gateway instances share one
// database. Any instance can claim any record; a dead instance loses
// nothing; a message received by two instances is handed over once; the
// audit log stays one verifiable chain.
//
// # Overview
//
//	s, err := pgstore.Open(ctx, "host=/run/postgresql dbname=xgate user=xgate", pgstore.Config{
//		Logger: log, CheckpointSigner: signer, // the gateway's audit.RSASigner
//	})
//	defer s.Close()
//	err = s.Enqueue(ctx, outbox.Message{ID: uuid, Partner: "dbs:499990020000", Sealed: b, At: now})
//
// Open takes a libpq connection string or URL and makes a pool of
// Config.MaxConns connections; OpenPool takes a *pgxpool.Pool the caller
// made. The Store implements outbox.Store, outbox.AuditLog,
// outbox.Expirer, outbox.Checker and the scheduler's NextDueSkipper, and
// passes the shared suite in outbox/outboxtest unchanged. Import copies a
// whole store into an empty database (outbox/storemigrate uses it);
// ReleaseLeases hands back the leases of a restarted instance at once;
// Link links pending audit entries now.
//
// Every write is one transaction with its audit entry, committed before
// the call returns. The store's sessions run with synchronous_commit=on
// whatever the server's default (a DSN that turns it off is refused), so
// a commit waits for PostgreSQL's WAL flush. Concurrent writers each use
// a connection of the pool and share WAL flushes (PostgreSQL's group
// commit): with 64 writers, one WAL flush served about five enqueues in
// the benchmark below.
//
// # Tables
//
//	xgate_records         one row per record, outbound and inbound, bodies included
//	                      (bytea, TOASTed when large); UNIQUE (dir, id); CHECK
//	                      constraints for states, leases and bodies; "head" and
//	                      the generated "due" drive claims
//	xgate_dedup           received nachrichtenUUIDs (PRIMARY KEY) and when
//	xgate_audit_pending   audit entries not yet linked: one row per transaction
//	xgate_audit           the audit chain (outbox/audit), append-only by trigger
//	xgate_audit_head      the chain's last Seq and Hash; linkers lock this row
//	xgate_checkpoints     signed checkpoints, append-only by trigger
//	xgate_schema_migrations  the applied migrations with their checksums
//
// All tables are in the first schema of the session's search_path.
//
// # Claims and ordering
//
// Only the head of an ordering chain (partner, ordering key) — its
// earliest queued or sending record — can be claimed; its "due" column is
// its next attempt (queued) or its lease expiry (sending), NULL for every
// record that is not a head. Claim finds due heads with one short index
// range per partner (a loose index scan over the partners, then the
// earliest due heads of each), locks the earliest due of them with
// FOR UPDATE SKIP LOCKED — rows another instance is claiming or settling
// are passed over, not waited for — and moves them to sending under a
// fresh lease token, in one statement with their audit entries. A record
// whose lease expired is due again; re-claiming it is audited as lease
// expiry first. Records waiting behind a retrying head, and partners in
// SkipPartners, cost nothing (BenchmarkClaimBacklog: 40,000 such records
// change nothing).
//
// The head flag is kept by the writers that change which records of a
// chain are active (Enqueue, Settle, replay and cancel): each takes the
// chain's advisory lock (pg_advisory_xact_lock on xgate_chain_key) before
// it reads the chain, so they see each other's commits; a unique index
// allows one head per chain. Enqueues into one chain therefore take their
// Seq in commit order. Claim takes no chain lock: it only claims heads,
// and a head it has locked cannot be changed under it.
//
// # De-duplication
//
// Receive inserts the nachrichtenUUID into xgate_dedup (primary key) and,
// only if that inserted a row, the record and its audit entry: one
// statement. A second instance receiving the same message at the same
// moment waits on the key until the first commits, inserts nothing and
// returns the first one's record (with its receipt) and
// outbox.ErrDuplicate.
//
// # The audit chain: one chain, linked after the fact
//
// All instances write one chain. A state change writes its audit entries
// in its own transaction, as one row of xgate_audit_pending (a JSON array
// of the entries, in order) — no Seq, no hash yet. A linker (one
// goroutine per Store) then takes the row lock on xgate_audit_head, reads
// the pending rows in id order, links them with audit.Link, appends them
// to xgate_audit with COPY, deletes the pending rows, moves the head and
// signs a checkpoint when audit.Checkpointer says one is due, all in one
// transaction. It runs Config.ChainDelay after a write, at Open (entries
// a dead instance left pending) and at Close, and before every audit read
// (AuditEntries, History, Checkpoints, Check), so readers see every
// committed change.
//
// Why not link in the writing transaction, under a lock on the chain
// head? Then every state change of every instance would queue for that
// lock and hold it through its commit's WAL flush: the whole site would
// commit one transaction at a time, PostgreSQL's group commit could not
// share a flush, and each added instance would only lengthen the queue.
// Linking after the fact keeps writers independent (they wait for each
// other only on the same record or chain), and one linking transaction
// serves thousands of entries.
//
// Order is kept where it means something: two transactions that touch the
// same record run one after the other (row lock), and the later one
// writes its pending row after the earlier one committed, so its row has
// a larger id, and no linker can see it without the earlier one. A
// record's entries therefore appear in the chain in the order of its
// changes. Entries of unrelated records may appear in any order of their
// commits.
//
// Checkpoints are signed by whichever instance links: give every instance
// the gateway's signing key (Config.CheckpointSigner), or pass all their
// certificates to audit.Verify. A read-only store does not link; it shows
// what the writing instances have linked.
//
// Caveat: a pending entry is protected by no hash until it is linked,
// normally within ChainDelay; like the entries after the last checkpoint,
// it is only as safe as the database's access control. Editing a linked
// entry is refused by a trigger; a superuser who bypasses it is caught by
// Check and audit.Verify, which name the entry.
//
// # Migrations
//
// The schema is versioned: embedded files migrations/NNNN_name.sql,
// applied by Open in one transaction under an advisory lock, so that
// instances starting at once migrate one after the other (the later ones
// find nothing to do). Each applied version is recorded with its SHA-256;
// Open refuses a database whose applied migration differs from this
// build's, or that a newer build migrated (*MigrationError). Nothing is
// ever applied by hand. A read-only Open only checks that the schema is
// current.
//
// # Measured (BenchmarkStores, this 2-core VM, fsync on at both)
//
//	go test -run '^$' -bench BenchmarkStores -benchtime 2000x -count 2 ./outbox/pgstore/
//
// Two runs, default configurations (pool of 16), while other builds kept
// the load average near 5 (at 13 the rates were two to four times lower;
// the counts per message stayed the same). CPU is milliseconds per
// message: the Go process (for PostgreSQL, pgx's side) + the server's
// processes.
//
//	                   msgs/s                CPU ms/msg                 PostgreSQL per message
//	                bbolt        PostgreSQL  bbolt      PostgreSQL      stmts commits WAL-fsyncs WAL
//	enqueue       1   496-620      912-1,312  0.71-0.98  0.16-0.29+0.43-0.56  2.07  1.03     1.01   1.8 KiB
//	enqueue      64 8,898-10,121 1,623-1,677  0.08-0.09  0.18+1.14-1.19       2.03  1.03     0.21   1.8 KiB
//	claim+settle  1   397-412      308-370    1.14-1.19  0.55-0.59+1.59-1.86  4.2   2.07     2.03   3.5 KiB
//	claim+settle 64 4,867-4,931    511-547    0.15-0.16  0.46-0.50+2.9-3.1    4.08  2.07     0.39   3.5 KiB
//
// The PostgreSQL counts come from pg_stat_statements, pg_stat_database
// and pg_stat_wal and include the linker and the chain-lock statement.
// An enqueue is one commit; with 64 concurrent writers about five shared
// each WAL flush (0.21 fsyncs per message): group commit without an
// application batcher. With one writer PostgreSQL enqueues faster than
// bbolt (one WAL flush per commit against bbolt's two fsyncs). With many,
// bbolt (32 enqueues per commit) is six to nine times faster here, and
// the CPU column says why: PostgreSQL spends ten to twenty times the CPU
// per message (separate server processes, row locks and their WAL
// records, index churn of a queue table), and two shared cores feel that
// first. What it buys is several instances on one store. A backlog does
// not slow claims (BenchmarkClaimBacklog: 40,000 records behind a
// retrying head and of a skipped partner change nothing).

// # Caveats
//
// Times of records are kept to the microsecond (timestamptz); audit entry
// and checkpoint times keep their nanoseconds (column at_ns), because
// their text is hashed.
//
// Seq comes from a sequence: it has gaps (a duplicate Enqueue uses one up)
// and, between concurrent writers, need not follow commit order. Listing
// with Filter.AfterSeq may therefore miss a record committed late with a
// smaller Seq; within one ordering chain Seq order is commit order.
//
// A call whose context ends while its statement runs returns the
// context's error, and the write may or may not have committed (pgx
// cancels the statement; a commit already under way completes). A
// retried Enqueue or Receive then answers outbox.ErrDuplicate.
//
// Open does not move sending records back to queued, as the bbolt store
// does: other instances may be delivering them. They become due when their
// leases expire. The daemon (gateway/site) names each process's leases
// after its host and pid and calls ReleaseLeases when it stops, so that
// what it had not finished is resent by the others at once; a killed
// process's claims wait for their leases. A record whose lease expired is
// due at its lease's end and is claimed in due order: after the backlog
// that was due before it.
//
// IDs, partner names, ordering keys, types and owners are PostgreSQL text:
// they must be valid UTF-8 without NUL bytes, or the call fails. Error
// texts, reasons and actors are stored with invalid UTF-8 replaced (U+FFFD)
// and NUL bytes dropped, so that a partner's odd error page cannot make a
// Settle fail.
//
// Stats counts rows (GROUP BY state), so it takes time in proportion to
// the table; SizeBytes is the size of the xgate_ tables with their
// indexes and TOAST.
//
// outbox.ErrStoreFull is returned when PostgreSQL reports disk_full
// (SQLSTATE 53100), and by Enqueue and Receive once the store has reached
// Config.MaxBytes (read at most every Config.SizeEvery, so a burst may
// overshoot a little); outbox.ErrReadOnly when the server is a standby
// (25006) or the store was opened ReadOnly. Check returns a *CheckError
// with its findings one per line.
//
// The tests run against a real PostgreSQL 15 started by internal/pgtest,
// with fsync on. pgtest.Options.TestOnlyNoFsync exists for tests of
// behaviour only; no durability claim rests on a cluster started with it.
// The crash tests kill the server process (SIGKILL) and an instance's
// process: that proves an acknowledgement follows the commit, not that a
// disk keeps its writes through a power cut, which is PostgreSQL's fsync.
package pgstore
