package live_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/internal/livetest"
	"github.com/xgate/xgate/conformance/live"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/xml/catalogue"
)

// failures lists the results that did not pass or skip, one per line.
func failures(rep *report.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Outcome == report.Pass || r.Outcome == report.Skip {
			continue
		}
		b.WriteString(r.ID + ": " + string(r.Outcome) + ": " + r.Problem + "\n")
		for _, x := range r.Reasons {
			b.WriteString("    " + x.String() + "\n")
		}
	}
	return b.String()
}

// The whole suite against xgate itself passes: an ABH gateway whose local
// software pulls from the inbox, and a simulated AZR that answers.
func TestRunAgainstXgate(t *testing.T) {
	n := livetest.NewNet(t, []string{"abh", "azr", "test"}, nil)
	abh := n.Start(t, "abh", site.Options{})
	azr := n.Start(t, "azr", n.PeerOptions(t, "azr"))
	l := n.Listener(t, "test")
	var plans [][]string
	for _, tc := range []struct {
		name, target string
		s            *site.Site
		answers      bool
		seed         int64
		parallel     int
	}{
		{"abh", "abh", abh, false, 0, 0},
		{"azr", "azr", azr, true, 0, 0},
		// The same cases one at a time in another order: no case needs
		// another.
		{"azr-sequential", "azr", azr, true, 7, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := n.RunnerConfig(t, "test", tc.target)
			cfg.Inspector = livetest.Inspector(t, tc.s)
			cfg.Seed, cfg.Parallel = tc.seed, tc.parallel
			if tc.answers {
				cfg.Answers = l
			}
			r, err := live.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			start := time.Now()
			rep := r.Run(context.Background(), nil)
			s := rep.Summary()
			t.Logf("%s: %d cases (%d pass, %d skip) in %s", tc.target, s.Total, s.Pass, s.Skip, time.Since(start).Round(time.Millisecond))
			if !rep.OK() {
				t.Errorf("against xgate %s:\n%s", tc.target, failures(rep))
			}
			if tc.seed != 0 && !strings.Contains(rep.Target, "seed 7") {
				t.Errorf("the report does not name the seed: %s", rep.Target)
			}
			var ids []string
			for _, x := range rep.Results {
				ids = append(ids, x.ID)
			}
			if tc.target == "azr" {
				plans = append(plans, ids)
			}
			// Only a type every role may send has no unauthorised sender.
			cat := catalogue.New()
			for _, r := range rep.Results {
				if ty, _ := cat.Lookup(r.Type); r.Outcome == report.Skip && (r.Kind != live.KindUnauthorised || ty.From != nil) {
					t.Errorf("skipped %s: %s", r.ID, r.Problem)
				}
			}
		})
	}
	if len(plans) == 2 && !slices.Equal(plans[0], plans[1]) {
		t.Errorf("the report's order depends on the run's order:\n%v\n%v", plans[0], plans[1])
	}
}
