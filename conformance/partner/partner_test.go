package partner_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/internal/livetest"
	"github.com/xgate/xgate/conformance/live"
	"github.com/xgate/xgate/conformance/partner"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/site"
)

// A vendor's ABH (here: an xgate gateway and the live runner with its
// keys) sends to the test partner playing the AZR: the partner receipts
// the valid message and answers it (090098), refuses the schema-invalid
// one, and its report says so, with the delivery of its answer to the
// vendor's endpoint judged by the vendor's receipt.
func TestPartnerJudges(t *testing.T) {
	n := livetest.NewNet(t, []string{"abh", "azr"}, nil)
	n.Start(t, "abh", site.Options{}) // the vendor's endpoint, for the answers
	p, err := partner.Open(context.Background(), partner.Config{Site: n.Config(t, "azr"), Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		p.Close()
	})
	<-p.Site().Gateway.Ready()

	cfg := n.RunnerConfig(t, "abh", "azr")
	cfg.Types, cfg.Kinds = []string{"090009"}, []string{live.KindReceipt, live.KindSchemaInvalid, live.KindDuplicate}
	r, err := live.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if rep := r.Run(context.Background(), nil); !rep.OK() {
		t.Fatalf("the runner against the partner: %+v", rep.Summary())
	}

	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	var rep report.Report
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/report?format=json")
		if err != nil {
			t.Fatal(err)
		}
		rep = report.Report{}
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		delivered := 0
		for _, x := range rep.Results {
			if x.Kind == partner.KindDelivery && x.Outcome == report.Pass {
				delivered++
			}
		}
		if delivered == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	count := map[string]int{}
	for _, x := range rep.Results {
		count[x.Kind+" "+string(x.Outcome)]++
		if x.Kind == partner.KindReceived && x.Outcome == report.Fail && (x.Verdict != report.Reject || x.Findings()[0].Code != "X001") {
			t.Errorf("%s: %s %v", x.ID, x.Verdict, x.Reasons)
		}
	}
	t.Logf("cases: %v", count)
	// receipt and duplicate: two messages receipted, one resent, one
	// schema-invalid refused; both receipted ones answered (090098), and
	// both answers receipted by the vendor's endpoint.
	want := map[string]int{"received pass": 2, "resend pass": 1, "received fail": 1, "delivery pass": 2}
	for k, v := range want {
		if count[k] != v {
			t.Errorf("%s: %d, want %d (all: %v)", k, count[k], v, count)
		}
	}
	if rep.Mode != "serve" || rep.Tool != "test" || !strings.Contains(rep.Target, "azr") {
		t.Errorf("report head: %q %q %q", rep.Mode, rep.Tool, rep.Target)
	}
	for _, f := range []string{"junit", "html", "text"} {
		resp, err := http.Get(srv.URL + "/report?format=" + f)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", f, err, resp.Status)
		}
		resp.Body.Close()
	}
	if resp, _ := http.Get(srv.URL + "/report?format=pdf"); resp.StatusCode != 400 {
		t.Errorf("format pdf: %s", resp.Status)
	}
}
