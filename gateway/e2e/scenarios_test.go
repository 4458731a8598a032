package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/demo"
	"github.com/xgate/xgate/gateway/devnet"
)

// TestScenariosAcrossProcesses runs the demo's scenarios with every site
// a process of its own: xgate serve for the ABH, xgate peer for the five
// partners; the partner down is a process stopped and started again, the
// stale directory entry a new signed directory and a SIGHUP.
func TestScenariosAcrossProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net")
	n, err := devnet.Create(context.Background(), dir, devnet.Spec{Sites: demo.SiteSpecs(), GenerateKey: certstest.KeyGenerator()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	peers := map[string]string{}
	for _, id := range demo.Sites() {
		if id != "abh" {
			peers[id] = string(n.Sites[id].Identity.Role)
		}
	}
	tn := wrapNet(t, n, peers)
	var progress strings.Builder
	res, err := demo.RunWith(context.Background(), demo.Config{Dir: dir, Progress: &progress}, n, tn)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("problems: %v\n%s", res.Problems, progress.String())
	}
	t.Logf("%d messages of %d types across 6 processes", len(res.Rows), res.Types)
}
