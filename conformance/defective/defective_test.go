package defective_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/defective"
	"github.com/xgate/xgate/conformance/internal/livetest"
	"github.com/xgate/xgate/conformance/live"
	"github.com/xgate/xgate/conformance/report"
)

// receiptKinds are the kinds whose cases judge a receipt.
var receiptKinds = []string{live.KindReceipt, live.KindAnswer, live.KindDuplicate, live.KindDuplicateResealed}

// rejectionKinds are the kinds that expect a Rückweisung.
var rejectionKinds = []string{live.KindTamperedCiphertext, live.KindTamperedSignature, live.KindWrongKey, live.KindUntrustedCertificate,
	live.KindExpiredCertificate, live.KindWrongRecipient, live.KindUnauthorised, live.KindSchemaInvalid}

// caught says which kinds of case must fail against each defect, exactly.
var caught = map[defective.Defect][]string{
	"":                             nil, // the endpoint without defect is xgate: everything passes
	defective.AcceptBadSignature:   {live.KindTamperedSignature, live.KindWrongKey},
	defective.AcceptBadCertificate: {live.KindUntrustedCertificate, live.KindExpiredCertificate},
	defective.AcceptWrongRecipient: {live.KindWrongRecipient},
	defective.AcceptUnauthorised:   {live.KindUnauthorised},
	defective.AcceptSchemaInvalid:  {live.KindSchemaInvalid},
	defective.IgnoreDuplicates:     {live.KindDuplicate, live.KindDuplicateResealed},
	defective.UnsignedReceipts:     receiptKinds,
	defective.WrongDigest:          receiptKinds,
	defective.WrongUUID:            receiptKinds,
	defective.ForeignSigner:        receiptKinds,
	defective.WrongCode:            rejectionKinds,
	defective.SlowAnswers:          append(slices.Clone(receiptKinds), rejectionKinds...),
	defective.LateBusinessAnswers:  {live.KindAnswer},
}

// The suite can fail: run against the endpoint with each seeded defect
// alone, exactly the kinds of case that defect breaks fail; without a
// defect all pass. So every defect is caught, and every kind of case
// catches at least one defect.
func TestEverySeededDefectIsCaught(t *testing.T) {
	n := livetest.NewNet(t, []string{"azr", "test"}, nil)
	ep, err := defective.Open(context.Background(), defective.Config{
		Site: n.Config(t, "azr"), Responder: n.PeerOptions(t, "azr").Responder, Delay: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ep.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		ep.Close()
	})
	<-ep.Site().Gateway.Ready()
	l := n.Listener(t, "test")
	inspector := livetest.Inspector(t, ep.Site())

	for _, d := range defective.Defects() {
		if _, ok := caught[d.Defect]; !ok {
			t.Errorf("defect %s has no row in the table", d.Defect)
		}
	}
	catching := map[string][]defective.Defect{}
	order := []defective.Defect{""}
	for _, d := range defective.Defects() {
		order = append(order, d.Defect)
	}
	if testing.Short() {
		// One defect of each sort: the full table runs without -short.
		order = []defective.Defect{"", defective.WrongCode, defective.IgnoreDuplicates, defective.UnsignedReceipts}
	}
	for _, d := range order {
		name := string(d)
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			var on []defective.Defect
			if d != "" {
				on = append(on, d)
			}
			if err := ep.Set(on...); err != nil {
				t.Fatal(err)
			}
			cfg := n.RunnerConfig(t, "test", "azr")
			cfg.Answers, cfg.Inspector = l, inspector
			cfg.Types = []string{"090009"} // answered (090098), and sent by the ABH only
			// Generous against a loaded machine, short against Delay.
			cfg.Timeout, cfg.AnswerTimeout, cfg.Parallel = 3*time.Second, 3*time.Second, 6
			r, err := live.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep := r.Run(context.Background(), nil)
			if got := len(rep.Results); got != len(live.Kinds()) {
				t.Fatalf("%d cases, want one per kind (%d)", got, len(live.Kinds()))
			}
			var failed []string
			for _, x := range rep.Results {
				switch x.Outcome {
				case report.Pass:
				case report.Skip:
					t.Errorf("%s skipped: %s", x.ID, x.Problem)
				default:
					failed = append(failed, x.Kind)
					catching[x.Kind] = append(catching[x.Kind], d)
					t.Logf("%s %s: %s", x.Outcome, x.ID, x.Problem)
				}
			}
			want := slices.Clone(caught[d])
			sort.Strings(failed)
			sort.Strings(want)
			if !slices.Equal(failed, want) {
				t.Errorf("failed kinds %v, want %v", failed, want)
			}
		})
	}
	for _, ki := range live.Kinds() {
		if testing.Short() {
			break
		}
		if len(catching[ki.Kind]) == 0 {
			t.Errorf("no seeded defect makes a %s case fail", ki.Kind)
		} else {
			t.Logf("%-22s catches %s", ki.Kind, fmtDefects(catching[ki.Kind]))
		}
	}
}

func fmtDefects(ds []defective.Defect) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}
