package storemigrate_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/pgtest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/pgstore"
	"github.com/xgate/xgate/outbox/storemigrate"
)

var pg = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

var signingKey = sync.OnceValues(func() (*audit.RSASigner, error) {
	key, err := rsa.GenerateKey(rand.Reader, certs.MinRSABits)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "xgate storemigrate test"},
		NotBefore: t0, NotAfter: t0.AddDate(3, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return audit.NewRSASigner(key, cert)
})

func keys(t *testing.T) (*audit.RSASigner, *audit.CertVerifier) {
	t.Helper()
	s, err := signingKey()
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewCertVerifier(s.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// fixture builds a bbolt store with records of both directions in every
// state, signed checkpoints and times below the microsecond, and closes it.
func fixture(t *testing.T) string {
	t.Helper()
	sig, _ := keys(t)
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{CheckpointSigner: sig, CheckpointEvery: 4, Clock: fixed(at(500))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue := func(id, partner, key string, when time.Time) {
		t.Helper()
		must(s.Enqueue(ctx, outbox.Message{ID: id, Partner: partner, Type: "060001", OrderingKey: key,
			Sealed: []byte("<sealed " + id + "/>"), At: when, Actor: "intake"}))
	}
	claimOne := func(partner string, now time.Time) outbox.Record {
		t.Helper()
		rs, err := s.Claim(ctx, outbox.ClaimParams{Owner: "daemon-1", Max: 1, LeaseFor: time.Hour, Now: now, Partners: []string{partner}})
		must(err)
		if len(rs) != 1 {
			t.Fatalf("claim %s: %d records", partner, len(rs))
		}
		return rs[0]
	}
	must(s.Enqueue(ctx, outbox.Message{ID: "q1", Partner: "dbs:499990020000", Type: "060001", OrderingKey: "AZR-1",
		Sealed: []byte("<q1/>"), At: at(0).Add(1500), AusloeserUUID: "aa-01", AnswerDeadline: at(86400), Actor: "intake"}))
	enqueue("q2", "dbs:499990020000", "AZR-1", at(1))
	enqueue("s1", "dbs:499990030000", "", at(2))
	claimOne("dbs:499990030000", at(3)) // stays sending: its daemon "stopped"
	for _, o := range []struct {
		id      string
		outcome outbox.Outcome
	}{
		{"d1", outbox.Delivered{At: at(11), Evidence: []byte("<receipt d1/>")}},
		{"an1", outbox.Delivered{At: at(11), Evidence: []byte("<receipt an1/>")}},
		{"rj1", outbox.Rejected{At: at(11), Evidence: []byte("<rueckweisung/>"), Err: outbox.ErrorInfo{Code: "X001", Text: "schema"}}},
		{"f1", outbox.Failed{At: at(11), Err: outbox.ErrorInfo{Code: "transport", Text: "3 days"}}},
		{"rp1", outbox.Failed{At: at(11), Err: outbox.ErrorInfo{Code: "http-503", Text: "down"}}},
		{"rt1", outbox.Retry{At: at(60), Now: at(11), Err: outbox.ErrorInfo{Code: "http-429", Text: "slow down"}}},
	} {
		p := "ags:0899900" + o.id
		enqueue(o.id, p, "", at(10))
		r := claimOne(p, at(10))
		must(s.Settle(ctx, r.ID, *r.Lease, o.outcome))
	}
	must(s.Apply(ctx, "an1", outbox.Action{To: outbox.StateAnswered, At: at(20), Actor: "gateway"}))
	must(s.Apply(ctx, "rp1", outbox.Action{To: outbox.StateQueued, At: at(30), Actor: "operator:jdoe", Reason: "partner fixed"}))
	enqueue("c1", "ags:08999002", "", at(12))
	must(s.Apply(ctx, "c1", outbox.Action{To: outbox.StateCancelled, At: at(13), Actor: "operator:jdoe", Reason: "sent by mistake"}))
	for i, to := range []outbox.State{outbox.StateReceived, outbox.StateHandedOver, outbox.StateAcknowledged} {
		id := "i" + string(rune('1'+i))
		_, err := s.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "azr:999902", Type: "060010",
			Opened: []byte("<opened " + id + "/>"), Receipt: []byte("<receipt " + id + "/>"), At: at(40 + i), Actor: "intake"})
		must(err)
		for _, step := range []outbox.State{outbox.StateHandedOver, outbox.StateAcknowledged} {
			if to == outbox.StateReceived || (to == outbox.StateHandedOver && step == outbox.StateAcknowledged) {
				break
			}
			must(s.Apply(ctx, id, outbox.Action{To: step, At: at(50), Actor: "gateway"}))
		}
	}
	return path
}

type fixed time.Time

func (f fixed) Now() time.Time { return time.Time(f) }

func openTarget(t *testing.T) *pgstore.Store {
	t.Helper()
	sig, _ := keys(t)
	s, err := pgstore.Open(context.Background(), pg.Schema(t), pgstore.Config{CheckpointSigner: sig, CheckpointEvery: 4, Clock: fixed(at(1000))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readBolt(t *testing.T, path string) ([]outbox.Record, []audit.Entry, []audit.Checkpoint) {
	t.Helper()
	s, err := boltstore.Open(context.Background(), path, boltstore.Config{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rs, err := s.List(ctx, outbox.Filter{WithBodies: true})
	if err != nil {
		t.Fatal(err)
	}
	var es []audit.Entry
	if err := s.AuditEntries(ctx, 1, func(e audit.Entry) error { es = append(es, e); return nil }); err != nil {
		t.Fatal(err)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rs, es, cps
}

// TestBoltToPostgres: everything is copied; the copy checks, its chain
// (the source's entries verbatim, then the requeue entry) verifies with
// the signing certificate, and the copy works on as a store.
func TestBoltToPostgres(t *testing.T) {
	ctx := context.Background()
	path := fixture(t)
	srcRecs, srcEntries, srcCps := readBolt(t, path)
	_, v := keys(t)
	dst := openTarget(t)
	rep, err := storemigrate.BoltToPostgres(ctx, path, dst, storemigrate.Config{Verifier: v})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != len(srcRecs) || rep.Records != 13 || rep.Dedup != 3 || rep.AuditEntries != len(srcEntries) ||
		rep.Checkpoints != len(srcCps) || rep.Requeued != 1 {
		t.Fatalf("report %+v; source has %d records, %d entries, %d checkpoints", rep, len(srcRecs), len(srcEntries), len(srcCps))
	}
	if !rep.TargetAudit.OK() || !rep.TargetAudit.SignaturesChecked || rep.TargetAudit.Sealed < rep.SourceAudit.Sealed {
		t.Fatalf("target audit %+v, source %+v", rep.TargetAudit, rep.SourceAudit)
	}
	us := func(tm time.Time) time.Time { return tm.Truncate(time.Microsecond) }
	for _, want := range srcRecs {
		got, err := dst.Get(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.NextAttempt, want.Created, want.Queued, want.Updated = us(want.NextAttempt), us(want.Created), us(want.Queued), us(want.Updated)
		if want.State == outbox.StateSending {
			if got.State != outbox.StateQueued || got.Lease != nil || !got.NextAttempt.Equal(at(1000)) {
				t.Fatalf("%s (sending) copied as %+v", want.ID, got)
			}
			want.State, want.Lease, want.NextAttempt, want.Updated = got.State, nil, got.NextAttempt, got.Updated
		}
		if !sameRecord(got, want) {
			t.Errorf("record %s:\n got %+v\nwant %+v", want.ID, got, want)
		}
	}
	var dstEntries []audit.Entry
	if err := dst.AuditEntries(ctx, 1, func(e audit.Entry) error { dstEntries = append(dstEntries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, e := range srcEntries {
		if g := dstEntries[i]; g.Hash != e.Hash || !g.Time.Equal(e.Time) || g.RecordID != e.RecordID {
			t.Fatalf("entry %d: %+v, source %+v", i+1, g, e)
		}
	}
	if srcEntries[0].Time.Nanosecond()%1000 == 0 {
		t.Fatal("fixture: the first entry's time has no nanoseconds below the microsecond")
	}
	if extra := dstEntries[len(srcEntries):]; len(extra) != 1 || extra[0].RecordID != "s1" || extra[0].Actor != "migration" ||
		extra[0].From != "sending" || extra[0].To != "queued" {
		t.Fatalf("entries after the copied chain: %+v", extra)
	}
	dstCps, err := dst.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, cp := range srcCps {
		if g := dstCps[i]; g.Seq != cp.Seq || g.Head != cp.Head || !g.Time.Equal(cp.Time) || !bytes.Equal(g.Signature, cp.Signature) {
			t.Fatalf("checkpoint %d differs", i)
		}
	}
	// De-duplication carried over.
	d, err := dst.Receive(ctx, outbox.InboundMessage{ID: "i3", Sender: "azr:999902", Receipt: []byte("new"), At: at(2000)})
	if !errors.Is(err, outbox.ErrDuplicate) || string(d.Receipt) != "<receipt i3/>" {
		t.Fatalf("Receive of a migrated ID: %v, receipt %q", err, d.Receipt)
	}
	// Ordering chains carried over: q1 before q2; rt1 due at its retry.
	cl, err := dst.Claim(ctx, outbox.ClaimParams{Owner: "instance-a", Max: 100, LeaseFor: time.Minute, Now: at(2000)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range cl {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"q1", "rp1", "rt1", "s1"}) {
		t.Fatalf("claimable after the migration: %v", ids)
	}
	if err := dst.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func sameRecord(a, b outbox.Record) bool {
	norm := func(r outbox.Record) outbox.Record {
		for _, p := range []*[]byte{&r.Sealed, &r.Evidence, &r.Opened, &r.Receipt} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		if r.AnswerDeadline.IsZero() {
			r.AnswerDeadline = time.Time{}
		}
		for _, tm := range []*time.Time{&r.NextAttempt, &r.Created, &r.Queued, &r.Updated, &r.AnswerDeadline} {
			*tm = tm.UTC()
		}
		if r.Lease != nil {
			l := *r.Lease
			l.Until = l.Until.UTC()
			r.Lease = &l
		}
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// TestRefusesLiveDaemon: while a daemon holds the bbolt file, nothing is
// copied.
func TestRefusesLiveDaemon(t *testing.T) {
	path := fixture(t)
	daemon, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	dst := openTarget(t)
	_, err = storemigrate.BoltToPostgres(context.Background(), path, dst, storemigrate.Config{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, storemigrate.ErrSourceLocked) {
		t.Fatalf("err = %v, want ErrSourceLocked", err)
	}
	wantEmpty(t, dst)
}

// TestRefusesNonEmptyTarget: a target with data is left alone.
func TestRefusesNonEmptyTarget(t *testing.T) {
	ctx := context.Background()
	path := fixture(t)
	dst := openTarget(t)
	if err := dst.Enqueue(ctx, outbox.Message{ID: "already-here", Partner: "P", Sealed: []byte("x"), At: at(0)}); err != nil {
		t.Fatal(err)
	}
	_, err := storemigrate.BoltToPostgres(ctx, path, dst, storemigrate.Config{})
	if !errors.Is(err, pgstore.ErrNotEmpty) {
		t.Fatalf("err = %v, want pgstore.ErrNotEmpty", err)
	}
	if st, _ := dst.Stats(ctx); st.Outbound[outbox.StateQueued] != 1 || st.Outbound[outbox.StateDelivered] != 0 {
		t.Fatalf("target changed: %+v", st.Outbound)
	}
}

// TestRefusesBrokenSource: a source whose audit chain was edited is not
// copied.
func TestRefusesBrokenSource(t *testing.T) {
	path := fixture(t)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k := binary.BigEndian.AppendUint64(nil, 3)
		return b.Put(k, bytes.Replace(b.Get(k), []byte(`"actor":"`), []byte(`"actor":"x`), 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	dst := openTarget(t)
	_, err = storemigrate.BoltToPostgres(context.Background(), path, dst, storemigrate.Config{})
	if !errors.Is(err, storemigrate.ErrSourceBroken) {
		t.Fatalf("err = %v, want ErrSourceBroken", err)
	}
	wantEmpty(t, dst)
}

func wantEmpty(t *testing.T, s *pgstore.Store) {
	t.Helper()
	rs, err := s.List(context.Background(), outbox.Filter{})
	if err != nil || len(rs) != 0 {
		t.Fatalf("target holds %d records (%v)", len(rs), err)
	}
	n := 0
	if err := s.AuditEntries(context.Background(), 1, func(audit.Entry) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("target holds %d audit entries (%v)", n, err)
	}
}

// BenchmarkBoltToPostgres: records copied per second (each with a 4 KiB
// sealed message, its three audit entries and the checks before and
// after), fsync on at both ends.
//
//	go test -run '^$' -bench BoltToPostgres -benchtime 5000x ./outbox/storemigrate/
func BenchmarkBoltToPostgres(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "outbox.db")
	src, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		b.Fatal(err)
	}
	sealed := bytes.Repeat([]byte("sealed-"), 4096/7)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < b.N; i += 64 {
				id := fmt.Sprintf("m-%07d", i)
				if err := src.Enqueue(ctx, outbox.Message{ID: id, Partner: fmt.Sprintf("dbs:49999002%04d", i%7), Type: "060001",
					Sealed: sealed, At: at(i)}); err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, err := src.Receive(ctx, outbox.InboundMessage{ID: "in-" + id, Sender: "azr:999902", Opened: sealed,
						Receipt: []byte("r"), At: at(i)}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if err := src.Close(); err != nil {
		b.Fatal(err)
	}
	dst, err := pgstore.Open(ctx, pg.Schema(b), pgstore.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	b.ResetTimer()
	start := time.Now()
	rep, err := storemigrate.BoltToPostgres(ctx, path, dst, storemigrate.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rep.Records)/time.Since(start).Seconds(), "records/s")
	b.ReportMetric(float64(rep.AuditEntries)/float64(rep.Records), "entries/record")
}
