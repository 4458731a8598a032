package live

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// Defaults of Config.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultAnswerTimeout = 15 * time.Second
	DefaultParallel      = 4
)

// Party is a participant the runner sends as: its directory identity, its
// signing key pair (messages) and its TLS key pair (the client
// certificate of deliveries).
type Party struct {
	Identity kennung.Identity
	Signing  certs.KeyPair
	TLS      certs.KeyPair
}

func (p Party) validate(what string) error {
	if !p.Identity.Kennung.Valid() {
		return fmt.Errorf("%s: kennung %q is not valid", what, p.Identity.Kennung)
	}
	if p.Signing.Key == nil || p.Signing.Cert == nil {
		return fmt.Errorf("%s %s: no signing key pair", what, p.Identity.Kennung)
	}
	if p.TLS.Key == nil || p.TLS.Cert == nil {
		return fmt.Errorf("%s %s: no TLS key pair", what, p.Identity.Kennung)
	}
	return nil
}

// Target is the receiving endpoint under test, as its directory entry
// describes it.
type Target struct {
	// Identity is the target's kennung, role and name. Kennung and Role
	// are required: the role decides which types it receives.
	Identity kennung.Identity
	// Endpoint is the https base URL; messages go to Endpoint +
	// /v1/transport. Required.
	Endpoint string
	// Signing are the target's signing certificates: every receipt and
	// Rückweisung must be signed with one of them. Required.
	Signing []*x509.Certificate
	// Encryption are its encryption certificates; messages are sealed for
	// the newest valid one. Required.
	Encryption []*x509.Certificate
	// Profile is the key transport the target wants (directory entry).
	Profile secure.Profile
}

// TargetFrom returns the target of a directory entry.
func TargetFrom(p *directory.Participant) Target {
	return Target{
		Identity: kennung.Identity{Kennung: p.Kennung, Role: p.Role, Name: p.Name},
		Endpoint: p.Endpoint, Signing: p.Signing, Encryption: p.EncryptionCerts(), Profile: p.Profile,
	}
}

// Answers is where the target's business answers arrive: the runner's own
// gateway (Listener).
type Answers interface {
	// Wait returns the first business answer whose ausloeserUUID is
	// ausloeser, waiting until ctx ends (then ctx's error, wrapped with
	// what did arrive meanwhile).
	Wait(ctx context.Context, ausloeser string) (Received, error)
}

// Inspector looks into the target's store: the admin API of an xgate
// gateway (*admin.Client implements it). The duplicate cases use it to see
// that a message was handed over once.
type Inspector interface {
	History(ctx context.Context, id string) ([]audit.Entry, error)
}

// Config configures a Runner.
type Config struct {
	// Self is the participant the runner plays: it signs and delivers
	// every valid message. Required. The conformance test participant
	// (role test) may send every type; a runner of another role sends
	// only the types its role may send (the rest are skipped).
	Self Party
	// Target is the endpoint under test. Required.
	Target Target
	// Verifier checks the target's TLS server certificate (its roots) and
	// the signer of its answers. Required.
	Verifier *certs.Verifier
	// Directory, when set, is the routing directory the target uses: it
	// says who may send what (the unauthorised cases) and names other
	// participants (the wrongly addressed cases).
	Directory *directory.Directory
	// Others are further participants whose keys the runner holds (a
	// development PKI): the unauthorised cases send as one of them when
	// Self may send every type.
	Others []Party
	// CA, when set, is a certificate authority the target trusts (the
	// development PKI's root): the expired-certificate cases get a
	// signing certificate it issues that expired yesterday. Without it
	// they are skipped.
	CA *certs.KeyPair
	// GenerateKey makes the key of the stand-in signers (untrusted,
	// expired, wrong key). Defaults to RSA-3072 from crypto/rand; tests
	// pass certstest.KeyGenerator().
	GenerateKey func(bits int) (*rsa.PrivateKey, error)
	// Answers, when set, receives the target's business answers: the
	// answer cases run. Nil: they are not planned.
	Answers Answers
	// Inspector, when set, is the target's admin API: the duplicate cases
	// also check that the message was handed over once.
	Inspector Inspector
	// Types limits the cases to these message types; empty means every
	// type the target's role receives.
	Types []string
	// Kinds limits the cases to these kinds (Kinds()); empty means all.
	Kinds []string
	// Timeout bounds each delivery and each case's own work. Defaults to
	// DefaultTimeout.
	Timeout time.Duration
	// AnswerTimeout is how long a business answer may take after the
	// transport receipt. Defaults to DefaultAnswerTimeout.
	AnswerTimeout time.Duration
	// Parallel is how many cases run at once. Defaults to
	// DefaultParallel.
	Parallel int
	// Seed orders the cases (they run shuffled, to show that none depends
	// on another); 0 picks one at random. The report names it.
	Seed int64
	// Clock gives erstellungszeitpunkt and certificate times. Defaults to
	// the wall clock.
	Clock clock.Clock
	// Logger receives one line per case (ids and codes only). Defaults
	// to discarding.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.AnswerTimeout <= 0 {
		c.AnswerTimeout = DefaultAnswerTimeout
	}
	if c.Parallel <= 0 {
		c.Parallel = DefaultParallel
	}
	if c.GenerateKey == nil {
		c.GenerateKey = func(bits int) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if err := c.Self.validate("Self"); err != nil {
		errs = append(errs, err)
	}
	for _, o := range c.Others {
		if err := o.validate("Others"); err != nil {
			errs = append(errs, err)
		}
	}
	t := c.Target
	if !t.Identity.Kennung.Valid() {
		errs = append(errs, fmt.Errorf("Target: kennung %q is not valid", t.Identity.Kennung))
	}
	if !t.Identity.Role.Valid() && t.Identity.Role != kennung.RoleTest {
		errs = append(errs, fmt.Errorf("Target: role %q is not a role", t.Identity.Role))
	}
	if t.Endpoint == "" {
		errs = append(errs, errors.New("Target: no endpoint"))
	}
	if len(t.Signing) == 0 || len(t.Encryption) == 0 {
		errs = append(errs, errors.New("Target: its signing and encryption certificates are required"))
	}
	if t.Identity.Kennung == c.Self.Identity.Kennung {
		errs = append(errs, errors.New("Target and Self are the same participant"))
	}
	if c.Verifier == nil {
		errs = append(errs, errors.New("Verifier is required"))
	}
	if c.CA != nil && (c.CA.Key == nil || c.CA.Cert == nil) {
		errs = append(errs, errors.New("CA: no key pair"))
	}
	for _, k := range c.Kinds {
		if !validKind(k) {
			errs = append(errs, fmt.Errorf("Kinds: %q is not a case kind", k))
		}
	}
	if c.Timeout < 0 || c.AnswerTimeout < 0 || c.Parallel < 0 {
		errs = append(errs, errors.New("Timeout, AnswerTimeout and Parallel must not be negative"))
	}
	return errors.Join(errs...)
}
