package main

import (
	"strings"
	"testing"
)

// The demo passes only when every catalogue type has samples and every
// sample behaves as its name says.
func TestDemo(t *testing.T) {
	code, out, errOut := runXgate(t, "", "demo")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"AnAZR.AZRErstmeldung.090009", "all samples behaved as expected"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NO SAMPLES") || strings.Contains(out, "FAIL") {
		t.Errorf("demo reports a problem:\n%s", out)
	}
}
