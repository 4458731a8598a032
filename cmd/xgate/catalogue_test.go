package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xgate/xgate/xml/catalogue"
)

func TestCatalogueCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		golden string
		stdout string // substring of stdout
		stderr string // substring of stderr
	}{
		{name: "list", args: []string{"catalogue", "list"}, golden: "catalogue_list.golden"},
		{name: "show code", args: []string{"catalogue", "show", catalogue.TypeABHMBAnmeldung}, golden: "catalogue_show_020101.golden"},
		{name: "show root", args: []string{"catalogue", "show", "ABHBA.Zustimmungsanfrage.910001"}, stdout: "choice (root): beabsichtigterTitel | duldung | aufenthaltsgestattung"},
		{name: "rules", args: []string{"catalogue", "rules"}, stdout: "TXT-DIN91379"},
		{name: "unknown type", args: []string{"catalogue", "show", "123456"}, code: exitUsage, stderr: `unknown message type "123456"`},
		{name: "bad format", args: []string{"catalogue", "list", "--format", "yaml"}, code: exitUsage, stderr: "must be table or json"},
		{name: "show needs a type", args: []string{"catalogue", "show"}, code: exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runXgate(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut)
			}
			if tc.golden != "" {
				golden(t, tc.golden, out)
			}
			if !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stdout %q / stderr %q lack %q / %q", out, errOut, tc.stdout, tc.stderr)
			}
		})
	}
}

// The JSON of every type names its fields with cardinalities and the code
// list of every code field.
func TestCatalogueJSON(t *testing.T) {
	code, out, errOut := runXgate(t, "", "catalogue", "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var infos []typeInfo
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(catalogue.New().Types()) {
		t.Fatalf("%d types, want %d", len(infos), len(catalogue.New().Types()))
	}
	for _, ti := range infos {
		if ti.Root == "" || ti.LegalBasis == "" || ti.Counterpart == "" || len(ti.Senders) == 0 || len(ti.Fields) == 0 {
			t.Errorf("%s incomplete: %+v", ti.Code, ti)
		}
		seen := map[string]bool{}
		for _, f := range ti.Fields {
			seen[f.Path] = true
			if f.Occurs == "" {
				t.Errorf("%s %s: no cardinality", ti.Code, f.Path)
			}
			if f.CodeType != "" && f.CodeList == "" {
				t.Errorf("%s %s: code type %s has no code list", ti.Code, f.Path, f.CodeType)
			}
		}
		for _, p := range []string{"nachrichtenkopf.g2g/autor/erreichbarkeit", "anschrift.autor", "@standard", "@test"} {
			if !seen[p] {
				t.Errorf("%s lacks field %s", ti.Code, p)
			}
		}
	}
	code, out, _ = runXgate(t, "", "catalogue", "show", catalogue.TypeAZRFolgemeldung, "--format", "json")
	var one typeInfo
	if err := json.Unmarshal([]byte(out), &one); err != nil || code != 0 || one.LegalBasis != "§ 8 AZRG" {
		t.Fatalf("show 090010: exit %d, %v, %+v", code, err, one.LegalBasis)
	}
}
