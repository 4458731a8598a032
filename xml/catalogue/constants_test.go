package catalogue_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/catalogue"
)

// Every exported Type… constant in types.go names a catalogue type, and
// every catalogue type has exactly one constant; the constant's name ends
// with the type's name, so TypeQuittung cannot silently point at another
// message.
func TestTypeConstants(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "types.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalogue.New()
	seen := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, "Type") {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s is not a literal", n.Name)
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				ty, ok := cat.Lookup(code)
				if !ok {
					t.Errorf("%s = %q is not in the catalogue", n.Name, code)
					continue
				}
				if prev, dup := seen[code]; dup {
					t.Errorf("%s and %s both name %s", prev, n.Name, code)
				}
				seen[code] = n.Name
				name := ty.Name
				if ty.Code == catalogue.TypeNichtzustaendigkeit {
					name = "Nichtzustaendigkeit" // the brief's short name for Nichtzustaendigserklaerung
				}
				if !strings.HasSuffix(n.Name, name) {
					t.Errorf("%s = %s names %s", n.Name, code, ty.Root())
				}
			}
		}
	}
	for _, ty := range cat.Types() {
		if _, ok := seen[ty.Code]; !ok {
			t.Errorf("type %s (%s) has no constant", ty.Code, ty.Root())
		}
	}
}

// No type uses a number of the real XAusländer 26.11 message-type list
// (urn:de:xauslaender:codelist:nachrichtentyp version 19) for another
// message: a real number carries the real root name, and xgate's own types
// sit in module ranges that list does not use.
func TestNumbersFreeOfCollisions(t *testing.T) {
	real := realXAuslaenderModules()
	for _, ty := range catalogue.New().Types() {
		module := ty.Code[:2]
		if want, ok := realXAuslaenderTypes[ty.Code]; ok {
			if ty.Root() != want {
				t.Errorf("%s is %s in real XAusländer, xgate says %s", ty.Code, want, ty.Root())
			}
			continue
		}
		if real[module] {
			t.Errorf("%s (%s) lies in real XAusländer module %s but is not a real message", ty.Code, ty.Root(), module)
		}
	}
}

// realXAuslaenderTypes are the entries of the real list (version 19, valid
// from 2026-11-01) whose numbers xgate uses, with their real root names.
var realXAuslaenderTypes = map[string]string{
	"000030": "Administration.Nichtzustaendigserklaerung.000030",
	"020101": "ABHMB.Anmeldung.020101",
	"020105": "ABHMB.AenderungName.020105",
	"020112": "ABHMB.NachgewieseneAusreise.020112",
	"020114": "ABHMB.MitteilungAZRNummer.020114",
	"030101": "MBABH.Anmeldung.030101",
	"030102": "MBABH.Abmeldung.030102",
	"030103": "MBABH.Hauptwohnung.030103",
	"030301": "MBABH.Ablehnung.030301",
	"090001": "AnAZR.AZRAnfrage.090001",
	"090002": "VonAZR.AZRKeinTreffer.090002",
	"090003": "VonAZR.AZRTrefferliste.090003",
	"090004": "VonAZR.AZRGesamtauskunft.090004",
	"090009": "AnAZR.AZRErstmeldung.090009",
	"090010": "AnAZR.AZRFolgemeldung.090010",
	"090030": "VonAZR.AZRMitteilungZuDatenaenderung.090030",
	"090098": "VonAZR.AZRBestaetigungMeldung.090098",
	"090099": "VonAZR.AZRFehlernachricht.090099",
	"110202": "Asyl.Entscheidungsuebermittlung.110202",
	"110203": "Asyl.BescheidZustelldatum.110203",
	"110204": "Asyl.Abschlussmitteilung.110204",
	"111501": "Asyl.EinzelfallinformationAnBAMF.111501",
}

// realXAuslaenderModules are the two-digit modules the real list uses:
// 00 Administration, 01 ABHABH, 02 ABHMB, 03 MBABH, 07 ABHBAMF, 08 TGSBAMF,
// 09 AZR, 10 BerD, 11 Asyl, 12 NKS, 13 OZG, 14 ERSST, 16 BPOL, 17 GEAS,
// 18 PEB.
func realXAuslaenderModules() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{"00", "01", "02", "03", "07", "08", "09", "10", "11", "12", "13", "14", "16", "17", "18"} {
		m[s] = true
	}
	return m
}
