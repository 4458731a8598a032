package message_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"

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
		{"cdata end in text", "<r>\na]]>b</r>", errcode.NotWellFormed, 2},
		{"reference to NUL", "<r>&#0;</r>", errcode.NotWellFormed, 1},
		{"reference to U+FFFE", "<r>&#xFFFE;</r>", errcode.NotWellFormed, 1},
		{"reference to a surrogate", "<r>\n&#xD800;</r>", errcode.NotWellFormed, 2},
		{"reference beyond Unicode", "<r>&#x110000;</r>", errcode.NotWellFormed, 1},
		{"uppercase X in reference", "<r>&#X41;</r>", errcode.NotWellFormed, 1},
		{"control character", "<r>\n\n\x01</r>", errcode.NotWellFormed, 3},
		{"U+FFFF in attribute", "<r a=\"\uffff\"/>", errcode.NotWellFormed, 1},
		{"control character in comment", "<r><!--\n\x1f--></r>", errcode.NotWellFormed, 2},
		{"empty prefix", `<:a/>`, errcode.NotWellFormed, 1},
		{"empty local part", `<a:/>`, errcode.NotWellFormed, 1},
		{"two colons", `<a:b:c/>`, errcode.NotWellFormed, 1},
		{"attribute with empty prefix", `<r :a="1"/>`, errcode.NotWellFormed, 1},
		{"lt in attribute value", `<r a="<"/>`, errcode.NotWellFormed, 1},
		{"unquoted attribute", `<r a=1/>`, errcode.NotWellFormed, 1},
		{"no space between attributes", "<r>\n<s a=\"1\"b=\"2\"/></r>", errcode.NotWellFormed, 2},
		{"double hyphen in comment", "<r><!-- a -- b --></r>", errcode.NotWellFormed, 1},
		{"unterminated comment", "<r><!-- a", errcode.NotWellFormed, 1},
		{"unterminated CDATA", "<r><![CDATA[a", errcode.NotWellFormed, 1},
		{"UTF-8 byte-order mark", "\xef\xbb\xbf<r/>", errcode.NotWellFormed, 1},
		{"XML 1.1", `<?xml version="1.1"?><r/>`, errcode.NotWellFormed, 1},
		{"declaration not first", "\n<?xml version=\"1.0\"?><r/>", errcode.NotWellFormed, 2},
		{"declaration without version", `<?xml encoding="UTF-8"?><r/>`, errcode.NotWellFormed, 1},
		{"encoding with spaces", `<?xml version="1.0" encoding = "ISO-8859-1"?><r/>`, errcode.NotUTF8, 1},
		{"encoding declared later", `<r><?xml version="1.0" encoding="ISO-8859-1"?></r>`, errcode.NotUTF8, 1},
		{"element declaration", `<!ELEMENT r ANY><r/>`, errcode.NotWellFormed, 1},
		{"mismatched end tag", "<r>\n</s>", errcode.NotWellFormed, 2},
		{"no-break space after root", "<r/>\n\u00a0", errcode.NotWellFormed, 2},
		{"CDATA before root", `<![CDATA[ ]]><r/>`, errcode.NotWellFormed, 1},
		{"XInclude default namespace", `<include xmlns="http://www.w3.org/2001/XInclude"/>`, errcode.NotWellFormed, 1},
		{"XInclude under a deep namespace scope", `<r xmlns:x="http://www.w3.org/2001/XInclude">` + nsScope(40) + `<x:include/>` + nsScopeEnd(40) + `</r>`, errcode.NotWellFormed, 1},
		{"prefix undeclared (xmlns:p=\"\")", "<r xmlns:p=\"urn:a\">\n<p:s xmlns:p=\"\"/></r>", errcode.NotWellFormed, 2},
		{"prefix xmlns declared", `<r xmlns:xmlns="urn:a"/>`, errcode.NotWellFormed, 1},
		{"prefix xml bound elsewhere", `<r xmlns:xml="urn:a"/>`, errcode.NotWellFormed, 1},
		{"XML namespace under another prefix", `<r xmlns:x="http://www.w3.org/XML/1998/namespace"/>`, errcode.NotWellFormed, 1},
		{"XML namespace as default", `<r xmlns="http://www.w3.org/XML/1998/namespace"/>`, errcode.NotWellFormed, 1},
		{"xmlns namespace bound", `<r xmlns:x="http://www.w3.org/2000/xmlns/"/>`, errcode.NotWellFormed, 1},
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

