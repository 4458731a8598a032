package errcode_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
)

var update = flag.Bool("update", false, "update golden files")

func TestTable(t *testing.T) {
	tab := errcode.Table()
	var b strings.Builder
	for i, in := range tab {
		if i > 0 && tab[i-1].Code >= in.Code {
			t.Errorf("table not sorted or duplicate at %s", in.Code)
		}
		if in.Text == "" || in.Reason == "" {
			t.Errorf("%s: text and reason must be documented", in.Code)
		}
		if got, ok := errcode.Lookup(in.Code); !ok || got != in {
			t.Errorf("Lookup(%s) = %v, %v", in.Code, got, ok)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\n", in.Code, in.Text, in.Reason)
	}
	golden := filepath.Join("testdata", "codes.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != b.String() {
		t.Errorf("code table differs from %s (run go test -update):\n%s", golden, b.String())
	}
}

func TestErrorChain(t *testing.T) {
	base := errors.New("boom")
	e := &errcode.Error{Code: errcode.SchemaInvalid, Op: "validate", Detail: "element x not expected", Line: 3, Path: "/a/b", Err: base}
	wrapped := fmt.Errorf("intake: %w", e)

	tests := []struct {
		name string
		got  bool
	}{
		{"Is same code", errors.Is(wrapped, errcode.ErrSchemaInvalid)},
		{"Is not other code", !errors.Is(wrapped, errcode.ErrSignatureInvalid)},
		{"Is cause", errors.Is(wrapped, base)},
	}
	for _, tc := range tests {
		if !tc.got {
			t.Errorf("%s: false", tc.name)
		}
	}
	if c, ok := errcode.Of(wrapped); !ok || c != errcode.SchemaInvalid {
		t.Errorf("Of = %q, %v", c, ok)
	}
	if _, ok := errcode.Of(base); ok {
		t.Error("Of(plain error) reported a code")
	}
	want := "X001 Nachricht schemaungültig: validate: /a/b: element x not expected: boom"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if errcode.Code("Z999").Valid() {
		t.Error("unknown code reported valid")
	}
}
