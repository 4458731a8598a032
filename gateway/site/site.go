// Package site assembles one site's gateway from its configuration: it
// loads the keys, the trust anchors and the signed directory, opens the
// store, builds the validator, the wire client and the gateway, and opens
// the listeners (intake, mTLS transport, admin socket, metrics). xgate
// serve and xgate peer run a Site; xgate demo runs six in one process.
package site

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/all"
	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
	"github.com/xgate/xgate/outbox/scheduler"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// Options are what a Site takes besides its configuration.
type Options struct {
	// Responder makes the site a simulated partner (xgate peer).
	Responder gateway.Responder
	// Logger receives the site's log. Defaults to JSON on stderr at the
	// configured level.
	Logger *slog.Logger
	// Clock defaults to the wall clock.
	Clock clock.Clock
	// OnEvent is passed to the gateway (demo, tests).
	OnEvent func(gateway.Event)
	// SweepEvery overrides the gateway's sweep interval (demo, tests).
	SweepEvery time.Duration
	// Owner overrides the relay's lease owner: several instances of a
	// site in one process (tests) need one each. Defaults to
	// InstanceOwner with postgres, "relay-KENNUNG" with bolt.
	Owner string
	// WrapTransport is passed to the gateway's Run (gateway.RunConfig):
	// the conformance suite's test partner and defective endpoint.
	WrapTransport func(http.Handler) http.Handler
}

// Store is the site's open outbox: a *boltstore.Store (store.kind bolt)
// or a *pgstore.Store (postgres). Both keep the audit log.
type Store interface {
	gateway.Store
	outbox.AuditLog
}

// Site is one configured gateway, ready to Run.
type Site struct {
	Config    *config.Config
	Gateway   *gateway.Gateway
	Directory *directory.Source
	Store     Store
	Log       *slog.Logger
	// Owner names this instance in the leases of its relay: unique per
	// process with postgres (several instances share the store).
	Owner string

	val       *validate.Validator
	adapters  *adapters.Registry
	listeners gateway.Listeners
	admin     admin.Backend
	storeName string                    // HandlerConfig.Store: the bolt file, or the database
	released  func(ctx context.Context) // hands back this instance's leases (postgres)
	wrap      func(http.Handler) http.Handler
}

