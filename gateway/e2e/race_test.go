//go:build race

package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/devnet"
)

// TestRaceAcrossProcesses runs in the race pass (make test) only: the
// other tests here start ordinary builds of xgate, which the race
// detector of this test binary does not reach. Here both gateways are
// race builds: an ABH sends messages to an MB from several goroutines,
// local software pulls and acknowledges them at the MB, both gateways
// reload their directory and serve /metrics meanwhile, and they drain on
// SIGTERM. The test fails on a race report in either log (wrapNet); what
// it asserts besides — every message delivered and acknowledged — has
// generous deadlines, since a race build is several times slower.
func TestRaceAcrossProcesses(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "xgate-race")
	if out, err := exec.Command("go", "build", "-race", "-o", bin, "github.com/xgate/xgate/cmd/xgate").CombinedOutput(); err != nil {
		t.Fatalf("go build -race: %v\n%s", err, out)
	}
	tn := newNet(t, []devnet.SiteSpec{{ID: "abh", Extra: quiet}, {ID: "mb", Extra: quiet}}, nil)
	tn.bin = bin
	tn.start("abh")
	tn.start("mb")
	abh, mb := tn.n.Sites["abh"], tn.n.Sites["mb"]
	const n = 120
	msgs, ids, _ := anmeldungen(t, n, 10, abh, mb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	ls, stopPull := startLocalSoftware(ctx, mb.Intake)

	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := tn.submit(ctx, "abh", msgs[i]); err != nil {
					t.Errorf("submit %d: %v", i, err)
				}
			}
		}()
	}
	for i := range msgs {
		if i == n/2 {
			for _, id := range []string{"abh", "mb"} {
				if err := tn.Reload(ctx, id); err != nil {
					t.Error(err)
				}
				getText(t, tn.n.Sites[id].Intake+"/metrics")
			}
		}
		next <- i
	}
	close(next)
	wg.Wait()

	deadline := time.Now().Add(4 * time.Minute)
	tn.waitDelivered("abh", deadline, ids...)
	ls.waitAcked(n, deadline)
	stopPull()
	ls.mu.Lock()
	acked := len(ls.acked)
	ls.mu.Unlock()
	if acked != n {
		t.Errorf("%d of %d messages acknowledged at the MB", acked, n)
	}
	// SIGTERM: both drain; the cleanup then reads their logs.
	tn.stopAll()
}
