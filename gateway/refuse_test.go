package gateway_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// keyPair loads one of a participant's key pairs from the test PKI.
func keyPair(t testing.TB, m *devpki.Manifest, id string, pu certs.Purpose) certs.KeyPair {
	t.Helper()
	p, ok := m.ByID(id)
	if !ok {
		t.Fatalf("no participant %s", id)
	}
	f, _ := p.Files(pu)
	kp, err := m.KeyPair(f)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// sealAs seals msg as participant from (its signing key) for to's
// encryption certificate.
func sealAs(t testing.TB, m *devpki.Manifest, from, to string, msg []byte) []byte {
	t.Helper()
	sign := keyPair(t, m, from, certs.Signing)
	enc := keyPair(t, m, to, certs.Encryption)
	sealed, err := secure.Seal(context.Background(), msg, secure.SealOptions{SigningKey: sign.Key, SigningCert: sign.Cert, RecipientCerts: []*x509.Certificate{enc.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// deliverAs posts sealed bytes to a site's transport endpoint with the
// TLS client certificate of participant tlsOf.
func deliverAs(t testing.TB, m *devpki.Manifest, tlsOf string, endpoint string, sealed []byte) ([]byte, error) {
	t.Helper()
	v, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := wire.NewClient(wire.ClientConfig{TLS: keyPair(t, m, tlsOf, certs.TLSClient), Roots: v.Roots(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.Deliver(context.Background(), endpoint, sealed)
}

// answerOf verifies an answer signed by the MB site and returns it.
func answerOf(t testing.TB, m *devpki.Manifest, body, sent []byte, id string) *wire.Answer {
	t.Helper()
	v, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := m.ByID("mb")
	ans, err := wire.VerifyAnswer(context.Background(), body, wire.Expect{
		Sent: sent, UUID: id, Recipient: mb.Kennung, SigningCerts: []*x509.Certificate{keyPair(t, m, "mb", certs.Signing).Cert}, Verifier: v,
	})
	if err != nil {
		t.Fatalf("answer does not verify: %v\n%s", err, body)
	}
	return ans
}

// TestTransportRefuses: the inbound endpoint answers bad input with a
// signed Rückweisung carrying the right code and stores nothing; a
// duplicate gets the original receipt again and is stored once.
func TestTransportRefuses(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	azr, _ := m.ByID("azr")
	sites := network(t, nil, "mb")
	recv := sites["mb"]

	good, goodID := sample(t, "020101", abh.Identity, mb.Identity)
	goodSealed := sealAs(t, m, "abh", "mb", good)
	forAZR, forAZRID := sample(t, "020101", abh.Identity, azr.Identity)
	cases := []struct {
		name   string
		tlsOf  string
		sealed []byte
		id     string
		want   errcode.Code
	}{
		{"garbage", "abh", []byte("<not sealed"), goodID, errcode.NotWellFormed},
		{"not encrypted for this gateway", "abh", sealAs(t, m, "abh", "azr", good), goodID, errcode.DecryptFailed},
		{"client certificate of another participant", "azr", goodSealed, goodID, errcode.SenderNotAuthorised},
		{"leser is another gateway", "abh", sealAs(t, m, "abh", "mb", forAZR), forAZRID, errcode.WrongRecipient},
		{"autor is not the signer", "abh", sealAs(t, m, "azr", "mb", good), goodID, errcode.SenderNotAuthorised},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, err := deliverAs(t, m, c.tlsOf, recv.transport, c.sealed)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			ans := answerOf(t, m, body, c.sealed, c.id)
			if ans.Receipt || len(ans.Codes) == 0 || ans.Codes[0] != c.want {
				t.Errorf("answer receipt=%v codes=%v, want a Rückweisung with %s", ans.Receipt, ans.Codes, c.want)
			}
		})
	}
	st, _ := recv.store.Stats(context.Background())
	if n := st.Inbound[outbox.StateReceived]; n != 0 {
		t.Fatalf("refused messages stored: %d", n)
	}

	// A TLS client certificate from another CA never reaches the handler.
	other := certstest.NewCA(t, "Other Root")
	c, err := wire.NewClient(wire.ClientConfig{TLS: other.Good(t, certs.TLSClient), Roots: mustVerifier(t, m).Roots(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(context.Background(), recv.transport, goodSealed); err == nil {
		t.Error("a client certificate of another CA was accepted")
	}
	c.Close()

	// The same message twice: the same receipt, one record.
	first, err := deliverAs(t, m, "abh", recv.transport, goodSealed)
	if err != nil {
		t.Fatal(err)
	}
	second, err := deliverAs(t, m, "abh", recv.transport, goodSealed)
	if err != nil {
		t.Fatal(err)
	}
	if !answerOf(t, m, first, goodSealed, goodID).Receipt || !bytes.Equal(first, second) {
		t.Errorf("a duplicate did not get the original receipt again")
	}
	recs, err := recv.store.List(context.Background(), outbox.Filter{Direction: outbox.DirIn})
	if err != nil || len(recs) != 1 {
		t.Errorf("%d inbound records after a duplicate (%v), want 1", len(recs), err)
	}
}

func mustVerifier(t testing.TB, m *devpki.Manifest) *certs.Verifier {
	t.Helper()
	v, err := m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWebhookPush: inbound messages are pushed to local software; a
// failing webhook is retried with back-off, and a 2xx acknowledges the
// message once.
func TestWebhookPush(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	var mu sync.Mutex
	got := map[string]int{}
	fails := 2
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer hook-secret" || !bytes.Contains(b, []byte("ABHMB.Anmeldung")) {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if fails > 0 {
			fails--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		got[r.Header.Get("X-Xgate-Id")]++
	}))
	defer hook.Close()
	sites := network(t, map[string]siteOpts{
		"mb": {webhook: &gateway.WebhookConfig{URL: hook.URL, Token: "hook-secret", RetryInitial: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond}},
	}, "abh", "mb")
	msg, id := sample(t, "020101", abh.Identity, mb.Identity)
	if code, body := post(t, sites["abh"].intake+"/v1/messages", msg); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, body)
	}
	waitState(t, sites["mb"], id, outbox.StateAcknowledged)
	time.Sleep(300 * time.Millisecond) // a second push would come now
	mu.Lock()
	defer mu.Unlock()
	if got[id] != 1 || fails != 0 {
		t.Errorf("webhook got the message %d times after %d refusals left, want once after both", got[id], fails)
	}
}

// TestStoreFull: at the store's size limit the intake answers 503 and
// stores nothing half; what was accepted stays readable.
func TestStoreFull(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, map[string]siteOpts{"abh": {maxSize: 256 << 10}}, "abh")
	a := sites["abh"]
	accepted, full := 0, false
	for i := 0; i < 400 && !full; i++ {
		msg, _ := sample(t, "020101", abh.Identity, mb.Identity)
		code, body := post(t, a.intake+"/v1/messages", msg)
		switch code {
		case http.StatusAccepted:
			accepted++
		case http.StatusServiceUnavailable:
			full = true
			if !strings.Contains(string(body), "nothing was stored") {
				t.Errorf("503 body: %s", body)
			}
		default:
			t.Fatalf("%d %s", code, body)
		}
	}
	if !full {
		t.Fatalf("the store never filled up (%d accepted)", accepted)
	}
	recs, err := a.store.List(context.Background(), outbox.Filter{Direction: outbox.DirOut, WithBodies: true, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != accepted {
		t.Errorf("%d records for %d accepted messages", len(recs), accepted)
	}
	for _, r := range recs {
		if len(r.Sealed) == 0 {
			t.Errorf("record %s has no sealed body", r.ID)
		}
	}
}

// TestExpiredDirectory: with an expired directory the gateway routes
// nothing: intake 503, /readyz 503.
func TestExpiredDirectory(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, map[string]siteOpts{"abh": {dir: func(d *directory.Directory) { d.NotAfter = time.Now().Add(-time.Minute) }}}, "abh")
	a := sites["abh"]
	msg, _ := sample(t, "020101", abh.Identity, mb.Identity)
	if code, body := post(t, a.intake+"/v1/messages", msg); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "directory") {
		t.Errorf("intake with an expired directory: %d %s", code, body)
	}
	resp, err := http.Get(a.intake + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with an expired directory: %d", resp.StatusCode)
	}
}
