package gateway

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"golang.org/x/sync/errgroup"

	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/keycpu"
	"github.com/xgate/xgate/outbox/scheduler"
	"github.com/xgate/xgate/xml/secure"
)

// Topics of the stage router (see doc.go, Stages).
const (
	topicEnqueued = "outbound.enqueued"
	topicReceived = "inbound.received"
	topicPoison   = "poison"
)

// Gateway is one site's daemon: intake, delivery, inbound, hand-over,
// answers due. Create it with New, start it with Run.
type Gateway struct {
	o       Options
	log     *slog.Logger
	metrics *metrics
	relay   *scheduler.Relay
	signer  wire.Signer
	openOpt secure.OpenOptions
	seal    secure.SealOptions
	cache   *secure.VerifyCache

	pub    message.Publisher
	router *message.Router

	mu       sync.Mutex
	inflight map[string]bool      // inbound ids being handed over
	sent     map[string]time.Time // inbound ids last published for hand-over
	// uncorrelated are answers whose original was still in flight.
	uncorrelated map[string]bool
	webhook      map[string]webhookState
	reminded     map[string]int // outbound id → Erinnerungen sent

	ready   chan struct{}
	readyMu sync.Once
}

// New checks the options and builds a Gateway; nothing runs until Run.
func New(o Options) (*Gateway, error) {
	o.setDefaults()
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Gateway{
		o:            o,
		log:          o.Logger.With("site", string(o.Self.Kennung)),
		inflight:     map[string]bool{},
		sent:         map[string]time.Time{},
		uncorrelated: map[string]bool{},
		webhook:      map[string]webhookState{},
		reminded:     map[string]int{},
		ready:        make(chan struct{}),
	}
	g.cache = secure.NewVerifyCache(o.Verifier, secure.VerifyCacheConfig{})
	g.metrics = newMetrics(o.Registry, g)
	// The message keys report the CPU time of each private-key operation
	// (xgate_private_key_*); the TLS key is the transport's and is not
	// measured.
	keys := make([]crypto.Decrypter, 0, len(o.Decryption))
	for _, kp := range o.Decryption {
		keys = append(keys, keycpu.Decrypter(kp.Key, g.metrics.keys))
	}
	signing := keycpu.Signer(o.Signing.Key, g.metrics.keys)
	g.openOpt = secure.OpenOptions{DecryptionKeys: keys, Verifier: g.cache, Clock: o.Clock}
	g.seal = secure.SealOptions{SigningKey: signing, SigningCert: o.Signing.Cert, Clock: o.Clock}
	g.signer = wire.Signer{Key: signing, Cert: o.Signing.Cert, Self: o.Self, Clock: o.Clock}

	rc := o.Relay
	if rc.Logger == nil {
		rc.Logger = g.log.With("component", "relay")
	}
	if o.Transport != nil {
		relay, err := scheduler.New(rc, o.Store, scheduler.DelivererFunc(g.deliver))
		if err != nil {
			return nil, fmt.Errorf("gateway: relay: %w", err)
		}
		g.relay = relay
	}

	wlog := watermill.NewSlogLogger(g.log.With("component", "router"))
	bus := o.Events
	if bus == nil {
		ch := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 1024}, wlog)
		bus = func(string) (message.Publisher, message.Subscriber, error) { return ch, ch, nil }
	}
	pub, _, err := bus("")
	if err != nil {
		return nil, fmt.Errorf("gateway: events: %w", err)
	}
	g.pub = pub
	subs := map[string]message.Subscriber{}
	for _, h := range []string{"delivery", "hand-over", "poison"} {
		_, sub, err := bus(h)
		if err != nil {
			return nil, fmt.Errorf("gateway: events for %s: %w", h, err)
		}
		subs[h] = sub
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wlog)
	if err != nil {
		return nil, fmt.Errorf("gateway: router: %w", err)
	}
	poison, err := middleware.PoisonQueue(g.pub, topicPoison)
	if err != nil {
		return nil, fmt.Errorf("gateway: poison queue: %w", err)
	}
	router.AddMiddleware(
		middleware.CorrelationID,
		poison,
		middleware.Retry{MaxRetries: 5, InitialInterval: 50 * time.Millisecond, MaxInterval: 2 * time.Second, Multiplier: 2, Logger: wlog}.Middleware,
		middleware.Recoverer,
	)
	router.AddConsumerHandler("delivery", topicEnqueued, subs["delivery"], func(*message.Message) error {
		if g.relay != nil {
			g.relay.Notify()
		}
		return nil
	})
	router.AddConsumerHandler("hand-over", topicReceived, subs["hand-over"], g.handleReceived)
	router.AddConsumerHandler("poison", topicPoison, subs["poison"], func(m *message.Message) error {
		g.metrics.poisoned.Inc()
		g.log.Warn("stage gave up; the sweep retries", "id", eventID(m), "reason", m.Metadata.Get(middleware.ReasonForPoisonedKey))
		return nil
	})
	g.router = router
	return g, nil
}

