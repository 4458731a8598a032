package wmbolt

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.etcd.io/bbolt"
)

// NoSleep disables the pause before a nacked message is delivered again
// (SubscriberConfig.NackResendSleep).
const NoSleep time.Duration = -1

// maxNameLen bounds topic and consumer-group names; bbolt allows keys up to
// 32 KiB, names this long are a mistake.
const maxNameLen = 1024

// Config configures a Broker. A Config is not changed after it has been
// passed to Open.
type Config struct {
	// Path is the bbolt file. It is created if missing. Required.
	Path string
	// FileMode is the mode of a newly created file. Defaults to 0600.
	FileMode os.FileMode
	// LockTimeout is how long Open waits for the file lock held by another
	// process (or another Broker in this process). Defaults to 1s.
	LockTimeout time.Duration
	// MaxSize bounds the file size in bytes (bbolt Options.MaxSize); a
	// Publish that would grow the file beyond it fails. Zero means no
	// limit. Defaults to 0.
	MaxSize int
	// MaxBatch is the most write requests (publishes, acks) that share one
	// fsync'd transaction. Defaults to 256.
	MaxBatch int
	// Logger receives the broker's trace and error events (watermill's
	// log fields through watermill.NewSlogLogger). Defaults to discarding.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.FileMode == 0 {
		c.FileMode = 0o600
	}
	if c.LockTimeout == 0 {
		c.LockTimeout = time.Second
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 256
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("Path is required"))
	}
	if c.LockTimeout < 0 {
		errs = append(errs, fmt.Errorf("LockTimeout %s is negative", c.LockTimeout))
	}
	if c.MaxSize < 0 {
		errs = append(errs, fmt.Errorf("MaxSize %d is negative", c.MaxSize))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("MaxBatch %d is less than 1", c.MaxBatch))
	}
	return errors.Join(errs...)
}

func (c Config) boltOptions() *bbolt.Options {
	return &bbolt.Options{Timeout: c.LockTimeout, MaxSize: c.MaxSize}
}

// SubscriberConfig configures one Subscriber.
type SubscriberConfig struct {
	// ConsumerGroup names the group whose offset the Subscriber shares:
	// every group receives every message of a topic once (at least once),
	// and within a group each message goes to one Subscriber. The empty
	// name is a group of its own, the default group. Defaults to "".
	ConsumerGroup string
	// NackResendSleep is the pause before a nacked message is delivered
	// again; NoSleep redelivers at once. Defaults to 100ms.
	NackResendSleep time.Duration
}

func (c *SubscriberConfig) setDefaults() {
	if c.NackResendSleep == 0 {
		c.NackResendSleep = 100 * time.Millisecond
	}
}

// Validate reports a configuration that cannot work.
func (c SubscriberConfig) Validate() error {
	if len(c.ConsumerGroup) > maxNameLen {
		return fmt.Errorf("ConsumerGroup is longer than %d bytes", maxNameLen)
	}
	if c.NackResendSleep < 0 && c.NackResendSleep != NoSleep {
		return fmt.Errorf("NackResendSleep %s is negative (use NoSleep)", c.NackResendSleep)
	}
	return nil
}

func validTopic(topic string) error {
	switch {
	case topic == "":
		return ErrEmptyTopic
	case len(topic) > maxNameLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidTopic, maxNameLen)
	}
	return nil
}
