package audit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox/audit"
)

func TestVerifyIntact(t *testing.T) {
	gw, _ := keys(t)
	es := chain(30)
	cps := seal(t, signer(t, gw), es, 10, 20, 30)
	rep, err := audit.Verify(context.Background(), audit.Entries(es), cps, verifierFor(t, gw))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Err() != nil {
		t.Fatalf("intact chain: %v", rep.Problem)
	}
	want := audit.Report{Entries: 30, Intact: 30, Head: es[29].Hash, Checkpoints: 3, CheckpointsVerified: 3, Sealed: 30, SignaturesChecked: true}
	if *rep != want {
		t.Errorf("report\n got %+v\nwant %+v", *rep, want)
	}

	// Empty chain, no checkpoints: nothing to find.
	rep, err = audit.Verify(context.Background(), audit.Entries(nil), nil, nil)
	if err != nil || !rep.OK() || rep.Entries != 0 || rep.SignaturesChecked {
		t.Fatalf("empty chain: %+v, %v", rep, err)
	}
}

// tamper is one attack on a 30-entry chain sealed at 10, 20 and 30.
type tamper struct {
	name string
	// do changes the chain and its checkpoints; es and cps are copies.
	do   func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint)
	kind audit.Kind
	seq  uint64 // Problem.Seq
	from uint64 // Problem.From; 0 means seq
	// intact is Report.Intact; 0 means from-1.
	intact uint64
	// noVerifier runs Verify without signature checks.
	noVerifier bool
}

func editEntry(i int, f func(*audit.Entry)) func(*testing.T, []audit.Entry, []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
	return func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
		f(&es[i-1])
		return es, cps
	}
}

