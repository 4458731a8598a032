package boltstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// shrinkableStore writes a store with 40 outbound records and 1,500
// inbound ones (300 with -short) of 8 KiB each that are acknowledged and
// then expired: the file keeps the pages they used (bbolt never shrinks a
// file). It returns the path and the number of audit entries.
func shrinkableStore(t *testing.T) (string, int) {
	t.Helper()
	inbound := 1500
	if testing.Short() {
		inbound = 300
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := Open(context.Background(), path, Config{DedupRetention: time.Hour, unsafeNoSync: true, MaxBatch: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := range 40 {
		if err := s.Enqueue(ctx, outbox.Message{ID: fmt.Sprintf("out-%03d", i), Partner: "dbs:499990020000", Type: "090009",
			Sealed: bytes.Repeat([]byte("s"), 512), At: base.Add(time.Duration(i) * time.Second), Actor: "intake"}); err != nil {
			t.Fatal(err)
		}
	}
	body := bytes.Repeat([]byte("<x>Musterstadt</x>"), 8192/18)
	var wg sync.WaitGroup
	ids := make(chan int)
	for range 32 { // concurrent calls share commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				id := fmt.Sprintf("in-%05d", i)
				if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "ags:08999001", Type: "060020",
					Opened: body, Receipt: []byte("<Quittung/>"), At: base, Actor: "intake"}); err != nil {
					t.Error(err)
					return
				}
				for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
					if err := s.Apply(ctx, id, outbox.Action{To: to, At: base.Add(time.Minute), Actor: "gateway"}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for i := range inbound {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if n, err := s.Expire(ctx, base.Add(2*time.Hour)); err != nil || n != inbound {
		t.Fatalf("expire: %d, %v", n, err)
	}
	entries := 0
	if err := s.AuditEntries(ctx, 1, func(audit.Entry) error { entries++; return nil }); err != nil {
		t.Fatal(err)
	}
	return path, entries
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*compact-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCompactShrinks compacts a real store whose inbound records were
// expired: the file shrinks, keeps its mode, and holds the same data
// (Check passes, records, audit chain and counters are all there).
func TestCompactShrinks(t *testing.T) {
	path, entries := shrinkableStore(t)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var progress []int64
	res, err := Compact(context.Background(), path, CompactConfig{Progress: func(n int64) { progress = append(progress, n) }})
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("compacted %d → %d bytes", res.Before, res.After)
	if res.Before != st.Size() || res.After != after.Size() {
		t.Fatalf("result %+v, file sizes %d → %d", res, st.Size(), after.Size())
	}
	if res.After*4 > res.Before {
		t.Fatalf("file did not shrink to a quarter: %d → %d bytes", res.Before, res.After)
	}
	if after.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 as before", after.Mode().Perm())
	}
	if m := leftovers(t, filepath.Dir(path)); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}

	s, err := Open(context.Background(), path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	stats, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Outbound[outbox.StateQueued] != 40 || stats.Inbound[outbox.StateAcknowledged] != 0 {
		t.Fatalf("stats after compaction: %+v", stats)
	}
	if r, err := s.Get(ctx, "out-039"); err != nil || len(r.Sealed) != 512 {
		t.Fatalf("out-039: %v, %d sealed bytes", err, len(r.Sealed))
	}
	n := 0
	if err := s.AuditEntries(ctx, 1, func(audit.Entry) error { n++; return nil }); err != nil || n != entries {
		t.Fatalf("audit entries after compaction: %d (%v), before %d", n, err, entries)
	}
	// Sequences survive: the next record continues the numbering.
	if err := s.Enqueue(ctx, outbox.Message{ID: "out-new", Partner: "dbs:499990020000", Sealed: []byte("s"), At: base}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "out-new"); err != nil || r.Seq != uint64(40+(entries-40)/3+1) {
		t.Fatalf("new record seq %d (%v), want %d", r.Seq, err, 40+(entries-40)/3+1) // 40 outbound, 3 entries per inbound record
	}
}

// TestCompactRefusesLockedStore: while another holder has the file,
// Compact gives up with ErrLocked and changes nothing.
func TestCompactRefusesLockedStore(t *testing.T) {
	path, _ := shrinkableStore(t)
	for _, readOnly := range []bool{false, true} {
		s, err := Open(context.Background(), path, Config{ReadOnly: readOnly})
		if err != nil {
			t.Fatal(err)
		}
		before := fileSum(t, path) // after the holder's own recovery
		_, err = Compact(context.Background(), path, CompactConfig{Timeout: 200 * time.Millisecond})
		changed := fileSum(t, path) != before
		s.Close()
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("compact beside a holder (read-only %v): %v", readOnly, err)
		}
		if changed {
			t.Fatalf("the store changed (holder read-only %v)", readOnly)
		}
	}
	if m := leftovers(t, filepath.Dir(path)); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestCompactCancelled: cancelled while copying (small transactions, so
// the copy takes many commits), Compact stops, removes its copy and
// leaves the original byte for byte.
func TestCompactCancelled(t *testing.T) {
	path, _ := shrinkableStore(t)
	before := fileSum(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	_, err := Compact(ctx, path, CompactConfig{TxMaxSize: 4096, ProgressInterval: time.Millisecond,
		Progress: func(int64) { calls++; cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("compact cancelled after %d progress calls: %v", calls, err)
	}
	if fileSum(t, path) != before {
		t.Fatal("the store changed")
	}
	if m := leftovers(t, filepath.Dir(path)); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
	// Cancelled before it starts: nothing happens either.
	if _, err := Compact(ctx, path, CompactConfig{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("compact with a done context: %v", err)
	}
}

func TestCompactNotAStore(t *testing.T) {
	dir := t.TempDir()
	notStore := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notStore, bytes.Repeat([]byte("not a database\n"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Compact(context.Background(), notStore, CompactConfig{}); !errors.Is(err, ErrNotStore) {
		t.Fatalf("compact of a text file: %v", err)
	}
	if _, err := Compact(context.Background(), filepath.Join(dir, "missing.db"), CompactConfig{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("compact of a missing file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("compact created the missing file")
	}
}

// TestOpenAfterReplace: an Open that waits for the lock while the file
// is replaced (as Compact does) opens the new file, not the unlinked one
// it was waiting on.
func TestOpenAfterReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	ctx := context.Background()
	old, err := Open(ctx, path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(dir, "next.db")
	n, err := Open(ctx, next, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Enqueue(ctx, outbox.Message{ID: "only-in-next", Partner: "P", Sealed: []byte("s"), At: base}); err != nil {
		t.Fatal(err)
	}
	n.Close()

	type result struct {
		s   *Store
		err error
	}
	got := make(chan result, 1)
	go func() {
		s, err := Open(ctx, path, Config{Timeout: time.Minute})
		got <- result{s, err}
	}()
	time.Sleep(300 * time.Millisecond) // let it wait on the old file's lock
	if err := os.Rename(next, path); err != nil {
		t.Fatal(err)
	}
	old.Close()
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.s.Close()
	if _, err := r.s.Get(ctx, "only-in-next"); err != nil {
		t.Fatalf("the waiting Open did not open the new file: %v", err)
	}
}

// TestOpenLockWaitCancelled: a context ends the wait for the lock.
func TestOpenLockWaitCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	w, err := Open(context.Background(), path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := Open(ctx, path, Config{ReadOnly: true, Timeout: time.Hour})
		got <- err
	}()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("open with a cancelled wait: %v", err)
	}
}
