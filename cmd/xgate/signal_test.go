package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox/boltstore"
)

// TestSignal runs the real binary: `xgate outbox list` waits for the lock
// of a store another process holds; SIGINT stops it at once, with exit 1
// and a message that says so (without the signal handling the process
// would die of the signal, or wait for the whole --lock-timeout).
func TestSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "xgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	store := outboxFixture(t)
	holder, err := boltstore.Open(context.Background(), store, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	cmd := exec.Command(bin, "outbox", "list", "--store", store, "--lock-timeout", "10m")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Wait until it has the store file open (and so waits for its lock):
	// by then main has installed its signal handling.
	for !holdsFile(cmd.Process.Pid, store) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("after SIGINT: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped (interrupt signal received)") {
		t.Errorf("stderr does not say it stopped:\n%s", stderr.String())
	}
}

// holdsFile reports whether process pid has path open.
func holdsFile(pid int, path string) bool {
	fds, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "fd", "*"))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == path {
			return true
		}
	}
	return false
}