func tamperCases() []tamper {
	var cases []tamper
	// Every field, edited in entry 13 without re-hashing.
	fields := map[string]func(*audit.Entry){
		"seq":              func(e *audit.Entry) { e.Seq = 14 },
		"time":             func(e *audit.Entry) { e.Time = e.Time.Add(-time.Hour) },
		"time-nanos":       func(e *audit.Entry) { e.Time = e.Time.Add(time.Nanosecond) },
		"record_id":        func(e *audit.Entry) { e.RecordID = "00000000-0000-4000-8000-000000000000" },
		"direction":        func(e *audit.Entry) { e.Direction = "in" },
		"partner":          func(e *audit.Entry) { e.Partner = "dbs:bamf" },
		"type":             func(e *audit.Entry) { e.Type = "090102" },
		"from":             func(e *audit.Entry) { e.From = "failed" },
		"to":               func(e *audit.Entry) { e.To = "cancelled" },
		"actor":            func(e *audit.Entry) { e.Actor = "operator:mallory" },
		"reason":           func(e *audit.Entry) { e.Reason = "nothing to see" },
		"code":             func(e *audit.Entry) { e.Code = "T011" },
		"attempt":          func(e *audit.Entry) { e.Attempt = 7 },
		"attempt-negative": func(e *audit.Entry) { e.Attempt = -1 },
		"prev":             func(e *audit.Entry) { e.Prev[0] ^= 1 },
		"hash":             func(e *audit.Entry) { e.Hash[31] ^= 1 },
		// Moving bytes between neighbouring fields keeps their
		// concatenation: the length prefixes must still tell.
		"field-boundary": func(e *audit.Entry) { e.Partner, e.Type = e.Partner+e.Type[:1], e.Type[1:] },
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	}) {
		cases = append(cases, tamper{name: "edit " + name, do: editEntry(13, fields[name]), kind: audit.Edited, seq: 13})
	}
	cases = append(cases, []tamper{
		{name: "edit first entry", do: editEntry(1, func(e *audit.Entry) { e.Actor = "x" }), kind: audit.Edited, seq: 1},
		{name: "edit last entry", do: editEntry(30, func(e *audit.Entry) { e.Actor = "x" }), kind: audit.Edited, seq: 30},
		{name: "edit and re-hash one entry", kind: audit.Unlinked, seq: 14, from: 13,
			do: editEntry(13, func(e *audit.Entry) { e.To = "cancelled"; e.Hash = e.ComputeHash() })},
		{name: "edit and re-hash a sealed entry", kind: audit.HeadMismatch, seq: 10, from: 1, intact: 10,
			do: editEntry(10, func(e *audit.Entry) { e.To = "cancelled"; e.Hash = e.ComputeHash() })},
		{name: "replace the entry after a checkpoint", kind: audit.Unlinked, seq: 11, from: 11,
			do: editEntry(11, func(e *audit.Entry) { e.Prev[0] ^= 1; e.Hash = e.ComputeHash() })},
		{name: "delete first", kind: audit.Missing, seq: 1,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return es[1:], cps
			}},
		{name: "delete first, renumber and re-hash", kind: audit.Unlinked, seq: 1,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es = es[1:]
				for i := range es {
					es[i].Seq--
					es[i].Hash = es[i].ComputeHash()
				}
				return es, cps
			}},
		{name: "delete middle", kind: audit.Missing, seq: 15,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return slices.Delete(es, 14, 15), cps
			}},
		{name: "delete two in the middle", kind: audit.Missing, seq: 15,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return slices.Delete(es, 14, 16), cps
			}},
		{name: "delete last (sealed)", kind: audit.Truncated, seq: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return es[:29], cps
			}},
		{name: "insert a linked entry", kind: audit.Inserted, seq: 16, intact: 15,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				x := audit.Link(&es[14], audit.Entry{Time: es[15].Time, RecordID: "forged", Direction: "out", To: "delivered", Actor: "relay"})
				return slices.Insert(es, 15, x), cps
			}},
		{name: "insert an unlinked entry", kind: audit.Unlinked, seq: 16, from: 15,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				x := audit.Entry{Seq: 16, Time: es[15].Time, RecordID: "forged", Direction: "out", To: "delivered", Actor: "relay"}
				x.Hash = x.ComputeHash()
				return slices.Insert(es, 15, x), cps
			}},
		{name: "insert, renumber and re-hash the tail", kind: audit.HeadMismatch, seq: 20, from: 11, intact: 20,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				x := audit.Entry{Time: es[15].Time, RecordID: "forged", Direction: "out", To: "delivered", Actor: "relay"}
				return relink(slices.Insert(es, 15, x), 15), cps
			}},
		{name: "duplicate an entry at the end", kind: audit.OutOfOrder, seq: 31, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return append(es, es[2]), cps
			}},
		{name: "swap two", kind: audit.OutOfOrder, seq: 7,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es[6], es[11] = es[11], es[6]
				return es, cps
			}},
		{name: "swap neighbours", kind: audit.OutOfOrder, seq: 22,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es[21], es[22] = es[22], es[21]
				return es, cps
			}},
		{name: "move an entry back", kind: audit.OutOfOrder, seq: 5,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				e := es[4]
				return slices.Insert(slices.Delete(es, 4, 5), 8, e), cps
			}},
		{name: "swap two, renumber and re-hash", kind: audit.HeadMismatch, seq: 10, from: 1, intact: 10,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es[3], es[4] = es[4], es[3]
				return relink(es, 3), cps
			}},
		{name: "truncate", kind: audit.Truncated, seq: 23,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return es[:22], cps
			}},
		{name: "truncate to nothing", kind: audit.Truncated, seq: 1,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return nil, cps
			}},
		{name: "replace tail and re-hash", kind: audit.HeadMismatch, seq: 30, from: 21, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es[24].To, es[24].Actor = "cancelled", "operator:mallory"
				return relink(es, 24), cps
			}},
		{name: "replace tail, re-hash, re-sign with own key", kind: audit.UnknownKey, seq: 30, intact: 30,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				_, other := keys(t)
				es[24].To = "cancelled"
				es = relink(es, 24)
				cps[2] = seal(t, signer(t, other), es, 30)[0]
				return es, cps
			}},
		{name: "replace tail, re-hash, forge signature under the gateway's key id", kind: audit.BadSignature, seq: 30, intact: 30,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				_, other := keys(t)
				es[24].To = "cancelled"
				es = relink(es, 24)
				c := audit.Checkpoint{Seq: 30, Head: es[29].Hash, Time: cps[2].Time, KeyID: cps[2].KeyID}
				d := c.Digest()
				var err error
				if c.Signature, err = signer(t, other).Sign(d[:]); err != nil {
					t.Fatal(err)
				}
				cps[2] = c
				return es, cps
			}},
		{name: "forged checkpoint signature", kind: audit.BadSignature, seq: 20, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[1].Signature = slices.Clone(cps[1].Signature)
				cps[1].Signature[17] ^= 0x40
				return es, cps
			}},
		{name: "checkpoint head edited", kind: audit.BadSignature, seq: 20, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[1].Head = es[18].Hash
				return es, cps
			}},
		{name: "checkpoint seq edited", kind: audit.BadSignature, seq: 19, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[1].Seq = 19
				return es, cps
			}},
		{name: "checkpoint time edited", kind: audit.BadSignature, seq: 20, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[1].Time = cps[1].Time.Add(time.Minute)
				return es, cps
			}},
		{name: "checkpoint signature removed", kind: audit.BadSignature, seq: 10, intact: 30,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[0].Signature = nil
				return es, cps
			}},
		{name: "checkpoint from another key", kind: audit.UnknownKey, seq: 20, intact: 30,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				_, other := keys(t)
				cps[1] = seal(t, signer(t, other), es, 20)[0]
				return es, cps
			}},
		{name: "checkpoint with wrong head", kind: audit.HeadMismatch, seq: 20, from: 11, intact: 20,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				gw, _ := keys(t)
				c, err := audit.NewCheckpoint(signer(t, gw), audit.Entry{Seq: 20, Hash: es[18].Hash}, cps[1].Time)
				if err != nil {
					t.Fatal(err)
				}
				cps[1] = c
				return es, cps
			}},
		{name: "checkpoint beyond the head", kind: audit.Truncated, seq: 31, intact: 30,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				gw, _ := keys(t)
				c, err := audit.NewCheckpoint(signer(t, gw), audit.Entry{Seq: 35, Hash: es[29].Hash}, cps[2].Time)
				if err != nil {
					t.Fatal(err)
				}
				return es, append(cps, c)
			}},
		{name: "checkpoint of entry 0", kind: audit.HeadMismatch, seq: 0, intact: 1,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				gw, _ := keys(t)
				c, err := audit.NewCheckpoint(signer(t, gw), audit.Entry{}, cps[0].Time)
				if err != nil {
					t.Fatal(err)
				}
				return es, append(cps, c)
			}},
		{name: "first problem wins: forged checkpoint before edited entry", kind: audit.BadSignature, seq: 10, intact: 24,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[0].Signature = nil
				es[24].Actor = "x"
				return es, cps
			}},
		{name: "first problem wins: edited entry before forged checkpoint", kind: audit.Edited, seq: 5,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[1].Signature = nil
				es[4].Actor = "x"
				return es, cps
			}},
		{name: "checkpoints out of order are fine", kind: 0,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				cps[0], cps[2] = cps[2], cps[0]
				return es, cps
			}},
		// What the chain cannot catch, stated as tests so that the
		// caveats in doc.go stay true.
		{name: "unsealed tail: deleting the last entry goes unnoticed", kind: 0,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return es[:29], cps[:2]
			}},
		{name: "unsealed tail: truncating and dropping the later checkpoints goes unnoticed", kind: 0,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				return es[:22], cps[:2]
			}},
		{name: "unsealed tail: unless a checkpoint from an earlier export is given", kind: audit.Truncated, seq: 23,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				earlier := cps[2] // kept by the auditor
				return es[:22], append(cps[:2], earlier)
			}},
		{name: "without a verifier, rewritten checkpoints go unnoticed", kind: 0, noVerifier: true,
			do: func(t *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				_, other := keys(t)
				es[24].To = "cancelled"
				es = relink(es, 24)
				cps[2] = seal(t, signer(t, other), es, 30)[0]
				return es, cps
			}},
		{name: "without a verifier, a replaced tail is still caught", kind: audit.HeadMismatch, seq: 30, from: 21, intact: 30, noVerifier: true,
			do: func(_ *testing.T, es []audit.Entry, cps []audit.Checkpoint) ([]audit.Entry, []audit.Checkpoint) {
				es[24].To = "cancelled"
				return relink(es, 24), cps
			}},
	}...)
	return cases
}

