package pgstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/internal/pgtest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/pgstore"
)

// envChild makes the test binary a writing gateway instance for
// TestInstanceKilled.
const envChild = "XGATE_PGSTORE_CHILD_DSN"

// TestInstanceKilledChild is the child process: it enqueues, receives,
// claims and settles until it is killed, printing every acknowledged
// operation. It does nothing in a normal test run.
func TestInstanceKilledChild(t *testing.T) {
	dsn := os.Getenv(envChild)
	if dsn == "" {
		t.Skip("child process of TestInstanceKilled")
	}
	ctx := context.Background()
	// A long ChainDelay: the kill leaves entries unlinked.
	s, err := pgstore.Open(ctx, dsn, pgstore.Config{ChainDelay: 300 * time.Millisecond})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Printf(format+"\n", args...)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("k%d-%05d", g, i)
				if err := s.Enqueue(ctx, msg(id, fmt.Sprintf("dbs:49999002%04d", i%3), at(0))); err != nil {
					say("ERR %v", err)
					return
				}
				say("E %s", id)
				in := "in-" + id
				if _, err := s.Receive(ctx, outbox.InboundMessage{ID: in, Sender: "azr:999902", Opened: []byte("o"), Receipt: []byte("r"), At: at(1)}); err != nil {
					say("ERR %v", err)
					return
				}
				say("R %s", in)
				rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "child", Max: 1, LeaseFor: time.Hour, Now: at(2)})
				if err != nil {
					say("ERR %v", err)
					return
				}
				for _, r := range rs {
					if i%2 == 0 { // half stay in flight
						say("C %s", r.ID)
						continue
					}
					if err := s.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{At: at(3)}); err != nil {
						say("ERR %v", err)
						return
					}
					say("D %s", r.ID)
				}
			}
		}()
	}
	wg.Wait()
	os.Exit(1)
}

// TestInstanceKilled: a gateway instance killed with SIGKILL in the middle
// of its writes loses nothing it acknowledged; its audit entries, some not
// yet linked, are linked by the next instance; the chain verifies; the
// records it held in sending become claimable when their leases expire.
func TestInstanceKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dsn := pg.Schema(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestInstanceKilledChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]string{} // id → E, R, C or D
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 200 {
		kind, id, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "E", "R", "C", "D":
			acked[id] = kind
		case "ERR":
			cmd.Process.Kill()
			t.Fatalf("child: %s", id)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("child stopped after %d acknowledgements: %v", len(acked), sc.Err())
	}

	ctx := context.Background()
	s := openDSN(t, dsn, pgstore.Config{})
	var pending int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM xgate_audit_pending`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged operations; %d pending audit rows left by the killed instance", len(acked), pending)
	inFlight := 0
	for id, kind := range acked {
		r, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s (%s) acknowledged but lost: %v", id, kind, err)
		}
		want := map[string]outbox.State{"R": outbox.StateReceived, "C": outbox.StateSending, "D": outbox.StateDelivered}[kind]
		if want != "" && r.State != want {
			t.Fatalf("%s acknowledged as %s, stored as %s", id, kind, r.State)
		}
		if kind == "C" {
			inFlight++
		}
	}
	mustCheck(t, s) // links what the child left pending, then checks every record against its last entry
	verify(t, s)
	// The dead instance's leases expire; another instance takes the records.
	rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "survivor", Max: 10000, LeaseFor: time.Minute, Now: at(2).Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Outbound[outbox.StateQueued] != 0 || stats.Outbound[outbox.StateSending] != len(rs) || len(rs) < inFlight {
		t.Fatalf("after the leases expired: claimed %d (%d acknowledged in flight), stats %+v", len(rs), inFlight, stats.Outbound)
	}
	for _, r := range rs {
		if r.Lease.Owner != "survivor" {
			t.Fatalf("%s still leased by %s", r.ID, r.Lease.Owner)
		}
	}
	mustCheck(t, s)
	verify(t, s)
}

// TestServerKilled: the database server is killed with SIGKILL while
// instances enqueue; after crash recovery every enqueue that was
// acknowledged is there, the store checks and the chain verifies. The
// server runs with fsync on, as in production. (A killed server process
// does not lose the operating system's page cache: this proves that an
// acknowledgement follows the commit, not that the disk keeps it through
// a power cut — that is the fsync that PostgreSQL's WAL does and the
// benchmarks count.)
func TestServerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ctx := context.Background()
	srv, err := pgtest.Start(ctx, pgtest.Options{})
	if err != nil {
		if pgtest.Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer srv.Stop()
	dsn, err := srv.CreateDatabase(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	s := openDSN(t, dsn, pgstore.Config{ChainDelay: 50 * time.Millisecond})
	var (
		mu        sync.Mutex
		acked     []string
		failures  atomic.Int64
		stop      atomic.Bool
		wg        sync.WaitGroup
		afterKill atomic.Int64
		killed    atomic.Bool
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("sk%d-%05d", g, i)
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err := s.Enqueue(cctx, msg(id, "dbs:499990020000", at(0)))
				cancel()
				if err != nil {
					failures.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				if killed.Load() {
					afterKill.Add(1)
				}
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(2 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("100 enqueues", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 100 })
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	killed.Store(true)
	time.Sleep(200 * time.Millisecond)
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("enqueues after the restart", func() bool { return afterKill.Load() >= 50 })
	stop.Store(true)
	wg.Wait()
	if failures.Load() == 0 {
		t.Fatal("no enqueue failed while the server was down: the kill did not happen")
	}
	t.Logf("%d enqueues acknowledged, %d failed while the server was down", len(acked), failures.Load())
	for _, id := range acked {
		if _, err := s.Get(ctx, id); err != nil {
			if errors.Is(err, outbox.ErrNotFound) {
				t.Fatalf("%s was acknowledged and is lost", id)
			}
			t.Fatal(err)
		}
	}
	mustCheck(t, s)
	verify(t, s)
}
