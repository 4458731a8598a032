// Package storemigrate copies an outbox from a bbolt store file into an
// empty PostgreSQL store: the step up for a site that outgrows one
// gateway process.
//
// # Overview
//
//	dst, err := pgstore.Open(ctx, dsn, pgstore.Config{CheckpointSigner: signer})
//	rep, err := storemigrate.BoltToPostgres(ctx, "/var/lib/xgate/outbox.db", dst, storemigrate.Config{Verifier: certs})
//
// It copies every record of both directions in every state with its
// bodies, evidence and receipts (Seq kept, so ordering chains keep their
// order), every de-duplication entry, and the audit chain with its signed
// checkpoints verbatim, so that the chain still verifies. Records that
// were sending are requeued: their leases belonged to the stopped daemon.
// Each gets an audit entry sending → queued (actor "migration") after the
// copied chain.
//
// Before copying it checks the source (boltstore Check and audit.Verify)
// and refuses a broken one. The copy is one PostgreSQL transaction:
// either all of it lands or nothing. Afterwards it runs the target's
// Check and audit.Verify and compares the two chains; the Report says
// what was copied.
//
// # Refusals
//
// It refuses to run while a daemon has the bbolt file open: it opens the
// file read-only, which needs the file lock that a running daemon holds,
// and gives up after Config.LockTimeout (ErrSourceLocked). While the copy
// runs, its shared lock keeps a daemon from opening the file. It refuses a
// target that holds any outbox data (pgstore.ErrNotEmpty).
//
// # Caveats
//
// bbolt keeps bytes, PostgreSQL keeps UTF-8 text: a source whose IDs,
// names or audit texts are not valid UTF-8 (xgate never writes such) cannot
// be copied; the copy fails and writes nothing. Record times are kept to
// the microsecond; audit and checkpoint times exactly.
package storemigrate

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
)

// Errors of BoltToPostgres.
var (
	// ErrSourceLocked: another process (a running daemon) holds the bbolt
	// file. Stop it first.
	ErrSourceLocked = errors.New("storemigrate: the source store is in use (a running daemon?)")
	// ErrSourceBroken: the source fails its consistency check or its
	// audit chain does not verify; nothing was copied.
	ErrSourceBroken = errors.New("storemigrate: the source store is damaged")
	// ErrCopyMismatch: the copy was made but does not check or verify as
	// the source did.
	ErrCopyMismatch = errors.New("storemigrate: the copy does not match the source")
)

// Config configures BoltToPostgres.
type Config struct {
	// LockTimeout is how long to wait for the bbolt file lock before
	// giving up with ErrSourceLocked. Defaults to 2s.
	LockTimeout time.Duration
	// Verifier checks the checkpoint signatures of the source and of the
	// copy (audit.CertVerifier with the gateway's signing certificates).
	// Nil compares the checkpoints' heads with the chain only.
	Verifier audit.Verifier
	// Logger receives progress (counts, never content). Defaults to
	// discarding.
	Logger *slog.Logger
	// PageSize is how many records one read of the source returns.
	// Defaults to 1000.
	PageSize int
}

