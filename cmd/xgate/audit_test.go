package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// auditClock advances a second on every reading.
type auditClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *auditClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// auditFixture is a closed store whose audit chain has 44 entries and
// checkpoints at 1, 11, 21, 31 and 41, signed by the gateway's key.
type auditFixture struct {
	dir, store     string
	cert, other    string // PEM files: the gateway's signing certificate, another one
	gwKey, otherKy certs.KeyPair
	entries        []audit.Entry
}

const (
	fixtureEntries = 44
	fixtureEvery   = 10
)

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	f := &auditFixture{dir: t.TempDir()}
	f.gwKey = certstest.SelfSigned(t, certs.Signing)
	f.otherKy = certstest.SelfSigned(t, certs.Signing)
	f.cert, _ = certstest.WriteKeyPair(t, f.dir, "signing", f.gwKey)
	f.other, _ = certstest.WriteKeyPair(t, f.dir, "other", f.otherKy)
	sig, err := audit.NewRSASigner(f.gwKey.Key, f.gwKey.Cert)
	if err != nil {
		t.Fatal(err)
	}

	f.store = filepath.Join(f.dir, "outbox.db")
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	st, err := boltstore.Open(context.Background(), f.store, boltstore.Config{
		Clock:            &auditClock{t: at},
		CheckpointSigner: sig,
		CheckpointEvery:  fixtureEvery,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// 12 messages: enqueue, claim, settle (8 delivered, 4 retried), claim
	// the 4 again and deliver them: 12+12+12+4+4 = 44 entries.
	for i := range 12 {
		err := st.Enqueue(ctx, outbox.Message{
			ID: fmt.Sprintf("5a1e0000-0000-4000-8000-%012d", i), Partner: "dbs:azr-bva", Type: "090101",
			Sealed: []byte("<sealed/>"), At: at.Add(time.Duration(i) * time.Second), Actor: "intake",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	now := at.Add(time.Minute)
	recs, err := st.Claim(ctx, outbox.ClaimParams{Owner: "relay-1", Max: 100, LeaseFor: time.Minute, Now: now})
	if err != nil || len(recs) != 12 {
		t.Fatalf("claim: %d records, %v", len(recs), err)
	}
	for i, r := range recs {
		var o outbox.Outcome = outbox.Delivered{Evidence: []byte("<receipt/>"), At: now}
		if i%3 == 0 {
			o = outbox.Retry{At: now.Add(time.Minute), Now: now, Err: outbox.ErrorInfo{Code: "http-503", Text: "partner unavailable"}}
		}
		if err := st.Settle(ctx, r.ID, *r.Lease, o); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Minute)
	recs, err = st.Claim(ctx, outbox.ClaimParams{Owner: "relay-1", Max: 100, LeaseFor: time.Minute, Now: now})
	if err != nil || len(recs) != 4 {
		t.Fatalf("second claim: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if err := st.Settle(ctx, r.ID, *r.Lease, outbox.Delivered{Evidence: []byte("<receipt/>"), At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AuditEntries(ctx, 1, func(e audit.Entry) error { f.entries = append(f.entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if len(f.entries) != fixtureEntries {
		t.Fatalf("fixture has %d audit entries, want %d (did the store's transitions change?)", len(f.entries), fixtureEntries)
	}
	var seqs []uint64
	for _, c := range cps {
		seqs = append(seqs, c.Seq)
	}
	if fmt.Sprint(seqs) != "[1 11 21 31 41]" {
		t.Fatalf("fixture checkpoints at %v, want [1 11 21 31 41]", seqs)
	}
	return f
}

// tampered copies the store and lets fn change the copy's audit and
// checkpoints buckets directly with bbolt, as an attacker with the file
// would.
func (f *auditFixture) tampered(t *testing.T, name string, fn func(t *testing.T, entries, cps *bolt.Bucket)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), strings.ReplaceAll(name, " ", "-")+".db")
	auditCopyFile(t, f.store, path)
	if fn == nil {
		return path
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		entries, cps := tx.Bucket([]byte("audit")), tx.Bucket([]byte("checkpoints"))
		if entries == nil || cps == nil {
			t.Fatal(`no "audit" or "checkpoints" bucket: did boltstore's layout change (doc.go)?`)
		}
		fn(t, entries, cps)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func auditCopyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func auditKey(seq uint64) []byte {
	k := make([]byte, 8)
	for i := range 8 {
		k[7-i] = byte(seq >> (8 * i))
	}
	return k
}

func auditGetEntry(t *testing.T, b *bolt.Bucket, seq uint64) audit.Entry {
	t.Helper()
	e, err := audit.UnmarshalEntry(b.Get(auditKey(seq)))
	if err != nil {
		t.Fatalf("entry %d: %v", seq, err)
	}
	return e
}

func auditPutEntry(t *testing.T, b *bolt.Bucket, seq uint64, e audit.Entry) {
	t.Helper()
	v, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(auditKey(seq), v); err != nil {
		t.Fatal(err)
	}
}

func auditPutCheckpoint(t *testing.T, b *bolt.Bucket, c audit.Checkpoint) {
	t.Helper()
	v, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(auditKey(c.Seq), v); err != nil {
		t.Fatal(err)
	}
}

func auditGetCheckpoint(t *testing.T, b *bolt.Bucket, seq uint64) audit.Checkpoint {
	t.Helper()
	var c audit.Checkpoint
	if err := json.Unmarshal(b.Get(auditKey(seq)), &c); err != nil {
		t.Fatalf("checkpoint %d: %v", seq, err)
	}
	return c
}

// auditRelinkFrom re-numbers and re-hashes the stored entries from seq on, as
// an attacker who knows the algorithm but not the signing key would.
func auditRelinkFrom(t *testing.T, b *bolt.Bucket, seq uint64) {
	t.Helper()
	prev := auditGetEntry(t, b, seq-1)
	for s := seq; b.Get(auditKey(s)) != nil; s++ {
		e := audit.Link(&prev, auditGetEntry(t, b, s))
		auditPutEntry(t, b, s, e)
		prev = e
	}
}

type auditVerifyJSON struct {
	OK                  bool   `json:"ok"`
	Entries             uint64 `json:"entries"`
	Intact              uint64 `json:"intact"`
	Head                string `json:"head"`
	CheckpointsVerified int    `json:"checkpoints_verified"`
	Sealed              uint64 `json:"sealed"`
	Problem             *struct {
		Kind     audit.Kind `json:"kind"`
		Seq      uint64     `json:"seq"`
		From     uint64     `json:"from"`
		RecordID string     `json:"record_id"`
	} `json:"problem"`
}

func runAudit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), newApp(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAuditVerifyStore(t *testing.T) {
	f := newAuditFixture(t)
	last := f.entries[fixtureEntries-1]

	t.Run("untampered", func(t *testing.T) {
		code, out, errOut := runAudit(t, "audit", "verify", "--store", f.tampered(t, "clean", nil), "--checkpoint-cert", f.cert)
		want := fmt.Sprintf("ok: %d entries, 5 checkpoints, head %s\n", fixtureEntries, last.Hash)
		if code != exitOK || out != want {
			t.Fatalf("exit %d\n got %q\nwant %q\nstderr: %s", code, out, want, errOut)
		}
		if !strings.Contains(errOut, "entries 42..44 come after the last checkpoint") {
			t.Errorf("no note on the unsealed tail: %q", errOut)
		}
	})

	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, entries, cps *bolt.Bucket)
		kind   audit.Kind
		seq    uint64
		from   uint64 // 0: seq
		record bool   // the problem names a record id
	}{
		{name: "edit an entry's JSON", kind: audit.Edited, seq: 13, record: true,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				v := entries.Get(auditKey(13))
				nv := bytes.Replace(v, []byte(`"to":"sending"`), []byte(`"to":"cancelled"`), 1)
				if bytes.Equal(v, nv) {
					t.Fatalf("entry 13 is %s", v)
				}
				if err := entries.Put(auditKey(13), nv); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "edit an entry and re-hash it", kind: audit.Unlinked, seq: 14, from: 13, record: true,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				e := auditGetEntry(t, entries, 13)
				e.Actor = "operator:mallory"
				e.Hash = e.ComputeHash()
				auditPutEntry(t, entries, 13, e)
			}},
		{name: "delete the first entry", kind: audit.Missing, seq: 1,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				if err := entries.Delete(auditKey(1)); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "delete a middle entry", kind: audit.Missing, seq: 17,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				if err := entries.Delete(auditKey(17)); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "delete the last sealed entry and what follows", kind: audit.Truncated, seq: 41,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				for s := uint64(41); s <= fixtureEntries; s++ {
					if err := entries.Delete(auditKey(s)); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{name: "insert an entry, shifting the keys", kind: audit.Inserted, seq: 20, record: true,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				for s := uint64(fixtureEntries); s >= 20; s-- {
					auditPutEntry(t, entries, s+1, auditGetEntry(t, entries, s))
				}
				prev := auditGetEntry(t, entries, 19)
				forged := audit.Link(&prev, audit.Entry{Time: prev.Time, RecordID: "5a1e0000-0000-4000-8000-999999999999",
					Direction: "out", Partner: "dbs:azr-bva", Type: "090101", From: "sending", To: "delivered", Actor: "relay-1"})
				auditPutEntry(t, entries, 20, forged)
			}},
		{name: "swap two entries", kind: audit.OutOfOrder, seq: 5, record: true,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				a, b := bytes.Clone(entries.Get(auditKey(5))), bytes.Clone(entries.Get(auditKey(8)))
				if err := entries.Put(auditKey(5), b); err != nil {
					t.Fatal(err)
				}
				if err := entries.Put(auditKey(8), a); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "replace the tail and re-hash it", kind: audit.HeadMismatch, seq: 31, from: 22, record: true,
			tamper: func(t *testing.T, entries, _ *bolt.Bucket) {
				e := auditGetEntry(t, entries, 25)
				e.To, e.Reason = "cancelled", "covering tracks"
				auditPutEntry(t, entries, 25, e)
				auditRelinkFrom(t, entries, 25)
			}},
		{name: "replace the tail and re-sign with another key", kind: audit.UnknownKey, seq: 31,
			tamper: func(t *testing.T, entries, cps *bolt.Bucket) {
				e := auditGetEntry(t, entries, 25)
				e.To = "cancelled"
				auditPutEntry(t, entries, 25, e)
				auditRelinkFrom(t, entries, 25)
				other, err := audit.NewRSASigner(f.otherKy.Key, f.otherKy.Cert)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range []uint64{31, 41} {
					c, err := audit.NewCheckpoint(other, auditGetEntry(t, entries, s), auditGetCheckpoint(t, cps, s).Time)
					if err != nil {
						t.Fatal(err)
					}
					auditPutCheckpoint(t, cps, c)
				}
			}},
		{name: "rewrite a checkpoint's signature", kind: audit.BadSignature, seq: 21,
			tamper: func(t *testing.T, _, cps *bolt.Bucket) {
				c := auditGetCheckpoint(t, cps, 21)
				c.Signature[100] ^= 0x01
				auditPutCheckpoint(t, cps, c)
			}},
		{name: "rewrite a checkpoint's head", kind: audit.BadSignature, seq: 11,
			tamper: func(t *testing.T, entries, cps *bolt.Bucket) {
				c := auditGetCheckpoint(t, cps, 11)
				c.Head = auditGetEntry(t, entries, 12).Hash
				auditPutCheckpoint(t, cps, c)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := f.tampered(t, tc.name, tc.tamper)
			code, out, errOut := runAudit(t, "audit", "verify", "--store", path, "--checkpoint-cert", f.cert, "--format", "json")
			if code != exitFailed {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, out, errOut)
			}
			var got auditVerifyJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			from := tc.from
			if from == 0 {
				from = tc.seq
			}
			p := got.Problem
			if got.OK || p == nil || p.Kind != tc.kind || p.Seq != tc.seq || p.From != from {
				t.Fatalf("got %s", out)
			}
			if tc.record != (p.RecordID != "") {
				t.Errorf("record id %q", p.RecordID)
			}

			// The text form names the same entry.
			code, out, _ = runAudit(t, "audit", "verify", "--store", path, "--checkpoint-cert", f.cert)
			want := fmt.Sprintf("tampered: entry %d", tc.seq)
			if tc.kind.Checkpoint() && tc.kind != audit.Truncated {
				want = fmt.Sprintf("tampered: checkpoint at entry %d", tc.seq)
			}
			if code != exitFailed || !strings.HasPrefix(out, want) || !strings.Contains(out, ": "+tc.kind.String()+": ") {
				t.Errorf("text: exit %d\n%s", code, out)
			}
			t.Log(strings.TrimSpace(out))
		})
	}

	t.Run("unreadable entry", func(t *testing.T) {
		path := f.tampered(t, "garbage", func(t *testing.T, entries, _ *bolt.Bucket) {
			if err := entries.Put(auditKey(9), []byte("{not json")); err != nil {
				t.Fatal(err)
			}
		})
		code, out, errOut := runAudit(t, "audit", "verify", "--store", path, "--checkpoint-cert", f.cert)
		if code != exitFailed || !strings.Contains(out+errOut, "entry 9") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("a re-signed tail passes only with --insecure, with a warning", func(t *testing.T) {
		path := f.tampered(t, "resigned", func(t *testing.T, entries, cps *bolt.Bucket) {
			other, err := audit.NewRSASigner(f.otherKy.Key, f.otherKy.Cert)
			if err != nil {
				t.Fatal(err)
			}
			auditRelinkFrom(t, entries, 40)
			c, err := audit.NewCheckpoint(other, auditGetEntry(t, entries, 41), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			auditPutCheckpoint(t, cps, c)
		})
		// No silent trust: without the certificate verify refuses to run.
		code, out, errOut := runAudit(t, "audit", "verify", "--store", path)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "--checkpoint-cert is required") {
			t.Fatalf("without --checkpoint-cert: exit %d: %s%s", code, out, errOut)
		}
		code, _, errOut = runAudit(t, "audit", "verify", "--store", path, "--insecure")
		if code != exitOK || !strings.Contains(errOut, "WARNING: --insecure: checkpoint signatures NOT checked") {
			t.Fatalf("--insecure: exit %d: %s", code, errOut)
		}
		// With the gateway's certificate the forged checkpoint is found.
		if code, out, _ := runAudit(t, "audit", "verify", "--store", path, "--checkpoint-cert", f.cert); code != exitFailed {
			t.Fatalf("with the certificate: exit %d: %s", code, out)
		}
		// The rollover form: both certificates trusted.
		if code, out, _ := runAudit(t, "audit", "verify", "--store", path, "--checkpoint-cert", f.cert, "--checkpoint-cert", f.other); code != exitOK {
			t.Fatalf("two certificates: exit %d: %s", code, out)
		}
	})
}

func TestAuditExportAndAnchor(t *testing.T) {
	f := newAuditFixture(t)
	clean := f.tampered(t, "clean", nil)
	exp := filepath.Join(t.TempDir(), "audit.json")
	if code, out, errOut := runAudit(t, "audit", "export", "--store", clean, "--out", exp); code != exitOK || out != "" {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runAudit(t, "audit", "verify", "--export", exp, "--checkpoint-cert", f.cert)
	want := fmt.Sprintf("ok: %d entries, 5 checkpoints, head %s\n", fixtureEntries, f.entries[fixtureEntries-1].Hash)
	if code != exitOK || out != want {
		t.Fatalf("verify export: exit %d\n got %q\nwant %q\n%s", code, out, want, errOut)
	}
	// Standard output holds the same bytes as --out.
	code, stdoutExport, _ := runAudit(t, "audit", "export", "--store", clean)
	if fileBytes, _ := os.ReadFile(exp); code != exitOK || stdoutExport != string(fileBytes) {
		t.Fatalf("export to stdout differs from --out (exit %d)", code)
	}

	// An attacker cuts the tail back to entry 34 and drops the checkpoint
	// at 41: the store alone still verifies, the earlier export does not.
	cut := f.tampered(t, "cut", func(t *testing.T, entries, cps *bolt.Bucket) {
		for s := uint64(35); s <= fixtureEntries; s++ {
			if err := entries.Delete(auditKey(s)); err != nil {
				t.Fatal(err)
			}
		}
		if err := cps.Delete(auditKey(41)); err != nil {
			t.Fatal(err)
		}
	})
	if code, out, _ := runAudit(t, "audit", "verify", "--store", cut, "--checkpoint-cert", f.cert); code != exitOK {
		t.Fatalf("the cut store alone: exit %d\n%s", code, out)
	}
	code, out, _ = runAudit(t, "audit", "verify", "--store", cut, "--checkpoint-cert", f.cert, "--anchor", exp)
	if code != exitFailed || !strings.HasPrefix(out, "tampered: entry 35: truncated:") {
		t.Fatalf("with --anchor: exit %d\n%s", code, out)
	}
}

func TestAuditUsage(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "outbox.db")
	st, err := boltstore.Open(context.Background(), store, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cert, _ := certstest.WriteKeyPair(t, dir, "signing", certstest.SelfSigned(t, certs.Signing))
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"empty store verifies", []string{"audit", "verify", "--store", store, "--checkpoint-cert", cert}, exitOK},
		{"empty store, --insecure", []string{"audit", "verify", "--store", store, "--insecure"}, exitOK},
		{"no certificate", []string{"audit", "verify", "--store", store}, exitUsage},
		{"certificate and --insecure", []string{"audit", "verify", "--store", store, "--insecure", "--checkpoint-cert", cert}, exitUsage},
		{"no store at the default path", []string{"audit", "verify", "--insecure"}, exitUsage},
		{"--server not an admin API address", []string{"audit", "verify", "--server", "https://127.0.0.1:8443", "--insecure"}, exitUsage},
		{"--store and --server", []string{"audit", "verify", "--store", store, "--server", "https://127.0.0.1:8443", "--insecure"}, exitUsage},
		{"two sources", []string{"audit", "verify", "--store", store, "--export", store}, exitUsage},
		{"bad format", []string{"audit", "verify", "--store", store, "--insecure", "--format", "xml"}, exitUsage},
		{"missing store", []string{"audit", "verify", "--store", filepath.Join(dir, "nope.db"), "--insecure"}, exitUsage},
		{"missing cert", []string{"audit", "verify", "--store", store, "--checkpoint-cert", filepath.Join(dir, "nope.pem")}, exitUsage},
		{"not a cert", []string{"audit", "verify", "--store", store, "--checkpoint-cert", notPEM}, exitUsage},
		{"not an export", []string{"audit", "verify", "--export", notPEM, "--insecure"}, exitError},
		{"not a store", []string{"audit", "verify", "--store", notPEM, "--insecure"}, exitError},
		{"unknown flag", []string{"audit", "verify", "--stor", store}, exitUsage},
		{"argument", []string{"audit", "verify", "--store", store, "extra"}, exitUsage},
		{"export without store", []string{"audit", "export"}, exitUsage},
		{"export has no --format", []string{"audit", "export", "--store", store, "--format", "json"}, exitUsage},
		{"export missing store", []string{"audit", "export", "--store", filepath.Join(dir, "nope.db")}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := runAudit(t, tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.want, out, errOut)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); !os.IsNotExist(err) {
		t.Error("verify created a store file")
	}
}

// TestAuditVerifyPageBoundary tampers with the Seq field of an entry that
// ends one of the store's read pages (1000 entries): a store that pages by
// the entries' Seq instead of their keys then reads the same entries again
// and again. Verify must still stop and name the entry.
func TestAuditVerifyPageBoundary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store of 1001 entries")
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	st, err := boltstore.Open(context.Background(), path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 1001)
	for w := range 8 { // concurrent writers share commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 1001; i += 8 {
				errs <- st.Enqueue(context.Background(), outbox.Message{ID: fmt.Sprintf("m-%04d", i), Partner: "dbs:azr-bva", At: at})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		e := auditGetEntry(t, b, 1000)
		e.Seq = 0
		auditPutEntry(t, b, 1000, e)
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runAudit(t, "audit", "verify", "--store", path, "--insecure", "--format", "json")
		done <- result{code, out, errOut}
	}()
	select {
	case r := <-done:
		var got auditVerifyJSON
		if err := json.Unmarshal([]byte(r.out), &got); err != nil {
			t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.out, r.err)
		}
		if r.code != exitFailed || got.Problem == nil || got.Problem.Kind != audit.Edited || got.Problem.Seq != 1000 {
			t.Fatalf("exit %d\n%s", r.code, r.out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("audit verify does not stop on a store that repeats entries")
	}
}
