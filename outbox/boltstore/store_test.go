package boltstore_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/outboxtest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func openAt(t *testing.T, path string, cfg boltstore.Config) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTemp(t *testing.T, cfg boltstore.Config) *boltstore.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "outbox.db"), cfg)
}

func msg(id, partner string, at time.Time) outbox.Message {
	return outbox.Message{ID: id, Partner: partner, Type: "060001", Sealed: []byte("sealed:" + id), At: at, Actor: "intake"}
}

func mustCheck(t *testing.T, s *boltstore.Store) {
	t.Helper()
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// fakeClock is a settable Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestStore(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outbox.Store {
		return openTemp(t, boltstore.Config{})
	}, outboxtest.Features{AuditLog: true})
}

// TestStoreSmallBatches runs the suite with group commit limited to two
// operations per commit, so that batch boundaries fall everywhere.
func TestStoreSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	outboxtest.Run(t, func(t *testing.T) outbox.Store {
		return openTemp(t, boltstore.Config{MaxBatch: 2, NoFreelistSync: true})
	}, outboxtest.Features{AuditLog: true, Concurrency: 8, PerGoroutine: 20})
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  boltstore.Config
		want string
	}{
		{"negative timeout", boltstore.Config{Timeout: -1}, "Timeout"},
		{"negative max size", boltstore.Config{MaxSize: -1}, "MaxSize"},
		{"negative retention", boltstore.Config{DedupRetention: -time.Hour}, "DedupRetention"},
		{"negative batch", boltstore.Config{MaxBatch: -1}, "MaxBatch"},
		{"signer without key id", boltstore.Config{CheckpointSigner: hmacSigner{}}, "KeyID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := boltstore.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
	if err := (boltstore.Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

// TestEnqueueDurableAcrossReopen: every enqueue acknowledged by
// concurrent producers is in the file after Close and reopen, and the
// producers shared commits.
func TestEnqueueDurableAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const producers, each = 64, 20
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("d-%02d-%03d", p, i)
				if err := s.Enqueue(context.Background(), msg(id, "P", at(i))); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	commits := s.Commits()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d enqueues in %d commits", len(acked), commits)
	if commits >= uint64(len(acked)) {
		t.Errorf("%d enqueues took %d commits: no group commit", len(acked), commits)
	}
	s = openAt(t, path, boltstore.Config{ReadOnly: true})
	for _, id := range acked {
		r, err := s.Get(context.Background(), id)
		if err != nil || string(r.Sealed) != "sealed:"+id {
			t.Fatalf("acknowledged %s after reopen: %+v, %v", id, r, err)
		}
	}
	if len(acked) != producers*each {
		t.Fatalf("%d acknowledged", len(acked))
	}
	mustCheck(t, s)
}

// TestCommitLinger: writers that come a little apart share a commit when
// the batch lingers; without linger a writer that comes after a commit is
// done gets its own. Every write is durable either way.
func TestCommitLinger(t *testing.T) {
	for _, tc := range []struct {
		name        string
		linger      time.Duration
		wantCommits uint64
	}{
		// Each enqueue starts after the previous one returned.
		{"no linger: one commit each", 0, 3},
		// The three start 5ms apart, well inside the 100ms the first
		// one's batch stays open.
		{"linger: the three share one", boltstore.MaxCommitLinger, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s, err := boltstore.Open(context.Background(), path, boltstore.Config{CommitLinger: tc.linger})
			if err != nil {
				t.Fatal(err)
			}
			base := s.Commits()
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := s.Enqueue(context.Background(), msg(fmt.Sprint("l", i), "P", at(i))); err != nil {
						t.Error(err)
					}
				}()
				if tc.linger == 0 {
					wg.Wait()
				} else {
					time.Sleep(5 * time.Millisecond)
				}
			}
			wg.Wait()
			if got := s.Commits() - base; got != tc.wantCommits {
				t.Errorf("%d commits for 3 enqueues, want %d", got, tc.wantCommits)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openAt(t, path, boltstore.Config{ReadOnly: true})
			for i := range 3 {
				if _, err := s.Get(context.Background(), fmt.Sprint("l", i)); err != nil {
					t.Errorf("l%d after reopen: %v", i, err)
				}
			}
		})
	}
	for _, bad := range []time.Duration{-time.Millisecond, boltstore.MaxCommitLinger + 1} {
		if err := (boltstore.Config{CommitLinger: bad}).Validate(); err == nil {
			t.Errorf("CommitLinger %v passed Validate", bad)
		}
	}
}

func TestRecoveryOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	clock := &fakeClock{t: at(500)}
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if err := s.Enqueue(ctx, msg(fmt.Sprint("r", i), "P", at(i))); err != nil {
			t.Fatal(err)
		}
	}
	cl, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w1", Max: 2, LeaseFor: time.Hour, Now: at(10)})
	if err != nil || len(cl) != 2 {
		t.Fatalf("claim: %v %v", cl, err)
	}
	s.Close()
	// A read-only open repairs nothing.
	ro := openAt(t, path, boltstore.Config{ReadOnly: true})
	if r, _ := ro.Get(ctx, "r0"); r.State != outbox.StateSending {
		t.Fatalf("read-only open changed r0 to %s", r.State)
	}
	ro.Close()

	s = openAt(t, path, boltstore.Config{Clock: clock})
	for _, id := range []string{"r0", "r1"} {
		r, err := s.Get(ctx, id)
		if err != nil || r.State != outbox.StateQueued || r.Lease != nil || !r.NextAttempt.Equal(at(500)) || r.Attempts != 1 {
			t.Fatalf("%s after recovery: %+v %v", id, r, err)
		}
		h, _ := s.History(ctx, id)
		last := h[len(h)-1]
		if last.From != "sending" || last.To != "queued" || last.Actor != "recovery" || !last.Time.Equal(at(500)) {
			t.Fatalf("recovery entry of %s: %+v", id, last)
		}
	}
	if h, _ := s.History(ctx, "r2"); len(h) != 1 {
		t.Fatalf("r2 (queued) was touched: %+v", h)
	}
	// The old lease is lost; the records are claimable at once.
	if err := s.Settle(ctx, "r0", *cl[0].Lease, outbox.Delivered{At: at(501)}); !errors.Is(err, outbox.ErrLeaseLost) {
		t.Fatalf("Settle with the pre-crash lease: %v", err)
	}
	cl, err = s.Claim(ctx, outbox.ClaimParams{Owner: "w2", Max: 10, LeaseFor: time.Hour, Now: at(500)})
	if err != nil || len(cl) != 3 {
		t.Fatalf("claim after recovery: %d %v", len(cl), err)
	}
	mustCheck(t, s)
}

func TestReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	ctx := context.Background()
	w := openAt(t, path, boltstore.Config{})
	if err := w.Enqueue(ctx, msg("ro-1", "P", at(0))); err != nil {
		t.Fatal(err)
	}
	// While the writer holds the file, a read-only open gives up after
	// Timeout and says why.
	start := time.Now()
	_, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true, Timeout: 100 * time.Millisecond})
	if !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), "another process holds the store's lock") {
		t.Fatalf("read-only open while a writer holds the file: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	w.Close()

	r1 := openAt(t, path, boltstore.Config{ReadOnly: true})
	r2 := openAt(t, path, boltstore.Config{ReadOnly: true}) // readers share the file
	for _, s := range []*boltstore.Store{r1, r2} {
		if r, err := s.Get(ctx, "ro-1"); err != nil || r.State != outbox.StateQueued {
			t.Fatalf("read: %+v %v", r, err)
		}
	}
	if err := r1.Enqueue(ctx, msg("ro-2", "P", at(0))); !errors.Is(err, outbox.ErrReadOnly) {
		t.Fatalf("Enqueue on a read-only store: %v", err)
	}
	if _, err := r1.Expire(ctx, at(0)); !errors.Is(err, outbox.ErrReadOnly) {
		t.Fatalf("Expire on a read-only store: %v", err)
	}
	// And a writer cannot open while readers hold it.
	if _, err := boltstore.Open(context.Background(), path, boltstore.Config{Timeout: 50 * time.Millisecond}); !errors.Is(err, boltstore.ErrLocked) || !strings.Contains(err.Error(), "read-write") {
		t.Fatalf("read-write open while readers hold the file: %v", err)
	}
	// A read-only open of a missing file fails instead of creating one.
	if _, err := boltstore.Open(context.Background(), filepath.Join(t.TempDir(), "missing.db"), boltstore.Config{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing file succeeded")
	}
}

func TestReceiveDuplicateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	ctx := context.Background()
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	in := outbox.InboundMessage{ID: "uuid-1", Sender: "S", Type: "060010", Opened: []byte("opened"), Receipt: []byte("receipt-1"), At: at(0)}
	if _, err := s.Receive(ctx, in); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openAt(t, path, boltstore.Config{})
	in.Receipt = []byte("receipt-2")
	r, err := s.Receive(ctx, in)
	if !errors.Is(err, outbox.ErrDuplicate) || string(r.Receipt) != "receipt-1" || string(r.Opened) != "opened" {
		t.Fatalf("after reopen: %+v, %v", r, err)
	}
}

func TestExpire(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, boltstore.Config{DedupRetention: 400 * 24 * time.Hour})
	day := 24 * time.Hour
	recv := func(id string, t0 time.Time) {
		t.Helper()
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Opened: []byte("o"), Receipt: []byte("r-" + id), At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	ack := func(id string) {
		t.Helper()
		for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
			if err := s.Apply(ctx, id, outbox.Action{To: to, At: t0, Actor: "gateway"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	recv("old-acked", t0)
	ack("old-acked")
	recv("old-pending", t0.Add(time.Hour)) // never acknowledged
	recv("young", t0.Add(200*day))
	ack("young")
	recv("edge", t0.Add(day))
	ack("edge")

	now := t0.Add(401 * day) // cutoff t0+1d: "edge" is not older than the retention
	n, err := s.Expire(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	dup := func(id string) bool {
		_, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Opened: []byte("o"), Receipt: []byte("new"), At: now})
		return errors.Is(err, outbox.ErrDuplicate)
	}
	if _, err := s.Get(ctx, "old-acked"); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("expired acknowledged record still there: %v", err)
	}
	for _, id := range []string{"old-pending", "young", "edge"} {
		if !dup(id) {
			t.Fatalf("%s is no longer a duplicate", id)
		}
	}
	// The expired UUID is new again (a real sender would not reuse it;
	// the store just has no memory of it).
	if dup("old-acked") {
		t.Fatal("old-acked is still a duplicate after Expire")
	}
	// Idempotent, and a later run takes the next ones.
	if n, err := s.Expire(ctx, now); err != nil || n != 0 {
		t.Fatalf("second Expire = %d, %v", n, err)
	}
	if n, err := s.Expire(ctx, t0.Add(402*day)); err != nil || n != 1 {
		t.Fatalf("Expire a day later = %d, %v; want 1 (edge)", n, err)
	}
	h, err := s.History(ctx, "edge")
	if err != nil || len(h) != 3 {
		t.Fatalf("audit entries of an expired record must stay: %d %v", len(h), err)
	}
	mustCheck(t, s)
}

// hmacSigner is a real (symmetric) signer for tests; the audit package's
// RSASigner is the production one.
type hmacSigner struct{ key, id string }

func (h hmacSigner) Sign(d []byte) ([]byte, error) {
	m := hmac.New(sha256.New, []byte(h.key))
	m.Write(d)
	return m.Sum(nil), nil
}
func (h hmacSigner) KeyID() string { return h.id }

func TestCheckpoints(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: at(0)}
	signer := hmacSigner{key: "k", id: "test-key"}
	s := openTemp(t, boltstore.Config{Clock: clock, CheckpointSigner: signer, CheckpointEvery: 5, CheckpointInterval: 15 * time.Minute})
	for i := range 12 {
		if err := s.Enqueue(ctx, msg(fmt.Sprint("cp", i), "P", at(i))); err != nil {
			t.Fatal(err)
		}
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(cps); got != "[1 6 11]" {
		t.Fatalf("checkpoints at %s, want [1 6 11]", got)
	}
	// The interval counts too, by the store's clock.
	clock.Set(at(16 * 60))
	if err := s.Enqueue(ctx, msg("cp-late", "P", at(16*60))); err != nil {
		t.Fatal(err)
	}
	cps, _ = s.Checkpoints(ctx)
	if got := seqs(cps); got != "[1 6 11 13]" {
		t.Fatalf("checkpoints at %s, want [1 6 11 13]", got)
	}
	var entries []audit.Entry
	s.AuditEntries(ctx, 1, func(e audit.Entry) error { entries = append(entries, e); return nil })
	for _, cp := range cps {
		if cp.Head != entries[cp.Seq-1].Hash || cp.KeyID != "test-key" {
			t.Fatalf("checkpoint %d: head %s key %s", cp.Seq, cp.Head, cp.KeyID)
		}
		d := cp.Digest()
		if want, _ := signer.Sign(d[:]); !hmac.Equal(want, cp.Signature) {
			t.Fatalf("checkpoint %d: signature does not verify", cp.Seq)
		}
	}
	mustCheck(t, s)
}

func seqs(cps []audit.Checkpoint) string {
	out := make([]uint64, len(cps))
	for i, c := range cps {
		out[i] = c.Seq
	}
	return fmt.Sprint(out)
}

// TestCheckFindsDamage edits the file behind the store's back: Check must
// name each kind of damage.
func TestCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	build := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "outbox.db")
		s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if err := s.Enqueue(ctx, msg(fmt.Sprint("k", i), "P", at(i))); err != nil {
				t.Fatal(err)
			}
		}
		cl, _ := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 2, LeaseFor: time.Hour, Now: at(10)})
		s.Settle(ctx, cl[0].ID, *cl[0].Lease, outbox.Delivered{At: at(11)})
		if err := s.Check(ctx); err != nil {
			t.Fatalf("intact store: %v", err)
		}
		s.Close()
		return path
	}
	edit := func(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		fn   func(tx *bolt.Tx) error
		want string
	}{
		{"audit entry edited", func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("audit"))
			k := []byte{0, 0, 0, 0, 0, 0, 0, 3}
			return b.Put(k, []byte(strings.Replace(string(b.Get(k)), `"actor":"intake"`, `"actor":"mallory"`, 1)))
		}, "audit entry 3: hash does not match"},
		{"audit entry deleted", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("audit")).Delete([]byte{0, 0, 0, 0, 0, 0, 0, 2})
		}, "audit entry 3 follows 1"},
		{"due entry lost", func(tx *bolt.Tx) error {
			c := tx.Bucket([]byte("due")).Cursor()
			k, _ := c.First()
			return tx.Bucket([]byte("due")).Delete(k)
		}, "due entry missing"},
		{"state index lost", func(tx *bolt.Tx) error {
			c := tx.Bucket([]byte("by_state")).Cursor()
			k, _ := c.First()
			return tx.Bucket([]byte("by_state")).Delete(k)
		}, "by_state entry missing"},
		{"record state edited", func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("records"))
			k := []byte{0, 0, 0, 0, 0, 0, 0, 5} // k4, the fifth record
			return b.Put(k, []byte(strings.Replace(string(b.Get(k)), `"state":"queued"`, `"state":"flying"`, 1)))
		}, `record k4: state "flying" is not a out state`},
		{"ids entry lost", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("ids")).Delete([]byte("ok2"))
		}, "record k2: ids entry missing"},
		{"sealed body lost", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("bodies")).Delete([]byte{0, 0, 0, 0, 0, 0, 0, 3, 's'})
		}, "record k2: outbound without sealed bytes"},
		{"count edited", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("counts")).Put([]byte("queued"), []byte{0, 0, 0, 0, 0, 0, 0, 9})
		}, "counts/queued is 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := build(t)
			edit(t, path, tc.fn)
			s := openAt(t, path, boltstore.Config{ReadOnly: true})
			err := s.Check(ctx)
			var ce *boltstore.CheckError
			if !errors.As(err, &ce) || ce.Path != path || !slices.ContainsFunc(ce.Problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Fatalf("Check = %v, want a *CheckError with a problem containing %q", err, tc.want)
			}
		})
	}
}

