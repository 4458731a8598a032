package pgstore

import (
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
)

// Defaults of Config.
const (
	DefaultMaxConns           = 16
	DefaultDedupRetention     = 400 * 24 * time.Hour
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = 15 * time.Minute
	DefaultChainDelay         = 100 * time.Millisecond
	DefaultChainBatch         = 5000
	DefaultMigrateTimeout     = time.Minute
	DefaultSizeEvery          = 5 * time.Second
)

// CheckpointSigner signs audit checkpoints (audit.RSASigner is one). It is
// the store's view of the gateway's signing key; implementations must be
// safe for concurrent use.
type CheckpointSigner interface {
	// Sign returns the signature over digest (audit.Checkpoint.Digest).
	Sign(digest []byte) ([]byte, error)
	// KeyID names the key: the SHA-256 fingerprint of its certificate.
	KeyID() string
}

// Config configures Open. A Config must not be changed after it has been
// passed to Open.
type Config struct {
	// Clock gives the time for transitions whose time the caller left
	// zero and for checkpoints. Defaults to the system clock.
	Clock outbox.Clock
	// Logger receives open, migration, chaining and maintenance events
	// (ids and counts, never message content). Defaults to discarding.
	Logger *slog.Logger
	// MaxConns is the size of the connection pool Open makes, unless the
	// DSN sets pool_max_conns. Concurrent writers share the server's WAL
	// flushes (its group commit) only if they have connections to run
	// on. Defaults to 16. Ignored by OpenPool.
	MaxConns int32
	// ReadOnly opens the store for reading only: no migration is applied
	// (the schema must be current), writing methods return
	// outbox.ErrReadOnly, and audit reads do not link pending entries
	// (the writing instances do that within ChainDelay).
	ReadOnly bool
	// DedupRetention is how long a received nachrichtenUUID is remembered.
	// Defaults to 400 days.
	DedupRetention time.Duration
	// CheckpointSigner signs the audit chain head (audit.NewCheckpoint)
	// when audit.Checkpointer says one is due: at the first entry, then
	// every CheckpointEvery entries or CheckpointInterval by the Clock.
	// Checkpoints are signed by whichever instance links the entries. A
	// signing error is logged and retried at the next link; it does not
	// fail the write. Nil means this instance writes no checkpoints.
	CheckpointSigner CheckpointSigner
	// CheckpointEvery is the number of audit entries between checkpoints.
	// Defaults to 1000.
	CheckpointEvery int
	// CheckpointInterval is the longest time (by the Clock) between
	// checkpoints, checked when entries are linked. Defaults to 15
	// minutes.
	CheckpointInterval time.Duration
	// ChainDelay is how long the linker waits after a write before it
	// links the new audit entries into the chain, so that one linking
	// transaction serves many writes. Reads of the audit log link at
	// once. Defaults to 100ms.
	ChainDelay time.Duration
	// ChainBatch is the most pending rows (each the entries of one write)
	// linked in one transaction. Defaults to 5000.
	ChainBatch int
	// MigrateTimeout bounds Open's wait for the migration lock (another
	// instance migrating) and the migration itself. Defaults to 1 minute.
	MigrateTimeout time.Duration
	// MaxBytes bounds the store: once the xgate_ tables with their indexes
	// and TOAST (Stats.SizeBytes) reach it, Enqueue and Receive return
	// outbox.ErrStoreFull and write nothing, so that the intake answers
	// 503; every other write goes on, so that the backlog drains. The
	// size is read at most every SizeEvery, so a burst may overshoot by
	// what arrives meanwhile. Zero means no limit of the store's own
	// (a full disk is still outbox.ErrStoreFull). Defaults to 0.
	MaxBytes int64
	// SizeEvery is how long a size read for MaxBytes is reused (shared by
	// the store's callers). Defaults to 5s.
	SizeEvery time.Duration
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.DedupRetention == 0 {
		c.DedupRetention = DefaultDedupRetention
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = DefaultCheckpointEvery
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = DefaultCheckpointInterval
	}
	if c.ChainDelay == 0 {
		c.ChainDelay = DefaultChainDelay
	}
	if c.ChainBatch == 0 {
		c.ChainBatch = DefaultChainBatch
	}
	if c.MigrateTimeout == 0 {
		c.MigrateTimeout = DefaultMigrateTimeout
	}
	if c.SizeEvery == 0 {
		c.SizeEvery = DefaultSizeEvery
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.MaxConns < 0 {
		errs = append(errs, errors.New("MaxConns must not be negative"))
	}
	if c.DedupRetention < 0 {
		errs = append(errs, errors.New("DedupRetention must not be negative"))
	}
	if c.CheckpointEvery < 0 {
		errs = append(errs, errors.New("CheckpointEvery must not be negative"))
	}
	if c.CheckpointInterval < 0 {
		errs = append(errs, errors.New("CheckpointInterval must not be negative"))
	}
	if c.ChainDelay < 0 {
		errs = append(errs, errors.New("ChainDelay must not be negative"))
	}
	if c.ChainBatch < 0 {
		errs = append(errs, errors.New("ChainBatch must not be negative"))
	}
	if c.MigrateTimeout < 0 {
		errs = append(errs, errors.New("MigrateTimeout must not be negative"))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, errors.New("MaxBytes must not be negative"))
	}
	if c.SizeEvery < 0 {
		errs = append(errs, errors.New("SizeEvery must not be negative"))
	}
	if c.CheckpointSigner != nil && c.CheckpointSigner.KeyID() == "" {
		errs = append(errs, errors.New("CheckpointSigner has an empty KeyID"))
	}
	return errors.Join(errs...)
}
