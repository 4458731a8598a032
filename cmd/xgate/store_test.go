package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/internal/pgtest"
)

// pg is the PostgreSQL server of this test binary (store migrate, a
// PostgreSQL-backed daemon), started on first use.
var pg = &pgtest.Shared{}

func TestMain(m *testing.M) { os.Exit(pg.Main(m)) }

// TestStoreMigrateCommand: the connection string from $XGATE_STORE_DSN
// (--to postgres: alone); the report names what was copied and the target
// without the password; the copy answers the audit verbs as the source
// did.
func TestStoreMigrateCommand(t *testing.T) {
	dsn := pg.Database(t) + " password=pw-SECRET"
	af := newAuditFixture(t)
	src := filepath.Join(t.TempDir(), "outbox.db")
	auditCopyFile(t, af.store, src)
	t.Setenv(envStoreDSN, dsn)
	code, out, errOut := runXgate(t, "", "store", "migrate", "--from", "bolt:"+src, "--to", "postgres:", "--checkpoint-cert", af.cert)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "SECRET") {
		t.Errorf("the password is printed:\n%s%s", out, errOut)
	}
	for _, want := range []string{"copied " + src + " → postgres://xgate@", "audit chain ", "copy verified "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The source still verifies, and the copy ends at its head.
	_, local, _ := runXgate(t, "", "audit", "verify", "--store", src, "--checkpoint-cert", af.cert, "--format", "json")
	var srcRep struct{ Head string }
	if err := json.Unmarshal([]byte(local), &srcRep); err != nil || srcRep.Head == "" {
		t.Fatalf("verify of the source: %v\n%s", err, local)
	}
	if !strings.Contains(out, "copy verified") || !strings.Contains(out[strings.Index(out, "copy verified"):], srcRep.Head) {
		t.Errorf("the copy's head is not the source's %s:\n%s", srcRep.Head, out)
	}
	code, out, errOut = runXgate(t, "", "store", "migrate", "--from", "bolt:"+src, "--to", "postgres:", "--checkpoint-cert", af.cert, "--format", "json")
	if code != 1 || !strings.Contains(errOut, "already holds outbox data") {
		t.Errorf("second migration into the same database: exit %d\n%s%s", code, out, errOut)
	}
}
