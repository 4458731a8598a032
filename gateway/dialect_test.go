package gateway_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/all"
	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/secure"
)

func registry(t *testing.T) *adapters.Registry {
	t.Helper()
	r, err := all.New(adapters.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// TestDialectOnTheWire: the MB's directory entry says xmeld. The ABH's
// gateway translates after validation and before sealing, so XMeld
// crosses the wire; the MB's gateway translates it back after opening,
// validates ours and hands it to its software, whose answer comes back.
func TestDialectOnTheWire(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	xmeld := func(d *directory.Directory) {
		for i := range d.Participants {
			if d.Participants[i].Kennung == mb.Kennung {
				d.Participants[i].Dialect = "xmeld"
			}
		}
	}
	reg := registry(t)
	sites := network(t, map[string]siteOpts{
		"abh": {dir: xmeld, dialects: reg},
		"mb":  {dir: xmeld, dialects: reg, responder: peerOf(t, mb.Identity)},
	}, "abh", "mb")
	msg, id := sample(t, "020101", abh.Identity, mb.Identity)
	if code, body := post(t, sites["abh"].intake+"/v1/messages", msg); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, body)
	}
	rec := waitState(t, sites["abh"], id, outbox.StateAnswered)
	// What crossed the wire: open the sealed record with the MB's key.
	enc := keyPair(t, m, "mb", certs.Encryption)
	op, err := secure.Open(context.Background(), rec.Sealed, secure.OpenOptions{DecryptionKeys: []crypto.Decrypter{enc.Key}, Verifier: mustVerifier(t, m)})
	if err != nil {
		t.Fatal(err)
	}
	if op.Header.Namespace == schemas.NSMessages || op.Header.Namespace == "" {
		t.Errorf("the wire carried namespace %q, not the XMeld dialect", op.Header.Namespace)
	}
	in, err := sites["mb"].store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(in.Opened, []byte(schemas.NSMessages)) {
		t.Errorf("the MB stored the dialect, not our message")
	}
}

// TestIntakeAdapters: local software posts its own format with
// ?adapter=: a CSV export becomes one message per valid row (refused rows
// named), the same file again sends nothing twice.
func TestIntakeAdapters(t *testing.T) {
	reg := registry(t)
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	if err := reg.Configure("fachverfahren-csv", adapters.Config{
		"autor.kennung": string(abh.Kennung), "autor.name": abh.Name, "autor.erreichbarkeit": "abh@example.invalid",
		"autor.strasse": "Rathausplatz", "autor.postleitzahl": "12345", "autor.ort": "Musterstadt",
	}); err != nil {
		t.Fatal(err)
	}
	sites := network(t, map[string]siteOpts{"abh": {dialects: reg}}, "abh")
	a := sites["abh"]
	csv, err := os.ReadFile("../adapters/fachverfahrencsv/testdata/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	var first gateway.BatchResult
	for round := range 2 {
		resp, err := http.Post(a.intake+"/v1/messages?adapter=fachverfahren-csv", "text/csv", bytes.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		var res gateway.BatchResult
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		err = json.Unmarshal(raw, &res)
		if resp.StatusCode != http.StatusAccepted {
			t.Logf("%s", raw)
		}
		if err != nil || resp.StatusCode != http.StatusAccepted || len(res.Accepted) == 0 {
			t.Fatalf("round %d: %d %+v %v", round, resp.StatusCode, res, err)
		}
		for _, acc := range res.Accepted {
			if acc.Existing != (round == 1) {
				t.Errorf("round %d: %s existing=%v", round, acc.ID, acc.Existing)
			}
		}
		if round == 0 {
			first = res
		}
	}
	st, _ := a.store.Stats(context.Background())
	total := 0
	for _, n := range st.Outbound {
		total += n
	}
	if total != len(first.Accepted) {
		t.Errorf("%d records for %d accepted rows (the file was sent twice)", total, len(first.Accepted))
	}
	t.Logf("CSV export: %d rows accepted, %d refused with row and reason", len(first.Accepted), len(first.Refused))
	for _, r := range first.Refused {
		if r.Record == 0 || r.Code == "" {
			t.Errorf("refused row without its number or code: %+v", r)
		}
	}
	// An unknown adapter is a clear 400.
	if code, _ := post(t, a.intake+"/v1/messages?adapter=nope", []byte("x")); code != http.StatusBadRequest {
		t.Errorf("unknown adapter: %d", code)
	}
}

// TestJobcenterJSON: a Jobcenter's local software speaks JSON: it takes
// its inbox in JSON (GET /v1/inbox?adapter=jobcenter-json) and posts its
// messages as JSON (POST /v1/messages, application/json, the adapter
// named); the ABH gets ours.
func TestJobcenterJSON(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	jc, _ := m.ByID("jc")
	reg := registry(t)
	sites := network(t, map[string]siteOpts{"jc": {dialects: reg}, "abh": {dialects: reg}}, "abh", "jc")
	// ABH → JC: ours on the wire, JSON for the Jobcenter's software.
	msg, id := sample(t, "920001", abh.Identity, jc.Identity)
	if code, body := post(t, sites["abh"].intake+"/v1/messages", msg); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, body)
	}
	waitState(t, sites["jc"], id, outbox.StateReceived)
	var inbox struct{ Messages []gateway.InboxItem }
	getJSON(t, sites["jc"].intake+"/v1/inbox?adapter=jobcenter-json", &inbox)
	if len(inbox.Messages) != 1 || !json.Valid([]byte(inbox.Messages[0].Message)) || inbox.Messages[0].AdapterError != "" {
		t.Fatalf("JSON inbox: %+v", inbox)
	}
	// JC → ABH: JSON in, ours out.
	in, err := os.ReadFile("../adapters/jobcenterjson/testdata/golden/920002/beginn-buergergeld.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(sites["jc"].intake+"/v1/messages?adapter=jobcenter-json", "application/json", bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var acc gateway.Accepted
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(raw, &acc) != nil {
		t.Fatalf("JSON intake: %d %s", resp.StatusCode, raw)
	}
	got := waitState(t, sites["abh"], acc.ID, outbox.StateReceived)
	if !bytes.Contains(got.Opened, []byte("JCABH.MitteilungLeistungsbezug")) {
		t.Errorf("the ABH did not get our 920002")
	}
	// Broken JSON is refused with a code, nothing stored.
	if code, body := post(t, sites["jc"].intake+"/v1/messages?adapter=jobcenter-json", []byte(`{"a":`)); code != http.StatusBadRequest || !bytes.Contains(body, []byte(`"code"`)) {
		t.Errorf("broken JSON: %d %s", code, body)
	}
}
