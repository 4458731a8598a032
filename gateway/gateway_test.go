package gateway_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/peer"
	gwsite "github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/scheduler"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/validate"
)

// pki is one development PKI for the whole test binary.
var (
	pkiOnce sync.Once
	pkiMan  *devpki.Manifest
	pkiErr  error
)

func testPKI(t testing.TB) *devpki.Manifest {
	t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xgate-gw-pki-")
		if err != nil {
			pkiErr = err
			return
		}
		res, err := devpki.Init(context.Background(), dir, devpki.Options{GenerateKey: certstest.KeyGenerator()})
		if err != nil {
			pkiErr = err
			return
		}
		pkiMan = res.Manifest
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiMan
}

// staticDir is a Directory that never changes.
type staticDir struct{ d *directory.Directory }

func (s staticDir) Current() *directory.Directory { return s.d }

// site is one gateway under test with its listeners.
type site struct {
	id        string
	self      kennung.Identity
	gw        *gateway.Gateway
	store     *boltstore.Store
	intake    string // base URL
	transport string // https base URL
	events    chan gateway.Event
	cancel    context.CancelFunc
	done      chan error
	tlsPair   certs.KeyPair
}

type siteOpts struct {
	responder gateway.Responder
	deadlines map[string]time.Duration
	reminders int
	webhook   *gateway.WebhookConfig
	maxSize   int                        // store size limit
	dir       func(*directory.Directory) // edits the site's directory
	dialects  gateway.Dialects
}

// network starts one gateway per id, each with its own store, keys and
// listeners, sharing one signed directory whose endpoints are theirs.
func network(t *testing.T, opts map[string]siteOpts, ids ...string) map[string]*site {
	return networkTB(t, opts, ids...)
}

// networkB is network for benchmarks.
func networkB(b *testing.B, ids ...string) map[string]*site { return networkTB(b, nil, ids...) }

