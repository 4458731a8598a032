package xgate_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Package boundaries (style.md §16): the leaf packages stay leaves, and
// nothing below cmd/ imports cobra or the CLI.
func TestPackageBoundaries(t *testing.T) {
	const mod = "github.com/xgate/xgate/"
	tests := []struct {
		pkg    string
		banned []string
	}{
		{"xml/errcode", []string{mod}},
		{"xml/kennung", []string{mod}},
		{"internal/clock", []string{mod}},
		{"xml/catalogue", []string{mod + "outbox", mod + "gateway", mod + "certs", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"xml/message", []string{mod + "outbox", mod + "gateway", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		{"xml/validate", []string{mod + "outbox", mod + "gateway", mod + "certs", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"outbox", []string{mod + "gateway", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		{"outbox/audit", []string{mod + "gateway", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		// The admin API: no CLI, no message handling.
		{"gateway/admin", []string{mod + "cmd", "github.com/spf13/cobra", mod + "xml/message", mod + "xml/validate", mod + "xml/secure", mod + "xml/catalogue", "github.com/lestrrat-go/libxml2"}},
		// certs is below outbox/audit (certs.MinRSABits) and xml/secure:
		// it imports neither, nor the message catalogue (certs/devpki does).
		// gateway/wire (the transport protocol) is pure Go: no cgo
		// libxml2, no store, no CLI.
		{"gateway/wire", []string{mod + "outbox", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		// The gateway's parts below the daemon: no CLI, no store.
		{"gateway/config", []string{mod + "outbox", mod + "gateway/directory", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"gateway/directory", []string{mod + "outbox", mod + "gateway/config", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		// The offline conformance suite (vectors, checker, reports, check
		// daemon) runs without the daemon; the live parts (run, serve, the
		// defective endpoint) build on it but import no CLI.
		{"conformance", []string{mod + "gateway", mod + "outbox", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"conformance/report", []string{mod + "gateway", mod + "outbox", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"conformance/checkd", []string{mod + "gateway", mod + "outbox", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt"}},
		{"conformance/live", []string{mod + "cmd", "github.com/spf13/cobra"}},
		{"conformance/partner", []string{mod + "cmd", "github.com/spf13/cobra"}},
		{"conformance/defective", []string{mod + "cmd", "github.com/spf13/cobra"}},
		{"certs", []string{mod + "outbox", mod + "gateway", mod + "cmd", mod + "xml/secure", mod + "xml/message", mod + "xml/catalogue", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		// The adapter contract is a leaf for its plugins; the built-in
		// adapters need neither the gateway nor storage, and the JSON
		// Schema library is for tests only.
		{"adapters", []string{mod + "xml/validate", mod + "outbox", mod + "gateway", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/lestrrat-go/libxml2"}},
		{"adapters/all", []string{mod + "outbox", mod + "gateway", mod + "cmd", "github.com/spf13/cobra", "go.etcd.io/bbolt", "github.com/santhosh-tekuri/jsonschema"}},
	}
	for _, tc := range tests {
		out, err := exec.Command("go", "list", "-deps", "./"+tc.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", tc.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if dep == mod+tc.pkg {
				continue
			}
			for _, b := range tc.banned {
				if dep == b || strings.HasPrefix(dep, b+"/") || (strings.HasSuffix(b, "/") && strings.HasPrefix(dep, b)) {
					t.Errorf("%s imports %s", tc.pkg, dep)
				}
			}
		}
	}
}
