package peer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// now is the tests' fixed time, in the samples' era.
var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))

var (
	val      *validate.Validator
	parties  = map[kennung.Role]kennung.Identity{}
	plain    = map[string][]conformance.Vector{} // plain valid samples by type
	testCtx  = context.Background()
	testCata = catalogue.New()
)

func TestMain(m *testing.M) {
	var err error
	val, err = validate.New(validate.Config{Clock: clock.Fixed(now)})
	if err != nil {
		panic(err)
	}
	for _, p := range devpki.DefaultParticipants() {
		parties[p.Role] = p.Identity
	}
	vs, err := conformance.Vectors()
	if err != nil {
		panic(err)
	}
	for _, v := range vs {
		if v.Valid && v.WantWarning == "" {
			plain[v.Type] = append(plain[v.Type], v)
		}
	}
	code := m.Run()
	val.Close()
	os.Exit(code)
}

func newResponder(t *testing.T, role kennung.Role, seed int64) *peer.Responder {
	t.Helper()
	r, err := peer.New(peer.Config{Self: parties[role], Clock: clock.Fixed(now), Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func parse(t *testing.T, data []byte) *message.Message {
	t.Helper()
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkAnswer validates an answer (no finding, no warning) and checks its
// header against the inbound message it answers.
func checkAnswer(t *testing.T, self kennung.Identity, in message.Header, o peer.Outgoing) {
	t.Helper()
	rep := val.Validate(testCtx, o.XML)
	if !rep.Valid() || len(rep.Warnings) > 0 {
		t.Fatalf("answer %s does not validate cleanly: findings %v warnings %v\n%s", o.Type, rep.Findings, rep.Warnings, o.XML)
	}
	h := parse(t, o.XML).Header()
	switch {
	case h.Type != o.Type || h.UUID != o.UUID:
		t.Errorf("header type/uuid %s/%s, Outgoing %s/%s", h.Type, h.UUID, o.Type, o.UUID)
	case string(o.To) != in.Autor.Kennung || h.Leser.Kennung != in.Autor.Kennung:
		t.Errorf("answer goes to %s (leser %s), want the inbound autor %s", o.To, h.Leser.Kennung, in.Autor.Kennung)
	case h.Autor.Kennung != string(self.Kennung) || h.Autor.Name != self.Name:
		t.Errorf("autor %s %q, want %s %q", h.Autor.Kennung, h.Autor.Name, self.Kennung, self.Name)
	case message.CanonicalUUID(h.AusloeserUUID) != message.CanonicalUUID(in.UUID):
		t.Errorf("ausloeserUUID %s, want %s", h.AusloeserUUID, in.UUID)
	case h.Created != now.Format(validate.TimestampLayout):
		t.Errorf("erstellungszeitpunkt %s, want now", h.Created)
	case h.UUID == in.UUID || !message.ValidUUID(h.UUID):
		t.Errorf("nachrichtenUUID %s is not fresh", h.UUID)
	}
}

// TestEveryRequestAnswered: every plain sample of every type that expects
// an answer gets one answer of a type the catalogue allows, and it
// validates; types that expect none get none.
func TestEveryRequestAnswered(t *testing.T) {
	responders := map[kennung.Role]*peer.Responder{}
	for _, r := range kennung.Roles() {
		responders[r] = newResponder(t, r, 1)
	}
	got := map[string]bool{} // answer types seen
	for _, typ := range testCata.Types() {
		for _, v := range plain[typ.Code] {
			for _, role := range typ.To {
				if typ.To == nil {
					continue
				}
				in := parse(t, v.Data)
				h := in.Header()
				if kennung.Kennung(h.Leser.Kennung) != parties[role].Kennung {
					continue // the sample is addressed to another role
				}
				t.Run(typ.Code+"/"+v.Name, func(t *testing.T) {
					out, err := responders[role].Respond(testCtx, in)
					if err != nil {
						t.Fatal(err)
					}
					if !typ.ExpectsAnswer() {
						if len(out) != 0 {
							t.Fatalf("%s expects no answer, got %d", typ.Code, len(out))
						}
						return
					}
					if len(out) != 1 {
						t.Fatalf("got %d answers, want 1", len(out))
					}
					if !slices.Contains(typ.Answers, out[0].Type) {
						t.Fatalf("answer %s, catalogue allows %v", out[0].Type, typ.Answers)
					}
					got[out[0].Type] = true
					checkAnswer(t, parties[role], h, out[0])
				})
			}
		}
	}
	t.Logf("answer types made: %v", sortedKeys(got))
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDeterministic: two responders with the same seed answer the same
// messages byte for byte alike, whatever the order; another seed gives
// other UUIDs.
func TestDeterministic(t *testing.T) {
	var ins []*message.Message
	for _, typ := range []string{catalogue.TypeAZRErstmeldung, catalogue.TypeAZRAnfrage, catalogue.TypeAZRFolgemeldung} {
		for _, v := range plain[typ] {
			ins = append(ins, parse(t, v.Data))
		}
	}
	answer := func(r *peer.Responder, order []int) map[string][]byte {
		out := map[string][]byte{}
		for _, i := range order {
			o, err := r.Respond(testCtx, ins[i])
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range o {
				out[ins[i].Header().UUID] = a.XML
			}
		}
		return out
	}
	fwd, rev := make([]int, len(ins)), make([]int, len(ins))
	for i := range ins {
		fwd[i], rev[i] = i, len(ins)-1-i
	}
	a := answer(newResponder(t, kennung.RoleAZR, 7), fwd)
	b := answer(newResponder(t, kennung.RoleAZR, 7), fwd)
	c := answer(newResponder(t, kennung.RoleAZR, 8), fwd)
	if len(a) != len(ins) {
		t.Fatalf("%d answers for %d messages", len(a), len(ins))
	}
	for k := range a {
		if !bytes.Equal(a[k], b[k]) {
			t.Errorf("same seed, different answer to %s", k)
		}
		if bytes.Equal(a[k], c[k]) {
			t.Errorf("seeds 7 and 8 gave the same answer to %s", k)
		}
	}
	// Erstmeldungen of different persons do not depend on each other, so
	// their answers do not depend on the order of arrival.
	d := answer(newResponder(t, kennung.RoleAZR, 7), rev)
	for _, v := range plain[catalogue.TypeAZRErstmeldung] {
		k := parse(t, v.Data).Header().UUID
		if !bytes.Equal(a[k], d[k]) {
			t.Errorf("answer to %s (%s) depends on the order of arrival", k, v.Name)
		}
	}
}

// TestReplay: a message handed over again gets the same answer, and the
// register does not change (a repeated Erstmeldung is no dublette).
func TestReplay(t *testing.T) {
	r := newResponder(t, kennung.RoleAZR, 1)
	in := parse(t, plain[catalogue.TypeAZRErstmeldung][0].Data)
	a, err := r.Respond(testCtx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Respond(testCtx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || len(b) != 1 || !bytes.Equal(a[0].XML, b[0].XML) || a[0].Type != catalogue.TypeAZRBestaetigungMeldung {
		t.Fatalf("replay answered differently: %v / %v", types(a), types(b))
	}
}

func types(out []peer.Outgoing) []string {
	var s []string
	for _, o := range out {
		s = append(s, o.Type)
	}
	return s
}

func TestRespondRefuses(t *testing.T) {
	mb := newResponder(t, kennung.RoleMB, 1)
	tests := []struct {
		name string
		r    *peer.Responder
		data []byte
		want error
	}{
		{"not addressed", mb, plain[catalogue.TypeAZRAnfrage][0].Data, peer.ErrNotAddressed},
		{"type not for role", newResponder(t, kennung.RoleABH, 1), plain[catalogue.TypeABHMBAnmeldung][0].Data, peer.ErrUnexpectedType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := parse(t, tc.data)
			if tc.want == peer.ErrUnexpectedType {
				// address the MB's message to the ABH, which never receives 020101
				in.Root.FindElement("nachrichtenkopf.g2g/leser/kennung").SetText(string(parties[kennung.RoleABH].Kennung))
				in.Root.FindElement("nachrichtenkopf.g2g/autor/kennung").SetText(string(parties[kennung.RoleMB].Kennung))
			}
			if _, err := tc.r.Respond(testCtx, in); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(testCtx)
	cancel()
	if _, err := mb.Respond(ctx, parse(t, plain[catalogue.TypeABHMBAnmeldung][0].Data)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := parties[kennung.RoleAZR]
	tests := []struct {
		name string
		cfg  peer.Config
		want string
	}{
		{"no kennung", peer.Config{Self: kennung.Identity{Role: kennung.RoleAZR, Name: "x"}}, "Self.Kennung"},
		{"bad role", peer.Config{Self: kennung.Identity{Kennung: good.Kennung, Role: "zoll", Name: "x"}}, "Self.Role"},
		{"no name", peer.Config{Self: kennung.Identity{Kennung: good.Kennung, Role: kennung.RoleAZR}}, "Self.Name"},
		{"negative delay", peer.Config{Self: good, LateDelay: -1}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := peer.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// TestConcurrent: Respond is safe for concurrent use; concurrent
// Erstmeldungen of different persons get different AZR numbers.
func TestConcurrent(t *testing.T) {
	r := newResponder(t, kennung.RoleAZR, 1)
	const n = 64
	numbers := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		in := input(t, "090009", "erstmeldung-duldung.xml", setText("person/geburt/datum", fmt.Sprintf("19%02d-%02d-%02d", 60+i/12, 1+i%12, 1+i%28)))
		go func() {
			out, err := r.Respond(testCtx, in)
			if err != nil || len(out) != 1 || out[0].Type != catalogue.TypeAZRBestaetigungMeldung {
				errs <- fmt.Errorf("%v %v", err, types(out))
				numbers <- ""
				return
			}
			errs <- nil
			numbers <- text(parse(t, out[0].XML).Root, "azrNummer")
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		seen[<-numbers] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct AZR numbers for %d persons", len(seen), n)
	}
}

func BenchmarkRespond(b *testing.B) {
	r, err := peer.New(peer.Config{Self: parties[kennung.RoleAZR], Clock: clock.Fixed(now)})
	if err != nil {
		b.Fatal(err)
	}
	data := plain[catalogue.TypeAZRAnfrage][1].Data // by AZR number: a Gesamtauskunft
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m, _ := message.Parse(data, message.Limits{})
		m.Root.FindElement("nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID").SetText(fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
		if _, err := r.Respond(testCtx, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := peer.New(peer.Config{Self: parties[kennung.RoleAZR]}); err != nil {
			b.Fatal(err)
		}
	}
}
