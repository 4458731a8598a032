package directory_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/secure"
)

// fixture is one development PKI for the whole test binary.
type fixture struct {
	m         *devpki.Manifest
	authority certs.KeyPair
	endpoints map[kennung.Kennung]string
	now       time.Time
}

var fix *fixture

// TestMain writes one development PKI (pool keys) for the whole binary.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "directory-test-")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		now := time.Now().UTC().Truncate(time.Second)
		res, err := devpki.Init(context.Background(), dir, devpki.Options{Now: now, GenerateKey: certstest.KeyGenerator()})
		if err != nil {
			panic(err)
		}
		mf := res.Manifest
		kp, err := mf.KeyPair(mf.Directory)
		if err != nil {
			panic(err)
		}
		eps := map[kennung.Kennung]string{}
		for i, p := range mf.Participants {
			eps[p.Kennung] = fmt.Sprintf("https://127.0.0.1:%d", 8443+i)
		}
		fix = &fixture{m: mf, authority: kp, endpoints: eps, now: now}
		return m.Run()
	}()
	os.Exit(code)
}

func pki(t *testing.T) *fixture {
	t.Helper()
	return fix
}

func (f *fixture) verifier(t *testing.T) *certs.Verifier {
	t.Helper()
	v, err := f.m.Verifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *fixture) dir(t *testing.T, validity time.Duration, at time.Time) *directory.Directory {
	t.Helper()
	d, err := directory.FromPKI(f.m, f.endpoints, validity, at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) signed(t *testing.T, d *directory.Directory) []byte {
	t.Helper()
	unsigned, err := directory.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := directory.Sign(context.Background(), unsigned, f.authority)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

func (f *fixture) keyPair(t *testing.T, id string, pu certs.Purpose) certs.KeyPair {
	t.Helper()
	p, ok := f.m.ByID(id)
	if !ok {
		t.Fatalf("no participant %s", id)
	}
	files, _ := p.Files(pu)
	kp, err := f.m.KeyPair(files)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestRoundTrip: FromPKI → Marshal → Sign → Verify gives back the same
// directory, with the authority that signed it.
func TestRoundTrip(t *testing.T) {
	f := pki(t)
	d := f.dir(t, 30*24*time.Hour, f.now)
	signed := f.signed(t, d)
	got, err := directory.Verify(context.Background(), signed, f.verifier(t), f.now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Authority.Raw, f.authority.Cert.Raw) {
		t.Errorf("authority %v", got.Authority.Subject)
	}
	a, _ := directory.Marshal(d)
	b, _ := directory.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip differs:\n%s\n---\n%s", a, b)
	}
	if got.Serial != uint64(f.now.Unix()) || !got.Issued.Equal(f.now) || len(got.Participants) != 7 {
		t.Errorf("serial %d issued %v participants %d", got.Serial, got.Issued, len(got.Participants))
	}
	abh, ok := got.Lookup("azr:999901")
	if !ok || abh.Role != kennung.RoleABH || abh.TransportURL() != "https://127.0.0.1:8443/v1/transport" ||
		!abh.HasSigningCert(f.keyPair(t, "abh", certs.Signing).Cert) || abh.HasSigningCert(f.keyPair(t, "mb", certs.Signing).Cert) ||
		!abh.HasTLSCert(f.keyPair(t, "abh", certs.TLSClient).Cert) || abh.HasTLSCert(f.keyPair(t, "abh", certs.Signing).Cert) ||
		len(abh.EncryptionCerts()) != 1 || abh.HasTLSCert(nil) {
		t.Errorf("abh entry: %+v", abh)
	}
	if !strings.Contains(string(signed), `<Directory xmlns="urn:xgate:directory:1">`) {
		t.Errorf("namespace:\n%.300s", signed)
	}
}

// TestVerifyRefuses: unsigned, tampered, signed by a participant instead of
// the authority, by another PKI's authority, expired, not yet valid,
// garbage, and a validly signed document with bad content.
func TestVerifyRefuses(t *testing.T) {
	f := pki(t)
	ctx := context.Background()
	d := f.dir(t, 24*time.Hour, f.now)
	unsigned, err := directory.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	signed := f.signed(t, d)
	tampered := bytes.Replace(signed, []byte("https://127.0.0.1:8444"), []byte("https://203.0.113.9:8444"), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("nothing tampered")
	}
	// A participant's signing key: Sign refuses it, secure.Sign does it.
	abhSign := f.keyPair(t, "abh", certs.Signing)
	if _, err := directory.Sign(ctx, unsigned, abhSign); !errors.Is(err, directory.ErrNotAuthority) {
		t.Errorf("Sign with a participant's key: %v", err)
	}
	byParticipant, err := secure.Sign(ctx, unsigned, secure.SignOptions{SigningKey: abhSign.Key, SigningCert: abhSign.Cert})
	if err != nil {
		t.Fatal(err)
	}
	// Another PKI's directory authority.
	other := certstest.NewCA(t, "another root").Good(t, certs.Directory)
	byOther, err := directory.Sign(ctx, unsigned, other)
	if err != nil {
		t.Fatal(err)
	}
	// Valid signature, bad content: an element the format does not have.
	odd := bytes.Replace(unsigned, []byte("<Serial>"), []byte("<Comment>hi</Comment>\n  <Serial>"), 1)
	oddSigned, err := secure.Sign(ctx, odd, secure.SignOptions{SigningKey: f.authority.Key, SigningCert: f.authority.Cert})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		doc      []byte
		at       time.Time
		code     errcode.Code
		sentinel error
	}{
		{"unsigned", unsigned, f.now, errcode.SignatureWeak, nil},
		{"tampered", tampered, f.now, errcode.SignatureInvalid, nil},
		{"participant signer", byParticipant, f.now, errcode.CertInvalid, nil},
		{"other authority", byOther, f.now, errcode.CertInvalid, nil},
		{"expired", signed, f.now.Add(25 * time.Hour), "", directory.ErrExpired},
		{"not yet valid", signed, f.now.Add(-time.Hour), "", directory.ErrNotYetValid},
		{"garbage", []byte("not a directory"), f.now, errcode.NotWellFormed, nil},
		{"unknown element", oddSigned, f.now, "", directory.ErrInvalid},
	}
	v := f.verifier(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := directory.Verify(ctx, c.doc, v, c.at)
			if err == nil {
				t.Fatalf("accepted serial %d", got.Serial)
			}
			if c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Errorf("error %v, want %v", err, c.sentinel)
			}
			if c.code != "" {
				if code, _ := errcode.Of(err); code != c.code {
					t.Errorf("code %s, want %s: %v", code, c.code, err)
				}
			}
		})
	}
	// The same signed document is accepted at the edges of its validity.
	for _, at := range []time.Time{f.now.Add(-directory.ClockSkew), f.now.Add(24*time.Hour - time.Second)} {
		if _, err := directory.Verify(ctx, signed, v, at); err != nil {
			t.Errorf("at %v: %v", at, err)
		}
	}
}

