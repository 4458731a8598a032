package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// bulkLoad fills a new store at path with n outbound records, fast: it
// skips fsync and writes 2,000 records per transaction (bbolt inserts into one in-memory node per page until commit: bigger transactions get slower) through the same
// code (wtx.save, appendAudit) as the store's own writes, one audit entry
// per record. Every failedEvery-th record is failed, the others delivered
// (so they are not in the ordering and due indexes, as in a store that has
// run for a long time).
func bulkLoad(tb testing.TB, path string, n, failedEvery int) {
	tb.Helper()
	s, err := Open(context.Background(), path, Config{unsafeNoSync: true, NoFreelistSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	sealed := make([]byte, 256)
	const perTx = 2000
	for start := 0; start < n; start += perTx {
		err := s.db.Update(func(tx *bolt.Tx) error {
			w, err := s.newWtx(tx)
			if err != nil {
				return err
			}
			for i := start; i < n && i < start+perTx; i++ {
				seq, err := w.nextSeq()
				if err != nil {
					return err
				}
				at := base.Add(time.Duration(i) * time.Second)
				id := fmt.Sprintf("%08x-bulk-4000-8000-%012d", i, i)
				r := &stored{Dir: outbox.DirOut, ID: id, Partner: fmt.Sprintf("dbs:partner-%02d", i%20), Type: "060001",
					Key: id, Seq: seq, State: outbox.StateDelivered, Attempts: 1, Next: at, Created: at, Updated: at}
				e := audit.Entry{Time: at, RecordID: id, Direction: "out", Partner: r.Partner, Type: r.Type,
					To: string(outbox.StateDelivered), Actor: "bulk-load", Attempt: 1}
				if failedEvery > 0 && i%failedEvery == failedEvery-1 {
					r.State = outbox.StateFailed
					r.setErr(outbox.ErrorInfo{Code: "transport", Text: "connection refused"})
					e.To, e.Code = string(outbox.StateFailed), "transport"
				}
				if err := w.putBody(seq, bodySealed, sealed); err != nil {
					return err
				}
				if err := w.save(nil, r); err != nil {
					return err
				}
				if err := w.appendAudit(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := s.db.Sync(); err != nil {
		tb.Fatal(err)
	}
}

// TestListByStateUsesIndex: among 100,000 records, listing 100 failed
// ones decodes exactly those 100 records (the state index leads straight
// to them), where a scan would decode thousands.
func TestListByStateUsesIndex(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	path := filepath.Join(t.TempDir(), "big.db")
	start := time.Now()
	every := n / 200
	bulkLoad(t, path, n, every) // 200 failed
	t.Logf("bulk-loaded %d records in %v", n, time.Since(start))
	s, err := Open(context.Background(), path, Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		f         outbox.Filter
		want      int
		wantReads uint64
	}{
		{"failed, limit 100", outbox.Filter{State: outbox.StateFailed, Limit: 100}, 100, 100},
		{"failed, all", outbox.Filter{State: outbox.StateFailed}, n / every, uint64(n / every)},
		{"failed of one partner", outbox.Filter{State: outbox.StateFailed, Partner: "dbs:partner-19"}, n / every, uint64(n / every)},
		{"queued (none)", outbox.Filter{State: outbox.StateQueued}, 0, 0},
		{"partner, limit 50", outbox.Filter{Partner: "dbs:partner-03", Limit: 50}, 50, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.reads.Load()
			rs, err := s.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			reads := s.reads.Load() - before
			if len(rs) != tc.want || reads != tc.wantReads {
				t.Fatalf("%d records after decoding %d, want %d after %d", len(rs), reads, tc.want, tc.wantReads)
			}
			for _, r := range rs {
				if tc.f.State != "" && r.State != tc.f.State || tc.f.Partner != "" && r.Partner != tc.f.Partner {
					t.Fatalf("List returned %s %s %s", r.ID, r.State, r.Partner)
				}
			}
		})
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Outbound[outbox.StateFailed] != n/every || st.Outbound[outbox.StateDelivered] != n-n/every {
		t.Fatalf("stats %+v %v", st.Outbound, err)
	}
}

// TestExpireChunks: Expire works through many small transactions and
// keeps what it must keep across chunk boundaries.
func TestExpireChunks(t *testing.T) {
	ctx := context.Background()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "o.db"), Config{DedupRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.expireChunk = 7
	const n = 60
	for i := range n {
		id := fmt.Sprintf("e-%03d", i)
		if _, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "S", Receipt: []byte("r"), At: base.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			continue // never acknowledged: kept
		}
		for _, to := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
			if err := s.Apply(ctx, id, outbox.Action{To: to, At: base, Actor: "gateway"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Received before base+50s: 50 entries, 17 of them unacknowledged.
	got, err := s.Expire(ctx, base.Add(50*time.Second+time.Hour))
	if err != nil || got != 33 {
		t.Fatalf("Expire = %d, %v; want 33", got, err)
	}
	st, _ := s.Stats(ctx)
	if st.Inbound[outbox.StateReceived] != 20 || st.Inbound[outbox.StateAcknowledged] != 7 {
		t.Fatalf("left: %+v", st.Inbound)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
