package main

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// TestCheckAndVerifyEscapeIDs: a record id with a line break (the store
// takes any id) cannot forge a line in outbox check's or audit verify's
// report.
func TestCheckAndVerifyEscapeIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	ctx := context.Background()
	s, err := boltstore.Open(ctx, path, boltstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	forged := "in-1\nok: 3 entries, 0 checkpoints"
	if _, err := s.Receive(ctx, outbox.InboundMessage{ID: forged, Sender: "dbs:1", Type: "900020", Opened: []byte("<x/>"), Receipt: []byte("<r/>")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Tamper with the entry, so that the reports name the record.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k := make([]byte, 8)
		binary.BigEndian.PutUint64(k, 1)
		e, err := audit.UnmarshalEntry(b.Get(k))
		if err != nil {
			return err
		}
		e.Actor = "mallory"
		v, err := e.Marshal()
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	for _, args := range [][]string{
		{"outbox", "check", "--store", path},
		{"audit", "verify", "--store", path, "--insecure"},
	} {
		_, out, errOut := runXgate(t, "", args...)
		for _, line := range strings.Split(out+errOut, "\n") {
			if strings.HasPrefix(line, "ok: 3 entries") {
				t.Errorf("xgate %v printed a forged line: %q", args, line)
			}
		}
	}
}
