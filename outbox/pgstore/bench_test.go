package pgstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
)

// BenchmarkStores measures bbolt and PostgreSQL side by side, in one run:
// durable enqueues per second and claim+settle pairs per second, from one
// goroutine and from 64; for PostgreSQL also what the database does per
// message (statements, commits, WAL fsyncs and WAL bytes, from
// pg_stat_statements, pg_stat_database and pg_stat_wal), linking of the
// audit chain included. Both run with fsync on. Each op is one message.
//
//	go test -run '^$' -bench BenchmarkStores -benchtime 4000x ./outbox/pgstore/
func BenchmarkStores(b *testing.B) {
	sealed := make([]byte, 4096)
	for i := range sealed {
		sealed[i] = byte('a' + i%26)
	}
	for _, op := range []string{"enqueue", "claim+settle"} {
		for _, store := range []string{"bolt", "postgres"} {
			for _, workers := range []int{1, 64} {
				b.Run(fmt.Sprintf("op=%s/store=%s/workers=%d", op, store, workers), func(b *testing.B) {
					benchStore(b, op, store, workers, sealed)
				})
			}
		}
	}
}

// benchTarget is a store under benchmark and its cost counters.
type benchTarget struct {
	st      outbox.Store
	bolt    *boltstore.Store
	pg      *pgstore.Store
	dsn     string
	commits uint64
	pgStats pgCounters
	cpu     time.Duration // this process's CPU time at the start
}

func benchStore(b *testing.B, op, store string, workers int, sealed []byte) {
	ctx := context.Background()
	now := time.Now()
	message := func(i int64) outbox.Message {
		return outbox.Message{ID: fmt.Sprintf("bench-%09d", i), Partner: fmt.Sprintf("dbs:49999002%04d", i%8),
			Type: "060001", Sealed: sealed, At: now, Actor: "bench"}
	}
	// prefill enqueues the records to claim, before the clock starts.
	prefill := func(st outbox.Store) {
		if op == "claim+settle" {
			parallel(b, 64, int64(b.N), func(i int64) error { return st.Enqueue(ctx, message(i)) })
		}
	}
	var tg benchTarget
	switch store {
	case "bolt":
		s, err := boltstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), boltstore.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		tg.st, tg.bolt = s, s
		prefill(s)
		tg.start(b)
	default:
		tg.dsn = pg.Database(b)
		cfg := pgstore.Config{} // MaxConns 16, the default
		s, err := pgstore.Open(ctx, tg.dsn, cfg)
		if err != nil {
			b.Fatal(err)
		}
		prefill(s)
		s.Close() // links the prefill's audit entries
		// Counters from here on; the measured store's sessions start now.
		tg.start(b)
		if s, err = pgstore.Open(ctx, tg.dsn, cfg); err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		tg.st, tg.pg = s, s
	}
	b.ResetTimer()
	start := time.Now()
	tg.cpu = processCPU(b)
	switch op {
	case "enqueue":
		parallel(b, workers, int64(b.N), func(i int64) error { return tg.st.Enqueue(ctx, message(i)) })
	default:
		var done atomic.Int64
		parallel(b, workers, int64(b.N), func(int64) error {
			for {
				rs, err := tg.st.Claim(ctx, outbox.ClaimParams{Owner: "bench", Max: 1, LeaseFor: time.Hour, Now: now.Add(time.Second)})
				if err != nil {
					return err
				}
				if len(rs) == 0 {
					if done.Load() >= int64(b.N) {
						return nil
					}
					time.Sleep(time.Millisecond) // the rest is claimed by others
					continue
				}
				done.Add(1)
				return tg.st.Settle(ctx, rs[0].ID, *rs[0].Lease, outbox.Delivered{At: now.Add(2 * time.Second), Evidence: []byte("receipt")})
			}
		})
	}
	if tg.pg != nil {
		// Linking the audit chain is part of the cost.
		if _, err := tg.pg.Link(ctx); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(processCPU(b)-tg.cpu)/float64(time.Millisecond)/float64(b.N), "client-cpu-ms/msg")
	tg.report(b)
}

// parallel runs fn(1..n) on workers goroutines.
func parallel(b *testing.B, workers int, n int64, fn func(i int64) error) {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				if err := fn(i); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// pgCounters are the server's cumulative counters that the benchmark
// reads before and after.
type pgCounters struct {
	statements, commits, walSyncs, walBytes int64
	cpu                                     time.Duration // the server processes'
}

// processCPU is this process's user and system CPU time.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (tg *benchTarget) start(b *testing.B) {
	if tg.bolt != nil {
		tg.commits = tg.bolt.Commits()
		return
	}
	ctx := context.Background()
	c := adminConn(b, tg.dsn)
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
		b.Fatal(err)
	}
	// Earlier sessions' counters (the prefill) must be flushed first.
	tg.pgStats = readCounters(b, c)
}

