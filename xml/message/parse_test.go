package message_test

import (
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

func TestParseRejects(t *testing.T) {
	deep := strings.Repeat("<a>", 50000) + strings.Repeat("</a>", 50000)
	tests := []struct {
		name string
		in   string
		code errcode.Code
		line int
	}{
		{"doctype", `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>`, errcode.NotWellFormed, 1},
		{"external entity", "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>", errcode.NotWellFormed, 2},
		{"undeclared entity", `<r>&lol;</r>`, errcode.NotWellFormed, 1},
		{"processing instruction", "<r>\n<?php echo 1 ?></r>", errcode.NotWellFormed, 2},
		{"stylesheet before root", `<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><r/>`, errcode.NotWellFormed, 1},
		{"xinclude", `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>`, errcode.NotWellFormed, 1},
		{"deep", deep, errcode.NotWellFormed, 1},
		{"invalid utf8", "<r>\n\xff\xfe</r>", errcode.NotUTF8, 2},
		{"utf16 bom", "\xff\xfe<\x00r\x00/\x00>\x00", errcode.NotUTF8, 1},
		{"latin1 declared", `<?xml version="1.0" encoding="ISO-8859-1"?><r/>`, errcode.NotUTF8, 1},
		{"nul byte", "<r>a\x00b</r>", errcode.NotWellFormed, 1},
		{"duplicate attribute", `<r a="1" a="2"/>`, errcode.NotWellFormed, 1},
		{"two roots", `<r/><s/>`, errcode.NotWellFormed, 1},
		{"text after root", `<r/>junk`, errcode.NotWellFormed, 1},
		{"unclosed", `<r><s></r>`, errcode.NotWellFormed, 1},
		{"truncated", `<r><s>`, errcode.NotWellFormed, 0},
		{"empty", ``, errcode.NotWellFormed, 0},
		{"too many attributes", `<r` + strings.Repeat(` a`+strings.Repeat("x", 1)+`="1"`, 1) + attrs(40) + `/>`, errcode.NotWellFormed, 1},
		{"too many elements", `<r>` + strings.Repeat("<a/>", 20001) + `</r>`, errcode.NotWellFormed, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := message.Parse([]byte(tc.in), message.Limits{})
			if err == nil {
				t.Fatal("accepted")
			}
			e, ok := err.(*errcode.Error)
			if !ok {
				t.Fatalf("error %T %v is not *errcode.Error", err, err)
			}
			if e.Code != tc.code {
				t.Errorf("code %s, want %s (%v)", e.Code, tc.code, err)
			}
			if e.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", e.Line, tc.line, err)
			}
		})
	}
}

func attrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(" b")
		b.WriteString(strings.Repeat("y", i+1))
		b.WriteString(`="1"`)
	}
	return b.String()
}

func TestParseSizeLimit(t *testing.T) {
	big := make([]byte, 100<<20)
	_, err := message.Parse(big, message.Limits{})
	if c, _ := errcode.Of(err); c != errcode.NotWellFormed || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("100 MB document: %v", err)
	}
}

func TestParseLinesAndPaths(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<x:Root xmlns:x="urn:t" a="1">
  <kopf>
    <k>1</k>
    <k>2</k>
  </kopf>
  <!-- a comment is fine -->
  <d><![CDATA[<not markup>]]></d>
</x:Root>`
	m, err := message.Parse([]byte(in), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ks := m.Root.FindElements("kopf/k")
	if len(ks) != 2 {
		t.Fatalf("found %d k", len(ks))
	}
	if got := m.Line(ks[1]); got != 5 {
		t.Errorf("line of second k = %d, want 5", got)
	}
	if got := message.Path(ks[1]); got != "/Root/kopf/k[2]" {
		t.Errorf("path = %q", got)
	}
	if got := m.Root.NamespaceURI(); got != "urn:t" {
		t.Errorf("namespace = %q", got)
	}
	if got := m.Root.SelectElement("d").Text(); got != "<not markup>" {
		t.Errorf("cdata text = %q", got)
	}
}
