package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// fixedClock is the fixture's clock: recovery and defaults use it.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

var fixtureBase = time.Date(2020, 1, 6, 8, 0, 0, 0, time.UTC)

func fat(min int) time.Time { return fixtureBase.Add(time.Duration(min) * time.Minute) }

// outboxFixture builds a store with records in every interesting state,
// all dated January 2020 except one created in 2099 (for --older-than).
func outboxFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "xgate.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	uuid := func(n int) string { return fmt.Sprintf("5b0c8e2a-4d7f-4e1a-9c3b-%012d", n) }
	enq := func(n int, partner, typ, key string, min int) {
		t.Helper()
		must(s.Enqueue(ctx, outbox.Message{ID: uuid(n), Partner: partner, Type: typ, OrderingKey: key,
			Sealed: []byte("<xenc:EncryptedData>…</xenc:EncryptedData>"), At: fat(min), Actor: "intake"}))
	}
	claim := func(partner string, min int) outbox.Record {
		t.Helper()
		rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "worker-1", Max: 1, LeaseFor: 5 * time.Minute, Now: fat(min), Partners: []string{partner}})
		must(err)
		if len(rs) != 1 {
			t.Fatalf("claim at %d: %d records", min, len(rs))
		}
		return rs[0]
	}
	settle := func(r outbox.Record, o outbox.Outcome) { t.Helper(); must(s.Settle(ctx, r.ID, *r.Lease, o)) }

	// 1 delivered and answered.
	enq(1, "dbs:azr-bva", "060001", "AZR-100000000001", 0)
	settle(claim("dbs:azr-bva", 1), outbox.Delivered{Evidence: []byte(`<?xml version="1.0"?><q:Quittung xmlns:q="urn:x"><id>1</id></q:Quittung>`), At: fat(2)})
	must(s.Apply(ctx, uuid(1), outbox.Action{To: outbox.StateAnswered, At: fat(30), Actor: "gateway"}))
	// 2 retried, then failed.
	enq(2, "dbs:azr-bva", "060001", "AZR-100000000002", 3)
	settle(claim("dbs:azr-bva", 4), outbox.Retry{At: fat(9), Now: fat(4), Err: outbox.ErrorInfo{Code: "http-503", Text: "Service Unavailable"}})
	settle(claim("dbs:azr-bva", 9), outbox.Failed{At: fat(10), Err: outbox.ErrorInfo{Code: "transport", Text: "dial tcp 10.0.0.7:443: connection refused"}})
	// 3 rejected by the partner.
	enq(3, "dbs:bamf", "060010", "", 11)
	settle(claim("dbs:bamf", 12), outbox.Rejected{Evidence: []byte(`<Rueckweisung><code>X001</code></Rueckweisung>`), At: fat(13),
		Err: outbox.ErrorInfo{Code: "X001", Text: "Element 'anschrift': Missing child element(s)."}})
	// 5 being sent.
	enq(5, "dbs:bamf", "060010", "", 15)
	claim("dbs:bamf", 16)
	// 6 failed with a signature problem.
	enq(6, "dbs:azr-bva", "060001", "", 17)
	settle(claim("dbs:azr-bva", 18), outbox.Failed{At: fat(19), Err: outbox.ErrorInfo{Code: "T011", Text: "partner certificate does not match"}})
	// 4 queued, waiting behind nothing, due at +60 min.
	enq(4, "dbs:azr-bva", "060002", "AZR-100000000004", 60)
	// 7 created in the future (clock skew on import), queued.
	must(s.Enqueue(ctx, outbox.Message{ID: uuid(7), Partner: "dbs:bamf", Type: "060010", Sealed: []byte("x"),
		At: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Actor: "import"}))
	// Inbound: one waiting for the local software, one acknowledged.
	_, err = s.Receive(ctx, outbox.InboundMessage{ID: uuid(8), Sender: "dbs:meldebehoerde-05315000", Type: "060020",
		Opened: []byte(`<a:Anmeldung xmlns:a="urn:a"/>`), Receipt: []byte(`<Quittung/>`), At: fat(20), Actor: "intake"})
	must(err)
	_, err = s.Receive(ctx, outbox.InboundMessage{ID: uuid(9), Sender: "dbs:meldebehoerde-05315000", Type: "060020",
		Opened: []byte(`<a:Anmeldung xmlns:a="urn:a"/>`), Receipt: []byte(`<Quittung/>`), At: fat(21), Actor: "intake"})
	must(err)
	must(s.Apply(ctx, uuid(9), outbox.Action{To: outbox.StateHandedOver, At: fat(22), Actor: "gateway"}))
	must(s.Apply(ctx, uuid(9), outbox.Action{To: outbox.StateAcknowledged, At: fat(23), Actor: "gateway"}))
	return path
}