// Open builds the site: nothing is served until Run. On any error
// everything opened so far is closed again.
func Open(ctx context.Context, cfg *config.Config, o Options) (_ *Site, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = NewLogger(os.Stderr, cfg.Log)
	}
	clk := clock.Or(o.Clock)
	s := &Site{Config: cfg, Log: log, wrap: o.WrapTransport}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	self, err := identity(cfg)
	if err != nil {
		return nil, err
	}
	signing, err := cfg.SigningKeyPair()
	if err != nil {
		return nil, err
	}
	enc, err := cfg.EncryptionKeyPairs()
	if err != nil {
		return nil, err
	}
	tlsKP, err := cfg.TLSKeyPair()
	if err != nil {
		return nil, err
	}
	verifier, err := cfg.Verifier(clk)
	if err != nil {
		return nil, err
	}
	token, err := cfg.IntakeToken()
	if err != nil {
		return nil, err
	}
	s.Directory = directory.NewSource(cfg.Directory.File, verifier, clk, log.With("component", "directory"))
	s.Directory.SetMaxAge(cfg.Directory.MaxAge.D())
	if err := s.Directory.Load(ctx); err != nil {
		return nil, fmt.Errorf("directory.file: %w", err)
	}
	if _, ok := s.Directory.Current().Lookup(self.Kennung); !ok {
		return nil, fmt.Errorf("site.kennung: %s is not in the routing directory %s", self.Kennung, cfg.Directory.File)
	}
	signer, err := audit.NewRSASigner(signing.Key, signing.Cert)
	if err != nil {
		return nil, err
	}
	if err := s.openStore(ctx, cfg, clk, signer); err != nil {
		return nil, err
	}
	relayCfg := scheduler.Config{
		Owner: "relay-" + string(self.Kennung), Workers: cfg.Delivery.Workers,
		LeaseFor: cfg.Delivery.Lease.D(), DeliverTimeout: cfg.Delivery.Timeout.D(),
		Policy: scheduler.Policy{Base: cfg.Delivery.Retry.Initial.D(), Cap: cfg.Delivery.Retry.Max.D(), MaxAge: cfg.Delivery.Retry.MaxAge.D(),
			BreakerBase: cfg.Delivery.Retry.Initial.D(), BreakerCap: cfg.Delivery.Retry.Max.D()},
		Logger: log.With("component", "relay"), Clock: nil,
	}
	var grace time.Duration
	var events gateway.EventBus
	if pg, ok := s.Store.(*pgstore.Store); ok {
		// The instances' stage events travel through watermill-sql in
		// the same database (events.go).
		events = sqlEvents(pg.Pool(), string(self.Kennung), watermill.NewSlogLogger(log.With("component", "events")))
	}
	if cfg.Store.Kind == config.StorePostgres {
		// Several instances share the store: leases name the process,
		// the relay looks for work other instances left (a dead one's
		// queued records) at least every PollShared, and a message one
		// instance received is its own to hand over for a lease's time.
		relayCfg.Owner = InstanceOwner(self.Kennung)
		relayCfg.MaxSleep = PollShared
		grace = cfg.Delivery.Lease.D()
	}
	if o.Owner != "" {
		relayCfg.Owner = o.Owner
	}
	s.Owner = relayCfg.Owner
	s.val, err = validate.New(validate.Config{Clock: clk})
	if err != nil {
		return nil, err
	}
	client, err := wire.NewClient(wire.ClientConfig{TLS: tlsKP, Roots: verifier.Roots(), Timeout: cfg.Delivery.Timeout.D()})
	if err != nil {
		return nil, err
	}
	deadlines := map[string]time.Duration{}
	for k, v := range cfg.Answers.Deadlines {
		deadlines[k] = v.D()
	}
	reminders := cfg.Answers.Reminders
	if reminders == 0 {
		reminders = -1 // the file's 0 means none; the gateway's 0 means its default
	}
	var webhook *gateway.WebhookConfig
	if cfg.Inbox.Webhook.URL != "" {
		webhook = &gateway.WebhookConfig{URL: cfg.Inbox.Webhook.URL, Token: cfg.Inbox.Webhook.Token,
			RetryInitial: cfg.Inbox.Webhook.RetryInitial.D(), RetryMax: cfg.Inbox.Webhook.RetryMax.D()}
	}
	s.adapters, err = all.New(adapters.Deps{Logger: log.With("component", "adapters"), Clock: clk})
	if err != nil {
		return nil, err
	}
	if err := configureAdapters(s.adapters, cfg.Adapters); err != nil {
		return nil, err
	}
	s.Gateway, err = gateway.New(gateway.Options{
		Dialects: s.adapters,
		Self:     self, Store: s.Store, Directory: s.Directory,
		Signing: signing, Decryption: enc, TLS: tlsKP, Verifier: verifier, Validator: s.val,
		Transport: client, Responder: o.Responder,
		Relay:       relayCfg,
		IntakeToken: token, MaxBody: int64(cfg.Intake.MaxBody),
		Reminders: reminders, Deadlines: deadlines, SweepEvery: o.SweepEvery, Webhook: webhook, HandoverGrace: grace, Events: events,
		Clock: clk, Logger: log, Registry: prometheus.NewRegistry(), OnEvent: o.OnEvent,
	})
	if err != nil {
		return nil, err
	}
	if err := s.listen(cfg, tlsKP); err != nil {
		return nil, err
	}
	return s, nil
}

// PollShared is the longest a relay on a shared (postgres) store sleeps
// without looking at it: records another instance made due without a
// wake-up here (it died after accepting them) wait at most this long.
const PollShared = 2 * time.Second

// InstanceOwner is the relay owner of this process on a shared store:
// relay-KENNUNG-HOST-PID, unique among the instances of a site.
func InstanceOwner(k kennung.Kennung) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return fmt.Sprintf("relay-%s-%s-%d", k, host, os.Getpid())
}

