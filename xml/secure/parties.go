package secure

import (
	"fmt"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// opParties is the Op of CheckParties' errors.
const opParties = "parties"

// CheckParties ties an opened message's header to its signer and to the
// parties the caller expects; Open checks only that a trusted key signed
// the message. In order:
//
//   - the header's autor must be a valid kennung (kennung.Parse, exactly:
//     only XML white space is trimmed, as the schema's xs:token does; a
//     no-break space is not) and equal the signer's (op.Sender.Kennung, from the
//     signing certificate); a signer whose certificate names no kennung
//     cannot be tied to any autor — T070;
//   - sender, unless empty, is who the caller knows sent the message (the
//     gateway: the routing-directory entry it found for the signing or
//     TLS client certificate; the CLI: --expect-sender): autor must equal
//     it — T070;
//   - recipient, unless empty, is who the message must be for (this
//     gateway's kennung; --expect-recipient): the header's leser must be a
//     valid kennung equal to it — T080.
//
// The kennungen are read from op.Element (the verified message), where
// nachrichtenkopf.g2g must hold exactly one autor and one leser with one
// kennung each. Every error is an *errcode.Error whose Detail quotes only
// valid kennungen (or %q), so that a value from the message cannot break a
// log or report line.
// Whether the sender may send this message type to this recipient is the
// routing directory's question, not this function's.
func CheckParties(op *Opened, sender, recipient kennung.Kennung) error {
	autor, err := partyKennung(op.Element, "autor")
	if err != nil {
		return &errcode.Error{Code: errcode.SenderNotAuthorised, Op: opParties,
			Detail: "the header names no valid autor kennung", Err: err}
	}
	switch {
	case op.Sender.Kennung == "":
		return &errcode.Error{Code: errcode.SenderNotAuthorised, Op: opParties,
			Detail: "the signing certificate names no kennung, so the autor " + quote(autor) + " cannot be tied to the signer"}
	case autor != op.Sender.Kennung:
		return &errcode.Error{Code: errcode.SenderNotAuthorised, Op: opParties,
			Detail: "the header's autor " + quote(autor) + " is not the signer " + quote(op.Sender.Kennung)}
	case sender != "" && autor != sender:
		return &errcode.Error{Code: errcode.SenderNotAuthorised, Op: opParties,
			Detail: "the header's autor " + quote(autor) + " is not the expected sender " + quote(sender)}
	}
	if recipient == "" {
		return nil
	}
	leser, err := partyKennung(op.Element, "leser")
	if err != nil {
		return &errcode.Error{Code: errcode.WrongRecipient, Op: opParties,
			Detail: "the header names no valid leser kennung", Err: err}
	}
	if leser != recipient {
		return &errcode.Error{Code: errcode.WrongRecipient, Op: opParties,
			Detail: "the message is for " + quote(leser) + ", not for " + quote(recipient)}
	}
	return nil
}

// quote writes a kennung for a Detail. A parsed kennung holds only ASCII
// letters, digits and ".:_-", so quoting is enough.
func quote(k kennung.Kennung) string { return `"` + string(k) + `"` }

// partyKennung returns the kennung of the header's autor or leser:
// exactly one nachrichtenkopf.g2g/<party>/kennung, its text with XML
// white space trimmed (message.TrimXMLSpace: the xs:token facet, and no
// Unicode space), parsed exactly.
func partyKennung(root *etree.Element, party string) (kennung.Kennung, error) {
	el := root
	for _, tag := range []string{"nachrichtenkopf.g2g", party, "kennung"} {
		var found []*etree.Element
		if el != nil {
			found = el.SelectElements(tag)
		}
		if len(found) != 1 {
			return "", fmt.Errorf("the header has %d <%s> where it needs exactly one", len(found), tag)
		}
		el = found[0]
	}
	if len(el.ChildElements()) != 0 {
		return "", fmt.Errorf("<%s><kennung> holds elements", party)
	}
	return kennung.Parse(message.TrimXMLSpace(el.Text()))
}
