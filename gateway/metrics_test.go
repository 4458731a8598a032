package gateway_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xgate/xgate/outbox"
)

// scrape reads the gateway's /metrics and returns each series (name and
// labels, as printed) with its value.
func scrape(t testing.TB, s *site) map[string]float64 {
	t.Helper()
	resp, err := http.Get(s.intake + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics: %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	return series
}

// Every message costs the sender one signature and the receiver one key
// decryption and one receipt signature; /metrics of each gateway counts
// them and the CPU time they took. The TLS handshakes are not counted.
func TestPrivateKeyMetrics(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, nil, "abh", "mb")
	a, b := sites["abh"], sites["mb"]
	const n = 3
	var ids []string
	for range n {
		msg, id := sample(t, "020101", abh.Identity, mb.Identity)
		if code, body := post(t, a.intake+"/v1/messages", msg); code != http.StatusAccepted {
			t.Fatalf("POST /v1/messages: %d %s", code, body)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitState(t, a, id, outbox.StateDelivered)
	}
	tests := []struct {
		site          *site
		sign, decrypt float64
	}{
		{a, n, 0},
		{b, n, n},
	}
	for _, tc := range tests {
		got := scrape(t, tc.site)
		for _, c := range []struct {
			op   string
			want float64
		}{{"sign", tc.sign}, {"decrypt", tc.decrypt}} {
			ops, ok := got[`xgate_private_key_operations_total{op="`+c.op+`"}`]
			cpu, ok2 := got[`xgate_private_key_cpu_seconds_total{op="`+c.op+`"}`]
			if !ok || !ok2 {
				t.Fatalf("%s: no xgate_private_key_* series for %s", tc.site.id, c.op)
			}
			if ops != c.want {
				t.Errorf("%s: %v %s operations for %d messages, want %v", tc.site.id, ops, c.op, n, c.want)
			}
			// An RSA-3072 private-key operation takes milliseconds of
			// CPU; none takes no time, or a second.
			switch {
			case ops == 0 && cpu != 0:
				t.Errorf("%s: %s: %vs of CPU for no operation", tc.site.id, c.op, cpu)
			case ops > 0 && (cpu/ops < 100e-6 || cpu/ops > 1):
				t.Errorf("%s: %s: %.6fs of CPU per operation", tc.site.id, c.op, cpu/ops)
			}
		}
	}
}

// A bolt store's commits are on /metrics and move with the writes: each
// accepted message is at least one more.
func TestStoreCommitsMetric(t *testing.T) {
	m := testPKI(t)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := network(t, nil, "abh", "mb")
	a := sites["abh"]
	const series = "xgate_store_commits_total"
	before, ok := scrape(t, a)[series]
	if !ok {
		t.Fatalf("no %s on /metrics", series)
	}
	msg, id := sample(t, "020101", abh.Identity, mb.Identity)
	if code, body := post(t, a.intake+"/v1/messages", msg); code != http.StatusAccepted {
		t.Fatalf("POST /v1/messages: %d %s", code, body)
	}
	waitState(t, a, id, outbox.StateDelivered)
	after := scrape(t, a)[series]
	// Enqueue, claim and settle of a lone message come one after another
	// and cannot share a commit.
	if after-before < 3 {
		t.Errorf("%s went from %v to %v for one delivered message", series, before, after)
	}
	if got := float64(a.store.Commits()); got < after {
		t.Errorf("%s %v, but the store counts %v", series, after, got)
	}
}