// overdueFixture builds a store of outbound records with and without
// answer deadlines: delivered and overdue (2), delivered and due in 2099,
// delivered without a deadline, answered after its deadline, queued
// past its deadline, and an inbound record.
func overdueFixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "xgate.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	uuid := func(n int) string { return fmt.Sprintf("7d1e4c9a-2b3f-4a6e-8c5d-%012d", n) }
	far := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range []struct {
		n        int
		partner  string
		typ      string
		deadline time.Time
	}{
		{1, "dbs:499990020000", "910001", fat(60)},
		{2, "dbs:499990040000", "910010", fat(90)},
		{3, "dbs:499990020000", "910001", far},
		{4, "dbs:499990030000", "900020", time.Time{}},
		{5, "dbs:499990040000", "910010", fat(45)},
	} {
		must(s.Enqueue(ctx, outbox.Message{ID: uuid(m.n), Partner: m.partner, Type: m.typ, Sealed: []byte("<sealed/>"),
			AnswerDeadline: m.deadline, At: fat(m.n), Actor: "intake"}))
	}
	rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "worker-1", Max: 10, LeaseFor: time.Minute, Now: fat(10)})
	must(err)
	for _, r := range rs {
		must(s.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{Evidence: []byte("<Transportquittung/>"), At: fat(11)}))
	}
	must(s.Apply(ctx, uuid(5), outbox.Action{To: outbox.StateAnswered, At: fat(50), Actor: "gateway"}))
	must(s.Enqueue(ctx, outbox.Message{ID: uuid(6), Partner: "dbs:499990030000", Type: "910020", Sealed: []byte("<sealed/>"),
		AnswerDeadline: fat(120), At: fat(20), Actor: "intake"}))
	_, err = s.Receive(ctx, outbox.InboundMessage{ID: uuid(7), Sender: "dbs:499990020000", Type: "910002",
		Opened: []byte("<a/>"), Receipt: []byte("<q/>"), At: fat(30), Actor: "intake"})
	must(err)
	return path
}

func TestOutboxListOverdue(t *testing.T) {
	store := overdueFixture(t)
	golden(t, "outbox_list_overdue.golden", runSteps(t, store, []cliStep{
		{[]string{"list"}, 0},
		{[]string{"list", "--overdue"}, 0},
		{[]string{"list", "--overdue", "--partner", "dbs:499990040000", "--direction", "out"}, 0},
		{[]string{"list", "--overdue", "--state", "queued"}, 0},
		{[]string{"list", "--overdue", "--state", "answered", "--format", "json"}, 0},
		{[]string{"list", "--overdue", "--limit", "1"}, 0},
		{[]string{"list", "--overdue", "--direction", "in"}, 2},
	}))
}

