package peer

import (
	"github.com/xgate/xgate/xml/catalogue"
)

// receiptText says what a receiver did with a message it receipts with a
// Quittung (900020): the code of urn:xgate:de:codeliste:verarbeitungsergebnis
// and the remark.
var receiptText = map[string]struct{ ergebnis, bemerkung string }{
	catalogue.TypeABHMBAnmeldung:                  {"01", "Anmeldung in das Melderegister übernommen."},
	catalogue.TypeABHMBAenderungName:              {"01", "Namensänderung in das Melderegister übernommen."},
	catalogue.TypeABHMBMitteilungAZRNummer:        {"01", "AZR-Nummer im Melderegister gespeichert."},
	catalogue.TypeMBABHAnmeldung:                  {"01", "Anmeldung in die Ausländerakte übernommen."},
	catalogue.TypeMBABHAbmeldung:                  {"01", "Abmeldung in die Ausländerakte übernommen."},
	catalogue.TypeMBABHHauptwohnung:               {"01", "Änderung der Hauptwohnung in die Ausländerakte übernommen."},
	catalogue.TypeAsylEntscheidungsuebermittlung:  {"01", "Entscheidung des Bundesamtes in die Ausländerakte übernommen."},
	catalogue.TypeAsylBescheidZustelldatum:        {"01", "Zustelldatum in die Ausländerakte übernommen."},
	catalogue.TypeAsylAbschlussmitteilung:         {"01", "Bestandskraft in die Ausländerakte übernommen."},
	catalogue.TypeAsylEinzelfallinformationAnBAMF: {"02", "Einzelfallinformation der Asylakte zugeleitet."},
	catalogue.TypeABHJCStatusmitteilung:           {"01", "Statusmitteilung in die Leistungsakte übernommen."},
	catalogue.TypeJCABHMitteilungLeistungsbezug:   {"02", "Leistungsbezug zur Kenntnis genommen."},
	catalogue.TypeJCABHIntegrationsmassnahme:      {"02", "Integrationsmaßnahme zur Kenntnis genommen."},
}

// receipt answers with a Quittung (900020) that the message was processed.
func (c *call) receipt() ([]Outgoing, error) {
	doc, uuid, err := c.answer(catalogue.TypeQuittung, "quittung.xml")
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if err := c.setBezug(root.SelectElement("bezug"), "zeitpunkt"); err != nil {
		return nil, err
	}
	txt, ok := receiptText[c.t.Code]
	if !ok {
		txt.ergebnis, txt.bemerkung = "02", ""
	}
	if err := c.r.set.SetCode(root.SelectElement("ergebnis"), txt.ergebnis); err != nil {
		return nil, err
	}
	setOrRemove(root, "bemerkung", txt.bemerkung)
	return c.done(catalogue.TypeQuittung, uuid, doc)
}