func networkTB(t testing.TB, opts map[string]siteOpts, ids ...string) map[string]*site {
	t.Helper()
	m := testPKI(t)
	ctx := context.Background()
	type ls struct{ intake, transport net.Listener }
	lis := map[string]ls{}
	endpoints := map[kennung.Kennung]string{}
	for _, id := range ids {
		p, ok := m.ByID(id)
		if !ok {
			t.Fatalf("no participant %s", id)
		}
		in, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id] = ls{in, tr}
		endpoints[p.Kennung] = "https://" + tr.Addr().String()
	}
	for _, p := range m.Participants { // participants without a site: an endpoint nobody answers on
		if _, ok := endpoints[p.Kennung]; !ok {
			endpoints[p.Kennung] = "https://127.0.0.1:9"
		}
	}
	dir, err := directory.FromPKI(m, endpoints, 24*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	val, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = val.Close() })
	sites := map[string]*site{}
	for _, id := range ids {
		p, _ := m.ByID(id)
		kp := func(pu certs.Purpose) certs.KeyPair {
			f, _ := p.Files(pu)
			k, err := m.KeyPair(f)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		o := opts[id]
		store, err := boltstore.Open(ctx, filepath.Join(t.TempDir(), "outbox.db"), boltstore.Config{MaxSize: o.maxSize})
		if err != nil {
			t.Fatal(err)
		}
		tlsKP := kp(certs.TLSClient)
		client, err := wire.NewClient(wire.ClientConfig{TLS: tlsKP, Roots: verifier.Roots(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sdir := dir
		if o.dir != nil {
			c := *dir
			o.dir(&c)
			sdir = &c
		}
		s := &site{id: id, self: p.Identity, store: store, events: make(chan gateway.Event, 1024), tlsPair: tlsKP,
			intake: "http://" + lis[id].intake.Addr().String(), transport: "https://" + lis[id].transport.Addr().String()}
		gw, err := gateway.New(gateway.Options{
			Self: p.Identity, Store: store, Directory: staticDir{sdir},
			Signing: kp(certs.Signing), Decryption: []certs.KeyPair{kp(certs.Encryption)}, TLS: tlsKP,
			Verifier: verifier, Validator: val, Transport: client, Responder: o.responder,
			Relay:     scheduler.Config{Workers: 4, MaxSleep: 200 * time.Millisecond, Policy: scheduler.Policy{Base: 50 * time.Millisecond, Cap: 500 * time.Millisecond, BreakerBase: 100 * time.Millisecond, BreakerCap: time.Second}},
			Deadlines: o.deadlines, Reminders: o.reminders, Webhook: o.webhook, Dialects: o.dialects,
			SweepEvery: 100 * time.Millisecond,
			Logger:     testLogger(id),
			OnEvent: func(e gateway.Event) {
				select {
				case s.events <- e:
				default:
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		s.gw = gw
		rctx, cancel := context.WithCancel(ctx)
		s.cancel, s.done = cancel, make(chan error, 1)
		go func() {
			s.done <- gw.Run(rctx, gateway.RunConfig{Listeners: gateway.Listeners{Intake: lis[id].intake, Transport: lis[id].transport}, Drain: 5 * time.Second})
		}()
		<-gw.Ready()
		sites[id] = s
		t.Cleanup(func() {
			cancel()
			if err := <-s.done; err != nil {
				t.Errorf("%s: Run: %v", id, err)
			}
			_ = store.Close()
		})
	}
	return sites
}

// sample returns a plain valid sample of typ re-addressed from → to with a
// fresh nachrichtenUUID.
func sample(t testing.TB, typ string, from, to kennung.Identity) ([]byte, string) {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Type != typ || !v.Valid || v.WantWarning != "" {
			continue
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(v.Data); err != nil {
			t.Fatal(err)
		}
		id := uuid.NewString()
		set := func(path, val string) {
			e := doc.Root().FindElement(path)
			if e == nil {
				t.Fatalf("%s: no %s", v.Name, path)
			}
			e.SetText(val)
		}
		set("./nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID", id)
		set("./nachrichtenkopf.g2g/autor/kennung", string(from.Kennung))
		set("./nachrichtenkopf.g2g/leser/kennung", string(to.Kennung))
		set("./nachrichtenkopf.g2g/identifikation.nachricht/erstellungszeitpunkt", time.Now().Format(validate.TimestampLayout))
		var b bytes.Buffer
		if _, err := doc.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), id
	}
	t.Fatalf("no plain sample of %s", typ)
	return nil, ""
}

func post(t testing.TB, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

// waitState polls a record until it reaches want.
func waitState(t testing.TB, s *site, id string, want outbox.State) outbox.Record {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec, err := s.store.Get(context.Background(), id)
		if err == nil && rec.State == want {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: record %s: state %q (err %v), want %q", s.id, id, rec.State, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peerOf is the simulated partner's local software of id.
func peerOf(t testing.TB, id kennung.Identity) gateway.Responder {
	r, err := peer.New(peer.Config{Self: id})
	if err != nil {
		t.Fatal(err)
	}
	return gwsite.PeerResponder(r)
}

func TestDeliverReceiptAnswerInbox(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, map[string]siteOpts{
		"mb": {responder: peerOf(t, mb.Identity)},
	}, "abh", "mb")
	a := sites["abh"]
	msg, id := sample(t, "020101", abh.Identity, mb.Identity)
	code, body := post(t, a.intake+"/v1/messages", msg)
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/messages: %d %s", code, body)
	}
	var acc gateway.Accepted
	if err := json.Unmarshal(body, &acc); err != nil || acc.ID != id {
		t.Fatalf("accepted %s: %+v %v", body, acc, err)
	}
	rec := waitState(t, a, id, outbox.StateAnswered)
	if !bytes.Contains(rec.Evidence, []byte("Transportquittung")) {
		t.Errorf("evidence is not a receipt: %.200s", rec.Evidence)
	}
	// The same message again: the existing record, nothing new.
	code, body = post(t, a.intake+"/v1/messages", msg)
	if code != http.StatusOK || !strings.Contains(string(body), `"existing": true`) {
		t.Errorf("repeat: %d %s", code, body)
	}
	// The answer (900020) waits in the ABH inbox; ack exactly once.
	var inbox struct{ Messages []gateway.InboxItem }
	getJSON(t, a.intake+"/v1/inbox", &inbox)
	if len(inbox.Messages) != 1 || inbox.Messages[0].Type != "900020" {
		t.Fatalf("inbox: %+v", inbox)
	}
	item := inbox.Messages[0]
	code, body = post(t, a.intake+item.AckURL, nil)
	if code != http.StatusOK || strings.Contains(string(body), "already") {
		t.Fatalf("ack: %d %s", code, body)
	}
	code, body = post(t, a.intake+item.AckURL, nil)
	if code != http.StatusOK || !strings.Contains(string(body), "already") {
		t.Fatalf("second ack: %d %s", code, body)
	}
	getJSON(t, a.intake+"/v1/inbox", &inbox)
	if len(inbox.Messages) != 0 {
		t.Errorf("inbox after ack: %+v", inbox)
	}
	var st gateway.Status
	getJSON(t, a.intake+"/v1/messages/"+id, &st)
	if st.State != "answered" || len(st.History) < 4 || !strings.Contains(st.Evidence, "Transportquittung") {
		t.Errorf("status: %+v", st)
	}
}

func TestIntakeRefuses(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, nil, "abh")
	a := sites["abh"]
	good, _ := sample(t, "020101", abh.Identity, mb.Identity)
	notAutor, _ := sample(t, "020101", mb.Identity, abh.Identity)
	unknown, _ := sample(t, "020101", abh.Identity, kennung.Identity{Kennung: "ags:01999999"})
	cases := []struct {
		name string
		body []byte
		code int
		xoev string
	}{
		{"not well-formed", []byte("<a>"), 400, "X000"},
		{"schema-invalid", bytes.Replace(good, []byte("<nachrichtenkopf.g2g>"), []byte("<nachrichtenkopf.g2g><x/>"), 1), 400, "X001"},
		{"autor is not this gateway", notAutor, 400, "T070"},
		{"unknown leser", unknown, 400, "T080"},
		{"too large", bytes.Repeat([]byte("x"), 40<<20), 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(t, a.intake+"/v1/messages", c.body)
			if code != c.code {
				t.Fatalf("status %d, want %d: %s", code, c.code, body)
			}
			if c.xoev != "" && !strings.Contains(string(body), `"code": "`+c.xoev+`"`) {
				t.Errorf("want code %s in %s", c.xoev, body)
			}
		})
	}
	st, err := a.store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for s, n := range st.Outbound {
		if n != 0 {
			t.Errorf("refused input stored %d records in %s", n, s)
		}
	}
}

var _ = fmt.Sprint
var _ = x509.Certificate{}

// testLogger writes the gateway's log to stderr when XGATE_TEST_LOG is set.
func testLogger(id string) *slog.Logger {
	if os.Getenv("XGATE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test-site", id)
}
