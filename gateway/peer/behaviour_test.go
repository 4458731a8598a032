package peer_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/gateway/peer"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

var uuidSeq atomic.Uint64

// input returns the plain sample typ/name with a fresh nachrichtenUUID,
// changed by edit, checked to be a valid message (as the gateway hands
// over only valid ones).
func input(t *testing.T, typ, name string, edit func(root *etree.Element)) *message.Message {
	t.Helper()
	var data []byte
	for _, v := range plain[typ] {
		if v.Name == name {
			data = v.Data
		}
	}
	if data == nil {
		t.Fatalf("no plain sample %s/%s", typ, name)
	}
	m := parse(t, data)
	uuid := fmt.Sprintf("00000000-0000-4000-8000-%012d", uuidSeq.Add(1))
	m.Root.FindElement("nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID").SetText(uuid)
	if edit != nil {
		edit(m.Root)
	}
	b, err := m.Doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if rep := val.Validate(testCtx, b); !rep.Valid() {
		t.Fatalf("test input %s/%s is invalid: %v", typ, name, rep.Findings)
	}
	return parse(t, b)
}

// respond answers in with r and checks that there is exactly one answer of
// type want that validates; it returns the answer's tree.
func respond(t *testing.T, r *peer.Responder, self kennung.Identity, in *message.Message, want string) *etree.Element {
	t.Helper()
	out, err := r.Respond(testCtx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Type != want {
		t.Fatalf("answers %v, want one %s", types(out), want)
	}
	checkAnswer(t, self, in.Header(), out[0])
	return parse(t, out[0].XML).Root
}

func text(e *etree.Element, path string) string { return message.TokenText(e.FindElement(path)) }

func setText(path, v string) func(*etree.Element) {
	return func(root *etree.Element) { root.FindElement(path).SetText(v) }
}

func TestAZRQueries(t *testing.T) {
	azr := parties[kennung.RoleAZR]
	r := newResponder(t, kennung.RoleAZR, 1)
	t.Run("known number, asked kinds only", func(t *testing.T) {
		a := respond(t, r, azr, input(t, "090001", "anfrage-azrnummer.xml", nil), catalogue.TypeAZRGesamtauskunft)
		if got := text(a, "azrNummer"); got != "170315482913" {
			t.Fatalf("azrNummer %s", got)
		}
		var kinds []string
		for _, sv := range a.SelectElements("sachverhalt") {
			kinds = append(kinds, sv.ChildElements()[1].Tag)
		}
		// asked: 02 Duldung, 04 Asylstatus, 05 BA; the stored meldestatus is left out
		if strings.Join(kinds, " ") != "asylstatus duldung baEntscheidung" {
			t.Fatalf("facts %v", kinds)
		}
	})
	t.Run("unknown number", func(t *testing.T) {
		respond(t, r, azr, input(t, "090001", "anfrage-azrnummer.xml", setText("azrNummer", "991231000001")), catalogue.TypeAZRKeinTreffer)
	})
	t.Run("personal data, two candidates", func(t *testing.T) {
		a := respond(t, r, azr, input(t, "090001", "anfrage-personalien-mehrere-treffer.xml", nil), catalogue.TypeAZRTrefferliste)
		if n := len(a.SelectElements("treffer")); n != 2 {
			t.Fatalf("%d candidates, want the two born 1988-06-02", n)
		}
	})
	t.Run("personal data, unknown", func(t *testing.T) {
		respond(t, r, azr, input(t, "090001", "anfrage-personalien.xml", nil), catalogue.TypeAZRKeinTreffer)
	})
}

func TestAZRRegistration(t *testing.T) {
	azr := parties[kennung.RoleAZR]
	r := newResponder(t, kennung.RoleAZR, 1)

	// A new person gets a new number and shows up in a query.
	first := input(t, "090009", "erstmeldung-duldung.xml", nil)
	a := respond(t, r, azr, first, catalogue.TypeAZRBestaetigungMeldung)
	number, ref := text(a, "azrNummer"), text(a, "speicherung/referenz.id")
	if !validate.ValidAZRNumber(number) || !strings.HasPrefix(number, "261202") {
		t.Fatalf("new AZR number %q", number)
	}
	if len(ref) != 9 || ref[0] != 'R' || ref[7] != '1' || text(a, "speicherung/sachverhaltsart/code") != "02" {
		t.Fatalf("speicherung %s %s", ref, text(a, "speicherung/sachverhaltsart/code"))
	}
	q := respond(t, r, azr, input(t, "090001", "anfrage-azrnummer.xml", func(root *etree.Element) {
		root.FindElement("azrNummer").SetText(number)
		for _, k := range root.SelectElements("angefragteSachverhaltsart") {
			root.RemoveChild(k)
		}
	}), catalogue.TypeAZRGesamtauskunft)
	if text(q, "person/name/familienname") != "Beridze" || text(q, "sachverhalt/referenz.id") != ref || text(q, "pass/passnummer") != "17AB04512" {
		t.Fatalf("Gesamtauskunft of the new person: %s %s %s", text(q, "person/name/familienname"), text(q, "sachverhalt/referenz.id"), text(q, "pass/passnummer"))
	}

	// The same person again, from a colleague: dublette with the number.
	d := respond(t, r, azr, input(t, "090009", "erstmeldung-duldung.xml", nil), catalogue.TypeAZRFehlernachricht)
	if text(d, "fehler/fehlerschluessel/code") != "dublette" || text(d, "azrNummer") != number {
		t.Fatalf("second Erstmeldung: %s %s", text(d, "fehler/fehlerschluessel/code"), text(d, "azrNummer"))
	}

	// Follow-ups on the new record.
	folge := func(edit func(*etree.Element)) *message.Message {
		return input(t, "090010", "folgemeldung-titel-neu.xml", func(root *etree.Element) {
			root.FindElement("azrNummer").SetText(number)
			if edit != nil {
				edit(root)
			}
		})
	}
	withRef := func(art, ref string) func(*etree.Element) {
		return func(root *etree.Element) {
			root.FindElement("aenderungsart/code").SetText(art)
			root.FindElement("aenderungsart/name").SetText("x")
			e := etree.NewElement("referenz.id")
			e.SetText(ref)
			root.InsertChildAt(root.SelectElement("aenderungsart").Index()+1, e)
		}
	}
	n := respond(t, r, azr, folge(nil), catalogue.TypeAZRBestaetigungMeldung)
	titleRef := text(n, "speicherung/referenz.id")
	if titleRef == ref || text(n, "speicherung/sachverhaltsart/code") != "01" {
		t.Fatalf("new title stored as %s", titleRef)
	}
	errKey := func(in *message.Message) string {
		return text(respond(t, r, azr, in, catalogue.TypeAZRFehlernachricht), "fehler/fehlerschluessel/code")
	}
	if k := errKey(folge(nil)); k != "sonstiger" {
		t.Errorf("same fact again: %s", k)
	}
	ch := respond(t, r, azr, folge(withRef("02", titleRef)), catalogue.TypeAZRBestaetigungMeldung)
	newRef := text(ch, "speicherung/referenz.id")
	if newRef[:7] != titleRef[:7] || newRef[7] != '2' {
		t.Errorf("changed fact: %s after %s, want the same reference part and version 2", newRef, titleRef)
	}
	if k := errKey(folge(withRef("02", titleRef))); k != "widerspruch" {
		t.Errorf("change of an old version: %s", k)
	}
	if k := errKey(folge(withRef("04", "RZZZZZZ1a"))); k != "referenz-unbekannt" {
		t.Errorf("unknown Referenz-ID: %s", k)
	}
	if k := errKey(folge(withRef("02", ref))); k != "widerspruch" {
		t.Errorf("title over a Duldung: %s", k)
	}
	respond(t, r, azr, folge(withRef("03", newRef)), catalogue.TypeAZRBestaetigungMeldung)
	q = respond(t, r, azr, input(t, "090001", "anfrage-azrnummer.xml", func(root *etree.Element) {
		root.FindElement("azrNummer").SetText(number)
		for _, k := range root.SelectElements("angefragteSachverhaltsart") {
			root.RemoveChild(k)
		}
	}), catalogue.TypeAZRGesamtauskunft)
	if n := len(q.SelectElements("sachverhalt")); n != 1 {
		t.Errorf("after deleting the title %d facts, want the Duldung only", n)
	}
	unknown := input(t, "090010", "folgemeldung-titel-neu.xml", setText("azrNummer", "991231000002"))
	if k := errKey(unknown); k != "azr-nummer-unbekannt" {
		t.Errorf("unknown number: %s", k)
	}
}

func TestBADecisions(t *testing.T) {
	ba := parties[kennung.RoleBA]
	r := newResponder(t, kennung.RoleBA, 1)
	noCode := func(root *etree.Element) {
		job := root.SelectElement("beschaeftigung")
		job.RemoveChild(job.SelectElement("berufskennziffer"))
	}
	tests := []struct {
		sample string
		edit   func(*etree.Element)
		want   string
		check  string // path = value in the answer
	}{
		{"westbalkan-baecker.xml", noCode, catalogue.TypeBAABHNachforderung, "fehlendeAngabe/art/code=04"},
		{"westbalkan-baecker.xml", nil, catalogue.TypeBAABHZustimmung, "rechtsgrundlage/code=BeschV.26.2"},
		{"duldung-altenpflegehelfer.xml", nil, catalogue.TypeBAABHZustimmung, "rechtsgrundlage/code=BeschV.32.1"},
		{"elektronikerin-philippinen.xml", nil, catalogue.TypeBAABHZustimmung, "rechtsgrundlage/code=AufenthG.39.2"},
		{"koch-indien.xml", nil, catalogue.TypeBAABHVersagung, "versagungsgrund/grund/code=01"},
		{"wissenschaftlerin-china.xml", nil, catalogue.TypeBAABHZustimmungsfreiMitteilung, "rechtsgrundlage/code=BeschV.5"},
		{"elektronikerin-philippinen.xml", setText("beabsichtigterTitel/code", "BK.18g"), catalogue.TypeBAABHZustimmungsfreiMitteilung, "rechtsgrundlage/code=AufenthG.18g.1"},
	}
	for _, tc := range tests {
		t.Run(tc.sample+"→"+tc.want, func(t *testing.T) {
			a := respond(t, r, ba, input(t, "910001", tc.sample, tc.edit), tc.want)
			path, want, _ := strings.Cut(tc.check, "=")
			if got := text(a, path); got != want {
				t.Fatalf("%s = %q, want %q", path, got, want)
			}
		})
	}
	a := respond(t, r, ba, input(t, "910001", "westbalkan-baecker.xml", nil), catalogue.TypeBAABHZustimmung)
	if text(a, "geltungsdauer/gueltigAb") != "2027-01-04" || text(a, "geltungsdauer/gueltigBis") != "2028-01-03" || text(a, "beschraenkung/betriebsnummer") != "08912340" {
		t.Errorf("approval: %s–%s employer %s", text(a, "geltungsdauer/gueltigAb"), text(a, "geltungsdauer/gueltigBis"), text(a, "beschraenkung/betriebsnummer"))
	}
}

func TestMBAnswers(t *testing.T) {
	mb := parties[kennung.RoleMB]
	r := newResponder(t, kennung.RoleMB, 1)
	respond(t, r, mb, input(t, "020101", "anmeldung-serbien.xml", nil), catalogue.TypeQuittung)
	a := respond(t, r, mb, input(t, "020101", "anmeldung-falsche-meldebehoerde.xml", func(root *etree.Element) {
		root.FindElement("anschrift/gemeindeschluessel").SetText("08999002")
		root.FindElement("anschrift/ort").SetText("Nachbarhausen")
	}), catalogue.TypeNichtzustaendigkeit)
	if got := text(a, "zustaendigeBehoerde/kennung"); got != "ags:08999002" {
		t.Errorf("competent authority %s", got)
	}
	a = respond(t, r, mb, input(t, "020112", "ausreise-freiwillig-kosovo.xml", nil), catalogue.TypeMBABHAblehnung)
	if text(a, "abgelehnteNachricht/nachrichtentyp/code") != "020112" {
		t.Errorf("refused type %s", text(a, "abgelehnteNachricht/nachrichtentyp/code"))
	}
	respond(t, r, mb, input(t, "020114", "speicherung-syrien.xml", nil), catalogue.TypeQuittung)
	respond(t, r, mb, input(t, "020105", "aenderung-name-heirat.xml", nil), catalogue.TypeQuittung)
}

func TestLateAndTestRole(t *testing.T) {
	r, err := peer.New(peer.Config{Self: parties[kennung.RoleBAMF], Clock: clock.Fixed(now), LateDelay: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		test string
		want time.Duration
	}{{"xgate-Testdaten", 0}, {"xgate-Testdaten: " + peer.MarkLate, 5 * time.Second}} {
		in := input(t, "111501", "anfrage-verfahrensstand.xml", func(root *etree.Element) { root.CreateAttr("test", tc.test) })
		out, err := r.Respond(testCtx, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Delay != tc.want {
			t.Errorf("test=%q: %d answers, delay %v, want %v", tc.test, len(out), out[0].Delay, tc.want)
		}
	}

	// The conformance test partner answers as the receiving role would.
	self := parties[kennung.RoleTest]
	tr := newResponder(t, kennung.RoleTest, 1)
	in := input(t, "090009", "erstmeldung-aufenthaltstitel.xml", setText("nachrichtenkopf.g2g/leser/kennung", string(self.Kennung)))
	respond(t, tr, self, in, catalogue.TypeAZRBestaetigungMeldung)
}

// TestAnswersValidLater: the answers stay valid when the clock has moved
// on two years past the samples (their dates are then in the past).
func TestAnswersValidLater(t *testing.T) {
	later := now.AddDate(2, 3, 0)
	v, err := validate.New(validate.Config{Clock: clock.Fixed(later)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, role := range kennung.Roles() {
		r, err := peer.New(peer.Config{Self: parties[role], Clock: clock.Fixed(later), Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range testCata.Types() {
			if !typ.ReceivedBy(role) || typ.To == nil {
				continue
			}
			for _, s := range plain[typ.Code] {
				in := parse(t, s.Data)
				if kennung.Kennung(in.Header().Leser.Kennung) != parties[role].Kennung {
					continue
				}
				out, err := r.Respond(testCtx, in)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range out {
					if rep := v.Validate(testCtx, o.XML); !rep.Valid() {
						t.Errorf("%s → %s in %d: %v", s.Path, o.Type, later.Year(), rep.Findings)
					} else if len(rep.Warnings) > 0 {
						t.Logf("%s → %s in %d warns: %v", s.Path, o.Type, later.Year(), rep.Warnings)
					}
				}
			}
		}
	}
}
