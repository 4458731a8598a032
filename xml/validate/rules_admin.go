package validate

import (
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// adminRules are the business rules of group 00 (Administration).
func adminRules() []Rule {
	return []Rule{
		{ID: "ADM-REMINDER", Code: errcode.BusinessRule, Types: []string{catalogue.TypeErinnerung},
			Doc: "A reminder's fristende lies after the time the unanswered message was sent.",
			Check: func(c *Context) {
				sent := c.Msg.Root.FindElement("bezug/zeitpunkt")
				due := c.Msg.Root.SelectElement("fristende")
				a, okA := parseDate(message.Text(sent))
				b, okB := parseDate(message.Text(due))
				if okA && okB && !b.After(a) {
					c.Report(due, "fristende %s is not after the message was sent (%s)", message.Text(due), message.Text(sent))
				}
			}},
		{ID: "ADM-SELFREF", Code: errcode.BusinessRule, Types: []string{catalogue.TypeTransportquittung, catalogue.TypeQuittung, catalogue.TypeErinnerung, catalogue.TypeNichtzustaendigkeit},
			Doc: "The referenced message is the one named in ausloeserUUID.",
			Check: func(c *Context) {
				ref := c.Msg.Root.FindElement("./*/nachrichtenUUID")
				if ref != nil && c.Header.AusloeserUUID != "" && message.CanonicalUUID(message.TokenText(ref)) != message.CanonicalUUID(c.Header.AusloeserUUID) {
					c.Report(ref, "references %s but ausloeserUUID is %s", message.Text(ref), c.Header.AusloeserUUID)
				}
			}},
	}
}
