package message

import (
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Fingerprint renders e as a string that ignores insignificant white space
// (XML white space collapsed in leaf text), attribute order and the
// informative name of codes (the name child of an element with listURI):
// two facts with the same fingerprint say the same. The register's
// duplicate checks (validate's AZR rules, the simulated AZR) compare by it.
func Fingerprint(e *etree.Element) string {
	var b strings.Builder
	var rec func(*etree.Element)
	rec = func(e *etree.Element) {
		b.WriteString("<" + e.Tag)
		attrs := make([]string, 0, len(e.Attr))
		for _, a := range e.Attr {
			attrs = append(attrs, a.Key+"="+a.Value)
		}
		slices.Sort(attrs)
		for _, a := range attrs {
			b.WriteString(" " + a)
		}
		b.WriteString(">")
		kids := e.ChildElements()
		if len(kids) == 0 {
			b.WriteString(CollapseXMLSpace(e.Text()))
		}
		isCode := e.SelectAttr("listURI") != nil
		for _, ch := range kids {
			if isCode && ch.Tag == "name" {
				continue
			}
			rec(ch)
		}
		b.WriteString("</" + e.Tag + ">")
	}
	rec(e)
	return b.String()
}