// TestSignRefuses: an already signed document and one that is not a valid
// directory are not signed.
func TestSignRefuses(t *testing.T) {
	f := pki(t)
	ctx := context.Background()
	d := f.dir(t, time.Hour, f.now)
	signed := f.signed(t, d)
	if _, err := directory.Sign(ctx, signed, f.authority); !errors.Is(err, directory.ErrSigned) {
		t.Errorf("signed twice: %v", err)
	}
	unsigned, _ := directory.Marshal(d)
	for name, doc := range map[string][]byte{
		"no serial":     bytes.Replace(unsigned, []byte("<Serial>"+fmt.Sprint(d.Serial)+"</Serial>"), nil, 1),
		"bad endpoint":  bytes.Replace(unsigned, []byte("https://127.0.0.1:8443"), []byte("http://127.0.0.1:8443"), 1),
		"attribute":     bytes.Replace(unsigned, []byte("<Participant>"), []byte(`<Participant id="x">`), 1),
		"other root":    bytes.Replace(unsigned, []byte(`xmlns="urn:xgate:directory:1"`), []byte(`xmlns="urn:example"`), 1),
		"bad type":      bytes.Replace(unsigned, []byte("<Type>090001</Type>"), []byte("<Type>90001</Type>"), 1),
		"bad recipient": bytes.Replace(unsigned, []byte("<To>azr</To>"), []byte("<To>Ausländerzentralregister</To>"), 1),
		"text":          bytes.Replace(unsigned, []byte("<Participant>"), []byte("<Participant>hello"), 1),
	} {
		if bytes.Equal(doc, unsigned) {
			t.Fatalf("%s: nothing changed", name)
		}
		if _, err := directory.Sign(ctx, doc, f.authority); !errors.Is(err, directory.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestValidate: model mistakes Marshal refuses.
func TestValidate(t *testing.T) {
	f := pki(t)
	mb := f.keyPair(t, "mb", certs.Signing).Cert
	cases := map[string]func(d *directory.Directory){
		"serial 0":            func(d *directory.Directory) { d.Serial = 0 },
		"not_after before":    func(d *directory.Directory) { d.NotAfter = d.Issued },
		"no participants":     func(d *directory.Directory) { d.Participants = nil },
		"duplicate kennung":   func(d *directory.Directory) { d.Participants[1].Kennung = d.Participants[0].Kennung },
		"bad kennung":         func(d *directory.Directory) { d.Participants[0].Kennung = "azr: 1" },
		"bad role":            func(d *directory.Directory) { d.Participants[0].Role = "police" },
		"no name":             func(d *directory.Directory) { d.Participants[0].Name = "" },
		"http endpoint":       func(d *directory.Directory) { d.Participants[0].Endpoint = "http://127.0.0.1:8443" },
		"endpoint with query": func(d *directory.Directory) { d.Participants[0].Endpoint = "https://h/?a=b" },
		"endpoint with user":  func(d *directory.Directory) { d.Participants[0].Endpoint = "https://u:p@h/" },
		"bad dialect":         func(d *directory.Directory) { d.Participants[0].Dialect = "X Meld" },
		"no TLS cert":         func(d *directory.Directory) { d.Participants[0].TLS = nil },
		"foreign signing":     func(d *directory.Directory) { d.Participants[0].Signing = []*x509.Certificate{mb} },
		"cert twice": func(d *directory.Directory) {
			d.Participants[0].Encryption = append(d.Participants[0].Encryption, d.Participants[1].Encryption[0])
		},
		"empty permission": func(d *directory.Directory) { d.Participants[0].Sends = []directory.Permission{{Types: []string{"*"}}} },
		"bad profile":      func(d *directory.Directory) { d.Participants[0].Profile = 7 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			d := f.dir(t, time.Hour, f.now)
			mutate(d)
			if _, err := directory.Marshal(d); !errors.Is(err, directory.ErrInvalid) {
				t.Errorf("Marshal: %v", err)
			}
		})
	}
}

// TestAuthorize: the catalogue's From/To roles decide; unknown senders and
// forbidden types are T070, unknown recipients T080; the test participant
// sends and receives everything; permissions may name kennungen and *.
func TestAuthorize(t *testing.T) {
	f := pki(t)
	d := f.dir(t, time.Hour, f.now)
	const (
		abh  = "azr:999901"
		mb   = "ags:08999001"
		azr  = "dbs:499990020000"
		bamf = "dbs:499990030000"
		ba   = "dbs:499990040000"
		jc   = "opt:99901"
		test = "dbs:499990990000"
	)
	cases := []struct {
		from, to kennung.Kennung
		typ      string
		code     errcode.Code // "" allowed
	}{
		{abh, azr, catalogue.TypeAZRAnfrage, ""},
		{azr, abh, catalogue.TypeAZRKeinTreffer, ""},
		{abh, mb, catalogue.TypeABHMBAnmeldung, ""},
		{mb, abh, catalogue.TypeMBABHAnmeldung, ""},
		{abh, bamf, catalogue.TypeAsylEinzelfallinformationAnBAMF, ""},
		{bamf, abh, catalogue.TypeAsylEntscheidungsuebermittlung, ""},
		{abh, ba, catalogue.TypeABHBAZustimmungsanfrage, ""},
		{ba, abh, catalogue.TypeBAABHZustimmung, ""},
		{abh, jc, catalogue.TypeABHJCStatusmitteilung, ""},
		{jc, abh, catalogue.TypeJCABHMitteilungLeistungsbezug, ""},
		{azr, jc, catalogue.TypeAZRMitteilungZuDatenaenderung, ""},
		{mb, abh, catalogue.TypeQuittung, ""},           // any role, any recipient
		{abh, azr, catalogue.TypeTransportquittung, ""}, // process types
		{abh, test, catalogue.TypeAZRAnfrage, ""},       // the test participant receives everything
		{test, abh, catalogue.TypeAZRGesamtauskunft, ""},
		{test, mb, "123456", ""},                                             // … and sends anything
		{abh, bamf, catalogue.TypeAZRAnfrage, errcode.SenderNotAuthorised},   // wrong recipient role
		{mb, abh, catalogue.TypeABHMBAnmeldung, errcode.SenderNotAuthorised}, // wrong sender role
		{azr, mb, catalogue.TypeAZRMitteilungZuDatenaenderung, errcode.SenderNotAuthorised},
		{abh, azr, "999999", errcode.SenderNotAuthorised},                          // unknown type
		{"azr:123456", azr, catalogue.TypeAZRAnfrage, errcode.SenderNotAuthorised}, // unknown sender
		{abh, "dbs:123", catalogue.TypeAZRAnfrage, errcode.WrongRecipient},         // unknown recipient
		{"azr:123456", "dbs:123", catalogue.TypeAZRAnfrage, errcode.SenderNotAuthorised},
	}
	for _, c := range cases {
		err := d.Authorize(c.from, c.to, c.typ)
		code, _ := errcode.Of(err)
		if code != c.code || (err == nil) != (c.code == "") {
			t.Errorf("%s → %s %s: %v, want %q", c.from, c.to, c.typ, err, c.code)
		}
		var e *errcode.Error
		if err != nil && (!errors.As(err, &e) || e.Op != directory.OpAuthorize || e.Detail == "") {
			t.Errorf("%s → %s %s: not an authorize error: %#v", c.from, c.to, c.typ, err)
		}
	}
	// Permissions by kennung and by *.
	p, _ := d.Lookup(mb)
	p.Sends = []directory.Permission{{Types: []string{catalogue.TypeMBABHAblehnung}, To: []string{abh}}, {Types: []string{"*"}, To: []string{jc}}}
	for _, c := range []struct {
		to   kennung.Kennung
		typ  string
		want bool
	}{{abh, catalogue.TypeMBABHAblehnung, true}, {abh, catalogue.TypeMBABHAnmeldung, false}, {jc, "000000", true}, {azr, catalogue.TypeMBABHAblehnung, false}} {
		if err := d.Authorize(mb, c.to, c.typ); (err == nil) != c.want {
			t.Errorf("mb → %s %s: %v", c.to, c.typ, err)
		}
	}
	if p.MaySend("000000", nil) {
		t.Error("MaySend to nil")
	}
}

// TestFromPKI: every participant needs an endpoint, and only participants
// of the PKI get one; the permissions follow the catalogue.
func TestFromPKI(t *testing.T) {
	f := pki(t)
	eps := map[kennung.Kennung]string{}
	for k, v := range f.endpoints {
		if k != "opt:99901" {
			eps[k] = v
		}
	}
	if _, err := directory.FromPKI(f.m, eps, time.Hour, f.now); err == nil || !strings.Contains(err.Error(), "jc (opt:99901)") {
		t.Errorf("missing endpoint: %v", err)
	}
	eps["opt:99901"], eps["azr:1"] = "https://127.0.0.1:1", "https://127.0.0.1:2"
	if _, err := directory.FromPKI(f.m, eps, time.Hour, f.now); err == nil || !strings.Contains(err.Error(), "azr:1") {
		t.Errorf("stranger: %v", err)
	}
	if _, err := directory.FromPKI(f.m, f.endpoints, 0, f.now); err == nil {
		t.Error("validity 0 accepted")
	}
	d := f.dir(t, time.Hour, f.now)
	test, _ := d.Lookup("dbs:499990990000")
	if len(test.Sends) != 1 || test.Sends[0].Types[0] != "*" || test.Sends[0].To[0] != "*" {
		t.Errorf("test participant: %+v", test.Sends)
	}
	abh, _ := d.Lookup("azr:999901")
	found := false
	for _, p := range abh.Sends {
		if strings.Join(p.To, " ") == "azr test" {
			found = strings.Contains(strings.Join(p.Types, " "), catalogue.TypeAZRAnfrage)
		}
	}
	if !found {
		t.Errorf("abh permissions: %+v", abh.Sends)
	}
}

// TestVerifyAuthorityCert: the authority's own certificate is checked as
// any signer's: expired T000, revoked T001, a directory certificate
// without the directory policy T002, an untrusted one T002.
func TestVerifyAuthorityCert(t *testing.T) {
	f := pki(t)
	ctx := context.Background()
	ca := certstest.NewCA(t, "directory test root")
	unsigned, err := directory.Marshal(f.dir(t, time.Hour, ca.Now))
	if err != nil {
		t.Fatal(err)
	}
	sign := func(kp certs.KeyPair) []byte {
		t.Helper()
		// secure.Sign: directory.Sign would refuse the unfit ones.
		out, err := secure.Sign(ctx, unsigned, secure.SignOptions{SigningKey: kp.Key, SigningCert: kp.Cert})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	good := sign(ca.Good(t, certs.Directory))
	expired := sign(ca.Expired(t, certs.Directory))
	revoked := sign(ca.Revoked(t, certs.Directory))
	noPolicy := sign(ca.WrongUsage(t, certs.Directory))
	v := ca.Verifier(t)
	if _, err := directory.Verify(ctx, good, v, ca.Now); err != nil {
		t.Fatalf("good authority: %v", err)
	}
	for name, c := range map[string]struct {
		doc  []byte
		code errcode.Code
	}{
		"expired":   {expired, errcode.CertExpired},
		"revoked":   {revoked, errcode.CertRevoked},
		"no policy": {noPolicy, errcode.CertInvalid},
	} {
		_, err := directory.Verify(ctx, c.doc, v, ca.Now)
		if code, _ := errcode.Of(err); code != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	// The fixture's PKI does not trust this CA.
	if _, err := directory.Verify(ctx, good, f.verifier(t), ca.Now); err == nil {
		t.Error("an authority of another PKI was accepted")
	}
}

// TestParseUnverified reads signed and unsigned documents without checking
// the signature, but still checks the content.
func TestParseUnverified(t *testing.T) {
	f := pki(t)
	d := f.dir(t, time.Hour, f.now)
	unsigned, _ := directory.Marshal(d)
	for name, doc := range map[string][]byte{"unsigned": unsigned, "signed": f.signed(t, d)} {
		got, err := directory.ParseUnverified(doc)
		if err != nil || got.Serial != d.Serial || got.Authority != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := directory.ParseUnverified(bytes.Replace(unsigned, []byte("<Role>abh</Role>"), []byte("<Role>x</Role>"), 1)); !errors.Is(err, directory.ErrInvalid) {
		t.Errorf("bad role: %v", err)
	}
}

// BenchmarkVerify: verifying the development directory (7 participants,
// 21 certificates), as a Source does per load.
func BenchmarkVerify(b *testing.B) {
	f := fix
	d, err := directory.FromPKI(f.m, f.endpoints, time.Hour, f.now)
	if err != nil {
		b.Fatal(err)
	}
	unsigned, _ := directory.Marshal(d)
	signed, err := directory.Sign(context.Background(), unsigned, f.authority)
	if err != nil {
		b.Fatal(err)
	}
	v, _ := f.m.Verifier(nil)
	for b.Loop() {
		if _, err := directory.Verify(context.Background(), signed, v, f.now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(signed)), "doc-bytes")
}

// BenchmarkSign: signing it.
func BenchmarkSign(b *testing.B) {
	f := fix
	d, _ := directory.FromPKI(f.m, f.endpoints, time.Hour, f.now)
	unsigned, _ := directory.Marshal(d)
	for b.Loop() {
		if _, err := directory.Sign(context.Background(), unsigned, f.authority); err != nil {
			b.Fatal(err)
		}
	}
}
