package validate

import (
	"regexp"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// rfc4122RE is an RFC 4122 UUID in either case: version 1-8, variant
// 10xx. The schema's UUID type (the XÖV pattern) already fixes the text
// form; the rule adds the version and variant. Case does not matter: the
// gateway compares UUIDs with message.CanonicalUUID.
var rfc4122RE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

// timestampRE: milliseconds and an explicit zone, 2006-01-02T15:04:05.000Z07:00.
var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$`)

// TimestampLayout is the layout of erstellungszeitpunkt (catalogue.md §1).
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

func headerRules() []Rule {
	return []Rule{
		{ID: "HDR-UUID", Severity: Warn, Code: errcode.Other, Source: "RFC 4122 (XÖV Basisnachricht: nachrichtenUUID nach RFC 4122)",
			Doc:   "Every UUID (nachrichtenUUID, ausloeserUUID and references) is an RFC 4122 UUID (version 1-8, variant 10xx), in either case.",
			Check: checkUUIDs},
		{ID: "HDR-TIME", Severity: Reject, Code: errcode.Other, Source: "XInneres Identifikation.Nachricht: erstellungszeitpunkt mit Millisekunden und Zeitzone",
			Doc:   "erstellungszeitpunkt carries milliseconds and a zone offset (2006-01-02T15:04:05.000Z07:00).",
			Check: checkTimestamp},
		{ID: "HDR-TYPE", Severity: Reject, Code: errcode.Other, Source: "XÖV naming: the number of the root element is the message type",
			Doc:   "nachrichtentyp equals the number in the root element's name.",
			Check: checkTypeCode},
		{ID: "HDR-PARTIES", Severity: Reject, Code: errcode.Other, Source: "xgate",
			Doc:   "autor and leser are different authorities.",
			Check: checkParties},
		{ID: "HDR-ANSWER", Severity: Reject, Code: errcode.Other, Source: "XAusländer Antwortnachricht.G2G.XA: ausloeserUUID in answers",
			Doc:   "A message that answers another carries ausloeserUUID.",
			Check: checkAnswer},
	}
}

func kopf(c *Context) *etree.Element { return c.Msg.Root.SelectElement("nachrichtenkopf.g2g") }

func checkUUIDs(c *Context) {
	for _, e := range c.Elements() {
		if !strings.HasSuffix(e.Tag, "UUID") || !isLeaf(e) {
			continue
		}
		if v := message.TokenText(e); !rfc4122RE.MatchString(v) {
			c.Report(e, "%q is not an RFC 4122 UUID (version 1-8, variant 10xx)", v)
		}
	}
}

func checkTimestamp(c *Context) {
	e := kopf(c).FindElement("identifikation.nachricht/erstellungszeitpunkt")
	v := message.TokenText(e)
	if !timestampRE.MatchString(v) {
		c.Report(e, "%q lacks milliseconds or a zone offset; write it as %s", v, TimestampLayout)
		return
	}
	if _, err := time.Parse(TimestampLayout, v); err != nil {
		c.Report(e, "%q is not a valid time", v)
	}
}

func checkTypeCode(c *Context) {
	e := kopf(c).FindElement("identifikation.nachricht/nachrichtentyp/code")
	want := catalogue.CodeOfRoot(c.Header.Root)
	if got := message.TokenText(e); got != want {
		c.Report(e, "nachrichtentyp %s does not match the root element %s", got, c.Header.Root)
	}
}

func checkParties(c *Context) {
	if c.Header.Autor.Kennung == c.Header.Leser.Kennung {
		c.Report(kopf(c).SelectElement("leser"), "autor and leser are both %s", c.Header.Autor.Kennung)
	}
}

func checkAnswer(c *Context) {
	if c.Type.IsAnswer && c.Header.AusloeserUUID == "" {
		c.Report(kopf(c), "%s answers another message and must carry ausloeserUUID after the header", c.Type.Root())
	}
}