func TestVerifyTampered(t *testing.T) {
	gw, _ := keys(t)
	orig := chain(30)
	origCps := seal(t, signer(t, gw), orig, 10, 20, 30)
	v := verifierFor(t, gw)
	for _, tc := range tamperCases() {
		t.Run(tc.name, func(t *testing.T) {
			es, cps := tc.do(t, slices.Clone(orig), slices.Clone(origCps))
			var vv audit.Verifier = v
			if tc.noVerifier {
				vv = nil
			}
			rep, err := audit.Verify(context.Background(), audit.Entries(es), cps, vv)
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == 0 {
				if !rep.OK() {
					t.Fatalf("want no problem, got %v", rep.Problem)
				}
				if rep.Entries != uint64(len(es)) {
					t.Errorf("Entries = %d, want %d", rep.Entries, len(es))
				}
				return
			}
			if rep.Entries > uint64(len(es)) || rep.Entries < min(rep.Problem.Seq, uint64(len(es))) {
				t.Errorf("Entries = %d of %d", rep.Entries, len(es))
			}
			p := rep.Problem
			if p == nil {
				t.Fatalf("tampering not detected: %+v", rep)
			}
			from := tc.from
			if from == 0 {
				from = tc.seq
			}
			intact := tc.intact
			if intact == 0 && from > 0 {
				intact = from - 1
			}
			if p.Kind != tc.kind || p.Seq != tc.seq || p.From != from {
				t.Errorf("got %s at %d (from %d), want %s at %d (from %d): %v", p.Kind, p.Seq, p.From, tc.kind, tc.seq, from, p)
			}
			if rep.Intact != intact {
				t.Errorf("Intact = %d, want %d", rep.Intact, intact)
			}
			var wantHead audit.Hash
			if rep.Intact > 0 {
				wantHead = es[rep.Intact-1].Hash
			}
			if rep.Head != wantHead {
				t.Errorf("Head = %s, want hash of entry %d", rep.Head, rep.Intact)
			}
			var asProblem *audit.Problem
			if !errors.As(rep.Err(), &asProblem) || asProblem.Kind != tc.kind {
				t.Errorf("Err() = %v, not the *Problem", rep.Err())
			}
			if p.Kind.Checkpoint() != (p.Checkpoint != nil) {
				t.Errorf("Checkpoint = %v for kind %s", p.Checkpoint, p.Kind)
			}
			if !p.Kind.Checkpoint() && p.Kind != audit.Unreadable && p.Kind != audit.Missing && p.RecordID == "" {
				t.Errorf("entry problem without a record id: %v", p)
			}
			t.Log(p)
		})
	}
}