func TestNextDueSkipping(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, boltstore.Config{})
	for _, m := range []outbox.Message{msg("a", "A", at(10)), msg("b", "B", at(20)), msg("c", "C", at(30)), msg("a2", "A", at(5))} {
		if err := s.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		skip []string
		want time.Time
		ok   bool
	}{
		{nil, at(5), true},
		{[]string{"A"}, at(20), true},
		{[]string{"A", "B"}, at(30), true},
		{[]string{"A", "B", "C"}, time.Time{}, false},
		{[]string{"Z"}, at(5), true},
	} {
		got, ok, err := s.NextDueSkipping(ctx, tc.skip)
		if err != nil || ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("NextDueSkipping(%v) = %v, %v, %v; want %v, %v", tc.skip, got, ok, err, tc.want, tc.ok)
		}
	}
}

// AuditEntries walks the bucket by key: an entry whose stored Seq was
// edited (here to 0, at a page boundary) must not make it repeat or skip
// entries, and an undecodable entry ends the walk after the entries before
// it with a typed *audit.DecodeError.
func TestAuditEntriesWalksByKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1100 // more than one page of 1000
	for i := range n {
		if err := s.Enqueue(ctx, msg(fmt.Sprint("m", i), "P", at(i))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	edit := func(fn func(b *bolt.Bucket) error) {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket([]byte("audit"))) }); err != nil {
			t.Fatal(err)
		}
	}
	key := func(seq uint64) []byte { k := make([]byte, 8); binary.BigEndian.PutUint64(k, seq); return k }
	count := func() (int, error) {
		s := openAt(t, path, boltstore.Config{ReadOnly: true})
		defer s.Close()
		seen := 0
		err := s.AuditEntries(ctx, 1, func(audit.Entry) error {
			seen++
			if seen > 2*n {
				return errors.New("walk does not end")
			}
			return nil
		})
		return seen, err
	}

	edit(func(b *bolt.Bucket) error {
		return b.Put(key(1000), []byte(strings.Replace(string(b.Get(key(1000))), `"seq":1000`, `"seq":0`, 1)))
	})
	if seen, err := count(); err != nil || seen != n {
		t.Fatalf("edited Seq: walked %d entries (err %v), want exactly %d", seen, err, n)
	}

	edit(func(b *bolt.Bucket) error { return b.Put(key(9), []byte("{not json")) })
	seen, err := count()
	var de *audit.DecodeError
	if !errors.As(err, &de) || de.Key != 9 || seen != 8 {
		t.Fatalf("undecodable entry 9: walked %d, err %v; want 8 entries then *audit.DecodeError{Key: 9}", seen, err)
	}
}