var (
	nowStamp  = regexp.MustCompile(`\b20(2[1-9]|[3-8]\d)-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	sizeBytes = regexp.MustCompile(`(Store size: |"size_bytes": )\d+`)
)

// normalize makes outputs comparable: the temporary store path, times of
// this run (replay, cancel) and the file size vary.
func normalize(s, store string) string {
	s = strings.ReplaceAll(s, store, "$STORE")
	s = nowStamp.ReplaceAllString(s, "<now>")
	return sizeBytes.ReplaceAllString(s, "${1}<size>")
}

type cliStep struct {
	args []string
	code int
}

func runSteps(t *testing.T, store string, steps []cliStep) string {
	t.Helper()
	var b strings.Builder
	for _, st := range steps {
		args := append([]string{"outbox"}, st.args...)
		args = append(args, "--store", store)
		code, out, errOut := runXgate(t, "", args...)
		fmt.Fprintf(&b, "$ xgate %s\nexit %d\n", strings.Join(st.args, " "), code)
		if out != "" {
			fmt.Fprintf(&b, "--- stdout\n%s", out)
		}
		if errOut != "" {
			fmt.Fprintf(&b, "--- stderr\n%s", errOut)
		}
		b.WriteString("\n")
		if code != st.code {
			t.Errorf("xgate %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, st.code, out, errOut)
		}
	}
	return normalize(b.String(), store)
}

func TestOutboxReadCommands(t *testing.T) {
	store := outboxFixture(t)
	for _, tc := range []struct {
		name  string
		steps []cliStep
	}{
		{"outbox_list", []cliStep{
			{[]string{"list"}, 0},
			{[]string{"list", "--state", "failed"}, 0},
			{[]string{"list", "--partner", "dbs:bamf", "--direction", "out"}, 0},
			{[]string{"list", "--older-than", "1d", "--type", "060010"}, 0},
			{[]string{"list", "--direction", "in"}, 0},
			{[]string{"list", "--limit", "2"}, 0},
			{[]string{"list", "--limit", "2", "--after", "2"}, 0},
			{[]string{"list", "--state", "cancelled"}, 0},
		}},
		{"outbox_list_json", []cliStep{
			{[]string{"list", "--state", "failed", "--format", "json"}, 0},
			{[]string{"list", "--state", "cancelled", "--format", "json"}, 0},
		}},
		{"outbox_show", []cliStep{
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"}, 0},
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000003"}, 0},
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000005"}, 0},
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000009"}, 0},
		}},
		{"outbox_show_json", []cliStep{
			{[]string{"show", "--format", "json", "5b0c8e2a-4d7f-4e1a-9c3b-000000000006"}, 0},
		}},
		{"outbox_stats", []cliStep{
			{[]string{"stats"}, 0},
			{[]string{"stats", "--format", "json"}, 0},
		}},
		{"outbox_read_errors", []cliStep{
			{[]string{"show", "no-such-id"}, 1},
			{[]string{"list", "--state", "flying"}, 2},
			{[]string{"list", "--older-than", "soon"}, 2},
			{[]string{"list", "--format", "xml"}, 2},
			{[]string{"list", "--limit", "0"}, 2},
			{[]string{"show"}, 2},
			{[]string{"stats", "extra"}, 2},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name+".golden", runSteps(t, store, tc.steps))
		})
	}
}

func TestOutboxReplayCancel(t *testing.T) {
	t.Setenv("USER", "jdoe")
	for _, tc := range []struct {
		name  string
		steps []cliStep
	}{
		{"outbox_replay_ids", []cliStep{
			// 2 is failed: replayed; 1 is answered: refused; 99 does not exist.
			{[]string{"replay", "--reason", "AZR outage over (INC-4712)", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002",
				"5b0c8e2a-4d7f-4e1a-9c3b-000000000001", "5b0c8e2a-4d7f-4e1a-9c3b-000000000099"}, 1},
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"}, 0},
			{[]string{"replay", "--reason", "again", "5b0c8e2a-4d7f-4e1a-9c3b-000000000003"}, 0},
		}},
		{"outbox_replay_state", []cliStep{
			{[]string{"replay", "--state", "failed", "--partner", "dbs:azr-bva", "--reason", "certificate renewed"}, 0},
			{[]string{"list", "--state", "queued"}, 0},
			{[]string{"replay", "--state", "failed", "--reason", "nothing left"}, 0},
			{[]string{"stats"}, 0},
		}},
		{"outbox_cancel", []cliStep{
			// 4 is queued: cancelled. 1 is answered: refused. 5 was sending,
			// but a read-write open proves no daemon runs: recovery made it
			// queued, so it can be cancelled.
			{[]string{"cancel", "--reason", "sent to the wrong authority", "5b0c8e2a-4d7f-4e1a-9c3b-000000000004",
				"5b0c8e2a-4d7f-4e1a-9c3b-000000000001", "5b0c8e2a-4d7f-4e1a-9c3b-000000000005"}, 1},
			{[]string{"show", "5b0c8e2a-4d7f-4e1a-9c3b-000000000005"}, 0},
			{[]string{"show", "--format", "json", "5b0c8e2a-4d7f-4e1a-9c3b-000000000004"}, 0},
		}},
		{"outbox_action_usage", []cliStep{
			{[]string{"replay", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"}, 2},
			{[]string{"replay", "--reason", "x"}, 2},
			{[]string{"replay", "--reason", "x", "--state", "failed", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"}, 2},
			{[]string{"replay", "--reason", "x", "--state", "queued"}, 2},
			{[]string{"replay", "--reason", "x", "--partner", "dbs:bamf", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"}, 2},
			{[]string{"cancel", "--reason", "x"}, 2},
			{[]string{"cancel", "--reason", "  ", "5b0c8e2a-4d7f-4e1a-9c3b-000000000004"}, 2},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name+".golden", runSteps(t, outboxFixture(t), tc.steps))
		})
	}
}

// TestOutboxAudited: a replay from the command line is one audit entry
// with the operator and the reason, and the store stays consistent.
func TestOutboxAudited(t *testing.T) {
	t.Setenv("USER", "jdoe")
	store := outboxFixture(t)
	if code, _, errOut := runXgate(t, "", "outbox", "replay", "--store", store, "--reason", "INC-1", "5b0c8e2a-4d7f-4e1a-9c3b-000000000006"); code != 0 {
		t.Fatalf("replay: %d %s", code, errOut)
	}
	s, err := boltstore.Open(context.Background(), store, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	h, err := s.History(ctx, "5b0c8e2a-4d7f-4e1a-9c3b-000000000006")
	if err != nil {
		t.Fatal(err)
	}
	last := h[len(h)-1]
	if last.From != "failed" || last.To != "queued" || last.Actor != "operator:jdoe" || last.Reason != "INC-1" {
		t.Fatalf("last entry %+v", last)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxStoreAccess(t *testing.T) {
	store := outboxFixture(t)
	// $XGATE_STORE is the default of --store.
	t.Setenv("XGATE_STORE", store)
	if code, out, errOut := runXgate(t, "", "outbox", "stats"); code != 0 || !strings.Contains(out, "failed") {
		t.Fatalf("stats with XGATE_STORE: %d\n%s%s", code, out, errOut)
	}
	// A missing store is an error, not a new empty file.
	missing := filepath.Join(t.TempDir(), "none.db")
	code, _, errOut := runXgate(t, "", "outbox", "list", "--store", missing)
	if code != exitUsage || !strings.Contains(errOut, "no outbox store at") {
		t.Fatalf("missing store: %d %s", code, errOut)
	}
	// While a daemon holds the store, read-only commands give up after
	// --lock-timeout and say why.
	s, err := boltstore.Open(context.Background(), store, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, args := range [][]string{{"outbox", "list"}, {"outbox", "show", "id"}, {"outbox", "stats"}, {"outbox", "check"},
		{"outbox", "replay", "--reason", "x", "id"}, {"outbox", "cancel", "--reason", "x", "id"}, {"outbox", "compact"},
		{"audit", "verify", "--insecure"}, {"audit", "export"}} {
		full := append(args, "--lock-timeout", "100ms")
		code, out, errOut := runXgate(t, "", full...)
		if code != exitUnavailable || out != "" || !strings.Contains(errOut, "is locked by another process") && !strings.Contains(errOut, "is held by another process") {
			t.Fatalf("%v on a locked store: %d %s", args, code, errOut)
		}
		if args[1] != "compact" && !strings.Contains(errOut, "use --server (XGATE_SERVER)") {
			t.Errorf("%v on a locked store does not point to --server: %s", args, errOut)
		}
	}
}

func TestOutboxHelp(t *testing.T) {
	for _, sub := range []string{"list", "show", "replay", "cancel", "stats"} {
		code, out, _ := runXgate(t, "", "outbox", sub, "--help")
		if code != 0 || !strings.Contains(out, "Exit codes:") || !strings.Contains(out, "Examples:") {
			t.Errorf("outbox %s --help lacks exit codes or examples (exit %d):\n%s", sub, code, out)
		}
	}
}

// TestOutboxEscapes: values that come from a message or a partner's
// answer (the sender, the type, the last error) cannot forge rows of
// outbox show or lines of outbox list; JSON keeps them as they are.
func TestOutboxEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xgate.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: fixedClock{fat(600)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const out, in = "5b0c8e2a-4d7f-4e1a-9c3b-000000000001", "5b0c8e2a-4d7f-4e1a-9c3b-000000000002"
	if err := s.Enqueue(ctx, outbox.Message{ID: out, Partner: "dbs:bamf", Type: "060010", Sealed: []byte("x"), At: fat(0), Actor: "intake"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1, LeaseFor: time.Minute, Now: fat(1), Partners: []string{"dbs:bamf"}})
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	if err := s.Settle(ctx, out, *rs[0].Lease, outbox.Rejected{Evidence: []byte("<r/>"), At: fat(2),
		Err: outbox.ErrorInfo{Code: "X001\n1 forged", Text: "refused\nState:  delivered"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Receive(ctx, outbox.InboundMessage{ID: in, Sender: "dbs:x\n99\tforged", Type: "060020\u2028", Opened: []byte("<a/>"),
		Receipt: []byte("<q/>"), At: fat(3), Actor: "intake"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	code, show, errs := runXgate(t, "", "outbox", "show", "--store", path, out)
	if code != 0 {
		t.Fatalf("show: exit %d %s", code, errs)
	}
	if strings.Count(show, "\nState:") != 1 || !strings.Contains(show, `refused\nState:  delivered`) {
		t.Errorf("the last error forges a row:\n%s", show)
	}
	code, list, errs := runXgate(t, "", "outbox", "list", "--store", path)
	if code != 0 {
		t.Fatalf("list: exit %d %s", code, errs)
	}
	if n := strings.Count(list, "\n"); n != 3 || !strings.Contains(list, `dbs:x\n99\tforged`) || !strings.Contains(list, `060020\u2028`) ||
		!strings.Contains(list, `X001\n1 forged`) {
		t.Errorf("list has %d lines for 2 records, or unescaped values:\n%s", n, list)
	}
	_, js, _ := runXgate(t, "", "outbox", "list", "--store", path, "--format", "json")
	if !strings.Contains(js, `"dbs:x\n99\tforged"`) {
		t.Errorf("JSON does not keep the sender as it is:\n%s", js)
	}
}