func TestVerifyUnreadable(t *testing.T) {
	es := chain(12)
	src := func(yield func(audit.Entry, error) bool) {
		for i, e := range es {
			var err error
			if i == 7 {
				e, err = audit.Entry{}, &audit.DecodeError{Key: 8, Err: errors.New("invalid character 'x'")}
			}
			if !yield(e, err) {
				return
			}
		}
	}
	rep, err := audit.Verify(context.Background(), src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Problem; p == nil || p.Kind != audit.Unreadable || p.Seq != 8 || rep.Intact != 7 || rep.Entries != 8 {
		t.Fatalf("got %+v, problem %v", rep, rep.Problem)
	}
	var de *audit.DecodeError
	if !errors.As(rep.Err(), &de) || de.Key != 8 {
		t.Errorf("the decode error is not reachable: %v", rep.Err())
	}
}

func TestVerifySourceErrorAndCancel(t *testing.T) {
	es := chain(5000)
	boom := errors.New("disk on fire")
	src := audit.Walk(context.Background(), func(ctx context.Context, fn func(audit.Entry) error) error {
		for _, e := range es[:10] {
			if err := fn(e); err != nil {
				return err
			}
		}
		return boom
	})
	if _, err := audit.Verify(context.Background(), src, nil, nil); !errors.Is(err, boom) {
		t.Errorf("source error: got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := audit.Verify(ctx, audit.Entries(es), nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// TestVerifyStopsOnRepeatingSource feeds sources that never end, as a
// store whose paging follows a tampered Seq field might: Verify must still
// return with the first problem.
func TestVerifyStopsOnRepeatingSource(t *testing.T) {
	es := chain(20)
	loop := func(es []audit.Entry) func(func(audit.Entry, error) bool) {
		return func(yield func(audit.Entry, error) bool) {
			for {
				for _, e := range es {
					if !yield(e, nil) {
						return
					}
				}
			}
		}
	}
	edited := slices.Clone(es)
	edited[9].Seq = 0
	rep, err := audit.Verify(context.Background(), loop(edited), nil, nil)
	if err != nil || rep.Problem == nil || rep.Problem.Kind != audit.Edited || rep.Problem.Seq != 10 || rep.Entries != 10 {
		t.Fatalf("edited, looping: %+v %v", rep, err)
	}
	// A deleted entry never turns up: Verify gives up looking for it.
	deleted := slices.Delete(slices.Clone(es), 4, 5)
	rep, err = audit.Verify(context.Background(), loop(deleted), nil, nil)
	if err != nil || rep.Problem == nil || rep.Problem.Kind != audit.Missing || rep.Problem.Seq != 5 {
		t.Fatalf("deleted, looping: %+v %v", rep, err)
	}
}

func TestWalkStopsEarly(t *testing.T) {
	es := chain(10)
	calls := 0
	src := audit.Walk(context.Background(), func(ctx context.Context, fn func(audit.Entry) error) error {
		for _, e := range es {
			calls++
			if err := fn(e); err != nil {
				return err // the stop signal comes back here
			}
		}
		return nil
	})
	for e, err := range src {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq == 3 {
			break
		}
	}
	if calls != 3 {
		t.Errorf("walk went on after the consumer stopped: %d calls", calls)
	}
}

func TestKindText(t *testing.T) {
	for k := audit.Edited; k <= audit.UnknownKey; k++ {
		b, _ := k.MarshalText()
		var back audit.Kind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("%d: %q round-trips to %d, %v", k, b, back, err)
		}
	}
	if s := audit.Kind(99).String(); s != "kind(99)" {
		t.Errorf("unknown kind renders %q", s)
	}
}

// BenchmarkVerify measures Verify on a generated chain; entries are made on
// the fly so that memory stays flat whatever b.N is.
func BenchmarkVerify(b *testing.B) {
	proto := chain(6)
	src := func(n int) func(func(audit.Entry, error) bool) {
		return func(yield func(audit.Entry, error) bool) {
			var prev *audit.Entry
			for i := range n {
				e := audit.Link(prev, proto[i%len(proto)])
				if !yield(e, nil) {
					return
				}
				prev = &e
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := audit.Verify(context.Background(), src(100_000), nil, nil)
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Problem)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/entry")
}
