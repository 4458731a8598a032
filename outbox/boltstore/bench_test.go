package boltstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// BenchmarkEnqueue measures durable (fsync'd) enqueues per second of a
// realistic 4 KiB sealed message, from one producer and from 64 that
// share commits. Each op is one acknowledged Enqueue.
func BenchmarkEnqueue(b *testing.B) {
	sealed := make([]byte, 4096)
	for i := range sealed {
		sealed[i] = byte('a' + i%26)
	}
	for _, producers := range []int{1, 64} {
		b.Run(fmt.Sprintf("producers=%d", producers), func(b *testing.B) {
			s, err := boltstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), boltstore.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var next atomic.Int64
			now := time.Now()
			commits0 := s.Commits()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for p := range producers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						m := outbox.Message{ID: fmt.Sprintf("bench-%d-%09d", p, i), Partner: fmt.Sprintf("dbs:partner-%d", i%8),
							Type: "060001", Sealed: sealed, At: now, Actor: "bench"}
						if err := s.Enqueue(ctx, m); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "enqueues/s")
			b.ReportMetric(float64(b.N)/float64(s.Commits()-commits0), "enqueues/commit")
		})
	}
}
