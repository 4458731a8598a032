package scheduler

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/xgate/xgate/internal/clock"
)

// Policy is the retry and circuit-breaker policy of a route (a partner
// kennung). In Config.Routes, zero fields inherit from Config.Policy.
type Policy struct {
	// Base is the back-off base: after the n-th failed attempt the next
	// one comes after a uniformly random delay in [0, min(Cap, Base·2^(n-1))]
	// (full jitter). Defaults to 5s.
	Base time.Duration
	// Cap bounds the back-off window. Defaults to 1h.
	Cap time.Duration
	// MaxAge is how long after acceptance a message is still tried; a
	// transient failure after that makes it failed. The last retry is
	// scheduled no later than acceptance + MaxAge. Defaults to 72h.
	MaxAge time.Duration
	// MaxAttempts, if positive, makes a message failed after that many
	// attempts. Defaults to 0: unlimited, MaxAge decides.
	MaxAttempts int
	// BreakerThreshold is the number of consecutive transient failures to
	// a partner that opens its circuit breaker. Defaults to 3.
	BreakerThreshold int
	// BreakerBase is the wait before the first probe of an open breaker;
	// each failed probe doubles it. Defaults to 5s.
	BreakerBase time.Duration
	// BreakerCap bounds the wait between probes. Defaults to 5m.
	BreakerCap time.Duration
}

func (p *Policy) setDefaults() {
	p.inherit(Policy{
		Base:             5 * time.Second,
		Cap:              time.Hour,
		MaxAge:           72 * time.Hour,
		BreakerThreshold: 3,
		BreakerBase:      5 * time.Second,
		BreakerCap:       5 * time.Minute,
	})
}

// inherit fills p's zero fields from d.
func (p *Policy) inherit(d Policy) {
	if p.Base == 0 {
		p.Base = d.Base
	}
	if p.Cap == 0 {
		p.Cap = d.Cap
	}
	if p.MaxAge == 0 {
		p.MaxAge = d.MaxAge
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BreakerThreshold == 0 {
		p.BreakerThreshold = d.BreakerThreshold
	}
	if p.BreakerBase == 0 {
		p.BreakerBase = d.BreakerBase
	}
	if p.BreakerCap == 0 {
		p.BreakerCap = d.BreakerCap
	}
}

// Validate reports a policy that cannot work.
func (p Policy) Validate() error {
	var errs []error
	if p.Base <= 0 {
		errs = append(errs, fmt.Errorf("Base %s is not positive", p.Base))
	}
	if p.Cap < p.Base {
		errs = append(errs, fmt.Errorf("Cap %s is less than Base %s", p.Cap, p.Base))
	}
	if p.MaxAge <= 0 {
		errs = append(errs, fmt.Errorf("MaxAge %s is not positive", p.MaxAge))
	}
	if p.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("MaxAttempts %d is negative", p.MaxAttempts))
	}
	if p.BreakerThreshold < 1 {
		errs = append(errs, fmt.Errorf("BreakerThreshold %d is less than 1", p.BreakerThreshold))
	}
	if p.BreakerBase <= 0 {
		errs = append(errs, fmt.Errorf("BreakerBase %s is not positive", p.BreakerBase))
	}
	if p.BreakerCap < p.BreakerBase {
		errs = append(errs, fmt.Errorf("BreakerCap %s is less than BreakerBase %s", p.BreakerCap, p.BreakerBase))
	}
	return errors.Join(errs...)
}

// Config configures a Relay. A Config is not changed after it has been
// passed to New.
type Config struct {
	// Owner names this relay in leases; it must differ between relays
	// sharing a store. Defaults to "relay-<hostname>-<pid>".
	Owner string
	// Workers is the most deliveries in flight at once. Defaults to 4.
	Workers int
	// ClaimBatch is the most records claimed per store call. Defaults to
	// Workers.
	ClaimBatch int
	// LeaseFor is how long a claim lasts; a record whose delivery takes
	// longer may be claimed again. Defaults to 2m.
	LeaseFor time.Duration
	// DeliverTimeout bounds one delivery attempt; it must be less than
	// LeaseFor. Defaults to LeaseFor/2.
	DeliverTimeout time.Duration
	// MaxSleep is the longest the relay sleeps without looking at the
	// store: it bounds how late a record is found that was made due
	// without Notify (by another process) or whose due time was hidden
	// behind an open circuit breaker. Defaults to 1m.
	MaxSleep time.Duration
	// StoreRetry is the pause after a failed store call. Defaults to 1s.
	StoreRetry time.Duration
	// Policy is the default route policy; see Policy for its defaults.
	Policy Policy
	// Routes holds per-partner policies keyed by kennung; their zero
	// fields inherit from Policy. Defaults to none.
	Routes map[string]Policy
	// Clock is the source of time. Defaults to the wall clock.
	Clock Clock
	// Rand is the jitter source. Defaults to a ChaCha8 generator seeded
	// from crypto/rand.
	Rand Rand
	// Logger receives outcome and breaker events, with ids and codes only.
	// Defaults to discarding.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("relay-%s-%d", host, os.Getpid())
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.ClaimBatch == 0 {
		c.ClaimBatch = c.Workers
	}
	if c.LeaseFor == 0 {
		c.LeaseFor = 2 * time.Minute
	}
	if c.DeliverTimeout == 0 {
		c.DeliverTimeout = c.LeaseFor / 2
	}
	if c.MaxSleep == 0 {
		c.MaxSleep = time.Minute
	}
	if c.StoreRetry == 0 {
		c.StoreRetry = time.Second
	}
	c.Policy.setDefaults()
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Rand == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:]) // never fails (crypto/rand doc)
		c.Rand = rand.New(rand.NewChaCha8(seed))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Owner == "" {
		errs = append(errs, errors.New("Owner is empty"))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("Workers %d is less than 1", c.Workers))
	}
	if c.ClaimBatch < 1 {
		errs = append(errs, fmt.Errorf("ClaimBatch %d is less than 1", c.ClaimBatch))
	}
	if c.LeaseFor <= 0 {
		errs = append(errs, fmt.Errorf("LeaseFor %s is not positive", c.LeaseFor))
	}
	if c.DeliverTimeout <= 0 || c.DeliverTimeout >= c.LeaseFor {
		errs = append(errs, fmt.Errorf("DeliverTimeout %s must be positive and less than LeaseFor %s", c.DeliverTimeout, c.LeaseFor))
	}
	if c.MaxSleep <= 0 {
		errs = append(errs, fmt.Errorf("MaxSleep %s is not positive", c.MaxSleep))
	}
	if c.StoreRetry <= 0 {
		errs = append(errs, fmt.Errorf("StoreRetry %s is not positive", c.StoreRetry))
	}
	if err := c.Policy.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("Policy: %w", err))
	}
	for partner, p := range c.Routes {
		if partner == "" {
			errs = append(errs, errors.New("Routes: empty partner kennung"))
		}
		p.inherit(c.Policy)
		if err := p.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("Routes[%s]: %w", partner, err))
		}
	}
	if c.Clock == nil {
		errs = append(errs, errors.New("Clock is nil"))
	}
	if c.Rand == nil {
		errs = append(errs, errors.New("Rand is nil"))
	}
	if c.Logger == nil {
		errs = append(errs, errors.New("Logger is nil"))
	}
	return errors.Join(errs...)
}
