package codemap_test

import (
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters/internal/codemap"
)

const head = "# mapping: t\n# version: 2\n# ours: urn:a 1\n# theirs: urn:b 7\nours,theirs,note\n"

func TestParse(t *testing.T) {
	tab, err := codemap.Parse("t.csv", []byte(head+"m,M,männlich\n999,,ohne Angabe: kein Gegenstück\n,XXB,nur dort\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c, ok, _ := tab.TheirsOf("m"); !ok || c != "M" {
		t.Errorf("m → %q %v", c, ok)
	}
	if c, ok, _ := tab.OursOf("M"); !ok || c != "m" {
		t.Errorf("M → %q %v", c, ok)
	}
	if _, ok, note := tab.TheirsOf("999"); ok || !strings.Contains(note, "kein Gegenstück") {
		t.Errorf("999: %v %q", ok, note)
	}
	if _, ok, note := tab.OursOf("XXB"); ok || note != "nur dort" {
		t.Errorf("XXB: %v %q", ok, note)
	}
	if tab.Version != "2" || tab.Ours != (codemap.List{URI: "urn:a", Version: "1"}) || tab.Theirs.Version != "7" || tab.Rows() != 3 {
		t.Errorf("metadata %+v", tab)
	}
	for _, bad := range []string{
		head + "m,M,\nw,M,\n",      // not one to one
		head + "m,M,\nm,W,\n",      // ours twice
		head + "m,M,\nm,,\n",       // mapped and without counterpart
		"ours,theirs,note\nm,M,\n", // no metadata
		head + "m,M\n",             // two columns
		strings.Replace(head, "ours,theirs,note", "a,b,c", 1) + "m,M,\n",
	} {
		if _, err := codemap.Parse("bad.csv", []byte(bad)); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
}
