package scenario_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/gateway/scenario"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// now is the tests' fixed time, in the samples' era.
var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))

// run plays all scenarios at time at through one Responder per role and
// returns the Env and the types of the answers the peers made.
func run(t *testing.T, at time.Time) (*scenario.Env, map[string]bool) {
	t.Helper()
	clk := clock.Fixed(at)
	env, err := scenario.NewEnv(scenario.Config{Clock: clk, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sites := map[kennung.Role]*peer.Responder{}
	for _, r := range kennung.Roles() {
		sites[r], err = peer.New(peer.Config{Self: env.Party(r), Clock: clk, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
	}
	made := map[string]bool{}
	deliver := func(ctx context.Context, from, to kennung.Role, msg []byte) ([][]byte, error) {
		m, err := message.Parse(msg, message.Limits{})
		if err != nil {
			return nil, err
		}
		out, err := sites[to].Respond(ctx, m)
		if err != nil {
			return nil, err
		}
		var b [][]byte
		for _, o := range out {
			made[o.Type] = true
			b = append(b, o.XML)
		}
		return b, nil
	}
	for _, sc := range scenario.All() {
		if err := scenario.RunLocal(context.Background(), sc, env, deliver); err != nil {
			t.Fatal(err)
		}
	}
	return env, made
}

// TestScenarios plays every scenario through the peers and checks every
// message sent and every answer: valid without a warning, the header's
// parties and type as the step says, the roles as the catalogue says.
func TestScenarios(t *testing.T) {
	env, made := run(t, now)
	v, err := validate.New(validate.Config{Clock: clock.Fixed(now)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	cat := catalogue.New()
	ctx := context.Background()
	clean := func(what string, b []byte) {
		t.Helper()
		if rep := v.Validate(ctx, b); !rep.Valid() || len(rep.Warnings) > 0 {
			t.Errorf("%s: findings %v, warnings %v\n%s", what, rep.Findings, rep.Warnings, b)
		}
	}
	for _, sc := range scenario.All() {
		for _, st := range sc.Steps {
			rec, ok := env.Record(st.Name)
			if !ok {
				t.Errorf("step %s was not sent", st.Name)
				continue
			}
			clean(st.Name, rec.XML)
			m, err := message.Parse(rec.XML, message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			h := m.Header()
			if h.Type != st.Type || h.Autor.Kennung != string(env.Party(st.From).Kennung) || h.Leser.Kennung != string(env.Party(st.To).Kennung) {
				t.Errorf("step %s: %s %s → %s, want %s %s → %s", st.Name, h.Type, h.Autor.Kennung, h.Leser.Kennung, st.Type, st.From, st.To)
			}
			typ, ok := cat.Lookup(st.Type)
			if !ok || !typ.SentBy(st.From) || !typ.ReceivedBy(st.To) || typ.IsAnswer {
				t.Errorf("step %s: %s is not a message %s initiates towards %s", st.Name, st.Type, st.From, st.To)
			}
			for _, e := range st.Expect {
				if !slices.Contains(typ.Answers, e) {
					t.Errorf("step %s expects %s, which does not answer %s", st.Name, e, st.Type)
				}
			}
			for _, a := range rec.Answers {
				clean(st.Name+" answer "+a.Type, a.XML)
			}
		}
	}
	t.Logf("peer answers: %v", keys(made))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestCoverage: the scenarios' messages, the peers' answers and the types
// the gateways make cover the catalogue; each is needed.
func TestCoverage(t *testing.T) {
	_, made := run(t, now)
	covered := map[string]string{}
	for _, typ := range scenario.Types(scenario.All()) {
		covered[typ] = "scenario"
	}
	for typ := range made {
		if covered[typ] == "" {
			covered[typ] = "peer"
		}
	}
	for _, typ := range scenario.GatewayTypes() {
		if covered[typ] != "" {
			t.Errorf("%s is made by the gateway but also by a %s", typ, covered[typ])
		}
		covered[typ] = "gateway"
	}
	for _, typ := range catalogue.New().Types() {
		if covered[typ.Code] == "" {
			t.Errorf("type %s (%s) crosses the wire in no scenario", typ.Code, typ.Root())
		}
		delete(covered, typ.Code)
	}
	if len(covered) > 0 {
		t.Errorf("types outside the catalogue: %v", covered)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range scenario.GatewayTypes() {
		if !strings.Contains(string(doc), typ) {
			t.Errorf("doc.go does not list gateway type %s", typ)
		}
	}
}

// TestLater: two years on (the samples' dates in the past) every message
// still validates; warnings are allowed then.
func TestLater(t *testing.T) {
	later := now.AddDate(2, 3, 0)
	env, _ := run(t, later)
	v, err := validate.New(validate.Config{Clock: clock.Fixed(later)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, sc := range scenario.All() {
		for _, st := range sc.Steps {
			rec, _ := env.Record(st.Name)
			for _, b := range append([][]byte{rec.XML}, answersXML(rec)...) {
				if rep := v.Validate(context.Background(), b); !rep.Valid() {
					t.Errorf("%s in %d: %v", st.Name, later.Year(), rep.Findings)
				}
			}
		}
	}
}

func answersXML(r scenario.Record) [][]byte {
	var out [][]byte
	for _, a := range r.Answers {
		out = append(out, a.XML)
	}
	return out
}

func TestStepNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range scenario.All() {
		if sc.Name == "" || sc.Title == "" || len(sc.Steps) == 0 {
			t.Errorf("scenario %q incomplete", sc.Name)
		}
		for _, st := range sc.Steps {
			if seen[st.Name] || st.Name == "" {
				t.Errorf("step name %q repeated or empty", st.Name)
			}
			seen[st.Name] = true
		}
	}
}

// TestDependencies: a step that needs an earlier message or answer fails
// cleanly when it is missing; faults are where §6 puts them.
func TestDependencies(t *testing.T) {
	env, err := scenario.NewEnv(scenario.Config{Clock: clock.Fixed(now), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]scenario.Step{}
	faults := map[scenario.FaultKind]int{}
	for _, sc := range scenario.All() {
		for _, st := range sc.Steps {
			steps[st.Name] = st
			faults[st.Fault.Kind]++
		}
	}
	ctx := context.Background()
	for name, want := range map[string]error{
		"arrival-query":        scenario.ErrNotSent,
		"employment-corrected": scenario.ErrNotSent,
		"newperson-mb":         scenario.ErrNotSent,
		"asylum-azr-jc":        scenario.ErrNotSent,
	} {
		if _, err := steps[name].Build(ctx, env); !errors.Is(err, want) {
			t.Errorf("%s in an empty Env: %v, want %v", name, err, want)
		}
	}
	b, err := steps["employment-request"].Build(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Sent("employment-request", b); err != nil {
		t.Fatal(err)
	}
	if _, err := steps["employment-corrected"].Build(ctx, env); !errors.Is(err, scenario.ErrNoAnswer) {
		t.Errorf("corrected request before the Nachforderung: %v", err)
	}
	rec, _ := env.Record("employment-request")
	nf := fakeAnswer(t, rec.UUID)
	for range 2 { // at-least-once hand-over: recorded once
		if _, step, err := env.Received(nf); err != nil || step != "employment-request" {
			t.Fatalf("Received: %s %v", step, err)
		}
	}
	if rec, _ = env.Record("employment-request"); len(rec.Answers) != 1 {
		t.Errorf("%d answers recorded, want 1", len(rec.Answers))
	}
	if _, err := steps["employment-corrected"].Build(ctx, env); err != nil {
		t.Errorf("corrected request after the Nachforderung: %v", err)
	}
	if _, _, err := env.Received(b); !errors.Is(err, scenario.ErrUnknownAnswer) {
		t.Errorf("a message answering nothing: %v", err)
	}
	for _, k := range []scenario.FaultKind{scenario.PartnerDown, scenario.Rejected, scenario.LateAnswer} {
		if faults[k] != 1 {
			t.Errorf("%d steps with fault %s, want 1", faults[k], k)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := steps["departure-proven"].Build(cctx, env); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// fakeAnswer returns a Nachforderung answering uuid, made by a BA peer.
func fakeAnswer(t *testing.T, uuid string) []byte {
	t.Helper()
	env, err := scenario.NewEnv(scenario.Config{Clock: clock.Fixed(now), Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := peer.New(peer.Config{Self: env.Party(kennung.RoleBA), Clock: clock.Fixed(now)})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenario.All() {
		for _, st := range sc.Steps {
			if st.Name != "employment-request" {
				continue
			}
			b, err := st.Build(context.Background(), env)
			if err != nil {
				t.Fatal(err)
			}
			m, err := message.Parse(b, message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			m.Root.FindElement("nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID").SetText(uuid)
			out, err := r.Respond(context.Background(), m)
			if err != nil || len(out) != 1 {
				t.Fatalf("%v %d", err, len(out))
			}
			return out[0].XML
		}
	}
	t.Fatal("no step employment-request")
	return nil
}