// What Parse accepts, it reads as the former parser did (the differential
// tests compare everything; these cases say it in plain values).
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, m *message.Message)
	}{
		{"attribute values: references kept, literal tabs, newlines and line ends a space (§3.3.3)",
			"<r a=\"x&#10;y&#9;z&#13;\" b=\"x\ny\tz\" c=\"x\r\ny\rz\" d='\"' e=\"]]>\" f=\" \t1\r\n\" g=\"\u00a0\u2028\"/>",
			func(t *testing.T, m *message.Message) {
				want := map[string]string{"a": "x\ny\tz\r", "b": "x y z", "c": "x y z", "d": `"`, "e": "]]>", "f": "  1 ", "g": "\u00a0\u2028"}
				for k, v := range want {
					if got := m.Root.SelectAttrValue(k, "?"); got != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
			}},
		{"CDATA with brackets", `<r><![CDATA[a]]b]]]></r>`, func(t *testing.T, m *message.Message) {
			if got := m.Root.Text(); got != "a]]b]" {
				t.Errorf("text %q", got)
			}
		}},
		{"text, CDATA, comment as separate tokens", `<r>a<![CDATA[b]]>c<!-- d - e -->f<![CDATA[]]></r>`, func(t *testing.T, m *message.Message) {
			if n := len(m.Root.Child); n != 6 {
				t.Fatalf("%d children, want 6", n)
			}
			if c, ok := m.Root.Child[3].(*etree.Comment); !ok || c.Data != " d - e " {
				t.Errorf("comment %#v", m.Root.Child[3])
			}
			if c, ok := m.Root.Child[5].(*etree.CharData); !ok || c.Data != "" || c.IsCData() {
				t.Errorf("empty CDATA %#v", m.Root.Child[5])
			}
		}},
		{"references", `<r>&#x10FFFF;&#65;&#x0041;&lt;&gt;&amp;&apos;&quot;&#13;</r>`, func(t *testing.T, m *message.Message) {
			if got := m.Root.Text(); got != "\U0010FFFFAA<>&'\"\r" {
				t.Errorf("text %q", got)
			}
		}},
		{"CRLF and CR in text", "<r>a\r\nb\rc\r\r\n</r>", func(t *testing.T, m *message.Message) {
			if got := m.Root.Text(); got != "a\nb\nc\n\n" {
				t.Errorf("text %q", got)
			}
		}},
		{"lines: end of the start tag, LF only", "<r>\n<s\n a='1'\n/>\r<t/>\r\n<u>\n</u></r>", func(t *testing.T, m *message.Message) {
			want := map[string]int{"r": 1, "s": 4, "t": 4, "u": 5}
			for tag, line := range want {
				e := m.Root
				if tag != "r" {
					e = m.Root.SelectElement(tag)
				}
				if got := m.Line(e); got != line {
					t.Errorf("line of %s = %d, want %d", tag, got, line)
				}
			}
		}},
		{"non-ASCII names", "<Straße grün=\"1\"><ñ:x xmlns:ñ=\"urn:n\"/></Straße>", func(t *testing.T, m *message.Message) {
			x := m.Root.ChildElements()[0]
			if m.Root.Tag != "Straße" || m.Root.Attr[0].Key != "grün" || x.Space != "ñ" || x.NamespaceURI() != "urn:n" {
				t.Errorf("names %q %q %q %q", m.Root.Tag, m.Root.Attr[0].Key, x.Space, x.NamespaceURI())
			}
		}},
		{"declaration, comments and white space around the root", "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<!-- c -->\r\n<r/>\n<!-- d -->\n", func(t *testing.T, m *message.Message) {
			if len(m.Doc.Child) != 1 || m.Line(m.Root) != 3 {
				t.Errorf("document children %d, root line %d", len(m.Doc.Child), m.Line(m.Root))
			}
		}},
		{"prefix xml declared as itself, empty default namespace", `<r xmlns:xml="http://www.w3.org/XML/1998/namespace" xmlns=""><s xmlns="urn:a"><t xmlns=""/></s></r>`, func(t *testing.T, m *message.Message) {
			if got := m.Root.FindElement("s/t").NamespaceURI(); got != "" {
				t.Errorf("t in %q", got)
			}
		}},
		{"XInclude namespace only as a value", `<r a="http://www.w3.org/2001/XInclude"><s xmlns:x="http://www.w3.org/2001/XInclude"><y:t xmlns:y="urn:y"/></s></r>`, func(t *testing.T, m *message.Message) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := message.Parse([]byte(tc.in), message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, m)
		})
	}
}

// nsScope opens n elements that each declare a prefix, nsScopeEnd closes
// them.
func nsScope(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<e xmlns:p%d="urn:p%d">`, i, i)
	}
	return b.String()
}

func nsScopeEnd(n int) string { return strings.Repeat("</e>", n) }
