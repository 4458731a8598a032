package conformance_test

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

// Derived vectors: for every type, the vectors a hand-written set tends to
// miss (a broken header, an unknown code list version or code, a sender or
// recipient of the wrong role or unknown to the directory) are made from
// the type's first plain valid vector (its template) by one small, named
// change, plus a few rule vectors for types whose hand-written set lacks
// them. They are ordinary files below testdata/vectors; this test keeps
// them equal to their derivation (go test ./conformance -run
// TestDerivedVectors -update rewrites them after a template changed).

// derivation makes one vector from a template.
type derivation struct {
	typ    string // type code
	name   string // file name, "S999-HDR-TIME-without-millis.xml"
	valid  bool   // folder valid (a WARN- vector) or invalid
	change func(t *testing.T, s string) string
}

// once replaces the only match of re in s by repl (with $1 expansion);
// the test fails if re matches zero or several times.
func once(t *testing.T, s, re, repl string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	if n := len(rx.FindAllStringIndex(s, -1)); n != 1 {
		t.Fatalf("derive: %q matches %d times, want once", re, n)
	}
	return rx.ReplaceAllString(s, repl)
}

// derivedUUID is a stable name-based UUID (version 5 layout) for a
// derived vector, so that no two vectors share a nachrichtenUUID.
func derivedUUID(path string) string {
	h := sha1.Sum([]byte("xgate conformance derived vector " + path))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

const headerUUID = `(<identifikation\.nachricht>\s*<nachrichtenUUID>)[^<]*(</nachrichtenUUID>)`

// swapParty puts the participant m in place of the autor or leser.
func swapParty(t *testing.T, s, party string, k kennung.Kennung, name string) string {
	t.Helper()
	return once(t, s, `(<`+party+`>\s*<verzeichnisdienst[^>]*>\s*<code>DVDV</code>\s*</verzeichnisdienst>\s*<kennung>)[^<]*(</kennung>\s*<name>)[^<]*(</name>)`,
		"${1}"+string(k)+"${2}"+name+"${3}")
}

func partyKennung(t *testing.T, s, party string) kennung.Kennung {
	t.Helper()
	m := regexp.MustCompile(`<` + party + `>\s*<verzeichnisdienst[^>]*>\s*<code>DVDV</code>\s*</verzeichnisdienst>\s*<kennung>([^<]*)</kennung>`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("derive: no %s kennung", party)
	}
	return kennung.Kennung(m[1])
}

// wrongParticipant is the first development participant (not the test
// partner) whose role allowed does not contain and that is not other.
func wrongParticipant(allowed []kennung.Role, other kennung.Kennung) (devpki.Member, bool) {
	for _, m := range devpki.DefaultParticipants() {
		if m.Role != kennung.RoleTest && !slices.Contains(allowed, m.Role) && m.Kennung != other {
			return m, true
		}
	}
	return devpki.Member{}, false
}

// derivations lists every derived vector.
func derivations(t *testing.T, vs []conformance.Vector) []derivation {
	var out []derivation
	types := catalogue.New().Types()
	for i, ty := range types {
		code := ty.Code
		// Header: erstellungszeitpunkt without milliseconds, or a
		// nachrichtentyp that is not the root element's.
		if i%2 == 0 {
			out = append(out, derivation{code, "S999-HDR-TIME-seconds-only.xml", false, func(t *testing.T, s string) string {
				return once(t, s, `(<erstellungszeitpunkt>[^<.]*)\.[0-9]{3}([^<]*</erstellungszeitpunkt>)`, "${1}${2}")
			}})
		} else {
			other := catalogue.TypeQuittung
			if code == other {
				other = "020101"
			}
			out = append(out, derivation{code, "S999-HDR-TYPE-header-says-" + other + ".xml", false, func(t *testing.T, s string) string {
				return once(t, s, `(<identifikation\.nachricht>\s*<nachrichtenUUID>[^<]*</nachrichtenUUID>\s*<nachrichtentyp[^>]*>\s*<code>)`+code+`(</code>)`, "${1}"+other+"${2}")
			}})
		}
		// Code list: an unknown version of the message type list, or a
		// directory service that is not in its list.
		if i%2 == 0 {
			out = append(out, derivation{code, "S010-CODE-LIST-nachrichtentyp-version-9.xml", false, func(t *testing.T, s string) string {
				return once(t, s, `(<identifikation\.nachricht>\s*<nachrichtenUUID>[^<]*</nachrichtenUUID>\s*<nachrichtentyp listURI="urn:xgate:de:codeliste:nachrichtentyp" listVersionID=")1(")`, "${1}9${2}")
			}})
		} else {
			out = append(out, derivation{code, "S011-CODE-VALUE-verzeichnisdienst-x500.xml", false, func(t *testing.T, s string) string {
				return once(t, s, `(<leser>\s*<verzeichnisdienst[^>]*>\s*<code>)DVDV(</code>)`, "${1}X500${2}")
			}})
		}
		// Roles: a sender or recipient of a role the catalogue does not
		// allow; for types any role may send and receive, participants
		// the directory does not know.
		tmpl := string(template(t, vs, code).Data)
		if len(ty.From) > 0 {
			m, ok := wrongParticipant(ty.From, partyKennung(t, tmpl, "leser"))
			if !ok {
				t.Fatalf("derive %s: no participant of a wrong sender role", code)
			}
			out = append(out, derivation{code, "T070-sender-role-" + string(m.Role) + ".xml", false, func(t *testing.T, s string) string {
				return swapParty(t, s, "autor", m.Kennung, m.Name)
			}})
		} else {
			out = append(out, derivation{code, "T070-sender-not-in-directory.xml", false, func(t *testing.T, s string) string {
				return swapParty(t, s, "autor", "dbs:499990990099", "Unbekannte Behörde (Test)")
			}})
		}
		if len(ty.To) > 0 {
			m, ok := wrongParticipant(ty.To, partyKennung(t, tmpl, "autor"))
			if !ok {
				t.Fatalf("derive %s: no participant of a wrong recipient role", code)
			}
			out = append(out, derivation{code, "T070-recipient-role-" + string(m.Role) + ".xml", false, func(t *testing.T, s string) string {
				return swapParty(t, s, "leser", m.Kennung, m.Name)
			}})
		} else {
			out = append(out, derivation{code, "T080-recipient-not-in-directory.xml", false, func(t *testing.T, s string) string {
				return swapParty(t, s, "leser", "dbs:499990990098", "Unbekannte Behörde (Test)")
			}})
		}
	}
	// Rules that name types whose hand-written vectors lack them.
	otherRef := func(t *testing.T, s string) string {
		m := regexp.MustCompile(`<ausloeserUUID>([^<]*)</ausloeserUUID>`).FindStringSubmatch(s)
		if m == nil {
			t.Fatal("derive: no ausloeserUUID")
		}
		return once(t, s, `(<(?:bezug|empfangeneNachricht)>\s*<nachrichtenUUID>)`+regexp.QuoteMeta(m[1])+`(</nachrichtenUUID>)`, "${1}0b7e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4${2}")
	}
	for _, code := range []string{catalogue.TypeNichtzustaendigkeit, catalogue.TypeTransportquittung, catalogue.TypeErinnerung} {
		out = append(out, derivation{code, "S999-ADM-SELFREF-other-uuid.xml", false, otherRef})
	}
	out = append(out, derivation{"090099", "S999-AZR-BEZUG-other-uuid.xml", false, otherRef})
	for _, code := range []string{"110203", "110204"} {
		out = append(out, derivation{code, "WARN-ASYL-AZR-person-without-azr-number.xml", true, func(t *testing.T, s string) string {
			return once(t, s, `(<person>\s*)<azrNummer>[^<]*</azrNummer>\s*(<name>\s*<familienname>[^<]*</familienname>\s*<vorname>(?:Yousef|Nazanin)</vorname>)`, "${1}${2}")
		}})
	}
	return out
}

// template returns the first plain valid vector of type code.
func template(t *testing.T, vs []conformance.Vector, code string) conformance.Vector {
	t.Helper()
	for _, v := range vs {
		if v.Type == code && v.Valid && v.WantWarning == "" {
			return v
		}
	}
	t.Fatalf("type %s has no plain valid vector to derive from", code)
	return conformance.Vector{}
}

var reCreatedMillis = regexp.MustCompile(`(<erstellungszeitpunkt>[^<.]*\.)([0-9]{3})`)

func TestDerivedVectors(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range derivations(t, vs) {
		if d.name == "" {
			t.Fatalf("derivation for %s has no name", d.typ)
		}
		folder := "invalid"
		if d.valid {
			folder = "valid"
		}
		rel := d.typ + "/" + folder + "/" + d.name
		if seen[rel] {
			t.Fatalf("two derivations write %s", rel)
		}
		seen[rel] = true
		tmpl := template(t, vs, d.typ)
		s := d.change(t, string(tmpl.Data))
		if s == string(tmpl.Data) {
			t.Errorf("%s: the change changes nothing", rel)
		}
		s = once(t, s, headerUUID, "${1}"+derivedUUID(rel)+"${2}")
		if d.valid { // valid samples have distinct creation times
			h := sha1.Sum([]byte(rel))
			s = reCreatedMillis.ReplaceAllString(s, fmt.Sprintf("${1}%03d", int(h[0])*1000/256))
		}
		file := filepath.Join("testdata", "vectors", filepath.FromSlash(rel))
		if *update {
			if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, []byte(s)) {
			t.Errorf("%s is not its derivation from %s (%v); run go test ./conformance -run TestDerivedVectors -update", rel, tmpl.Path, err)
		}
	}
}
