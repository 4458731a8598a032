package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/outbox"
)

// BenchmarkScaleOut measures the whole path — intake, seal, store,
// delivery over mutual TLS, the MB's open, validation, store and signed
// receipt, the receipt's verification and settle — across real
// processes: an ABH site of 1, 2 and 3 `xgate serve` instances on one
// PostgreSQL database, beside one instance on bbolt, delivering to one MB
// (bbolt). Each op is one message, submitted 32 at a time round-robin to
// the instances' intakes; the clock runs from the first submission until
// every record is delivered. Reported per message: the gateways' CPU (all
// xgate processes, MB included) and, for PostgreSQL, what the database
// did (statements from pg_stat_statements, commits, WAL fsyncs and bytes
// from pg_stat_database and pg_stat_wal, the server processes' CPU).
//
//	go test -run '^$' -bench BenchmarkScaleOut -benchtime 1000x ./gateway/e2e/
//
// Use a count (-benchtime Nx): each run starts a network of processes.
func BenchmarkScaleOut(b *testing.B) {
	for _, c := range []struct {
		store     string
		instances int
	}{{"bolt", 1}, {"postgres", 1}, {"postgres", 2}, {"postgres", 3}} {
		b.Run(fmt.Sprintf("store=%s/instances=%d", c.store, c.instances), func(b *testing.B) {
			if b.N == 1 {
				return // the framework's probe: a network of processes for one message measures nothing
			}
			benchScaleOut(b, c.store, c.instances)
		})
	}
}

// dbCounters are the database's cumulative counters.
type dbCounters struct {
	statements, commits, walSyncs, walBytes int64
	cpu                                     time.Duration
}

// pollMark keeps the benchmark's own queries out of the statement count.
const pollMark = "/* xgate-bench-poll */ "

func benchScaleOut(b *testing.B, store string, instances int) {
	so := newScaleOut(b, scaleOutOptions{instances: instances, lease: 2 * time.Minute, store: store, logLevel: "warn"})
	tn := so.tn
	abh, mb := tn.n.Sites["abh"], tn.n.Sites["mb"]
	ctx := context.Background()
	var db *pgxpool.Pool
	if store == "postgres" {
		pc, err := pgxpool.ParseConfig(so.dsn)
		if err != nil {
			b.Fatal(err)
		}
		pc.ConnConfig.RuntimeParams["application_name"] = "xgate-bench"
		if db, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
			b.Fatal(err)
		}
	}
	tn.start("mb")
	for i := range instances {
		so.start(i)
	}
	msgs, _, _ := anmeldungen(b, b.N, 60, abh, mb)
	c, err := admin.Dial(ctx, "unix://"+so.inst[0].admin, "")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	delivered := func() int {
		if db != nil {
			var n int
			if err := db.QueryRow(ctx, pollMark+`SELECT count(*) FROM xgate_records WHERE dir = 'out' AND state = 'delivered'`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			return n
		}
		st, err := c.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return st.Outbound[outbox.StateDelivered]
	}
	pids := func() []int {
		tn.mu.Lock()
		defer tn.mu.Unlock()
		var out []int
		for _, p := range tn.procs {
			out = append(out, p.Process.Pid)
		}
		return out
	}
	var before dbCounters
	if db != nil {
		time.Sleep(1500 * time.Millisecond) // idle sessions flush their statistics
		before = readDBCounters(b, db)
	}
	cpuBefore := procsCPU(b, pids())

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := so.submit(ctx, i%instances, msgs[i]); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range msgs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	deadline := time.Now().Add(5 * time.Minute)
	for delivered() < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("not all %d delivered after 5 minutes", b.N)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := procsCPU(b, pids()) - cpuBefore
	n := float64(b.N)
	b.ReportMetric(n/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/n, "gw-cpu-ms/msg")
	for i := range so.inst {
		tn.kill(so.inst[i].name, syscall.SIGTERM) // their sessions end and flush their statistics
	}
	if db == nil {
		return
	}
	for wait := time.Now().Add(30 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		var others int
		if err := db.QueryRow(ctx, pollMark+`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name <> 'xgate-bench'`).Scan(&others); err != nil {
			b.Fatal(err)
		}
		if others == 0 {
			break
		}
	}
	time.Sleep(700 * time.Millisecond) // the WAL writer reports its syncs on its own schedule
	after := readDBCounters(b, db)
	b.ReportMetric(float64(after.statements-before.statements)/n, "stmts/msg")
	b.ReportMetric(float64(after.commits-before.commits)/n, "commits/msg")
	b.ReportMetric(float64(after.walSyncs-before.walSyncs)/n, "fsyncs/msg")
	b.ReportMetric(float64(after.walBytes-before.walBytes)/n/1024, "walKB/msg")
	b.ReportMetric(float64(after.cpu-before.cpu)/float64(time.Millisecond)/n, "db-cpu-ms/msg")
}

// readDBCounters reads the server's counters for the benchmark's
// database, leaving out the benchmark's own queries.
func readDBCounters(b *testing.B, db *pgxpool.Pool) dbCounters {
	ctx := context.Background()
	var c dbCounters
	if _, err := db.Exec(ctx, pollMark+`SELECT pg_stat_force_next_flush()`); err != nil {
		b.Fatal(err)
	}
	err := db.QueryRow(ctx, pollMark+`SELECT
		(SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements s
			WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND s.query NOT LIKE '%xgate-bench-poll%' AND s.query NOT LIKE 'CREATE EXTENSION%'),
		(SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
		(SELECT wal_sync FROM pg_stat_wal),
		(SELECT wal_bytes::bigint FROM pg_stat_wal)`).Scan(&c.statements, &c.commits, &c.walSyncs, &c.walBytes)
	if err != nil {
		b.Fatal(err)
	}
	if c.cpu, err = pg.Server(b).CPUTime(); err != nil {
		b.Fatal(err)
	}
	return c
}

// procsCPU is the user and system CPU time the processes have used.
func procsCPU(b *testing.B, pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Fatal(err)
		}
		// Fields after the command name in parentheses: utime is the
		// 14th field, stime the 15th, in clock ticks (100 per second).
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
		for _, i := range []int{11, 12} {
			v, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			total += time.Duration(v) * 10 * time.Millisecond
		}
	}
	return total
}
