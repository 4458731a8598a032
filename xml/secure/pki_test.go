package secure_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/xml/secure"
)

// party is a key and its certificate.
type party struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

func fromPair(kp certs.KeyPair) party { return party{Key: kp.Key, Cert: kp.Cert} }

// testPKI is the PKI of the tests, minted with certstest: a CA with its
// CRL and verifier, the sender's and another participant's signing
// certificates, the receiver's two encryption certificates (current and
// next), and the bad certificates of the attack corpus. Everything is
// valid around the real time, so that xmlsec1 (wall clock) agrees.
type testPKI struct {
	CA         *certstest.CA
	CAPEM      []byte
	CRLPEM     []byte
	verifier   *certs.Verifier
	Sender     party // signing, kennung azr:abh-musterstadt
	Other      party // signing, another trusted participant
	RecvA      party // encryption, current
	RecvB      party // encryption, next (newer NotBefore)
	Untrusted  party // signing, issued by a CA nobody trusts
	SelfSigned party
	Expired    party
	NotYet     party
	Revoked    party
	WrongUsage party // an encryption certificate used to sign
	Weak       party // 2048-bit signing certificate
	SHA1       party // signing certificate signed with SHA-1
	TwoSerials party // subject with two serialNumber attributes (two kennungen)
	NLKennung  party // subject serialNumber with a line feed
	NoKennung  party // subject without serialNumber
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

// getPKI returns the process-wide test PKI.
func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal = newTestPKI(t) })
	if pkiVal == nil {
		t.Fatal("the test PKI could not be built (see the first failing test)")
	}
	return pkiVal
}

func newTestPKI(t testing.TB) *testPKI {
	ca := certstest.NewCA(t, "xgate test root")
	signing := func(cn, kennung string) certstest.Spec {
		return certstest.Spec{Purpose: certs.Signing, Subject: pkix.Name{Organization: []string{"xgate Test-PKI"}, CommonName: cn, SerialNumber: kennung}}
	}
	p := &testPKI{
		CA:     ca,
		Sender: fromPair(ca.Issue(t, signing("ABH Musterstadt Signatur", "azr:abh-musterstadt"))),
		Other:  fromPair(ca.Issue(t, signing("Meldebehoerde Musterstadt Signatur", "ags:08999001"))),
		RecvA: fromPair(ca.Issue(t, certstest.Spec{Purpose: certs.Encryption, NotBefore: ca.Now.Add(-48 * time.Hour),
			Subject: pkix.Name{CommonName: "AZR Verschluesselung 1", SerialNumber: "dbs:azr"}})),
		RecvB: fromPair(ca.Issue(t, certstest.Spec{Purpose: certs.Encryption,
			Subject: pkix.Name{CommonName: "AZR Verschluesselung 2", SerialNumber: "dbs:azr"}})),
		Untrusted:  fromPair(certstest.NewCA(t, "xgate test root").Issue(t, signing("ABH Musterstadt Signatur", "azr:abh-musterstadt"))),
		SelfSigned: fromPair(certstest.SelfSigned(t, certs.Signing)),
		Expired:    fromPair(ca.Expired(t, certs.Signing)),
		NotYet:     fromPair(ca.NotYetValid(t, certs.Signing)),
		Revoked:    fromPair(ca.Revoked(t, certs.Signing)),
		WrongUsage: fromPair(ca.WrongUsage(t, certs.Signing)),
		Weak:       fromPair(ca.Weak(t, certs.Signing)),
		SHA1:       fromPair(ca.SHA1(t, certs.Signing)),
		TwoSerials: fromPair(ca.Issue(t, certstest.Spec{Purpose: certs.Signing, Customize: func(c *x509.Certificate) {
			c.RawSubject = rawName(t, "ABH Musterstadt Signatur", "azr:abh-musterstadt", "dbs:499990020000")
		}})),
		NLKennung: fromPair(ca.Issue(t, signing("ABH Musterstadt Signatur", "azr:abh-musterstadt\nkennung: dbs:499990020000"))),
		NoKennung: fromPair(ca.Issue(t, signing("ABH Musterstadt Signatur", ""))),
	}
	p.verifier = ca.Verifier(t) // after Revoked: its CRL lists that one
	p.CAPEM = certs.EncodeCertificates(ca.Cert)
	crl := ca.CRL(t)
	p.CRLPEM = pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw})
	return p
}

// rawName is a subject with a CN and one serialNumber attribute per
// value, each in its own RDN.
func rawName(t testing.TB, cn string, serials ...string) []byte {
	t.Helper()
	seq := pkix.RDNSequence{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: cn}}}
	for _, s := range serials {
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: s}})
	}
	raw, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Verifier is the certs verifier, which satisfies secure.CertVerifier
// directly (as the gateway and the CLI use it).
func (p *testPKI) Verifier() secure.CertVerifier { return p.verifier }

// sealOpts are the options of the sender sealing for the receiver.
func (p *testPKI) sealOpts(prof secure.Profile) secure.SealOptions {
	return secure.SealOptions{
		SigningKey:     p.Sender.Key,
		SigningCert:    p.Sender.Cert,
		RecipientCerts: []*x509.Certificate{p.RecvA.Cert},
		Profile:        prof,
	}
}

// openOpts are the options of the receiver holding RecvA's key.
func (p *testPKI) openOpts() secure.OpenOptions {
	return secure.OpenOptions{
		DecryptionKeys: []crypto.Decrypter{p.RecvA.Key},
		Verifier:       p.Verifier(),
	}
}
