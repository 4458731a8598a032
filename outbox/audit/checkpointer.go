package audit

import (
	"fmt"
	"time"
)

// CheckpointerConfig is the checkpoint policy: sign the head every Every
// entries or, while entries are appended, every Interval.
type CheckpointerConfig struct {
	// Every is the most entries appended between two checkpoints.
	// Defaults to 1000.
	Every uint64
	// Interval is the longest time an appended entry waits for the next
	// checkpoint, measured from the last checkpoint when the next entry is
	// appended. Defaults to 5 minutes.
	Interval time.Duration
}

func (c *CheckpointerConfig) setDefaults() {
	if c.Every == 0 {
		c.Every = 1000
	}
	if c.Interval == 0 {
		c.Interval = 5 * time.Minute
	}
}

// Validate reports a policy that cannot work.
func (c CheckpointerConfig) Validate() error {
	if c.Interval < 0 {
		return fmt.Errorf("audit: checkpoint interval %v is negative", c.Interval)
	}
	return nil
}

// Checkpointer decides when a store signs a checkpoint. It keeps no state
// (the last checkpoint is passed in), so a store may call it from a
// transaction function that runs more than once (bbolt Batch). It is safe
// for concurrent use.
type Checkpointer struct {
	cfg CheckpointerConfig
}

// NewCheckpointer returns a Checkpointer for cfg.
func NewCheckpointer(cfg CheckpointerConfig) (*Checkpointer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Checkpointer{cfg: cfg}, nil
}

// Due reports whether a checkpoint of the entry head (its Seq) is due at
// now, given the last checkpoint written (the zero Checkpoint if none):
// when head is past last.Seq and either Every entries have been appended
// since or Interval has passed since last.Time. With no checkpoint yet the
// first entry is sealed at once. now comes from the store's clock; if the
// clock went back, only the entry count applies.
func (p *Checkpointer) Due(last Checkpoint, head uint64, now time.Time) bool {
	if head <= last.Seq {
		return false
	}
	return head-last.Seq >= p.cfg.Every || now.Sub(last.Time) >= p.cfg.Interval
}

// Config returns the effective policy, defaults filled in.
func (p *Checkpointer) Config() CheckpointerConfig { return p.cfg }
