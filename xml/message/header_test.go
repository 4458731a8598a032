package message_test

import (
	"testing"

	"github.com/xgate/xgate/xml/message"
)

const headerDoc = `<?xml version="1.0" encoding="UTF-8"?>
<x:Prozess.Quittung.900020 xmlns:x="urn:xgate:de:xauslaender:1" produkt="P" produkthersteller="H" standard="XAuslaender-xgate" version="1.0" test="Testnachricht">
  <nachrichtenkopf.g2g>
    <identifikation.nachricht>
      <nachrichtenUUID>
        5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091
      </nachrichtenUUID>
      <nachrichtentyp listURI="urn:xgate:de:codeliste:nachrichtentyp" listVersionID="1.0"><code>900020</code></nachrichtentyp>
      <erstellungszeitpunkt>2026-12-02T14:30:11.902+01:00</erstellungszeitpunkt>
    </identifikation.nachricht>
    <leser>
      <verzeichnisdienst><code>DVDV</code></verzeichnisdienst>
      <kennung>azr:999901</kennung>
      <name>Ausländerbehörde Musterstadt</name>
    </leser>
    <autor>
      <verzeichnisdienst><code>DVDV</code></verzeichnisdienst>
      <kennung>ags:08999001` + "\u00a0" + `</kennung>
      <name>Meldebehörde Musterstadt</name>
      <erreichbarkeit><kanal><code>01</code></kanal><kennung>mb@musterstadt.example</kennung></erreichbarkeit>
      <erreichbarkeit><kanal><code>02</code></kanal><kennung>+49 12345 0</kennung><zusatz>Zentrale</zusatz></erreichbarkeit>
    </autor>
    <ausloeserUUID>00000000-0000-4000-8000-000000000000</ausloeserUUID>
  </nachrichtenkopf.g2g>
  <anschrift.autor><gebaeude><postleitzahl>12345</postleitzahl><strasse>Marktstraße</strasse><wohnort>Musterstadt</wohnort></gebaeude></anschrift.autor>
  <identifikation.ereignis>
    <ereignis.zeitpunkt>2026-12-02T14:29:00.000+01:00</ereignis.zeitpunkt>
    <ereignis.zeichen>MR-4471</ereignis.zeichen>
  </identifikation.ereignis>
  <ausloeserUUID>2B3C4D5E-6F70-4812-9A3B-4C5D6E7F8A9B</ausloeserUUID>
</x:Prozess.Quittung.900020>`

// Header reads ausloeserUUID and identifikation.ereignis after the header
// (where XAusländer has them), never from inside nachrichtenkopf.g2g; it
// trims XML white space only, so a no-break space stays in the kennung.
func TestHeaderShape(t *testing.T) {
	m, err := message.Parse([]byte(headerDoc), message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Header()
	checks := []struct{ name, got, want string }{
		{"UUID", h.UUID, "5E6F7A8B-9C0D-4E1F-B203-4C5D6E7F8091"},
		{"Type", h.Type, "900020"},
		{"AusloeserUUID", h.AusloeserUUID, "2B3C4D5E-6F70-4812-9A3B-4C5D6E7F8A9B"},
		{"Ereignis.Zeitpunkt", h.Ereignis.Zeitpunkt, "2026-12-02T14:29:00.000+01:00"},
		{"Ereignis.Zeichen", h.Ereignis.Zeichen, "MR-4471"},
		{"Autor.Kennung", h.Autor.Kennung, "ags:08999001\u00a0"},
		{"Leser.Kennung", h.Leser.Kennung, "azr:999901"},
		{"TestText", h.TestText, "Testnachricht"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !h.Test {
		t.Error("Test = false with a test attribute")
	}
	if len(h.Autor.Erreichbarkeit) != 2 || h.Autor.Erreichbarkeit[1] != (message.Kommunikation{Kanal: "02", Kennung: "+49 12345 0", Zusatz: "Zentrale"}) {
		t.Errorf("Autor.Erreichbarkeit = %+v", h.Autor.Erreichbarkeit)
	}
	if len(h.Leser.Erreichbarkeit) != 0 {
		t.Errorf("Leser.Erreichbarkeit = %+v", h.Leser.Erreichbarkeit)
	}
	if message.CanonicalUUID(h.UUID) != "5e6f7a8b-9c0d-4e1f-b203-4c5d6e7f8091" {
		t.Errorf("CanonicalUUID(%q) = %q", h.UUID, message.CanonicalUUID(h.UUID))
	}
}
