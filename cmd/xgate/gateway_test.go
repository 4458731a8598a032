package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/devnet"
)

// gatewayFiles are the fixtures of serve, peer, send and bench: a
// development network with an ABH and an MB, a broken configuration, one
// whose intake port is taken, and intake stand-ins for send.
type gatewayFiles struct {
	abhConfig, mbConfig, badConfig, busyConfig string
	noDatabase                                 string // store.kind postgres, nobody answering
	message, invalid                           string
	intakeOK, intake500, intakeDown            string
}

func newGatewayFiles(t *testing.T) *gatewayFiles {
	t.Helper()
	dir := t.TempDir()
	n, err := devnet.Create(context.Background(), filepath.Join(dir, "net"), devnet.Spec{
		GenerateKey: certstest.KeyGenerator(), Sites: []devnet.SiteSpec{{ID: "abh"}, {ID: "mb"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	gf := &gatewayFiles{abhConfig: n.Sites["abh"].Config, mbConfig: n.Sites["mb"].Config}
	gf.badConfig = filepath.Join(dir, "bad.yaml")
	writeFile(t, gf.badConfig, "site:\n  kennung: azr:999901\n  role: abh\nlisten:\n  intake: 10.0.0.1:80\ndirectory:\n  reload: 1x\n")
	// The ABH's configuration with its intake port taken by someone else.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })
	cfg, err := os.ReadFile(gf.abhConfig)
	if err != nil {
		t.Fatal(err)
	}
	gf.busyConfig = filepath.Join(filepath.Dir(gf.abhConfig), "busy.yaml")
	writeFile(t, gf.busyConfig, strings.Replace(string(cfg), strings.TrimPrefix(n.Sites["abh"].Intake, "http://"), busy.Addr().String(), 1))

	// The ABH's configuration with a PostgreSQL store whose server is not
	// there.
	var doc map[string]any
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		t.Fatal(err)
	}
	doc["store"] = map[string]any{"kind": "postgres", "dsn": "host=" + filepath.Join(dir, "no-server") + " dbname=xgate user=xgate connect_timeout=2"}
	nodb, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	gf.noDatabase = filepath.Join(filepath.Dir(gf.abhConfig), "nodb.yaml")
	writeFile(t, gf.noDatabase, string(nodb))

	g, err := devnet.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	msg, _, _, err := g.Anmeldung(0, 1, n.Sites["abh"].Identity, n.Sites["mb"].Identity)
	if err != nil {
		t.Fatal(err)
	}
	gf.message = filepath.Join(dir, "anmeldung.xml")
	writeFile(t, gf.message, string(msg))
	gf.invalid = filepath.Join(dir, "invalid.xml")
	writeFile(t, gf.invalid, strings.Replace(string(msg), "<nachrichtenkopf.g2g>", "<nachrichtenkopf.g2g><x/>", 1))

	// The intake API as far as send sees it: 202 for a message, 400 with
	// findings for one that says so; a gateway that fails; none at all.
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "<x/>") {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"title":"message refused","status":400,"detail":"nothing was stored","findings":[{"code":"X001","path":"/x","line":3,"text":"schema"}]}`))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"id":"5b0c8e2a-4d7f-4e1a-9c3b-000000000009","state":"queued","status_url":"/v1/messages/5b0c8e2a-4d7f-4e1a-9c3b-000000000009"}`))
	}))
	t.Cleanup(ok.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "store failed", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)
	down, err := n.Ports(1) // reserved and never listened on: nobody answers there
	if err != nil {
		t.Fatal(err)
	}
	gf.intakeDown = fmt.Sprintf("http://127.0.0.1:%d", down[0])
	gf.intakeOK, gf.intake500 = ok.URL, failing.URL
	return gf
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the xgate binary once per test run: bench starts it twice.
func (gf *gatewayFiles) binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xgate-cli-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "xgate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("%s", out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDaemonGC(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
	}{
		{"GOGC unset: the daemon's target", nil, daemonGCPercent},
		{"GOGC set: left as it is", map[string]string{"GOGC": "100"}, 100},
		{"GOGC=off set: left as it is", map[string]string{"GOGC": "off"}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := debug.SetGCPercent(100)
			daemonGC(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if got := debug.SetGCPercent(old); got != tc.want {
				t.Errorf("GC percent %d, want %d", got, tc.want)
			}
		})
	}
}
