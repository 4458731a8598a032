package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Received is a business answer that arrived at the runner's gateway:
// opened, verified, authorised and validated by it.
type Received struct {
	Type      string
	UUID      string
	Ausloeser string
	From      kennung.Kennung
	At        time.Time
	XML       []byte
}

// ListenerConfig configures a Listener.
type ListenerConfig struct {
	// Site is the runner's gateway configuration: its identity, keys,
	// trust, the directory and listen.transport, where the target's
	// answers arrive (the runner's endpoint in the target's directory).
	// The store, the admin socket and the intake listener are replaced by
	// temporary ones. Required; it is copied, not changed.
	Site *config.Config
	// Logger receives the gateway's log. Defaults to discarding.
	Logger *slog.Logger
	// Clock defaults to the wall clock.
	Clock clock.Clock
}

// Listener is the runner's own gateway: an xgate gateway (gateway/site)
// whose local software is the Listener itself. It receives the target's
// business answers (and anything else sent to the runner), answers with
// signed receipts like any gateway, and hands each message to Wait.
type Listener struct {
	site *site.Site
	tmp  string

	mu      sync.Mutex
	got     map[string][]Received // by ausloeserUUID
	changed chan struct{}         // closed at every arrival
	refused []string              // what the gateway refused, for people
}

// OpenListener opens the runner's gateway; it listens at once and serves
// when Run is called.
func OpenListener(ctx context.Context, cfg ListenerConfig) (*Listener, error) {
	if cfg.Site == nil {
		return nil, errors.New("live: listener: no site configuration")
	}
	tmp, err := os.MkdirTemp("", "xgate-conformance-run-")
	if err != nil {
		return nil, err
	}
	sc := *cfg.Site
	sc.Store = config.Store{Kind: config.StoreBolt, Path: filepath.Join(tmp, "outbox.db")}
	sc.Listen.AdminSocket = filepath.Join(tmp, "admin.sock")
	sc.Listen.Intake = "127.0.0.1:0"
	sc.Listen.Metrics = ""
	sc.Intake.ClientRoots = nil
	sc.Inbox.Webhook.URL, sc.Inbox.Webhook.Token = "", ""
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Listener{tmp: tmp, got: map[string][]Received{}, changed: make(chan struct{})}
	s, err := site.Open(ctx, &sc, site.Options{Responder: l, Logger: log, Clock: cfg.Clock, OnEvent: l.event, SweepEvery: time.Second})
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("live: the runner's gateway: %w", err)
	}
	l.site = s
	return l, nil
}

// Addr is where the target's answers are received (host:port).
func (l *Listener) Addr() string { return l.site.Addrs().Transport }

// Run serves until ctx ends.
func (l *Listener) Run(ctx context.Context) error { return l.site.Run(ctx) }

// Close releases the gateway and removes its temporary store. Call it
// after Run returned.
func (l *Listener) Close() error {
	l.site.Close()
	return os.RemoveAll(l.tmp)
}

// Respond implements gateway.Responder: it keeps the message for Wait and
// answers nothing.
func (l *Listener) Respond(_ context.Context, in *message.Message) ([]gateway.Outgoing, error) {
	var b bytes.Buffer
	if _, err := in.Doc.WriteTo(&b); err != nil {
		return nil, err
	}
	h := in.Header()
	r := Received{Type: h.Type, UUID: message.CanonicalUUID(h.UUID), Ausloeser: message.CanonicalUUID(h.AusloeserUUID),
		From: kennung.Kennung(h.Autor.Kennung), At: time.Now(), XML: b.Bytes()}
	l.mu.Lock()
	l.got[r.Ausloeser] = append(l.got[r.Ausloeser], r)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return nil, nil
}

func (l *Listener) event(e gateway.Event) {
	if e.Stage != "rejected-inbound" {
		return
	}
	l.mu.Lock()
	l.refused = append(l.refused, fmt.Sprintf("%s %s from %s: %s", e.Type, e.ID, e.Peer, e.Code))
	l.mu.Unlock()
}

// Wait implements Answers.
func (l *Listener) Wait(ctx context.Context, ausloeser string) (Received, error) {
	ausloeser = message.CanonicalUUID(ausloeser)
	for {
		l.mu.Lock()
		got, ch := l.got[ausloeser], l.changed
		refused := l.refused
		l.mu.Unlock()
		if len(got) > 0 {
			return got[0], nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			err := ctx.Err()
			if len(refused) > 0 {
				return Received{}, fmt.Errorf("%w; the runner's gateway refused meanwhile: %s", err, strings.Join(refused, "; "))
			}
			return Received{}, err
		}
	}
}

var _ gateway.Responder = (*Listener)(nil)
var _ Answers = (*Listener)(nil)
