package live_test

import (
	"context"
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
	for _, tc := range []struct {
		target  string
		s       *site.Site
		answers bool
	}{
		{"abh", abh, false},
		{"azr", azr, true},
	} {
		t.Run(tc.target, func(t *testing.T) {
			cfg := n.RunnerConfig(t, "test", tc.target)
			cfg.Inspector = livetest.Inspector(t, tc.s)
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
			// Only a type every role may send has no unauthorised sender.
			cat := catalogue.New()
			for _, r := range rep.Results {
				if ty, _ := cat.Lookup(r.Type); r.Outcome == report.Skip && (r.Kind != live.KindUnauthorised || ty.From != nil) {
					t.Errorf("skipped %s: %s", r.ID, r.Problem)
				}
			}
		})
	}
}
