package certs_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// TestKennungFromCert: who a certificate belongs to is read exactly once
// and exactly, or refused.
func TestKennungFromCert(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	withSubject := func(n pkix.Name) *x509.Certificate {
		return ca.Issue(t, certstest.Spec{Subject: n}).Cert
	}
	serial := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: oidSerialNumber, Value: v}
	}
	withTwo := func(a, b string) *x509.Certificate { return twoSerials(t, ca, a, b) }
	cases := []struct {
		name    string
		cert    *x509.Certificate
		want    kennung.Kennung
		wantErr error // errcode sentinel or ErrNoKennung
	}{
		{"one serialNumber", withSubject(pkix.Name{CommonName: "ABH", SerialNumber: "azr:999901"}), "azr:999901", nil},
		{"none", withSubject(pkix.Name{CommonName: "ABH"}), "", certs.ErrNoKennung},
		{"two serialNumbers", withTwo("azr:999901", "azr:999902"), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"two equal serialNumbers", withTwo("azr:999901", "azr:999901"), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"serialNumber in ExtraNames", withSubject(pkix.Name{CommonName: "ABH", ExtraNames: []pkix.AttributeTypeAndValue{serial("azr:999902")}}), "azr:999902", nil},
		{"trailing no-break space", withSubject(pkix.Name{CommonName: "ABH", SerialNumber: "azr:999901\u00a0"}), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"leading space", withSubject(pkix.Name{CommonName: "ABH", SerialNumber: " azr:999901"}), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"newline", withSubject(pkix.Name{CommonName: "ABH", SerialNumber: "azr:999901\nkennung: dbs:1"}), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"not a kennung", withSubject(pkix.Name{CommonName: "ABH", SerialNumber: "12345"}), "", &errcode.Error{Code: errcode.CertInvalid}},
		{"nil", nil, "", &errcode.Error{Code: errcode.CertMissing}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := certs.KennungFromCert(tc.cert)
			if got != tc.want {
				t.Errorf("kennung %q, want %q", got, tc.want)
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestSubjectStringShowsEveryAttribute: the printed subject is the one in
// the certificate, not pkix.Name's reconstruction, which keeps only the
// last of two serialNumbers.
func TestSubjectStringShowsEveryAttribute(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "xgate Test Root")
	c := twoSerials(t, ca, "azr:999901", "azr:999902")
	s := certs.SubjectString(c)
	if !strings.Contains(s, "azr:999901") || !strings.Contains(s, "azr:999902") {
		t.Errorf("SubjectString %q drops a serialNumber", s)
	}
	if d := certs.Describe(c, ca.Now); d.Subject != s || d.Kennung != "" {
		t.Errorf("Describe: subject %q, kennung %q", d.Subject, d.Kennung)
	}
	if l := certs.Label(c); !strings.Contains(l, "azr:999902") {
		t.Errorf("Label %q drops a serialNumber", l)
	}
}

// twoSerials issues a signing certificate whose subject carries two
// serialNumber attributes, a and b, in separate RDNs.
func twoSerials(t *testing.T, ca *certstest.CA, a, b string) *x509.Certificate {
	t.Helper()
	raw, err := asn1.Marshal(pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "ABH Musterstadt Signatur"}},
		{{Type: oidSerialNumber, Value: a}},
		{{Type: oidSerialNumber, Value: b}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return ca.Issue(t, certstest.Spec{Customize: func(c *x509.Certificate) { c.RawSubject = raw }}).Cert
}
