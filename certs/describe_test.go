package certs_test

import (
	"crypto/x509"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/xml/errcode"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	m := certstest.PKI(t)
	abh, _ := m.ByID("abh")
	c, err := certs.LoadCertificate(m.Path(abh.TLS.Cert))
	if err != nil {
		t.Fatal(err)
	}
	d := certs.Describe(c, c.NotBefore.Add(48*time.Hour))
	checks := []struct {
		name string
		ok   bool
	}{
		{"subject", strings.Contains(d.Subject, "CN=Ausländerbehörde Musterstadt TLS")},
		{"issuer", strings.Contains(d.Issuer, "xgate Entwicklungs-Wurzel-CA")},
		{"serial", d.Serial == certs.SerialHex(c.SerialNumber) && strings.Count(d.Serial, ":") > 8},
		{"status", d.Status == certs.StatusValid && d.DaysLeft > 700},
		{"key", d.KeyType == "RSA" && d.KeyBits == 3072},
		{"signature", d.SignatureAlgorithm == "SHA256-RSA"},
		{"key usage", slices.Equal(d.KeyUsage, []string{"digitalSignature"})},
		{"ext key usage", slices.Equal(d.ExtKeyUsage, []string{"serverAuth", "clientAuth"})},
		{"SANs", slices.Equal(d.SANs, []string{"DNS:localhost", "IP:127.0.0.1", "IP:::1"})},
		{"fingerprint", d.FingerprintSHA256 == certs.Fingerprint(c) && len(d.FingerprintSHA256) == 32*3-1},
		{"owner", d.Kennung == "azr:999901" && d.Role == "abh" && d.Participant == "Ausländerbehörde Musterstadt"},
		{"purposes", slices.Equal(d.Purposes, []certs.Purpose{certs.TLSServer, certs.TLSClient})},
		{"not CA", !d.IsCA && !d.SelfSigned},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s wrong: %+v", ch.name, d)
		}
	}
	if d := certs.Describe(c, c.NotAfter.Add(time.Hour)); d.Status != certs.StatusExpired || d.DaysLeft >= 0 {
		t.Errorf("after NotAfter: %s, %d days", d.Status, d.DaysLeft)
	}

	dir, err := certs.LoadCertificate(m.Path(m.Directory.Cert))
	if err != nil {
		t.Fatal(err)
	}
	if d := certs.Describe(dir, time.Now()); d.Role != "directory" || len(d.Policies) != 1 || !strings.HasPrefix(d.Policies[0], certs.OIDDirectoryPolicy) {
		t.Errorf("directory: %+v", d)
	}
	root, _ := certs.LoadCertificate(m.Path(m.Root.Cert))
	if d := certs.Describe(root, time.Now()); !d.IsCA || !d.SelfSigned || d.Role != "" {
		t.Errorf("root: %+v", d)
	}
}

func TestDescribeFile(t *testing.T) {
	t.Parallel()
	ca := certstest.NewCA(t, "Root")
	kp := ca.Revoked(t, certs.Signing)
	dir := t.TempDir()
	certFile, keyFile := certstest.WriteKeyPair(t, dir, "leaf", kp)
	crlFile := filepath.Join(dir, "root.crl")
	certstest.WriteFile(t, crlFile, certs.EncodeCRL(ca.CRL(t).Raw), 0o644)

	fd, err := certs.DescribeFile(certFile, ca.Now)
	if err != nil || len(fd.Certificates) != 1 || fd.Certificates[0].Serial != certs.SerialHex(kp.Cert.SerialNumber) {
		t.Fatalf("DescribeFile(cert) = %+v, %v", fd, err)
	}
	fd, err = certs.DescribeFile(crlFile, ca.Now)
	if err != nil || len(fd.CRLs) != 1 || len(fd.CRLs[0].Revoked) != 1 || fd.CRLs[0].Status != "current" {
		t.Fatalf("DescribeFile(crl) = %+v, %v", fd, err)
	}
	if got := fd.CRLs[0].Revoked[0].Serial; got != certs.SerialHex(kp.Cert.SerialNumber) {
		t.Errorf("revoked serial %s", got)
	}
	if fd, _ := certs.DescribeFile(crlFile, ca.Now.AddDate(1, 0, 0)); fd.CRLs[0].Status != "stale" {
		t.Errorf("CRL a year later: %s", fd.CRLs[0].Status)
	}
	if _, err := certs.DescribeFile(keyFile, ca.Now); !isCode(err, errcode.CertMissing) || !strings.Contains(err.Error(), "private key") {
		t.Errorf("key file: %v", err)
	}
}

func TestLabelHasNoKeyMaterial(t *testing.T) {
	t.Parallel()
	c := certstest.SelfSigned(t, certs.Signing).Cert
	l := certs.Label(c)
	if !strings.Contains(l, c.Subject.CommonName) || strings.Contains(l, string(c.RawSubjectPublicKeyInfo)) {
		t.Errorf("Label = %q", l)
	}
	var _ = x509.Certificate{}
}
