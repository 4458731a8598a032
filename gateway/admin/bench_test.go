package admin_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// benchStore is a store of n delivered records with answer deadlines
// (3n audit entries: enqueue, claim, settle).
func benchStore(b *testing.B, n int) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(context.Background(), filepath.Join(b.TempDir(), "x.db"), boltstore.Config{NoFreelistSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				m := outbox.Message{ID: fmt.Sprintf("bench-%07d", i), Partner: "dbs:499990020000", Type: "910001", Sealed: []byte("<sealed/>"),
					At: at(i), AnswerDeadline: at(i + 3600), Actor: "intake"}
				if err := s.Enqueue(ctx, m); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for {
		rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 1000, LeaseFor: 3600e9, Now: at(n + 1)})
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{Evidence: []byte("<q/>"), At: at(n + 2)}); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	return s
}

// BenchmarkAuditStream reads the audit chain of a store of 20,000
// delivered records (60,000 entries) locally and through the admin API
// on a unix socket.
func BenchmarkAuditStream(b *testing.B) {
	s := benchStore(b, 20000)
	unixURL, _ := serve(b, admin.NewHandler(admin.StoreBackend(s), admin.HandlerConfig{}))
	c, err := admin.Dial(context.Background(), unixURL, "")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for _, bc := range []struct {
		name string
		be   admin.Backend
	}{{"local", admin.StoreBackend(s)}, {"unix", c}} {
		b.Run(bc.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				n = 0
				if err := bc.be.AuditEntries(context.Background(), 1, func(audit.Entry) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "entries")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
	for _, bc := range []struct {
		name string
		be   admin.Backend
	}{{"local", admin.StoreBackend(s)}, {"unix", c}} {
		// The first 100 overdue records, and none overdue (every
		// delivered record read).
		for _, due := range []struct {
			name   string
			before int
		}{{"first100", 20000 + 3600}, {"none", 0}} {
			b.Run("overdue-"+due.name+"-"+bc.name, func(b *testing.B) {
				var n int
				for b.Loop() {
					rs, err := bc.be.List(context.Background(), outbox.Filter{State: outbox.StateDelivered, Direction: outbox.DirOut, AnswerDueBefore: at(due.before), Limit: 100})
					if err != nil {
						b.Fatal(err)
					}
					n = len(rs)
				}
				b.ReportMetric(float64(n), "records")
			})
		}
	}
}
