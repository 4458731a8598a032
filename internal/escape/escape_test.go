package escape_test

import (
	"strings"
	"testing"

	"github.com/xgate/xgate/internal/escape"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"azr:999901", "azr:999901"},
		{"Ausländerbehörde Musterstadt", "Ausländerbehörde Musterstadt"},
		{"Łódź Ñandú Ærø ŞĞ", "Łódź Ñandú Ærø ŞĞ"},
		{"a\nkennung: dbs:1", `a\nkennung: dbs:1`},
		{"a\r\nb", `a\r\nb`},
		{"a\tb", `a\tb`},
		{"\x1b[2Jcleared", `\x1b[2Jcleared`},
		{"del\x7f", `del\x7f`},
		{"c1\u0085next", `c1\x85next`},
		{"line\u2028sep\u2029para", `line\u2028sep\u2029para`},
		{"evil\u202ecod.exe", `evil\u202ecod.exe`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`back\slash`, `back\\slash`},
		{`forged \n escape`, `forged \\n escape`},
		{"no-break\u00a0space", "no-break\u00a0space"},
	}
	for _, tc := range tests {
		if got := escape.Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Whatever goes in, what comes out is one line without controls.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"a\nb", "\u202e", "\xff", `\`, "ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escape.Line(s)
		if strings.ContainsAny(out, "\n\r\x00\u2028\u2029\u202e\u0085") {
			t.Fatalf("Line(%q) = %q keeps a line break or control", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("Line(%q) = %q keeps a control", s, out)
			}
		}
		if !strings.Contains(s, `\`) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r >= 0x7f }) && out != s {
			t.Fatalf("Line(%q) = %q changes plain ASCII", s, out)
		}
	})
}
