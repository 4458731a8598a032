package peer

import (
	"fmt"
	"strings"

	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

// mbPrefix is the DVDV prefix of a Meldebehörde, whose key is its
// municipality key (Gemeindeschlüssel).
const mbPrefix = "ags"

// mbRefuse answers a proven departure (020112) with an Ablehnung (030301):
// the simulated register has the person deregistered already.
func (c *call) mbRefuse() ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeMBABHAblehnung, "ablehnung-bereits-abgemeldet.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := c.setBezug(root.SelectElement("abgelehnteNachricht"), ""); err != nil {
		return nil, err
	}
	if err := c.r.set.SetCode(root.SelectElement("grund"), "01"); err != nil {
		return nil, err
	}
	text := "Die Person ist im Melderegister bereits abgemeldet; die nachgewiesene Ausreise wird nicht mehr eingetragen."
	if d := sample.Text(c.in.Root, "ausreise/ausreisedatum"); d != "" {
		text = fmt.Sprintf("Die Person ist im Melderegister bereits abgemeldet; die Ausreise am %s wird nicht mehr eingetragen.", germanDate(d))
	}
	setOrRemove(root, "erlaeuterung", text)
	return c.done(catalogue.TypeMBABHAblehnung, uuid, doc)
}

// mbNotResponsible answers a notice whose address lies in another
// municipality (anschrift/gemeindeschluessel is not this Meldebehörde's
// key) with a Nichtzuständigkeitserklärung (000030) naming the competent
// Meldebehörde (ags:<gemeindeschluessel>). ok is false when this
// Meldebehörde is responsible (or its kennung is not an "ags" key).
func (c *call) mbNotResponsible() (out []Outgoing, ok bool, err error) {
	self := c.r.cfg.Self.Kennung
	gs := sample.Text(c.in.Root, "anschrift/gemeindeschluessel")
	if self.Prefix() != mbPrefix || gs == "" || gs == self.Key() {
		return nil, false, nil
	}
	competent, err := kennung.Parse(mbPrefix + ":" + gs)
	if err != nil {
		return nil, false, nil // not a key we can name; receipt as usual
	}
	doc, uuid, err := c.answer(catalogue.TypeNichtzustaendigkeit, "")
	if err != nil {
		return nil, true, err
	}
	root := doc.Root()
	if err := c.setBezug(root.SelectElement("bezug"), "zeitpunkt"); err != nil {
		return nil, true, err
	}
	ort := sample.Text(c.in.Root, "anschrift/ort")
	zb := root.SelectElement("zustaendigeBehoerde")
	if zb == nil {
		return nil, true, fmt.Errorf("sample %s has no zustaendigeBehoerde", catalogue.TypeNichtzustaendigkeit)
	}
	_ = sample.SetText(zb, "kennung", string(competent))
	setOrRemove(zb, "name", strings.TrimSpace("Meldebehörde "+ort+" (Gemeindeschlüssel "+gs+")"))
	addr := strings.TrimSpace(sample.Text(c.in.Root, "anschrift/strasse") + " " + sample.Text(c.in.Root, "anschrift/hausnummer"))
	setOrRemove(root, "bemerkung", fmt.Sprintf("Die Anschrift %s liegt nicht im Gebiet dieser Meldebehörde (Gemeindeschlüssel %s, nicht %s).", addr, gs, self.Key()))
	out, err = c.done(catalogue.TypeNichtzustaendigkeit, uuid, doc)
	return out, true, err
}

// germanDate writes an xs:date as DD.MM.YYYY, or returns it as is.
func germanDate(d string) string {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return d
	}
	return d[8:10] + "." + d[5:7] + "." + d[0:4]
}
