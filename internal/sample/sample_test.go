package sample_test

import (
	"context"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))

func TestEveryTypeHasASample(t *testing.T) {
	set, err := sample.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range catalogue.New().Types() {
		if len(set.Samples(typ.Code)) == 0 {
			t.Errorf("no plain sample of %s", typ.Code)
		}
	}
	a, _ := set.Doc("090009", "")
	b, _ := set.Doc("090009", "")
	a.Root().SelectElement("person").SelectElement("name").SelectElement("familienname").SetText("Geändert")
	if sample.Text(b.Root(), "person/name/familienname") == "Geändert" {
		t.Fatal("Doc copies share elements")
	}
	if _, err := set.Doc("090009", "no-such.xml"); err == nil {
		t.Fatal("unknown sample name accepted")
	}
}

// TestSetHeader: the rewritten header names the parties, carries or drops
// ausloeserUUID where the schema puts it, and the message stays valid.
func TestSetHeader(t *testing.T) {
	set, err := sample.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(validate.Config{Clock: clock.Fixed(now)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	abh := kennung.Identity{Kennung: "azr:999901", Role: kennung.RoleABH, Name: "Ausländerbehörde Musterstadt"}
	ba := kennung.Identity{Kennung: "dbs:499990040000", Role: kennung.RoleBA, Name: "Bundesagentur für Arbeit, ZAV (Test)"}
	mb := kennung.Identity{Kennung: "ags:08999001", Role: kennung.RoleMB, Name: "Meldebehörde Musterstadt"}
	other := kennung.Identity{Kennung: "azr:999902", Role: kennung.RoleABH, Name: "Landratsamt Beispielkreis, Ausländerbehörde"}
	rng := mrand.New(mrand.NewPCG(1, 2))
	tests := []struct {
		typ         string
		autor, lese kennung.Identity
		ausloeser   string
		wantAfter   string // element before ausloeserUUID, "" when absent
	}{
		{"910001", abh, ba, "", ""},
		{"910001", abh, ba, "c2a5e8f1-6b3d-4a97-8e24-1f0b7d5c9a63", "anschrift.autor"},
		{"030101", mb, abh, "c2a5e8f1-6b3d-4a97-8e24-1f0b7d5c9a63", "identifikation.ereignis"},
		{"900020", abh, mb, "94f977dc-a603-4e73-bd7e-6f2067cb1602", "anschrift.autor"},
		{"020101", other, mb, "", ""}, // an autor the samples do not know by kennung: its role's contact data
	}
	for _, tc := range tests {
		t.Run(tc.typ+"/"+tc.wantAfter, func(t *testing.T) {
			doc, err := set.Doc(tc.typ, "")
			if err != nil {
				t.Fatal(err)
			}
			uuid := sample.UUID(rng)
			if err := set.SetHeader(doc, sample.Header{UUID: uuid, Created: now, Autor: tc.autor, Leser: tc.lese, Ausloeser: tc.ausloeser}); err != nil {
				t.Fatal(err)
			}
			b, err := sample.Bytes(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`) {
				t.Errorf("no XML declaration: %.60s", b)
			}
			if rep := v.Validate(context.Background(), b); !rep.Valid() || len(rep.Warnings) > 0 {
				t.Fatalf("findings %v warnings %v\n%s", rep.Findings, rep.Warnings, b)
			}
			m, err := message.Parse(b, message.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			h := m.Header()
			if h.UUID != uuid || h.Created != now.Format(sample.TimestampLayout) || h.Autor.Kennung != string(tc.autor.Kennung) ||
				h.Autor.Name != tc.autor.Name || h.Leser.Kennung != string(tc.lese.Kennung) || h.AusloeserUUID != tc.ausloeser {
				t.Errorf("header %+v", h)
			}
			a := m.Root.SelectElement("ausloeserUUID")
			if (a == nil) != (tc.wantAfter == "") {
				t.Fatalf("ausloeserUUID present %v, want %v", a != nil, tc.wantAfter != "")
			}
			if a != nil {
				kids := m.Root.ChildElements()
				if i := indexOf(kids, a); i < 1 || kids[i-1].Tag != tc.wantAfter {
					t.Errorf("ausloeserUUID at %d, want after %s", i, tc.wantAfter)
				}
			}
		})
	}
	doc, _ := set.Doc("910001", "")
	if err := set.SetHeader(doc, sample.Header{UUID: "not-a-uuid", Created: now, Autor: abh, Leser: ba}); err == nil {
		t.Error("a bad UUID was accepted")
	}
}

func indexOf[T comparable](s []T, v T) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

func TestUUID(t *testing.T) {
	a, b := sample.UUID(mrand.New(mrand.NewPCG(1, 2))), sample.UUID(mrand.New(mrand.NewPCG(1, 2)))
	if a != b {
		t.Errorf("same stream, %s and %s", a, b)
	}
	for _, u := range []string{a, sample.UUID(nil)} {
		if !message.ValidUUID(u) || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Errorf("%s is not a version 4 UUID", u)
		}
	}
	if x, y := sample.UUID(nil), sample.UUID(nil); x == y {
		t.Error("random UUIDs repeat")
	}
}
