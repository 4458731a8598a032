package validate

import (
	"regexp"
	"slices"
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
		{ID: "HDR-UUID", Code: errcode.BusinessRule,
			Doc:   "Every UUID (nachrichtenUUID, ausloeserUUID and references) is an RFC 4122 UUID (version 1-8, variant 10xx), in either case.",
			Check: checkUUIDs},
		{ID: "HDR-TIME", Code: errcode.BusinessRule,
			Doc:   "erstellungszeitpunkt carries milliseconds and a zone offset (2006-01-02T15:04:05.000Z07:00).",
			Check: checkTimestamp},
		{ID: "HDR-TYPE", Code: errcode.BusinessRule,
			Doc:   "nachrichtentyp equals the number in the root element's name.",
			Check: checkTypeCode},
		{ID: "HDR-PARTIES", Code: errcode.BusinessRule,
			Doc:   "autor and leser are different authorities.",
			Check: checkParties},
		{ID: "HDR-ROLE", Code: errcode.BusinessRule,
			Doc:   "The kennung prefixes of autor and leser fit the sender and receiver roles of the message type.",
			Check: checkRoles},
		{ID: "HDR-ANSWER", Code: errcode.BusinessRule,
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
	v := message.Text(e)
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
	if got := message.Text(e); got != want {
		c.Report(e, "nachrichtentyp %s does not match the root element %s", got, c.Header.Root)
	}
}

func checkParties(c *Context) {
	if c.Header.Autor.Kennung == c.Header.Leser.Kennung {
		c.Report(kopf(c).SelectElement("leser"), "autor and leser are both %s", c.Header.Autor.Kennung)
	}
}

func checkRoles(c *Context) {
	k := kopf(c)
	check := func(tag, kennung string, allowed []catalogue.Role, what string) {
		roles := catalogue.RoleOfKennung(kennung)
		if len(roles) == 0 {
			c.Report(k.FindElement(tag+"/kennung"), "%s %s has no known directory prefix (azr:, ags:, dbs:, opt:)", tag, kennung)
			return
		}
		if allowed == nil {
			return
		}
		for _, r := range roles {
			if slices.Contains(allowed, r) {
				return
			}
		}
		c.Report(k.FindElement(tag+"/kennung"), "%s %s (role %s) may not %s %s; the catalogue says %s",
			tag, kennung, roleNames(roles), what, c.Type.Code, roleNames(allowed))
	}
	check("autor", c.Header.Autor.Kennung, c.Type.From, "send")
	check("leser", c.Header.Leser.Kennung, c.Type.To, "receive")
}

func roleNames(rs []catalogue.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, "/")
}

func checkAnswer(c *Context) {
	if c.Type.IsAnswer && c.Header.AusloeserUUID == "" {
		c.Report(kopf(c), "%s answers another message and must carry ausloeserUUID after the header", c.Type.Root())
	}
}
