package certs_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps certs a small leaf: the standard library, the error
// codes, the identity model and the clock; not the message catalogue
// (the development PKI, which names participants, is certs/devpki),
// nothing of the daemon, no cgo (libxml2), no storage or CLI.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/xgate/xgate/certs").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		first, _, _ := strings.Cut(dep, "/")
		if strings.Contains(first, ".") { // not the standard library
			switch dep {
			case "github.com/xgate/xgate/certs", "github.com/xgate/xgate/xml/errcode",
				"github.com/xgate/xgate/xml/kennung", "github.com/xgate/xgate/internal/clock":
			default:
				t.Errorf("certs depends on %s", dep)
			}
		}
	}
}
