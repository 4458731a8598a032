package catalogue_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/xgate/xgate/xml/catalogue"
)

func TestCatalogueComplete(t *testing.T) {
	cat := catalogue.New()
	types := cat.Types()
	if len(types) != 34 {
		t.Fatalf("catalogue has %d types, catalogue.md §4 lists 34", len(types))
	}
	codeRE := regexp.MustCompile(`^\d{6}$`)
	for i, ty := range types {
		if i > 0 && types[i-1].Code >= ty.Code {
			t.Errorf("types not ordered by code at %s", ty.Code)
		}
		if !codeRE.MatchString(ty.Code) {
			t.Errorf("%s: code is not six digits", ty.Code)
		}
		if ty.Code[:2] != ty.Group {
			t.Errorf("%s: group %s does not match code", ty.Code, ty.Group)
		}
		if _, ok := cat.Group(ty.Group); !ok {
			t.Errorf("%s: unknown group %s", ty.Code, ty.Group)
		}
		if got, ok := cat.ByRoot(ty.Root()); !ok || got.Code != ty.Code {
			t.Errorf("ByRoot(%s) = %v, %v", ty.Root(), got.Code, ok)
		}
		if catalogue.CodeOfRoot(ty.Root()) != ty.Code {
			t.Errorf("CodeOfRoot(%s) != %s", ty.Root(), ty.Code)
		}
		for _, a := range ty.Answers {
			at, ok := cat.Lookup(a)
			if !ok {
				t.Errorf("%s: answer %s not in catalogue", ty.Code, a)
				continue
			}
			if !at.IsAnswer {
				t.Errorf("%s: answer %s is not marked IsAnswer", ty.Code, a)
			}
		}
		if ty.ExpectsAnswer() == ty.Deadline.IsZero() {
			t.Errorf("%s: deadline %v does not fit answers %v", ty.Code, ty.Deadline, ty.Answers)
		}
		if ty.LegalBasis == "" || ty.Purpose == "" {
			t.Errorf("%s: legal basis and purpose must be set", ty.Code)
		}
		for _, r := range append(append([]catalogue.Role{}, ty.From...), ty.To...) {
			if !r.Valid() {
				t.Errorf("%s: invalid role %q", ty.Code, r)
			}
		}
	}
}

func TestExpectedAnswers(t *testing.T) {
	cat := catalogue.New()
	tests := []struct {
		code     string
		answers  []string
		deadline string
	}{
		{"020101", []string{"900020", "030301", "000030"}, "5 working days"},
		{"030102", []string{"900020", "000030"}, "5 working days"},
		{"090001", []string{"090002", "090003", "090004", "090099"}, "1h0m0s"},
		{"090010", []string{"090098", "090099"}, "1h0m0s"},
		{"111501", []string{"900020"}, "5 working days"},
		{"910001", []string{"910002", "910003", "910004", "910005"}, "10 working days"},
		{"920003", []string{"900020"}, "5 working days"},
		{"090098", nil, "none"},
	}
	for _, tc := range tests {
		ty, ok := cat.Lookup(tc.code)
		if !ok {
			t.Fatalf("%s missing", tc.code)
		}
		if len(ty.Answers) != len(tc.answers) {
			t.Errorf("%s: answers %v, want %v", tc.code, ty.Answers, tc.answers)
		}
		for i := range tc.answers {
			if i < len(ty.Answers) && ty.Answers[i] != tc.answers[i] {
				t.Errorf("%s: answers %v, want %v", tc.code, ty.Answers, tc.answers)
			}
		}
		if ty.Deadline.String() != tc.deadline {
			t.Errorf("%s: deadline %s, want %s", tc.code, ty.Deadline, tc.deadline)
		}
	}
}

func TestDeadlineWorkingDays(t *testing.T) {
	fri := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) // a Friday
	got := catalogue.Deadline{WorkingDays: 5}.After(fri)
	want := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC) // next Friday
	if !got.Equal(want) {
		t.Errorf("5 working days after %v = %v, want %v", fri, got, want)
	}
	if got := (catalogue.Deadline{Duration: time.Hour}).After(fri); !got.Equal(fri.Add(time.Hour)) {
		t.Errorf("1h after = %v", got)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		kennung string
		want    []catalogue.Role
	}{
		{"azr:08111000-abh", []catalogue.Role{catalogue.RoleABH}},
		{"ags:08111000", []catalogue.Role{catalogue.RoleMB}},
		{"dbs:bamf", []catalogue.Role{catalogue.RoleAZR, catalogue.RoleBAMF, catalogue.RoleBA}},
		{"jc:081110", []catalogue.Role{catalogue.RoleJC}},
		{"xyz:1", nil},
		{"nocolon", nil},
	}
	for _, tc := range tests {
		got := catalogue.RoleOfKennung(tc.kennung)
		if len(got) != len(tc.want) {
			t.Errorf("RoleOfKennung(%s) = %v, want %v", tc.kennung, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("RoleOfKennung(%s) = %v, want %v", tc.kennung, got, tc.want)
			}
		}
	}
	ty, _ := catalogue.New().Lookup("090030")
	if !ty.ReceivedBy(catalogue.RoleJC) || ty.ReceivedBy(catalogue.RoleMB) || !ty.SentBy(catalogue.RoleAZR) {
		t.Error("090030 roles wrong")
	}
}
