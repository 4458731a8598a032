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
		// certs is below outbox/audit (certs.MinRSABits) and xml/secure:
		// it imports neither, nor the message catalogue (certs/devpki does).
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
