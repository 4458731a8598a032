package scenario

import (
	"context"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/internal/sample"
	c "github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

const (
	abh  = kennung.RoleABH
	mb   = kennung.RoleMB
	azr  = kennung.RoleAZR
	bamf = kennung.RoleBAMF
	ba   = kennung.RoleBA
	jc   = kennung.RoleJC
)

// quittung is the expectation of a business receipt.
var quittung = []string{c.TypeQuittung}

func expect(types ...string) []string { return types }

// arrival: the MB reports a move-in, the ABH looks the person up in the
// AZR by the AZR number the MB gave and stores the new address there.
func arrival() Scenario {
	query := step("arrival-query", abh, azr, c.TypeAZRAnfrage, "anfrage-azrnummer.xml", expect(c.TypeAZRGesamtauskunft),
		func(env *Env, root *etree.Element) error {
			n, err := env.sent("arrival-anmeldung", "person/azrNummer")
			if err != nil {
				return err
			}
			removeAll(root, "angefragteSachverhaltsart") // the whole record
			return set(root, "azrNummer", textOf(n))
		})
	query.AfterAnswer = checkText(c.TypeAZRGesamtauskunft, "azrNummer", sentText("arrival-anmeldung", "person/azrNummer"))
	address := step("arrival-address", abh, azr, c.TypeAZRFolgemeldung, "folgemeldung-meldestatus-aenderung.xml", expect(c.TypeAZRBestaetigungMeldung),
		func(env *Env, root *etree.Element) error {
			n, err := env.answered("arrival-query", c.TypeAZRGesamtauskunft, "azrNummer")
			if err != nil {
				return err
			}
			in, err := env.Message("arrival-anmeldung")
			if err != nil {
				return err
			}
			if err := set(root, "azrNummer", textOf(n)); err != nil {
				return err
			}
			if err := env.set.SetCode(root.SelectElement("aenderungsart"), "01"); err != nil { // Zuspeicherung
				return err
			}
			removeAll(root, "referenz.id")
			status := "hauptwohnung"
			switch sample.Code(in.Root, "wohnungsstatus") {
			case "alleinige-wohnung", "nebenwohnung":
				status = sample.Code(in.Root, "wohnungsstatus")
			}
			ms := root.FindElement("sachverhalt/meldestatus")
			if err := env.set.SetCode(ms.SelectElement("status"), status); err != nil {
				return err
			}
			if err := set(ms, "seit", sample.Text(in.Root, "einzugsdatum")); err != nil {
				return err
			}
			if err := put(ms, "anschrift", in.Root.SelectElement("anschrift")); err != nil {
				return err
			}
			return set(ms, "meldebehoerde", env.Party(mb).Name)
		})
	address.AfterAnswer = checkText(c.TypeAZRBestaetigungMeldung, "azrNummer", answerText("arrival-query", c.TypeAZRGesamtauskunft, "azrNummer"))
	return Scenario{Name: "arrival", Title: "Arrival: the MB reports a move-in (030101); the ABH queries the AZR (090001 → 090004) and stores the address (090010 → 090098)",
		Steps: []Step{
			step("arrival-anmeldung", mb, abh, c.TypeMBABHAnmeldung, "umzug-mit-auskunftssperre.xml", quittung, nil),
			query,
			address,
		}}
}

// asylum: the BAMF grants refugee status; the ABH issues a title and tells
// the AZR, the MB and the Jobcenter; the AZR pushes the change to the
// Jobcenter, which reports benefits.
func asylum() Scenario {
	const person = "verfahrensbeteiligter/person"
	number := sentText("asylum-decision", person+"/azrNummer")
	withPerson := func(path string) edit {
		return func(env *Env, root *etree.Element) error {
			p, err := env.sent("asylum-decision", person)
			if err != nil {
				return err
			}
			return put(root, path, p)
		}
	}
	title := step("asylum-title", abh, azr, c.TypeAZRFolgemeldung, "folgemeldung-titel-neu.xml", expect(c.TypeAZRBestaetigungMeldung),
		func(env *Env, root *etree.Element) error {
			n, err := number(env)
			if err != nil {
				return err
			}
			return set(root, "azrNummer", n)
		})
	title.AfterAnswer = checkText(c.TypeAZRBestaetigungMeldung, "azrNummer", number)
	toJC := step("asylum-jc", abh, jc, c.TypeABHJCStatusmitteilung, "rechtskreiswechsel-fluechtling.xml", quittung,
		func(env *Env, root *etree.Element) error {
			if err := withPerson("person")(env, root); err != nil {
				return err
			}
			t, err := env.sent("asylum-title", "sachverhalt/aufenthaltstitel")
			if err != nil {
				return err
			}
			if err := put(root, "aufenthaltstitel", t); err != nil {
				return err
			}
			if err := set(root, "wohnsitzregelung/gueltigAb", sample.Text(t, "gueltigAb")); err != nil {
				return err
			}
			return set(root, "wohnsitzregelung/gueltigBis", sample.Text(t, "gueltigBis"))
		})
	push := step("asylum-azr-jc", azr, jc, c.TypeAZRMitteilungZuDatenaenderung, "datenaenderung-jc-aufenthaltstitel.xml", nil,
		func(env *Env, root *etree.Element) error {
			n, err := number(env)
			if err != nil {
				return err
			}
			p, err := env.sent("asylum-decision", person)
			if err != nil {
				return err
			}
			t, err := env.sent("asylum-title", "sachverhalt/aufenthaltstitel")
			if err != nil {
				return err
			}
			ref, err := env.answered("asylum-title", c.TypeAZRBestaetigungMeldung, "speicherung/referenz.id")
			if err != nil {
				return err
			}
			now := env.clock.Now()
			for _, kv := range [][2]string{{"azrNummer", n}, {"aenderungszeitpunkt", now.Format(sample.TimestampLayout)},
				{"sachverhalt.aktuell/referenz.id", textOf(ref)}, {"sachverhalt.aktuell/speicherdatum", now.Format(sample.DateLayout)}} {
				if err := set(root, kv[0], kv[1]); err != nil {
					return err
				}
			}
			if err := put(root, "sachverhalt.aktuell/aufenthaltstitel", t); err != nil {
				return err
			}
			return put(root, "person", personWith(p, ""))
		})
	return Scenario{Name: "asylum", Title: "Asylum granted: the BAMF decides (110202, 110203, 110204); the ABH stores the title (090010), tells the MB (020114) and the Jobcenter (920001); the AZR pushes the change (090030); the Jobcenter reports benefits (920002)",
		Steps: []Step{
			step("asylum-decision", bamf, abh, c.TypeAsylEntscheidungsuebermittlung, "fluechtlingseigenschaft-familie.xml", quittung, nil),
			step("asylum-served", bamf, abh, c.TypeAsylBescheidZustelldatum, "zustellung-familie.xml", quittung, nil),
			step("asylum-final", bamf, abh, c.TypeAsylAbschlussmitteilung, "bestandskraft-fluechtlingseigenschaft.xml", quittung, nil),
			title,
			step("asylum-mb", abh, mb, c.TypeABHMBMitteilungAZRNummer, "speicherung-syrien.xml", quittung, withPerson("person")),
			toJC,
			push,
			step("asylum-benefit", jc, abh, c.TypeJCABHMitteilungLeistungsbezug, "beginn-buergergeld.xml", quittung, withPerson("person")),
		}}
}

// employment: the ABH asks the BA; the BA wants a job description; the
// corrected request is approved and the decision stored in the AZR; two
// more requests are refused and found approval-free; the Jobcenter reports
// a language course.
func employment() Scenario {
	first := step("employment-request", abh, ba, c.TypeABHBAZustimmungsanfrage, "westbalkan-baecker.xml", expect(c.TypeBAABHNachforderung),
		func(_ *Env, root *etree.Element) error {
			job := root.SelectElement("beschaeftigung")
			removeAll(job, "berufskennziffer") // the BA asks for a job description
			return nil
		})
	first.AfterAnswer = checkText(c.TypeBAABHNachforderung, "fehlendeAngabe/art/code", func(*Env) (string, error) { return "04", nil })
	corrected := step("employment-corrected", abh, ba, c.TypeABHBAZustimmungsanfrage, "westbalkan-baecker.xml", expect(c.TypeBAABHZustimmung),
		func(env *Env, _ *etree.Element) error {
			_, err := env.Answer("employment-request", c.TypeBAABHNachforderung) // sent only after the Nachforderung
			return err
		})
	store := step("employment-azr", abh, azr, c.TypeAZRFolgemeldung, "folgemeldung-ba-entscheidung.xml", expect(c.TypeAZRBestaetigungMeldung),
		func(env *Env, root *etree.Element) error {
			req, err := env.Message("employment-corrected")
			if err != nil {
				return err
			}
			ok, err := env.Answer("employment-corrected", c.TypeBAABHZustimmung)
			if err != nil {
				return err
			}
			d := root.FindElement("sachverhalt/baEntscheidung")
			if err := env.set.SetCode(d.SelectElement("entscheidung"), "zustimmung"); err != nil {
				return err
			}
			for _, kv := range [][3]string{
				{"azrNummer", "", sample.Text(req.Root, "person/azrNummer")},
				{"", "entscheidungsdatum", sample.Text(ok.Root, "entscheidungsdatum")},
				{"", "gueltigAb", sample.Text(ok.Root, "geltungsdauer/gueltigAb")},
				{"", "gueltigBis", sample.Text(ok.Root, "geltungsdauer/gueltigBis")},
				{"", "arbeitgeber", sample.Text(req.Root, "arbeitgeber/name")},
				{"", "beschaeftigung", sample.Text(req.Root, "beschaeftigung/berufsbezeichnung")},
			} {
				at, path := root, kv[0]
				if path == "" {
					at, path = d, kv[1]
				}
				if err := set(at, path, kv[2]); err != nil {
					return err
				}
			}
			return nil
		})
	store.AfterAnswer = checkText(c.TypeAZRBestaetigungMeldung, "azrNummer", sentText("employment-corrected", "person/azrNummer"))
	return Scenario{Name: "employment", Title: "Employment: the ABH asks the BA (910001 → 910004), sends the corrected request (→ 910002) and stores the decision in the AZR (090010); other requests draw 910003 and 910005; the Jobcenter reports a course (920003)",
		Steps: []Step{
			first,
			corrected,
			store,
			step("employment-refused", abh, ba, c.TypeABHBAZustimmungsanfrage, "koch-indien.xml", expect(c.TypeBAABHVersagung), nil),
			step("employment-free", abh, ba, c.TypeABHBAZustimmungsanfrage, "wissenschaftlerin-china.xml", expect(c.TypeBAABHZustimmungsfreiMitteilung), nil),
			step("employment-course", jc, abh, c.TypeJCABHIntegrationsmassnahme, "berufssprachkurs-laeuft.xml", quittung, nil),
		}}
}

// newPerson: the ABH registers a person in the AZR and with the MB; a
// colleague's second Erstmeldung is a dublette; an address in another
// municipality is not the MB's business; a name change is receipted.
func newPerson() Scenario {
	number := answerText("newperson-first", c.TypeAZRBestaetigungMeldung, "azrNummer")
	first := step("newperson-first", abh, azr, c.TypeAZRErstmeldung, "erstmeldung-duldung.xml", expect(c.TypeAZRBestaetigungMeldung), nil)
	first.AfterAnswer = checkText(c.TypeAZRBestaetigungMeldung, "azrNummer", nil)
	toMB := step("newperson-mb", abh, mb, c.TypeABHMBAnmeldung, "anmeldung-serbien.xml", quittung,
		func(env *Env, root *etree.Element) error {
			n, err := number(env)
			if err != nil {
				return err
			}
			reg, err := env.Message("newperson-first")
			if err != nil {
				return err
			}
			if err := put(root, "person", personWith(reg.Root.SelectElement("person"), n)); err != nil {
				return err
			}
			return put(root, "anschrift", reg.Root.SelectElement("anschrift"))
		})
	dup := step("newperson-duplicate", abh, azr, c.TypeAZRErstmeldung, "erstmeldung-duldung.xml", expect(c.TypeAZRFehlernachricht),
		func(env *Env, root *etree.Element) error {
			if _, err := number(env); err != nil { // after the first one is stored
				return err
			}
			return set(root, "aktenzeichen", "32.4-2026/11602") // a colleague's file
		})
	dup.AfterAnswer = func(ctx context.Context, env *Env, a Answer) error {
		if err := checkText(c.TypeAZRFehlernachricht, "fehler/fehlerschluessel/code", func(*Env) (string, error) { return "dublette", nil })(ctx, env, a); err != nil {
			return err
		}
		return checkText(c.TypeAZRFehlernachricht, "azrNummer", number)(ctx, env, a)
	}
	return Scenario{Name: "new-person", Title: "New person: the ABH registers a person (090009 → 090098 with a new AZR number) and tells the MB (020101); a second Erstmeldung draws 090099 dublette; an address elsewhere draws 000030; a name change (020105) is receipted",
		Steps: []Step{
			first,
			toMB,
			dup,
			step("newperson-elsewhere", abh, mb, c.TypeABHMBAnmeldung, "anmeldung-falsche-meldebehoerde.xml", expect(c.TypeNichtzustaendigkeit),
				func(_ *Env, root *etree.Element) error {
					if err := set(root, "anschrift/gemeindeschluessel", "08999002"); err != nil {
						return err
					}
					return set(root, "anschrift/ort", "Nachbarhausen")
				}),
			step("newperson-name", abh, mb, c.TypeABHMBAenderungName, "aenderung-name-heirat.xml", quittung, nil),
		}}
}

// departure: the MB refuses a proven departure (already deregistered) and
// reports a deregistration and a change of main residence.
func departure() Scenario {
	return Scenario{Name: "departure", Title: "Departure: the ABH reports a proven departure (020112), the MB refuses it (030301, already deregistered); the MB reports a deregistration (030102) and a new main residence (030103)",
		Steps: []Step{
			step("departure-proven", abh, mb, c.TypeABHMBNachgewieseneAusreise, "ausreise-freiwillig-kosovo.xml", expect(c.TypeMBABHAblehnung), nil),
			step("departure-abmeldung", mb, abh, c.TypeMBABHAbmeldung, "wegzug-ins-ausland.xml", quittung, nil),
			step("departure-main", mb, abh, c.TypeMBABHHauptwohnung, "hauptwohnung-verlegt.xml", quittung, nil),
		}}
}

// trouble: a partner is down for a while, a message goes to the wrong
// gateway and is rejected, an answer is late.
func trouble() Scenario {
	down := step("trouble-down", abh, azr, c.TypeAZRAnfrage, "anfrage-azrnummer.xml", expect(c.TypeAZRGesamtauskunft), nil)
	down.Fault = Fault{Kind: PartnerDown, Down: 3 * time.Second}
	rejected := step("trouble-rejected", abh, mb, c.TypeABHMBMitteilungAZRNummer, "aenderung-zusammenfuehrung.xml", nil, nil)
	rejected.Fault = Fault{Kind: Rejected, Via: azr, Code: errcode.DecryptFailed}
	late := step("trouble-late", abh, bamf, c.TypeAsylEinzelfallinformationAnBAMF, "geburt-eines-kindes.xml", quittung,
		func(_ *Env, root *etree.Element) error {
			root.CreateAttr("test", root.SelectAttrValue("test", "xgate-Testdaten")+": "+peer.MarkLate)
			return nil
		})
	late.Fault = Fault{Kind: LateAnswer}
	return Scenario{Name: "trouble", Title: "Trouble: the AZR is down for a while (delivery waits and resumes), a stale directory entry sends a message to the wrong gateway, which cannot open it (900010 with T020), the BAMF's answer is late (900021 goes out)",
		Steps: []Step{down, rejected, late}}
}

// queries: the register's other answers to queries, and a push notice to
// the ABH.
func queries() Scenario {
	return Scenario{Name: "queries", Title: "Queries: a search by personal data finds several candidates (090003) or none (090002); the AZR pushes a change to the ABH (090030)",
		Steps: []Step{
			step("queries-candidates", abh, azr, c.TypeAZRAnfrage, "anfrage-personalien-mehrere-treffer.xml", expect(c.TypeAZRTrefferliste), nil),
			step("queries-unknown", abh, azr, c.TypeAZRAnfrage, "anfrage-personalien.xml", expect(c.TypeAZRKeinTreffer), nil),
			step("queries-change", azr, abh, c.TypeAZRMitteilungZuDatenaenderung, "datenaenderung-asylentscheidung.xml", nil, nil),
		}}
}
