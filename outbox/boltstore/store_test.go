package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
	"github.com/xgate/xgate/outbox/outboxtest"
)

func openTemp(t *testing.T, cfg boltstore.Config) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(filepath.Join(t.TempDir(), "outbox.db"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outbox.Store {
		return openTemp(t, boltstore.Config{})
	}, outboxtest.Features{AuditLog: true})
}
