package wire_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// peer is azr's transport endpoint on loopback, with real mutual TLS
// (wire.ServerTLSConfig, the development PKI). The first path segment
// chooses how it answers: https://host/<mode>/v1/transport.
type peer struct {
	srv   *httptest.Server
	calls atomic.Int64 // requests that reached the handler
	conns atomic.Int64 // TCP connections accepted
	t     testing.TB
}

func newPeer(t testing.TB) *peer {
	t.Helper()
	p := &peer{t: t}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.TLS = wire.ServerTLSConfig(env.azr.TLS, env.roots)
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	p.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			p.conns.Add(1)
		}
	}
	p.srv.StartTLS()
	t.Cleanup(p.srv.Close)
	return p
}

// endpoint is the base URL of mode.
func (p *peer) endpoint(mode string) string { return p.srv.URL + "/" + mode }

func (p *peer) serve(w http.ResponseWriter, r *http.Request) {
	p.calls.Add(1)
	ctx := r.Context()
	mode, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), wire.Path)
	if !ok || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.TLS == nil || r.TLS.Version != tls.VersionTLS13 {
		p.t.Errorf("request without TLS 1.3: %+v", r.TLS)
		http.Error(w, "tls", http.StatusInternalServerError)
		return
	}
	if c := wire.ClientCert(r); c == nil || !c.Equal(env.abh.TLS.Cert) {
		http.Error(w, "unknown client", http.StatusForbidden)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(secure.EnvelopeMaxBytes(0))))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	answer := func(xml []byte, err error) {
		if err != nil {
			p.t.Errorf("mode %s: %v", mode, err)
			http.Error(w, "internal", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", wire.ContentType)
		w.Write(xml)
	}
	receipt := func(s wire.Signer, edit func(*wire.Received)) ([]byte, error) {
		op, err := secure.Open(ctx, body, openOpts())
		if err != nil {
			return nil, err
		}
		rc := wire.Received{UUID: op.Header.UUID, Type: op.Type, Sender: env.abh.Identity, Digest: sha256.Sum256(body)}
		if edit != nil {
			edit(&rc)
		}
		_, xml, err := wire.BuildReceipt(ctx, s, rc)
		return xml, err
	}
	switch mode {
	case "ok":
		answer(receipt(env.azr.signer(), nil))
	case "reject":
		op, err := secure.Open(ctx, body, openOpts())
		if err != nil {
			answer(nil, err)
			return
		}
		_, xml, err := wire.BuildRejection(ctx, env.azr.signer(), wire.Received{UUID: op.Header.UUID, Type: op.Type, Sender: env.abh.Identity},
			[]*errcode.Error{{Code: errcode.SenderNotAuthorised, Detail: "azr:999901 may not send 090009 to dbs:499990020000"}})
		answer(xml, err)
	case "digest":
		answer(receipt(env.azr.signer(), func(rc *wire.Received) { rc.Digest = sha256.Sum256(append(body, ' ')) }))
	case "uuid":
		answer(receipt(env.azr.signer(), func(rc *wire.Received) { rc.UUID = "0b9f8f1e-3c3a-4d7e-9a55-2f0c8f3e4a11" }))
	case "signer":
		answer(receipt(env.mb.signer(), nil))
	case "unsigned":
		xml, err := receipt(env.azr.signer(), nil)
		if err == nil {
			var op *secure.Opened
			if op, err = secure.Verify(ctx, xml, secure.VerifyOptions{Verifier: env.verifier, Purpose: certs.Signing}); err == nil {
				xml = op.Canonical
			}
		}
		answer(xml, err)
	case "garbage":
		answer([]byte("<html>Service Unavailable</html>"), nil)
	case "500":
		http.Error(w, "store full", http.StatusInternalServerError)
	case "redirect":
		http.Redirect(w, r, "/ok"+wire.Path, http.StatusTemporaryRedirect)
	case "huge":
		w.Header().Set("Content-Length", "2097152")
		w.Write(make([]byte, 2<<20))
	case "huge-stream":
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 32 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	case "slow":
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	default:
		http.Error(w, "unknown mode", http.StatusNotFound)
	}
}

func newClient(t testing.TB, edit func(*wire.ClientConfig)) *wire.Client {
	t.Helper()
	cfg := wire.ClientConfig{TLS: env.abh.TLS, Roots: env.roots, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := wire.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestDeliver sends a sealed message over loopback mTLS and checks each
// kind of answer the way the sender's gateway does: Deliver, then
// VerifyAnswer.
func TestDeliver(t *testing.T) {
	p := newPeer(t)
	c := newClient(t, nil)
	d := seal(t)
	ctx := context.Background()
	for _, tc := range []struct {
		mode    string
		receipt bool
		codes   string       // of a rejection
		problem wire.Problem // VerifyAnswer refuses
		status  int          // Deliver fails with this status (-1: no status)
		tooBig  bool
	}{
		{mode: "ok", receipt: true},
		{mode: "reject", codes: "T070"},
		{mode: "digest", problem: wire.ProblemDigest},
		{mode: "uuid", problem: wire.ProblemUUID},
		{mode: "signer", problem: wire.ProblemSigner},
		{mode: "unsigned", problem: wire.ProblemSignature},
		{mode: "garbage", problem: wire.ProblemSignature},
		{mode: "500", status: 500},
		{mode: "redirect", status: 307},
		{mode: "huge", status: 200, tooBig: true},
		{mode: "huge-stream", status: 200, tooBig: true},
		{mode: "nowhere", status: 404},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			body, err := c.Deliver(ctx, p.endpoint(tc.mode), d.sealed)
			if tc.status != 0 {
				var te *wire.TransportError
				if !errors.As(err, &te) {
					t.Fatalf("err %v (%T), want a *TransportError", err, err)
				}
				t.Log(err)
				if te.Status != tc.status || errors.Is(err, wire.ErrAnswerTooLarge) != tc.tooBig {
					t.Errorf("status %d, too large %v; want %d, %v", te.Status, errors.Is(err, wire.ErrAnswerTooLarge), tc.status, tc.tooBig)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a, err := wire.VerifyAnswer(ctx, body, d.expect())
			if tc.problem != 0 {
				var ae *wire.AnswerError
				if !errors.As(err, &ae) || ae.Problem != tc.problem {
					t.Fatalf("err %v, want problem %s", err, tc.problem)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Receipt != tc.receipt || joinCodes(a.Codes) != tc.codes {
				t.Errorf("receipt %v codes %v", a.Receipt, a.Codes)
			}
		})
	}
}

func joinCodes(cs []errcode.Code) string {
	var s []string
	for _, c := range cs {
		s = append(s, string(c))
	}
	return strings.Join(s, ",")
}

func TestDeliverTimeout(t *testing.T) {
	p := newPeer(t)
	c := newClient(t, func(cfg *wire.ClientConfig) { cfg.Timeout = 300 * time.Millisecond })
	start := time.Now()
	_, err := c.Deliver(context.Background(), p.endpoint("slow"), seal(t).sealed)
	var te *wire.TransportError
	if !errors.As(err, &te) || te.Status != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want a *TransportError after the deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	// The caller's context cancels too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Deliver(ctx, p.endpoint("ok"), seal(t).sealed); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestKeepAlive: one Client reuses its connections.
func TestKeepAlive(t *testing.T) {
	p := newPeer(t)
	c := newClient(t, nil)
	d := seal(t)
	for range 5 {
		if _, err := c.Deliver(context.Background(), p.endpoint("ok"), d.sealed); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.conns.Load(); n != 1 {
		t.Errorf("%d connections for 5 sequential deliveries, want 1", n)
	}
	// Non-200 answers keep the connection too.
	for range 3 {
		c.Deliver(context.Background(), p.endpoint("500"), d.sealed)
	}
	if n := p.conns.Load(); n != 1 {
		t.Errorf("%d connections after 500 answers, want 1", n)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				if _, err := c.Deliver(context.Background(), p.endpoint("ok"), d.sealed); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// Concurrent requests may dial more than one connection each while
	// they wait (net/http dials in parallel with waiting for an idle one),
	// but not one per request.
	n := p.conns.Load()
	if n >= 1+12 {
		t.Errorf("%d connections for 12 concurrent deliveries: no reuse", n)
	}
	// Afterwards the idle connections serve everything.
	for range 5 {
		if _, err := c.Deliver(context.Background(), p.endpoint("ok"), d.sealed); err != nil {
			t.Fatal(err)
		}
	}
	if m := p.conns.Load(); m != n {
		t.Errorf("%d new connections for 5 sequential deliveries after the concurrent ones", m-n)
	}
	t.Logf("%d connections for %d deliveries", p.conns.Load(), p.calls.Load())
}

// TestTLSRefused: the transport listener refuses every client that is not
// a trusted participant with a TLS client certificate over TLS 1.3, before
// any request reaches the handler; the client refuses an untrusted server.
func TestTLSRefused(t *testing.T) {
	p := newPeer(t)
	d := seal(t)
	other := certstest.NewCA(t, "some other root")
	for _, tc := range []struct {
		name string
		cfg  func(*wire.ClientConfig)
	}{
		{"client certificate of another CA", func(c *wire.ClientConfig) { c.TLS = other.Good(t, certs.TLSClient) }},
		{"signing certificate as client certificate", func(c *wire.ClientConfig) { c.TLS = env.abh.Signing }},
		{"server not trusted", func(c *wire.ClientConfig) {
			c.Roots = x509.NewCertPool()
			c.Roots.AddCert(other.Cert)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.calls.Load()
			c := newClient(t, tc.cfg)
			_, err := c.Deliver(context.Background(), p.endpoint("ok"), d.sealed)
			var te *wire.TransportError
			if !errors.As(err, &te) || te.Status != 0 {
				t.Fatalf("err %v, want a *TransportError without status", err)
			}
			t.Log(err)
			if p.calls.Load() != before {
				t.Error("the request reached the handler")
			}
		})
	}

	addr := strings.TrimPrefix(p.srv.URL, "https://")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		want string
	}{
		{"TLS 1.2", &tls.Config{MaxVersion: tls.VersionTLS12, RootCAs: env.roots, Certificates: []tls.Certificate{env.abh.TLS.TLSCertificate()}}, "protocol version"},
		{"no client certificate", &tls.Config{RootCAs: env.roots}, "certificate required"},
		// Go's client sends no certificate the server's CA list does not
		// name; these send one anyway.
		{"client certificate of another CA, sent anyway", &tls.Config{RootCAs: env.roots, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c := other.Good(t, certs.TLSClient).TLSCertificate()
			return &c, nil
		}}, "unknown certificate authority"},
		{"signing certificate, sent anyway", &tls.Config{RootCAs: env.roots, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c := env.abh.Signing.TLSCertificate()
			return &c, nil
		}}, "bad certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.calls.Load()
			conn, err := tls.Dial("tcp", addr, tc.cfg)
			if err == nil {
				// TLS 1.3: the server's verdict on the client certificate
				// arrives with the first read.
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				_, err = conn.Write([]byte("POST /ok" + wire.Path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
				if err == nil {
					_, err = conn.Read(make([]byte, 1))
				}
				conn.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			t.Log(err)
			if p.calls.Load() != before {
				t.Error("the request reached the handler")
			}
		})
	}
	// Control: the same raw dial with TLS 1.3 and the right certificate works.
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: env.roots, Certificates: []tls.Certificate{env.abh.TLS.TLSCertificate()}})
	if err != nil {
		t.Fatalf("control: %v", err)
	}
	if v := conn.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Errorf("version %x", v)
	}
	conn.Close()
}

func TestServerTLSConfig(t *testing.T) {
	c := wire.ServerTLSConfig(env.azr.TLS, env.roots)
	if c.MinVersion != tls.VersionTLS13 || c.ClientAuth != tls.RequireAndVerifyClientCert || c.ClientCAs != env.roots || len(c.Certificates) != 1 {
		t.Errorf("config %+v", c)
	}
	if wire.ClientCert(httptest.NewRequest("POST", wire.Path, nil)) != nil {
		t.Error("a plain request has a client certificate")
	}
}

func TestClientConfig(t *testing.T) {
	if _, err := wire.NewClient(wire.ClientConfig{Roots: env.roots}); err == nil {
		t.Error("no key pair accepted")
	}
	if _, err := wire.NewClient(wire.ClientConfig{TLS: env.abh.TLS}); err == nil {
		t.Error("no roots accepted")
	}
	c := newClient(t, nil)
	for _, ep := range []string{"http://127.0.0.1:1", "https://", "https://u:p@host", "https://host/?q=1", "https://host/#f", "::"} {
		_, err := c.Deliver(context.Background(), ep, []byte("x"))
		var te *wire.TransportError
		if !errors.As(err, &te) || !errors.Is(err, wire.ErrBadEndpoint) {
			t.Errorf("%q: %v", ep, err)
		}
	}
}
