// Package livetest sets up what the tests of the live conformance parts
// need: a development network (gateway/devnet) with pool keys, sites run
// in-process on loopback, and the runner's configuration for a target.
package livetest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/conformance/live"
	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/xml/kennung"
)

// Net is a development network whose sites the test runs in-process.
type Net struct {
	*devnet.Net
	Directory *directory.Directory
	Verifier  *certs.Verifier
}

// NewNet writes a development network with the given sites (ids of the
// development PKI: abh, mb, azr, bamf, ba, jc, test) into a temporary
// folder. Extra settings per site may be given in extra.
func NewNet(tb testing.TB, ids []string, extra map[string]map[string]any) *Net {
	tb.Helper()
	var specs []devnet.SiteSpec
	for _, id := range ids {
		specs = append(specs, devnet.SiteSpec{ID: id, Extra: extra[id]})
	}
	n, err := devnet.Create(context.Background(), filepath.Join(tb.TempDir(), "net"), devnet.Spec{Sites: specs, GenerateKey: certstest.KeyGenerator()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(n.Close)
	v, err := n.Manifest.Verifier(nil)
	if err != nil {
		tb.Fatal(err)
	}
	signed, err := os.ReadFile(n.Directory)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := directory.Verify(context.Background(), signed, v, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	return &Net{Net: n, Directory: d, Verifier: v}
}

// Config loads a site's configuration file.
func (n *Net) Config(tb testing.TB, id string) *config.Config {
	tb.Helper()
	cfg, err := config.Load(n.Sites[id].Config, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// PeerOptions returns site options that make the site a simulated partner
// of its own role (xgate peer).
func (n *Net) PeerOptions(tb testing.TB, id string) site.Options {
	tb.Helper()
	s := n.Sites[id]
	r, err := peer.New(peer.Config{Self: s.Identity})
	if err != nil {
		tb.Fatal(err)
	}
	return site.Options{Responder: site.PeerResponder(r)}
}

// Start runs site id in-process until the test ends; it returns when the
// site serves.
func (n *Net) Start(tb testing.TB, id string, o site.Options) *site.Site {
	tb.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 200 * time.Millisecond
	}
	s, err := site.Open(context.Background(), n.Config(tb, id), o)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("site %s: %v", id, err)
		}
		s.Close()
	})
	select {
	case <-s.Gateway.Ready():
	case err := <-done:
		tb.Fatalf("site %s stopped: %v", id, err)
	}
	return s
}

// Listener opens and runs the runner's gateway as site id (by default the
// conformance test participant) until the test ends.
func (n *Net) Listener(tb testing.TB, id string) *live.Listener {
	tb.Helper()
	l, err := live.OpenListener(context.Background(), live.ListenerConfig{Site: n.Config(tb, id)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("listener: %v", err)
		}
		_ = l.Close()
	})
	return l
}

// RunnerConfig is the runner's configuration as participant self against
// the site target: keys, the directory, the PKI's other participants and
// CA, pool keys for the stand-in signers. Answers and Inspector are left
// to the caller.
func (n *Net) RunnerConfig(tb testing.TB, self, target string) live.Config {
	tb.Helper()
	m := n.Manifest
	sp, ok := m.ByID(self)
	if !ok {
		tb.Fatalf("no participant %s", self)
	}
	me, err := live.PartyFromPKI(m, sp)
	if err != nil {
		tb.Fatal(err)
	}
	tp, _ := m.ByID(target)
	entry, ok := n.Directory.Lookup(tp.Kennung)
	if !ok {
		tb.Fatalf("%s not in the directory", target)
	}
	others, err := live.OthersFromPKI(m, sp.Kennung, tp.Kennung)
	if err != nil {
		tb.Fatal(err)
	}
	ca, err := live.CAFromPKI(m)
	if err != nil {
		tb.Fatal(err)
	}
	return live.Config{
		Self: me, Target: live.TargetFrom(entry), Verifier: n.Verifier, Directory: n.Directory,
		Others: others, CA: &ca, GenerateKey: certstest.KeyGenerator(), Timeout: 5 * time.Second, AnswerTimeout: 10 * time.Second,
	}
}

// Inspector dials the admin API of a running site.
func Inspector(tb testing.TB, s *site.Site) *admin.Client {
	tb.Helper()
	c, err := admin.Dial(context.Background(), "unix://"+s.Addrs().Admin, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Identity returns a site's identity.
func (n *Net) Identity(id string) kennung.Identity { return n.Sites[id].Identity }