func (tg *benchTarget) report(b *testing.B) {
	n := float64(b.N)
	if tg.bolt != nil {
		commits := float64(tg.bolt.Commits() - tg.commits)
		b.ReportMetric(n/commits, "msgs/commit")
		return
	}
	ctx := context.Background()
	// The pool's sessions flush their statistics when they end.
	tg.pg.Close()
	c := adminConn(b, tg.dsn)
	defer c.Close(ctx)
	after := readCounters(b, c)
	before := tg.pgStats
	b.ReportMetric(float64(after.statements-before.statements)/n, "stmts/msg")
	b.ReportMetric(float64(after.commits-before.commits)/n, "commits/msg")
	b.ReportMetric(float64(after.walSyncs-before.walSyncs)/n, "fsyncs/msg")
	b.ReportMetric(float64(after.walBytes-before.walBytes)/n/1024, "walKB/msg")
	b.ReportMetric(float64(after.cpu-before.cpu)/float64(time.Millisecond)/n, "server-cpu-ms/msg")
}

func adminConn(b *testing.B, dsn string) *pgx.Conn {
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// readCounters waits until no session but c is connected to the benchmark's database, so that ended sessions have
// flushed their statistics, and reads the counters. Its own queries are
// left out of the statement count.
func readCounters(b *testing.B, c *pgx.Conn) pgCounters {
	srv := pg.Server(b)
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var others int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others); err != nil {
			b.Fatal(err)
		}
		if others == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the WAL writer reports its syncs on its own schedule
	var p pgCounters
	if _, err := c.Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
		b.Fatal(err)
	}
	err := c.QueryRow(ctx, `SELECT
		(SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements s
			WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND s.query NOT LIKE '%pg_stat_%' AND s.query NOT LIKE '%pg_extension%' AND s.query NOT LIKE 'CREATE EXTENSION%'),
		(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
		(SELECT wal_sync FROM pg_stat_wal),
		(SELECT wal_bytes::bigint FROM pg_stat_wal)`).Scan(&p.statements, &p.commits, &p.walSyncs, &p.walBytes)
	if err != nil {
		b.Fatal(err)
	}
	if p.cpu, err = srv.CPUTime(); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkClaimBacklog: Claim and NextDue beside a large backlog that
// they must not read — 20,000 due records of a partner whose circuit
// breaker is open (SkipPartners) and 20,000 records waiting behind the
// retrying head of one ordering chain — against the same without the
// backlog. Each op enqueues one record of another partner, asks
// NextDueSkipping, claims it and settles it.
//
//	go test -run '^$' -bench BenchmarkClaimBacklog ./outbox/pgstore/
func BenchmarkClaimBacklog(b *testing.B) {
	for _, n := range []int{0, 20000} {
		b.Run(fmt.Sprintf("backlog=%d", 2*n), func(b *testing.B) { benchClaimBacklog(b, n) })
	}
}

func benchClaimBacklog(b *testing.B, n int) {
	ctx := context.Background()
	s, _ := openFresh(b, pgstore.Config{})
	recs := func(yield func(outbox.Record, error) bool) {
		for i := 1; i <= 2*n; i++ {
			r := outbox.Record{Direction: outbox.DirOut, Seq: uint64(i), State: outbox.StateQueued, NextAttempt: at(0),
				Created: at(0), Queued: at(0), Updated: at(0), Sealed: []byte("x")}
			if i <= n {
				r.ID, r.Partner, r.OrderingKey = fmt.Sprintf("down-%d", i), "dbs:499990040000", fmt.Sprintf("down-%d", i)
			} else {
				r.ID, r.Partner, r.OrderingKey = fmt.Sprintf("behind-%d", i), "dbs:499990020000", "AZR-1"
				if i == n+1 {
					r.NextAttempt = at(86400) // the head, retrying tomorrow
				}
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	if _, err := s.Import(ctx, pgstore.ImportSource{Records: recs}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE xgate_records`); err != nil {
		b.Fatal(err)
	}
	skip := []string{"dbs:499990040000"}
	b.ResetTimer()
	for i := range b.N {
		if err := s.Enqueue(ctx, msg(fmt.Sprintf("fresh-%d", i), "azr:999901", at(1))); err != nil {
			b.Fatal(err)
		}
		if due, ok, err := s.NextDueSkipping(ctx, skip); err != nil || !ok || !due.Equal(at(1)) {
			b.Fatalf("NextDueSkipping = %v, %v, %v", due, ok, err)
		}
		rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "w", Max: 4, LeaseFor: time.Minute, Now: at(2), SkipPartners: skip})
		if err != nil || len(rs) != 1 {
			b.Fatalf("Claim = %d records, %v", len(rs), err)
		}
		if err := s.Settle(ctx, rs[0].ID, *rs[0].Lease, outbox.Delivered{At: at(3)}); err != nil {
			b.Fatal(err)
		}
	}
}