// openStore opens the configured store and its admin backend.
func (s *Site) openStore(ctx context.Context, cfg *config.Config, clk clock.Clock, signer *audit.RSASigner) error {
	log := s.Log.With("component", "store")
	switch cfg.Store.Kind {
	case config.StorePostgres:
		dsn, err := cfg.StoreDSN()
		if err != nil {
			return err
		}
		st, err := pgstore.Open(ctx, dsn, pgstore.Config{
			Clock: clk, Logger: log, MaxBytes: int64(cfg.Store.MaxBytes), CheckpointSigner: signer,
		})
		if err != nil {
			return fmt.Errorf("store.dsn: %w", err)
		}
		s.Store, s.admin, s.storeName = st, PostgresBackend(st), DatabaseName(dsn)
		s.released = func(ctx context.Context) {
			if n, err := st.ReleaseLeases(ctx, s.Owner, time.Time{}); err != nil {
				s.Log.Warn("leases not handed back; they expire", "owner", s.Owner, "err", err)
			} else if n > 0 {
				s.Log.Info("leases handed back", "owner", s.Owner, "records", n)
			}
		}
		return nil
	default:
		st, err := boltstore.Open(ctx, cfg.Store.Path, boltstore.Config{
			Clock: clk, Logger: log, MaxSize: int(cfg.Store.MaxBytes), CheckpointSigner: signer,
			CommitLinger: cfg.Store.CommitLinger.D(),
		})
		if err != nil {
			return fmt.Errorf("store.path: %w", err)
		}
		abs, _ := filepath.Abs(cfg.Store.Path)
		s.Store, s.admin, s.storeName = st, admin.StoreBackend(st), abs
		return nil
	}
}

// PostgresBackend is a pgstore as the admin API's Backend: Check reports
// the problems of a *pgstore.CheckError.
func PostgresBackend(st *pgstore.Store) admin.Backend {
	return admin.NewBackend(st, func(ctx context.Context) ([]string, error) {
		err := st.Check(ctx)
		var ce *pgstore.CheckError
		if errors.As(err, &ce) {
			return ce.Problems, nil
		}
		return nil, err
	})
}

// DatabaseName describes a postgres connection string without its
// secrets: "postgres://USER@HOST:PORT/DB" (what the admin API's info
// names as the store).
func DatabaseName(dsn string) string {
	c, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres"
	}
	host := c.Host
	if strings.HasPrefix(host, "/") {
		host = "[" + host + "]" // a socket folder
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, host, c.Port, c.Database)
}

// listen opens the listeners, so that a port in use fails Open, not Run.
func (s *Site) listen(cfg *config.Config, tlsKP certs.KeyPair) error {
	var err error
	if s.listeners.Intake, err = net.Listen("tcp", cfg.Listen.Intake); err != nil {
		return fmt.Errorf("listen.intake: %w", err)
	}
	if len(cfg.Intake.ClientRoots) > 0 {
		// Local software authenticates with a client certificate.
		var roots []*x509.Certificate
		for i, f := range cfg.Intake.ClientRoots {
			cs, err := certs.LoadRoots(f)
			if err != nil {
				return fmt.Errorf("intake.client_roots[%d]: %w", i, err)
			}
			roots = append(roots, cs...)
		}
		s.listeners.Intake = tls.NewListener(s.listeners.Intake, &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{tlsKP.TLSCertificate()},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    certs.Pool(roots...),
		})
	}
	if s.listeners.Transport, err = net.Listen("tcp", cfg.Listen.Transport); err != nil {
		return fmt.Errorf("listen.transport: %w", err)
	}
	if cfg.Listen.Metrics != "" && cfg.Listen.Metrics != cfg.Listen.Intake {
		if s.listeners.Metrics, err = net.Listen("tcp", cfg.Listen.Metrics); err != nil {
			return fmt.Errorf("listen.metrics: %w", err)
		}
	}
	sock := cfg.Listen.AdminSocket
	if sock != "" {
		if err := removeStaleSocket(sock); err != nil {
			return fmt.Errorf("listen.admin_socket: %w", err)
		}
		if s.listeners.Admin, err = net.Listen("unix", sock); err != nil {
			return fmt.Errorf("listen.admin_socket: %w", err)
		}
		if err := os.Chmod(sock, 0o600); err != nil {
			return fmt.Errorf("listen.admin_socket: %w", err)
		}
	}
	return nil
}

// removeStaleSocket removes a socket file nobody answers on (left by a
// killed daemon); a live one is an error: another daemon runs here.
func removeStaleSocket(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		_ = c.Close()
		return fmt.Errorf("%s: another daemon answers on it", path)
	}
	return os.Remove(path)
}

// Addr are the addresses the site listens on (ports resolved).
type Addr struct {
	Intake, Transport, Metrics, Admin string
}

