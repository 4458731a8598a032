package boltstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// Environment of the crash child process.
const (
	envCrashStore = "XGATE_CRASH_STORE"
	envCrashRun   = "XGATE_CRASH_RUN"
)

// TestCrash re-executes the test binary as a child that enqueues,
// receives and moves records through every transition in a loop, and
// kills it with SIGKILL after a random 20–300 ms, 20 times on the same
// file. After each kill it reopens the store and checks: every
// acknowledged enqueue and receive is there (a received one is still a
// duplicate), no record is sending after recovery, and Check passes
// (states valid, indexes and due entries consistent with the records,
// counts, every record's last audit entry naming its state, the audit
// chain linking).
func TestCrash(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 5
	}
	path := t.TempDir() + "/crash.db"
	ctx := context.Background()
	var totalOut, totalIn int
	for run := range kills {
		out, in := crashOnce(t, path, run)
		totalOut += len(out)
		totalIn += len(in)

		s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
		if err != nil {
			t.Fatalf("run %d: reopen after kill: %v", run, err)
		}
		if err := s.Check(ctx); err != nil {
			s.Close()
			t.Fatalf("run %d: %v", run, err)
		}
		for _, id := range out {
			if _, err := s.Get(ctx, id); err != nil {
				s.Close()
				t.Fatalf("run %d: acknowledged enqueue %s lost: %v", run, id, err)
			}
		}
		for _, id := range in {
			if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Receipt: []byte("again"), At: time.Now()}); !errors.Is(err, outbox.ErrDuplicate) {
				s.Close()
				t.Fatalf("run %d: acknowledged receive %s is not a duplicate after the crash: %v", run, id, err)
			}
		}
		st, err := s.Stats(ctx)
		if err != nil || st.Outbound[outbox.StateSending] != 0 {
			s.Close()
			t.Fatalf("run %d: after recovery %d sending (%v)", run, st.Outbound[outbox.StateSending], err)
		}
		s.Close()
	}
	t.Logf("%d kills; %d enqueues and %d receives acknowledged before a kill, all found", kills, totalOut, totalIn)
	if totalOut == 0 || totalIn == 0 {
		t.Fatal("the child acknowledged nothing: the test proved nothing")
	}
}

// crashOnce runs the child, kills it and returns the IDs it acknowledged.
func crashOnce(t *testing.T, path string, run int) (out, in []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashStore+"="+path, fmt.Sprintf("%s=%d", envCrashRun, run))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		readySent := false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "ready" && !readySent:
				readySent = true
				close(ready)
			case strings.HasPrefix(line, "E "):
				out = append(out, line[2:])
			case strings.HasPrefix(line, "R "):
				in = append(in, line[2:])
			}
		}
	}()
	select {
	case <-ready:
	case <-done:
		cmd.Wait()
		t.Fatalf("run %d: child ended before it was ready", run)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run %d: child not ready after 30s", run)
	}
	time.Sleep(time.Duration(20+rand.IntN(281)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done // the pipe is drained: every line written before the kill is read
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("run %d: child did not die of SIGKILL: %v", run, err)
	}
	return out, in
}

// TestCrashChild is the child of TestCrash; it does nothing in a normal
// test run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(envCrashStore)
	if path == "" {
		t.Skip("helper process of TestCrash")
	}
	run := os.Getenv(envCrashRun)
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	// Each line is one write(2) of less than PIPE_BUF bytes: lines from
	// different goroutines do not interleave.
	say := func(line string) { os.Stdout.WriteString(line + "\n") }
	say("ready")
	var wg sync.WaitGroup
	for g := range 6 { // producers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("r%s-g%d-%06d", run, g, i)
				if i%5 == 4 {
					_, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "dbs:sender", Type: "060010",
						Opened: []byte("<opened/>"), Receipt: []byte("<receipt " + id + "/>"), At: time.Now(), Actor: "intake"})
					if err != nil {
						fmt.Fprintln(os.Stderr, "child receive:", err)
						os.Exit(3)
					}
					say("R " + id)
					// Hand over; acknowledge some.
					_ = s.Apply(ctx, id, outbox.Action{To: outbox.StateHandedOver, At: time.Now(), Actor: "gateway"})
					if i%2 == 0 {
						_ = s.Apply(ctx, id, outbox.Action{To: outbox.StateAcknowledged, At: time.Now(), Actor: "gateway"})
					}
					continue
				}
				m := outbox.Message{ID: id, Partner: fmt.Sprintf("dbs:p%d", i%3), Type: "060001",
					OrderingKey: fmt.Sprintf("key-%d", i%11), Sealed: []byte(strings.Repeat("s", 1000+i%3000)), At: time.Now(), Actor: "intake"}
				if err := s.Enqueue(ctx, m); err != nil {
					fmt.Fprintln(os.Stderr, "child enqueue:", err)
					os.Exit(3)
				}
				say("E " + id)
			}
		}()
	}
	for w := range 3 { // delivery workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(len(run))))
			for {
				rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: fmt.Sprintf("w%d", w), Max: 8, LeaseFor: time.Minute, Now: time.Now()})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child claim:", err)
					os.Exit(3)
				}
				if len(rs) == 0 {
					time.Sleep(2 * time.Millisecond)
				}
				for _, r := range rs {
					var o outbox.Outcome
					switch n := rng.IntN(10); {
					case n < 5:
						o = outbox.Delivered{Evidence: []byte("<receipt/>"), At: time.Now()}
					case n < 8:
						o = outbox.Retry{At: time.Now().Add(5 * time.Millisecond), Now: time.Now(), Err: outbox.ErrorInfo{Code: "http-503", Text: "busy"}}
					case n < 9:
						o = outbox.Rejected{Evidence: []byte("<rw/>"), At: time.Now(), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}}
					default:
						o = outbox.Failed{At: time.Now(), Err: outbox.ErrorInfo{Code: "transport", Text: "gave up"}}
					}
					if err := s.Settle(ctx, r.ID, *r.Lease, o); err != nil {
						fmt.Fprintln(os.Stderr, "child settle:", err)
						os.Exit(3)
					}
					switch o.(type) {
					case outbox.Failed:
						_ = s.Apply(ctx, r.ID, outbox.Action{To: outbox.StateQueued, At: time.Now(), Actor: "operator:crash", Reason: "replay"})
					case outbox.Delivered:
						if rng.IntN(3) == 0 {
							_ = s.Apply(ctx, r.ID, outbox.Action{To: outbox.StateAnswered, At: time.Now(), Actor: "gateway"})
						}
					case outbox.Rejected:
						_ = s.Apply(ctx, r.ID, outbox.Action{To: outbox.StateCancelled, At: time.Now(), Actor: "operator:crash", Reason: "rejected"})
					}
				}
			}
		}()
	}
	wg.Wait() // never: the parent kills us
}
