package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	wm "github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/scheduler"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
	"github.com/xgate/xgate/xml/validate"
)

// Store is what the gateway needs of its outbox: the outbox contract and
// the record history for GET /v1/messages/{id}.
type Store interface {
	outbox.Store
	History(ctx context.Context, id string) ([]audit.Entry, error)
}

// Directory gives the current signed routing directory. directory.Source
// implements it; it is never nil after a successful first load.
type Directory interface {
	Current() *directory.Directory
}

// Transport sends sealed bytes to a partner's endpoint and returns its
// answer body (a signed receipt or Rückweisung). *wire.Client implements it.
type Transport interface {
	Deliver(ctx context.Context, endpoint string, sealed []byte) ([]byte, error)
}

// Responder plays the local software of a simulated partner (xgate peer):
// it gets every inbound message and returns the business answers to send.
// *peer.Responder implements it.
type Responder interface {
	Respond(ctx context.Context, in *message.Message) ([]Outgoing, error)
}

// Outgoing is a business answer a Responder wants sent.
type Outgoing struct {
	To   kennung.Kennung
	Type string
	XML  []byte
	// Delay holds the answer back this long after the inbound message was
	// received (a simulated late answer); zero sends it at once.
	Delay time.Duration
}

// Options are the parts a Gateway composes. cmd/xgate serve builds them
// from the site configuration (gateway/config).
type Options struct {
	// Self is this gateway's participant: kennung, role, name. Required.
	Self kennung.Identity
	// Store is the outbox. Required. The gateway does not close it.
	Store Store
	// Directory is the routing directory. Required.
	Directory Directory
	// Signing signs sealed messages and receipts. Required.
	Signing certs.KeyPair
	// Decryption holds this gateway's encryption key pairs (current and
	// next during a rollover). Required.
	Decryption []certs.KeyPair
	// TLS is the key pair of the transport listener (server) and of
	// deliveries (client, through Transport). Required for Run.
	TLS certs.KeyPair
	// Verifier checks partners' certificates. Required.
	Verifier *certs.Verifier
	// Validator validates every message in and out. Required.
	Validator *validate.Validator
	// Transport delivers to partners. Required for Run.
	Transport Transport
	// Responder, when set, answers inbound messages in place of local
	// software (a simulated partner); the inbox is then not used.
	Responder Responder
	// Events carries the stage events: it returns the publisher and the
	// subscriber of one handler ("delivery", "hand-over", "poison"; the
	// publisher for ""). Defaults to one in-process GoChannel. Several
	// instances on one PostgreSQL database share watermill-sql's tables
	// instead (gateway/site), so that an event published by one instance
	// is handled by one of them.
	Events EventBus
	// Dialects translate for partners whose directory entry names a
	// dialect (xmeld, …). Nil: every partner must speak ours.
	Dialects Dialects
	// Relay configures delivery (workers, leases, retry policy).
	Relay scheduler.Config
	// IntakeToken, when set, is the bearer token the intake API requires.
	IntakeToken string
	// AdminToken, when set, is the bearer token the admin API requires.
	AdminToken string
	// MaxBody is the largest request body of the intake and transport
	// endpoints. Defaults to secure.EnvelopeMaxBytes of the default limit.
	MaxBody int64
	// Reminders is the most Erinnerungen (900021) sent for one overdue
	// answer. Defaults to 2; negative means none.
	Reminders int
	// Deadlines override the catalogue's answer deadlines per type code.
	Deadlines map[string]time.Duration
	// SweepEvery is how often overdue answers and pending hand-overs are
	// looked at. Defaults to 5s.
	SweepEvery time.Duration
	// HandoverGrace is how long an inbound message stays with the
	// instance that received it before another instance's sweep hands it
	// over: with several instances on one store, B's sweep sees what A has
	// just received and would otherwise push it to the webhook or run the
	// Responder at the same time as A. The sweep of the receiving
	// instance is not held back. Zero (one instance) holds nothing back.
	// Defaults to 0.
	HandoverGrace time.Duration
	// Webhook, when set, receives inbound messages (push); else local
	// software pulls them from /v1/inbox.
	Webhook *WebhookConfig
	// Clock is the source of time. Defaults to the wall clock.
	Clock clock.Clock
	// Logger gets JSON-able events with ids and codes only. Defaults to
	// discarding.
	Logger *slog.Logger
	// Registry receives the gateway's metrics. Defaults to a new registry.
	Registry *prometheus.Registry
	// OnEvent, when set, is called for every stage event (tests, demo).
	OnEvent func(Event)
}

// EventBus gives the publisher and the subscriber of a router handler.
type EventBus func(handler string) (wm.Publisher, wm.Subscriber, error)

// WebhookConfig configures push hand-over.
type WebhookConfig struct {
	URL    string
	Token  string
	Client *http.Client
	// RetryInitial and RetryMax bound the back-off between attempts for
	// one message. Defaults 1s and 1m.
	RetryInitial, RetryMax time.Duration
}

// Event is a stage event: a record moved through the gateway.
type Event struct {
	Stage string // "enqueued", "delivered", "rejected", "received", "answered", "handed-over", "reminded"
	ID    string
	Type  string
	Peer  string
	Code  string
}

func (o *Options) setDefaults() {
	if o.MaxBody == 0 {
		o.MaxBody = int64(secure.EnvelopeMaxBytes(message.DefaultMaxBytes))
	}
	if o.Reminders == 0 {
		o.Reminders = 2
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 5 * time.Second
	}
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Webhook != nil {
		if o.Webhook.RetryInitial == 0 {
			o.Webhook.RetryInitial = time.Second
		}
		if o.Webhook.RetryMax == 0 {
			o.Webhook.RetryMax = time.Minute
		}
		if o.Webhook.Client == nil {
			o.Webhook.Client = &http.Client{Timeout: 30 * time.Second}
		}
	}
}

// Validate reports the first missing or inconsistent option.
func (o *Options) Validate() error {
	var errs []error
	if _, err := kennung.Parse(string(o.Self.Kennung)); err != nil {
		errs = append(errs, fmt.Errorf("Self.Kennung: %w", err))
	}
	if o.Self.Role == "" {
		errs = append(errs, errors.New("Self.Role is required"))
	}
	if o.Store == nil {
		errs = append(errs, errors.New("Store is required"))
	}
	if o.Directory == nil {
		errs = append(errs, errors.New("Directory is required"))
	}
	if o.Signing.Key == nil || o.Signing.Cert == nil {
		errs = append(errs, errors.New("Signing key pair is required"))
	}
	if len(o.Decryption) == 0 {
		errs = append(errs, errors.New("at least one Decryption key pair is required"))
	}
	if o.Verifier == nil {
		errs = append(errs, errors.New("Verifier is required"))
	}
	if o.Validator == nil {
		errs = append(errs, errors.New("Validator is required"))
	}
	if o.HandoverGrace < 0 {
		errs = append(errs, errors.New("HandoverGrace must not be negative"))
	}
	if o.MaxBody < 0 {
		errs = append(errs, errors.New("MaxBody must not be negative"))
	}
	if o.Webhook != nil && o.Webhook.URL == "" {
		errs = append(errs, errors.New("Webhook.URL is required when Webhook is set"))
	}
	return errors.Join(errs...)
}

var _ Transport = (*wire.Client)(nil)
