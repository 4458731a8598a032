package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs/certstest"
)

// TestDemo runs the real demo: six gateways over loopback mTLS, every
// scenario; every catalogue type must cross the wire, every row must have
// its verified receipt (or be the rejection the trouble scenario
// provokes) and every due answer must have come.
func TestDemo(t *testing.T) {
	a := newApp()
	a.generateKey = certstest.KeyGenerator()
	var stdout bytes.Buffer
	code, errOut := runCLI(context.Background(), a, &stdout, "demo", "--format", "json")
	out := stdout.String()
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	types := map[string]bool{}
	rejected := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			UUID, Type, State string
			Receipt           bool   `json:"receipt_verified"`
			ReceiptUUID       string `json:"receipt_uuid"`
			Rejection         string `json:"rejection_code"`
			Expects           bool   `json:"expects_answer"`
			Answered          bool
			AnswerUUID        string `json:"answer_uuid"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		types[r.Type] = true
		switch {
		case r.State == "rejected":
			rejected++
			if r.Rejection != "T020" {
				t.Errorf("%s rejected with %q, want T020 (the misrouted message)", r.UUID, r.Rejection)
			}
		case !r.Receipt || r.ReceiptUUID == "":
			t.Errorf("%s %s: no verified receipt", r.Type, r.UUID)
		case r.Expects && (!r.Answered || r.AnswerUUID == ""):
			t.Errorf("%s %s: no answer", r.Type, r.UUID)
		}
	}
	if rejected != 1 {
		t.Errorf("%d rejected messages, want the one the trouble scenario sends astray", rejected)
	}
	if len(types) < 32 {
		t.Errorf("only %d types crossed the wire as outbound records", len(types))
	}
	for _, want := range []string{"scenario arrival", "scenario trouble", "is down for"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("progress lacks %q", want)
		}
	}
}