func (c *Config) setDefaults() {
	if c.LockTimeout == 0 {
		c.LockTimeout = 2 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.PageSize == 0 {
		c.PageSize = 1000
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.LockTimeout < 0 {
		errs = append(errs, errors.New("LockTimeout must not be negative"))
	}
	if c.PageSize < 0 {
		errs = append(errs, errors.New("PageSize must not be negative"))
	}
	return errors.Join(errs...)
}

// Report says what BoltToPostgres copied and found.
type Report struct {
	Source string `json:"source"`
	// Counts copied.
	Records      int `json:"records"`
	Dedup        int `json:"dedup_entries"`
	AuditEntries int `json:"audit_entries"`
	Checkpoints  int `json:"checkpoints"`
	// Requeued counts records that were sending (see the package doc).
	Requeued int `json:"requeued"`
	// SourceSeq and SourceHead are the last entry of the source's chain;
	// the copy holds the same entry at the same Seq.
	SourceSeq  uint64     `json:"source_seq"`
	SourceHead audit.Hash `json:"source_head"`
	// Source and Target are audit.Verify's reports on the two chains.
	SourceAudit *audit.Report `json:"source_audit"`
	TargetAudit *audit.Report `json:"target_audit"`
}

// BoltToPostgres copies the bbolt store at path into dst, which must be
// empty, and verifies the copy (see the package doc).
func BoltToPostgres(ctx context.Context, path string, dst *pgstore.Store, cfg Config) (*Report, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("storemigrate: invalid config: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("storemigrate: source: %w", err)
	}
	// The file lock tells whether a daemon runs: a read-only open needs
	// the shared lock that a writer's exclusive lock excludes. This first
	// open also reads the de-duplication entries, which are not part of
	// the Store API (boltstore's layout: bucket "dedup", nachrichtenUUID →
	// time received as UnixNano with the sign bit flipped, 8 bytes
	// big-endian).
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: cfg.LockTimeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s: no shared lock within %v", ErrSourceLocked, path, cfg.LockTimeout)
		}
		return nil, fmt.Errorf("storemigrate: source: %w", err)
	}
	defer db.Close()
	src, err := boltstore.Open(ctx, path, boltstore.Config{ReadOnly: true, Timeout: cfg.LockTimeout, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("storemigrate: source: %w", err)
	}
	defer src.Close()

	rep := &Report{Source: path}
	log := cfg.Logger.With("source", path)
	log.Info("checking the source store")
	if err := src.Check(ctx); err != nil {
		return rep, fmt.Errorf("%w: %w", ErrSourceBroken, err)
	}
	srcCps, err := src.Checkpoints(ctx)
	if err != nil {
		return rep, fmt.Errorf("storemigrate: source: %w", err)
	}
	if rep.SourceAudit, err = verify(ctx, src, srcCps, cfg.Verifier); err != nil {
		return rep, fmt.Errorf("storemigrate: source: %w", err)
	}
	if p := rep.SourceAudit.Problem; p != nil {
		return rep, fmt.Errorf("%w: audit chain: %w", ErrSourceBroken, p)
	}
	rep.SourceSeq, rep.SourceHead = rep.SourceAudit.Intact, rep.SourceAudit.Head
	srcStats, err := src.Stats(ctx)
	if err != nil {
		return rep, fmt.Errorf("storemigrate: source: %w", err)
	}

	log.Info("copying", "records", total(srcStats), "audit_entries", rep.SourceSeq, "checkpoints", len(srcCps))
	st, err := dst.Import(ctx, pgstore.ImportSource{
		Records:     records(ctx, src, cfg.PageSize, log),
		Dedup:       dedupEntries(db),
		Audit:       audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error { return src.AuditEntries(ctx, 1, fn) }),
		Checkpoints: srcCps,
		Actor:       "migration",
	})
	if err != nil {
		return rep, fmt.Errorf("storemigrate: copy: %w", err)
	}
	rep.Records, rep.Dedup, rep.AuditEntries, rep.Checkpoints, rep.Requeued = st.Records, st.Dedup, st.Audit, st.Checkpoints, st.Requeued

	log.Info("checking the copy", "records", st.Records, "dedup_entries", st.Dedup, "audit_entries", st.Audit,
		"checkpoints", st.Checkpoints, "requeued", st.Requeued)
	return rep, compare(ctx, dst, rep, srcStats, len(srcCps), cfg.Verifier)
}

