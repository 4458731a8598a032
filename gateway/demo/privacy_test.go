package demo

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/boltstore"
)

// personal are the elements whose text is personal data: names, birth
// data, addresses.
var personal = map[string]bool{
	"familienname": true, "vorname": true, "geburtsname": true, "geburtsdatum": true,
	"geburtsort": true, "strasse": true, "wohnort": true, "ort": true,
}

// syncBuffer collects the logs of six gateways writing at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestLogsCarryNoPersonalData runs the demo and looks for every name,
// birth date and address of every message that crossed the wire in the
// logs of all six gateways.
func TestLogsCarryNoPersonalData(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	var logs syncBuffer
	res, err := Run(context.Background(), Config{Dir: dir, GenerateKey: certstest.KeyGenerator(), LogWriter: &logs})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("demo failed: %v", res.Problems)
	}
	values := map[string]bool{}
	for _, id := range siteIDs {
		st, err := boltstore.Open(context.Background(), filepath.Join(dir, id, "outbox.db"), boltstore.Config{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := st.List(context.Background(), outbox.Filter{Direction: outbox.DirIn, WithBodies: true, Limit: 10000})
		_ = st.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(r.Opened); err != nil {
				t.Fatal(err)
			}
			for _, e := range doc.FindElements("//*") {
				if personal[e.Tag] {
					if v := strings.TrimSpace(e.Text()); len(v) >= 4 {
						values[v] = true
					}
				}
			}
		}
	}
	if len(values) < 20 {
		t.Fatalf("only %d personal values found in the messages: the test would prove nothing", len(values))
	}
	text := logs.b.String()
	if len(text) < 10000 {
		t.Fatalf("only %d bytes of logs", len(text))
	}
	for v := range values {
		if strings.Contains(text, v) {
			t.Errorf("the logs contain personal data %q", v)
		}
	}
	t.Logf("%d personal values of the exchanged messages checked against %d bytes of logs", len(values), len(text))
}