// Addrs reports where the site listens.
func (s *Site) Addrs() Addr {
	var a Addr
	if l := s.listeners.Intake; l != nil {
		a.Intake = l.Addr().String()
	}
	if l := s.listeners.Transport; l != nil {
		a.Transport = l.Addr().String()
	}
	if l := s.listeners.Metrics; l != nil {
		a.Metrics = l.Addr().String()
	}
	if l := s.listeners.Admin; l != nil {
		a.Admin = l.Addr().String()
	}
	return a
}

// Run serves until ctx ends, then drains; the directory is reloaded every
// directory.reload and on Reload.
func (s *Site) Run(ctx context.Context) error {
	if every := s.Config.Directory.Reload.D(); every > 0 {
		go s.Directory.Run(ctx, every)
	}
	h := admin.NewHandler(s.admin, admin.HandlerConfig{Store: s.storeName, Logger: s.Log.With("component", "admin")})
	err := s.Gateway.Run(ctx, gateway.RunConfig{Listeners: s.listeners, Admin: h, WrapTransport: s.wrap})
	if s.released != nil {
		// The relay has drained; deliveries it cut short go to the
		// other instances at once, not after their leases.
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s.released(rctx)
		cancel()
	}
	return err
}

// Reload reads the directory file again (SIGHUP); a bad file keeps the
// last good directory and is reported.
func (s *Site) Reload(ctx context.Context) error { return s.Directory.Reload(ctx) }

// Close releases the store, the validator and any listener Run did not
// take over. Call it after Run returned.
func (s *Site) Close() {
	for _, l := range []net.Listener{s.listeners.Intake, s.listeners.Transport, s.listeners.Metrics, s.listeners.Admin} {
		if l != nil {
			_ = l.Close()
		}
	}
	if s.Store != nil {
		_ = s.Store.Close()
	}
	if s.val != nil {
		_ = s.val.Close()
	}
	if s.adapters != nil {
		_ = s.adapters.Close()
	}
}

// NewLogger is the daemon's slog logger: JSON (or text) at the level.
func NewLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	ho := &slog.HandlerOptions{Level: lvl}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, ho))
	}
	return slog.New(slog.NewJSONHandler(w, ho))
}

func identity(cfg *config.Config) (kennung.Identity, error) {
	k, err := kennung.Parse(cfg.Site.Kennung)
	if err != nil {
		return kennung.Identity{}, fmt.Errorf("site.kennung: %w", err)
	}
	r, err := kennung.ParseRole(cfg.Site.Role)
	if err != nil {
		return kennung.Identity{}, fmt.Errorf("site.role: %w", err)
	}
	return kennung.Identity{Kennung: k, Role: r, Name: cfg.Site.Name}, nil
}

// PeerResponder makes a simulated partner's business logic the local
// software of a site (xgate peer, xgate demo).
func PeerResponder(r *peer.Responder) gateway.Responder { return peerResponder{r} }

type peerResponder struct{ r *peer.Responder }

func (p peerResponder) Respond(ctx context.Context, in *message.Message) ([]gateway.Outgoing, error) {
	outs, err := p.r.Respond(ctx, in)
	if err != nil {
		return nil, err
	}
	res := make([]gateway.Outgoing, len(outs))
	for i, o := range outs {
		res[i] = gateway.Outgoing{To: o.To, Type: o.Type, XML: o.XML, Delay: o.Delay}
	}
	return res, nil
}

// configureAdapters applies the configuration's adapter settings. The
// daemon validates our side of every translation itself, so an adapter's
// own check of it ("check-ours") is off unless the file says otherwise.
// An adapter that needs settings the file does not give stays
// unconfigured: using it is refused with what is missing.
func configureAdapters(r *adapters.Registry, settings map[string]map[string]string) error {
	for name := range settings {
		if _, ok := r.Spec(name); !ok {
			return fmt.Errorf("adapters.%s: no such adapter (xgate adapters list)", name)
		}
	}
	for _, spec := range r.Specs() {
		c := adapters.Config{}
		for k, v := range settings[spec.Name] {
			c[k] = v
		}
		for _, f := range spec.Fields {
			if _, set := c[f.Name]; f.Name == "check-ours" && !set {
				c[f.Name] = "false"
			}
		}
		if err := r.Configure(spec.Name, c); err != nil {
			if _, named := settings[spec.Name]; named {
				return fmt.Errorf("adapters.%s: %w", spec.Name, err)
			}
		}
	}
	return nil
}