// publish hands a record id to the next stage. The record in the store is
// the durable hand-off; a lost event is found again by the sweep.
func (g *Gateway) publish(topic, id string) {
	if topic == topicReceived {
		g.mu.Lock()
		g.sent[id] = g.o.Clock.Now()
		g.mu.Unlock()
	}
	payload, _ := json.Marshal(id) // a JSON string: watermill-sql stores payloads as JSON
	m := message.NewMessage(watermill.NewUUID(), payload)
	middleware.SetCorrelationID(id, m)
	if err := g.pub.Publish(topic, m); err != nil {
		g.log.Warn("publish failed; the sweep retries", "topic", topic, "id", id, "err", err)
	}
}

func (g *Gateway) event(e Event) {
	if g.o.OnEvent != nil {
		g.o.OnEvent(e)
	}
}

// Listeners are where Run serves. A nil listener is not served.
type Listeners struct {
	Intake    net.Listener // local software: /v1/messages, /v1/inbox, /metrics, /healthz, /readyz
	Transport net.Listener // partners: /v1/transport, wrapped in mTLS by Run
	Admin     net.Listener // operators: the admin API handler given to Run
	Metrics   net.Listener // /metrics, /healthz, /readyz only (optional)
}

// RunConfig is what Run serves besides the gateway's own handlers.
type RunConfig struct {
	Listeners Listeners
	// Admin is the admin API handler (gateway/admin) for Listeners.Admin.
	Admin http.Handler
	// Drain bounds the graceful stop after ctx ends. Defaults to 30s.
	Drain time.Duration
	// WrapTransport, when set, wraps the transport handler (inside the
	// mutual TLS): the conformance suite's test partner records what
	// crosses it, its defective endpoint changes the answers.
	WrapTransport func(http.Handler) http.Handler
}

// Run serves until ctx ends, then drains: it stops accepting, lets
// in-flight requests and deliveries finish (bounded by Drain) and returns.
// Nothing accepted is lost: every accepted message is in the store before
// its 202 or receipt went out.
func (g *Gateway) Run(ctx context.Context, rc RunConfig) error {
	if rc.Drain == 0 {
		rc.Drain = 30 * time.Second
	}
	var servers []*http.Server
	serve := func(eg *errgroup.Group, l net.Listener, h http.Handler) {
		if l == nil {
			return
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelDebug)}
		servers = append(servers, s)
		eg.Go(func() error {
			if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	eg, egCtx := errgroup.WithContext(runCtx)
	eg.Go(func() error { return g.router.Run(egCtx) })
	<-g.router.Running()
	if g.relay != nil {
		eg.Go(func() error { return g.relay.Run(egCtx) })
	}
	eg.Go(func() error { g.sweepLoop(egCtx); return nil })

	var tl net.Listener
	if l := rc.Listeners.Transport; l != nil {
		tl = tlsListener(l, g.o)
	}
	serve(eg, rc.Listeners.Intake, g.IntakeHandler())
	th := g.TransportHandler()
	if rc.WrapTransport != nil {
		th = rc.WrapTransport(th)
	}
	serve(eg, tl, th)
	if rc.Admin != nil {
		serve(eg, rc.Listeners.Admin, rc.Admin)
	}
	serve(eg, rc.Listeners.Metrics, g.opsHandler())
	g.readyMu.Do(func() { close(g.ready) })
	g.log.Info("gateway running", "role", string(g.o.Self.Role))

	select {
	case <-ctx.Done():
	case <-egCtx.Done():
	}
	g.log.Info("draining")
	dctx, dcancel := context.WithTimeout(context.Background(), rc.Drain)
	defer dcancel()
	for _, s := range servers {
		_ = s.Shutdown(dctx)
	}
	if g.relay != nil {
		if err := g.relay.Shutdown(dctx); err != nil {
			g.log.Warn("relay drain", "err", err)
		}
	}
	cancel()
	_ = g.router.Close()
	err := eg.Wait()
	g.log.Info("stopped")
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Ready is closed when Run serves.
func (g *Gateway) Ready() <-chan struct{} { return g.ready }

// ErrDirectoryExpired: the routing directory in use is past its NotAfter
// (or its maximum age) and no newer one could be loaded. The gateway
// routes nothing with it: intake answers 503, deliveries wait, inbound
// deliveries get 503 (the sender retries).
var ErrDirectoryExpired = errors.New("gateway: the routing directory has expired")

// directory returns the current directory, or ErrDirectoryExpired.
func (g *Gateway) directory() (*directory.Directory, error) {
	d := g.o.Directory.Current()
	if d == nil {
		return nil, ErrDirectoryExpired
	}
	if ds, ok := g.o.Directory.(directoryStatus); ok {
		if ds.Status().Expired {
			return nil, ErrDirectoryExpired
		}
	} else if !d.NotAfter.IsZero() && g.o.Clock.Now().After(d.NotAfter) {
		return nil, ErrDirectoryExpired
	}
	return d, nil
}

// eventID is the record id an event carries.
func eventID(m *message.Message) string {
	var id string
	if err := json.Unmarshal(m.Payload, &id); err != nil {
		return ""
	}
	return id
}
