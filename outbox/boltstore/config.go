package boltstore

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
)

// Defaults of Config.
const (
	DefaultTimeout            = 2 * time.Second
	DefaultDedupRetention     = 400 * 24 * time.Hour
	DefaultCheckpointEvery    = 1000
	DefaultCheckpointInterval = 15 * time.Minute
	DefaultMaxBatch           = 128
	// MaxCommitLinger bounds Config.CommitLinger: every write waits up to
	// that long.
	MaxCommitLinger = 100 * time.Millisecond
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
	// Clock gives the time for recovery on open and for transitions whose
	// time the caller left zero. Defaults to the system clock.
	Clock outbox.Clock
	// Logger receives open, recovery and maintenance events (ids and
	// counts, never message content). Defaults to discarding.
	Logger *slog.Logger
	// Timeout is how long Open waits for the file lock that another
	// process (a running daemon, or a reader while we want to write)
	// holds. Zero means DefaultTimeout (2s); there is no "wait forever".
	Timeout time.Duration
	// MaxSize bounds the file in bytes; writes that would grow it further
	// fail with outbox.ErrStoreFull and write nothing. Zero means no limit.
	MaxSize int
	// ReadOnly opens the file with a shared lock for reading: several
	// readers may open it at once, but not while a writer holds it.
	// Writing methods return outbox.ErrReadOnly and no recovery runs.
	ReadOnly bool
	// DedupRetention is how long a received nachrichtenUUID is remembered.
	// Defaults to 400 days.
	DedupRetention time.Duration
	// CheckpointSigner signs the audit chain head (audit.NewCheckpoint)
	// when audit.Checkpointer says one is due: at the first entry, then
	// every CheckpointEvery entries or CheckpointInterval by the Clock.
	// A signing error is logged and retried at the next entry; it does not
	// fail the write. Nil means no checkpoints are written.
	CheckpointSigner CheckpointSigner
	// CheckpointEvery is the number of audit entries between checkpoints.
	// Defaults to 1000.
	CheckpointEvery int
	// CheckpointInterval is the longest time (by the Clock) between
	// checkpoints; it is checked when an entry is appended, there is no
	// timer. Defaults to 15 minutes.
	CheckpointInterval time.Duration
	// MaxBatch is the most write operations that share one commit (group
	// commit). Defaults to 128.
	MaxBatch int
	// CommitLinger is how long the committer waits, once the first
	// operation of a commit has arrived, for more to share its fsync
	// (writers that come a little apart, as a daemon's stages do). 0
	// commits at once, the default; a full batch (MaxBatch) never waits.
	// xgate bench with the gateway's 2ms: commits per message 1.0 → 0.7 at
	// the sender, 0.5 → 0.3 at the receiver (fewer fsyncs; the CPU per
	// message did not change measurably). At most MaxCommitLinger.
	CommitLinger time.Duration
	// NoFreelistSync stops bbolt writing its freelist on every commit
	// (faster writes) at the price of scanning the whole file on every
	// read-write open. Defaults to false.
	NoFreelistSync bool

	// unsafeNoSync skips fsync; only tests that build large fixtures set it.
	unsafeNoSync bool
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
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
	if c.MaxBatch == 0 {
		c.MaxBatch = DefaultMaxBatch
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, errors.New("Timeout must not be negative"))
	}
	if c.MaxSize < 0 {
		errs = append(errs, errors.New("MaxSize must not be negative"))
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
	if c.MaxBatch < 0 {
		errs = append(errs, errors.New("MaxBatch must not be negative"))
	}
	if c.CommitLinger < 0 || c.CommitLinger > MaxCommitLinger {
		errs = append(errs, fmt.Errorf("CommitLinger %v: must be from 0 to %v", c.CommitLinger, MaxCommitLinger))
	}
	if c.CheckpointSigner != nil && c.CheckpointSigner.KeyID() == "" {
		errs = append(errs, errors.New("CheckpointSigner has an empty KeyID"))
	}
	return errors.Join(errs...)
}