// compare checks the copy against what was read from the source.
func compare(ctx context.Context, dst *pgstore.Store, rep *Report, srcStats outbox.Stats, srcCps int, v audit.Verifier) error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if err := dst.Check(ctx); err != nil {
		bad("%w", err)
	}
	cps, err := dst.Checkpoints(ctx)
	if err != nil {
		return fmt.Errorf("storemigrate: target: %w", err)
	}
	if rep.TargetAudit, err = verify(ctx, dst, cps, v); err != nil {
		return fmt.Errorf("storemigrate: target: %w", err)
	}
	if p := rep.TargetAudit.Problem; p != nil {
		bad("audit chain: %w", p)
	}
	if rep.AuditEntries != int(rep.SourceSeq) || len(cps) < srcCps {
		bad("copied %d audit entries and %d checkpoints, the source has %d and %d", rep.AuditEntries, len(cps), rep.SourceSeq, srcCps)
	}
	if rep.SourceSeq > 0 {
		var head audit.Entry
		err := dst.AuditEntries(ctx, rep.SourceSeq, func(e audit.Entry) error { head = e; return errStop })
		if err != nil && !errors.Is(err, errStop) {
			return fmt.Errorf("storemigrate: target: %w", err)
		}
		if head.Seq != rep.SourceSeq || head.Hash != rep.SourceHead {
			bad("the copy's audit entry %d is not the source's last entry", rep.SourceSeq)
		}
	}
	if want := rep.SourceSeq + uint64(rep.Requeued); rep.TargetAudit.Entries < want {
		bad("the copy's chain has %d entries, want at least %d", rep.TargetAudit.Entries, want)
	}
	dstStats, err := dst.Stats(ctx)
	if err != nil {
		return fmt.Errorf("storemigrate: target: %w", err)
	}
	want := srcStats
	want.Outbound[outbox.StateQueued] += want.Outbound[outbox.StateSending]
	want.Outbound[outbox.StateSending] = 0
	for _, dir := range []struct {
		name      string
		got, want map[outbox.State]int
	}{{"outbound", dstStats.Outbound, want.Outbound}, {"inbound", dstStats.Inbound, want.Inbound}} {
		for state, n := range dir.want {
			if dir.got[state] != n {
				bad("%s %s: %d records in the copy, %d in the source", dir.name, state, dir.got[state], n)
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %w", ErrCopyMismatch, errors.Join(problems...))
	}
	return nil
}

var errStop = errors.New("stop")

// auditSource is the part of a store that verify reads.
type auditSource interface {
	AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error
}

func verify(ctx context.Context, s auditSource, cps []audit.Checkpoint, v audit.Verifier) (*audit.Report, error) {
	return audit.Verify(ctx, audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
		return s.AuditEntries(ctx, 1, fn)
	}), cps, v)
}

func total(st outbox.Stats) int {
	n := 0
	for _, c := range st.Outbound {
		n += c
	}
	for _, c := range st.Inbound {
		n += c
	}
	return n
}

// records yields every record of src with its bodies, in Seq order, a page
// per read transaction.
func records(ctx context.Context, src *boltstore.Store, page int, log *slog.Logger) iter.Seq2[outbox.Record, error] {
	return func(yield func(outbox.Record, error) bool) {
		var after uint64
		n := 0
		for {
			rs, err := src.List(ctx, outbox.Filter{AfterSeq: after, Limit: page, WithBodies: true})
			if err != nil {
				yield(outbox.Record{}, err)
				return
			}
			for _, r := range rs {
				if !yield(r, nil) {
					return
				}
			}
			n += len(rs)
			if len(rs) < page {
				return
			}
			after = rs[len(rs)-1].Seq
			if n%(100*page) == 0 {
				log.Info("copying records", "copied", n)
			}
		}
	}
}

// dedupEntries yields the de-duplication entries of the bbolt file.
func dedupEntries(db *bolt.DB) iter.Seq2[pgstore.DedupEntry, error] {
	return func(yield func(pgstore.DedupEntry, error) bool) {
		err := db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("dedup"))
			if b == nil {
				return errors.New("the file has no dedup bucket")
			}
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(v) != 8 {
					return fmt.Errorf("dedup entry %q: value of %d bytes", k, len(v))
				}
				t := time.Unix(0, int64(binary.BigEndian.Uint64(v)^(1<<63))).UTC()
				if !yield(pgstore.DedupEntry{ID: string(k), Received: t}, nil) {
					return errStop
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(pgstore.DedupEntry{}, fmt.Errorf("storemigrate: read de-duplication entries: %w", err))
		}
	}
}
