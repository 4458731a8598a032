package validate

import (
	"encoding/base64"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	"golang.org/x/text/unicode/norm"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate/din91379"
)

// base64Elements are the elements whose content is base64 (xs:base64Binary)
// and so exempt from the character whitelist. Schemas name every base64
// element with one of these names.
var base64Elements = map[string]bool{"inhalt": true, "originalnachricht": true}

func contentRules() []Rule {
	return []Rule{
		{ID: "CODE-LIST", Severity: Reject, Code: errcode.UnknownCodeList, Source: "XÖV code lists (genericode); XInneres error code S010",
			Doc:   "Every code names a known code list URI and version.",
			Check: checkCodeLists},
		{ID: "CODE-VALUE", Severity: Reject, Code: errcode.UnknownCode, Source: "XÖV code lists (genericode); XInneres error code S011",
			Doc:   "Every code value is in its code list.",
			Check: checkCodeValues},
		{ID: "TXT-DIN91379", Severity: Reject, Code: errcode.SchemaInvalid, Source: "DIN 91379 datatypeC (din91379:datatypeC is a schema type in XÖV, hence X001)",
			Doc:   "Every text and attribute value is in Unicode NFC and uses only the characters and sequences of DIN 91379 data type C (Latin letters, N1 to N4).",
			Check: checkCharacters},
		{ID: "TXT-EMPTY", Severity: Reject, Code: errcode.MandatoryTextEmpty, Source: "XInneres error code S030",
			Doc:   "A text element that is present is not empty or blank: it holds more than XML white space and look-alike spaces (no-break space, other Unicode spaces, zero-width characters).",
			Check: checkEmptyText},
		{ID: "ATT-SIZE", Severity: Reject, Code: errcode.Other, Source: "XAusländer 26.11 attachments: at most 3 MB before base64 encoding",
			Doc:   "An attachment is valid base64 and at most the configured size (default 3 MiB) when decoded.",
			Check: checkAttachmentSize},
		{ID: "ATT-MIME", Severity: Reject, Code: errcode.Other, Source: "xgate",
			Doc:   "An attachment has an allowed MIME type that fits its file name extension.",
			Check: checkAttachmentMIME},
		{ID: "DATE-RANGE", Severity: Warn, Code: errcode.Other, Source: "xgate",
			Doc:   "An end date (gueltigBis, ende, bis) is not before its start date (gueltigAb, beginn, von).",
			Check: checkDateRanges},
		{ID: "PER-BIRTH", Severity: Warn, Code: errcode.Other, Source: "xgate",
			Doc:   "A date of birth does not lie in the future.",
			Check: checkBirthDates},
	}
}

// codeRef is a code element with the list it names.
type codeRef struct {
	elem    *etree.Element
	uri     string // listURI as given, or the one the code type fixes
	version string // listVersionID as given, or the one a kind-1 type fixes
	list    *catalogue.CodeList
}

// relPath returns e's path below the root without indexes, "person/name".
func relPath(root, e *etree.Element) string {
	var parts []string
	for ; e != nil && e != root; e = e.Parent() {
		parts = append(parts, e.Tag)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}

// normalizedString applies the xs:normalizedString white-space facet
// ("replace": tab, CR and LF become spaces; nothing is trimmed).
func normalizedString(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// codeRefs returns every code element of the message: those the schema
// types as Code.X (whether or not they carry listURI) and any other
// element with a listURI attribute. The list is resolved by the listURI
// (collapsed as xs:anyURI) or, where it is omitted, by the code type; the
// version by listVersionID or, for kind-1 types, the fixed version.
func (c *Context) codeRefs() []codeRef {
	var out []codeRef
	for _, e := range c.Elements() {
		typ := c.CodeTypes[relPath(c.Msg.Root, e)]
		uriAttr := e.SelectAttr("listURI")
		if typ == "" && uriAttr == nil {
			continue
		}
		r := codeRef{elem: e}
		var typed *catalogue.CodeList
		if typ != "" {
			typed, _ = c.CodeLists.ByType(typ)
		}
		switch {
		case uriAttr != nil:
			r.uri = message.CollapseXMLSpace(uriAttr.Value)
		case typed != nil:
			r.uri = typed.URI
		}
		if a := e.SelectAttr("listVersionID"); a != nil {
			r.version = normalizedString(a.Value)
		} else if typed != nil && typed.CodeTypeKind == "1" {
			r.version = typed.Version
		}
		r.list, _ = c.CodeLists.Get(r.uri, r.version)
		out = append(out, r)
	}
	return out
}

func checkCodeLists(c *Context) {
	for _, r := range c.codeRefs() {
		if r.list != nil {
			continue
		}
		if vs := c.CodeLists.Versions(r.uri); len(vs) > 0 {
			c.Report(r.elem, "code list %s has no version %q (known: %s)", r.uri, r.version, strings.Join(vs, ", "))
		} else {
			c.Report(r.elem, "code list %q is unknown", r.uri)
		}
	}
}

// checkCodeValues compares the code, with XML white space collapsed as
// for xs:token and nothing else, exactly with the list's keys: a no-break
// space or another Unicode space makes the value unknown (S011).
func checkCodeValues(c *Context) {
	for _, r := range c.codeRefs() {
		if r.list == nil {
			continue // CODE-LIST reports it
		}
		ce := r.elem.SelectElement("code")
		if v := message.TokenText(ce); !r.list.Has(v) {
			c.Report(ce, "%q is not a value of code list %s %s", v, r.list.URI, r.list.Version)
		}
	}
}

// ValidAZRNumber reports whether n is an AZR number as the schema type
// bas:AZRNummer (the XInneres AZRNummer pattern) accepts it after XML white
// space handling: twelve ASCII digits, the first six shaped YYMMDD with
// month 00 to 12 and day 00 to 31. Whether the day exists in its month is
// the register's concern, not the sender's.
func ValidAZRNumber(n string) bool {
	if len(n) != 12 {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	month, day := n[2:4], n[4:6]
	return month <= "12" && day <= "31"
}

// checkText reports text outside DIN 91379 data type C: not in NFC, or a
// character (or combining sequence) that the repertoire lacks.
func checkText(c *Context, e *etree.Element, what, s string) {
	if !norm.NFC.IsNormalString(s) {
		c.Report(e, "%s is not in Unicode NFC", what)
		return
	}
	if ok, bad := din91379.ValidC(s); !ok {
		r, _ := utf8.DecodeRuneInString(s[bad:])
		c.Report(e, "%s contains U+%04X at position %d, which is outside DIN 91379 data type C", what, r, utf8.RuneCountInString(s[:bad])+1)
	}
}

func checkCharacters(c *Context) {
	for _, e := range c.Elements() {
		for _, a := range e.Attr {
			if a.Space == "xmlns" || a.Key == "xmlns" {
				continue
			}
			checkText(c, e, "attribute "+a.Key, a.Value)
		}
		if base64Elements[e.Tag] {
			continue
		}
		for _, ch := range e.Child {
			if cd, ok := ch.(*etree.CharData); ok {
				checkText(c, e, "text", cd.Data)
			}
		}
	}
}

func checkEmptyText(c *Context) {
	for _, e := range c.Elements() {
		if e == c.Msg.Root || !isLeaf(e) || len(e.Attr) > 0 {
			continue
		}
		if message.Blank(e.Text()) {
			c.Report(e, "<%s> is present but empty or blank (only white space or look-alike spaces)", e.Tag)
		}
	}
}

// attachments returns the anlage-like elements: parents of an inhalt element.
func attachments(root *etree.Element) []*etree.Element {
	var out []*etree.Element
	walk(root, func(e *etree.Element) {
		if e.Tag == "inhalt" && e.Parent() != nil {
			out = append(out, e.Parent())
		}
	})
	return out
}

func checkAttachmentSize(c *Context) {
	for _, a := range attachments(c.Msg.Root) {
		in := a.SelectElement("inhalt")
		raw := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, in.Text())
		n := base64.StdEncoding.DecodedLen(len(raw))
		if n > c.MaxAttachmentBytes+2 {
			c.Report(in, "attachment %q is about %d bytes decoded, the limit is %d", message.TokenText(a.SelectElement("dateiname")), n, c.MaxAttachmentBytes)
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			c.Report(in, "attachment content is not valid base64: %v", err)
			continue
		}
		if len(dec) > c.MaxAttachmentBytes {
			c.Report(in, "attachment %q is %d bytes decoded, the limit is %d", message.TokenText(a.SelectElement("dateiname")), len(dec), c.MaxAttachmentBytes)
		}
	}
}

// mimeExtensions maps each allowed MIME type to the file name extensions
// that fit it.
var mimeExtensions = map[string][]string{
	"application/pdf": {".pdf"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
	"image/tiff":      {".tif", ".tiff"},
	"application/xml": {".xml"},
}

func checkAttachmentMIME(c *Context) {
	for _, a := range attachments(c.Msg.Root) {
		mt := a.SelectElement("mimeTyp")
		if mt == nil {
			continue
		}
		exts, ok := mimeExtensions[message.TokenText(mt)]
		if !ok {
			c.Report(mt, "MIME type %q is not allowed (application/pdf, image/jpeg, image/png, image/tiff, application/xml)", message.TokenText(mt))
			continue
		}
		name := message.TokenText(a.SelectElement("dateiname"))
		ext := strings.ToLower(path.Ext(name))
		fits := false
		for _, x := range exts {
			fits = fits || x == ext
		}
		if !fits {
			c.Report(a.SelectElement("dateiname"), "file name %q does not fit MIME type %s", name, message.TokenText(mt))
		}
	}
}

// datePairs are the sibling element names that open and close a period.
var datePairs = [][2]string{{"gueltigAb", "gueltigBis"}, {"beginn", "ende"}, {"von", "bis"}}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", TimestampLayout, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func checkDateRanges(c *Context) {
	for _, e := range c.Elements() {
		for _, p := range datePairs {
			from, to := e.SelectElement(p[0]), e.SelectElement(p[1])
			if from == nil || to == nil {
				continue
			}
			a, okA := parseDate(message.TokenText(from))
			b, okB := parseDate(message.TokenText(to))
			if okA && okB && b.Before(a) {
				c.Report(to, "%s %s is before %s %s", p[1], message.TokenText(to), p[0], message.TokenText(from))
			}
		}
	}
}

// earliestDay returns the first day a partially known date (YYYY-MM-DD,
// YYYY-MM or YYYY, bas:TeilbekanntesDatum) can mean.
func earliestDay(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func checkBirthDates(c *Context) {
	for _, e := range c.Elements() {
		if e.Tag != "geburt" {
			continue
		}
		d := e.SelectElement("datum")
		if t, ok := earliestDay(message.TokenText(d)); ok && t.After(c.Now) {
			c.Report(d, "date of birth %s lies in the future", message.TokenText(d))
		}
	}
}
