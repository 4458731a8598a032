package wire_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
	"github.com/xgate/xgate/xml/validate"
)

// messagePath is the message abh sends to azr in the tests.
const messagePath = "090009/valid/erstmeldung-aufenthaltstitel.xml"

func vector(t testing.TB, path string) []byte {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Path == path {
			return v.Data
		}
	}
	t.Fatalf("no vector %s", path)
	return nil
}

// delivery is a message sealed by abh for azr.
type delivery struct {
	sealed []byte
	uuid   string
	typ    string
}

func seal(t testing.TB) delivery {
	t.Helper()
	msg := vector(t, messagePath)
	sealed, err := secure.Seal(context.Background(), msg, secure.SealOptions{
		SigningKey: env.abh.Signing.Key, SigningCert: env.abh.Signing.Cert,
		RecipientCerts: []*x509.Certificate{env.azr.Encryption.Cert},
	})
	if err != nil {
		t.Fatal(err)
	}
	op, err := secure.Open(context.Background(), sealed, openOpts())
	if err != nil {
		t.Fatal(err)
	}
	return delivery{sealed: sealed, uuid: op.Header.UUID, typ: op.Type}
}

func openOpts() secure.OpenOptions {
	return secure.OpenOptions{DecryptionKeys: []crypto.Decrypter{env.azr.Encryption.Key}, Verifier: env.verifier}
}

// received is what azr read from d.
func (d delivery) received() wire.Received {
	return wire.Received{UUID: d.uuid, Type: d.typ, Sender: env.abh.Identity,
		At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Digest: sha256.Sum256(d.sealed)}
}

// expect is what abh expects of azr's answer to d.
func (d delivery) expect() wire.Expect {
	return wire.Expect{Sent: d.sealed, UUID: d.uuid, Recipient: env.azr.Kennung,
		SigningCerts: []*x509.Certificate{env.azr.Signing.Cert}, Verifier: env.verifier, Self: env.abh.Kennung}
}

var (
	validatorOnce sync.Once
	validatorVal  *validate.Validator
	validatorErr  error
)

func validator(t testing.TB) *validate.Validator {
	t.Helper()
	validatorOnce.Do(func() { validatorVal, validatorErr = validate.New(validate.Config{}) })
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return validatorVal
}

// mustValidate verifies an answer's signature and validates what it
// covers with xml/validate: no finding, no warning.
func mustValidate(t *testing.T, signed []byte) *secure.Opened {
	t.Helper()
	op, err := secure.Verify(context.Background(), signed, secure.VerifyOptions{Verifier: env.verifier, Purpose: certs.Signing})
	if err != nil {
		t.Fatalf("signature: %v\n%s", err, signed)
	}
	rep := validator(t).Validate(context.Background(), op.Canonical)
	for _, f := range append(rep.Findings, rep.Warnings...) {
		t.Errorf("finding: %v", f)
	}
	if t.Failed() {
		t.Logf("%s", op.Canonical)
	}
	return op
}

func TestBuildReceipt(t *testing.T) {
	d := seal(t)
	s := env.azr.signer()
	s.Clock = clock.Fixed(time.Date(2026, 3, 1, 10, 0, 1, 234e6, time.UTC))
	id, xml, err := wire.BuildReceipt(context.Background(), s, d.received())
	if err != nil {
		t.Fatal(err)
	}
	op := mustValidate(t, xml)
	if op.Header.UUID != id || op.Type != "900001" || op.Header.AusloeserUUID != d.uuid {
		t.Errorf("header %+v, id %s", op.Header, id)
	}
	if op.Header.Created != "2026-03-01T10:00:01.234Z" {
		t.Errorf("erstellungszeitpunkt %q", op.Header.Created)
	}
	sum := sha256.Sum256(d.sealed)
	for _, want := range []string{
		"<hashwert>" + hexs(sum[:]) + "</hashwert>",
		"<zeitpunkt>2026-03-01T10:00:00.000Z</zeitpunkt>",
		"<kennung>" + string(env.abh.Kennung) + "</kennung>",
		"<code>090009</code>",
	} {
		if !bytes.Contains(op.Canonical, []byte(want)) {
			t.Errorf("receipt lacks %s", want)
		}
	}
	a, err := wire.VerifyAnswer(context.Background(), xml, d.expect())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Receipt || a.UUID != id || !a.ReceivedAt.Equal(d.received().At) || !bytes.Equal(a.Raw, xml) || !a.Signer.Equal(env.azr.Signing.Cert) {
		t.Errorf("answer %v %s %s %v", a.Receipt, a.UUID, a.ReceivedAt, a.Signer.Subject)
	}

	// A test message gets a test receipt; a signer with an address and
	// contact writes them.
	r := d.received()
	r.Test, r.TestText = true, "xgate-Testdaten"
	s.Address = wire.Address{Street: "Registerweg", HouseNumber: "20", PostalCode: "12347", City: "Köln"}
	_, xml, err = wire.BuildReceipt(context.Background(), s, r)
	if err != nil {
		t.Fatal(err)
	}
	op = mustValidate(t, xml)
	if !op.Header.Test || op.Header.TestText != "xgate-Testdaten" || !bytes.Contains(op.Canonical, []byte("<wohnort>Köln</wohnort>")) {
		t.Errorf("test flag or address missing:\n%s", op.Canonical)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(digits[c>>4])
		s.WriteByte(digits[c&15])
	}
	return s.String()
}

func TestBuildReceiptRefuses(t *testing.T) {
	d := seal(t)
	ctx := context.Background()
	other := env.azr.signer()
	other.Cert = env.mb.Signing.Cert
	noAddr := env.azr.signer()
	noAddr.Address = wire.Address{Street: "x", City: "y", PostalCode: "1234"}
	for _, c := range []struct {
		name string
		s    wire.Signer
		edit func(*wire.Received)
		want error
	}{
		{"no UUID", env.azr.signer(), func(r *wire.Received) { r.UUID = "" }, wire.ErrInvalidReceived},
		{"bad UUID", env.azr.signer(), func(r *wire.Received) { r.UUID = "x" + r.UUID[1:] + "\n" }, wire.ErrInvalidReceived},
		{"unknown type", env.azr.signer(), func(r *wire.Received) { r.Type = "999999" }, wire.ErrInvalidReceived},
		{"no sender", env.azr.signer(), func(r *wire.Received) { r.Sender.Kennung = "" }, wire.ErrInvalidReceived},
		{"certificate of another kennung", other, func(*wire.Received) {}, wire.ErrInvalidSigner},
		{"no key", wire.Signer{Self: env.azr.Identity}, func(*wire.Received) {}, wire.ErrInvalidSigner},
		{"bad postal code", noAddr, func(*wire.Received) {}, wire.ErrInvalidSigner},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := d.received()
			c.edit(&r)
			_, _, err := wire.BuildReceipt(ctx, c.s, r)
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
}

func TestBuildRejection(t *testing.T) {
	d := seal(t)
	ctx := context.Background()
	many := make([]*errcode.Error, 40)
	for i := range many {
		many[i] = &errcode.Error{Code: errcode.SchemaInvalid, Detail: "finding", Line: i + 1, Path: "/a/b"}
	}
	for _, c := range []struct {
		name      string
		uuid      string
		errs      []*errcode.Error
		wantCodes []errcode.Code
		wantText  []string
	}{
		{"findings", d.uuid, []*errcode.Error{
			{Code: errcode.SchemaInvalid, Detail: "Element azrNummer: der Wert entspricht nicht dem Muster", Path: "/AnAZR.AZRErstmeldung.090009/person/azrNummer", Line: 51},
			{Code: errcode.Other, Rule: "HDR-TIME", Detail: "erstellungszeitpunkt without milliseconds", Line: 7},
		}, []errcode.Code{"X001", "S999"}, []string{"Nachricht schemaungültig: Element azrNummer", "<regel>HDR-TIME</regel>", "<zeile>51</zeile>", "<pfad>/AnAZR.AZRErstmeldung.090009/person/azrNummer</pfad>"}},
		{"unreadable UUID", "", []*errcode.Error{{Code: errcode.DecryptFailed, Detail: "the message cannot be decrypted"}},
			[]errcode.Code{"T020"}, []string{"Entschlüsselung nicht möglich: the message cannot be decrypted"}},
		{"wrapped error, no detail", d.uuid, []*errcode.Error{{Code: errcode.SenderNotAuthorised, Err: errors.New("abh may not send 090009 to azr")}},
			[]errcode.Code{"T070"}, []string{"Absender nicht berechtigt: abh may not send 090009 to azr"}},
		{"hostile text", d.uuid, []*errcode.Error{{Code: errcode.Other, Detail: "line\nbreak \x01 ctrl \u202e bidi 😀 emoji \xff bad <tag> & " + strings.Repeat("x", 3000), Rule: "R 1<>", Path: "/a\u0000"}},
			[]errcode.Code{"S999"}, []string{"line break ? ctrl ? bidi ? emoji ? bad &lt;tag&gt; &amp; xxx", "xxx...</beschreibung>", "<regel>R1</regel>"}},
		{"unknown code", d.uuid, []*errcode.Error{{Code: "Q123", Detail: "odd"}},
			[]errcode.Code{"S999"}, []string{"Sonstiger Fehler (Code Q123): odd"}},
		{"more than 32", d.uuid, many, func() []errcode.Code {
			out := make([]errcode.Code, wire.MaxReasons)
			for i := range out {
				out[i] = "X001"
			}
			return out
		}(), []string{"<zeile>32</zeile>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := d.received()
			r.UUID = c.uuid
			id, xml, err := wire.BuildRejection(ctx, env.azr.signer(), r, c.errs)
			if err != nil {
				t.Fatal(err)
			}
			op := mustValidate(t, xml)
			if op.Header.UUID != id || op.Type != "900010" {
				t.Errorf("header %+v", op.Header)
			}
			for _, w := range c.wantText {
				if !bytes.Contains(op.Canonical, []byte(w)) {
					t.Errorf("rejection lacks %q:\n%s", w, op.Canonical)
				}
			}
			if c.uuid == "" && bytes.Contains(op.Canonical, []byte("UUID>"+d.uuid)) {
				t.Error("names a UUID it was not given")
			}
			a, err := wire.VerifyAnswer(ctx, xml, d.expect())
			if err != nil {
				t.Fatal(err)
			}
			if a.Receipt || a.UUID != id || len(a.Codes) != len(c.wantCodes) {
				t.Fatalf("answer %v %s %v", a.Receipt, a.UUID, a.Codes)
			}
			for i, code := range c.wantCodes {
				if a.Codes[i] != code || a.Errors[i].Code != code || a.Errors[i].Detail == "" {
					t.Errorf("reason %d: %v, want %s", i, a.Errors[i], code)
				}
			}
		})
	}
	if _, _, err := wire.BuildRejection(ctx, env.azr.signer(), d.received(), nil); !errors.Is(err, wire.ErrInvalidReceived) {
		t.Errorf("no errors: %v", err)
	}
}

// TestAnswersLikeVectors checks the answers against the conformance
// vectors of their types: the same elements in the same order.
func TestAnswersLikeVectors(t *testing.T) {
	d := seal(t)
	ctx := context.Background()
	s := env.azr.signer()
	s.Address = wire.Address{Street: "Registerweg", HouseNumber: "20", PostalCode: "12347", City: "Musterstadt"}
	_, receipt, err := wire.BuildReceipt(ctx, s, d.received())
	if err != nil {
		t.Fatal(err)
	}
	_, rejection, err := wire.BuildRejection(ctx, s, d.received(),
		[]*errcode.Error{{Code: errcode.SchemaInvalid, Detail: "x", Path: "/a", Line: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		vector string
		got    []byte
	}{
		{"900001/valid/transportquittung.xml", receipt},
		{"900010/valid/rueckweisung.xml", rejection},
	} {
		op, err := secure.Verify(ctx, c.got, secure.VerifyOptions{Verifier: env.verifier, Purpose: certs.Signing})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tags(t, op.Canonical), tags(t, vector(t, c.vector)); got != want {
			t.Errorf("%s: element sequence differs\n got %s\nwant %s", c.vector, got, want)
		}
	}
}

// tags lists the element names of doc in document order.
func tags(t *testing.T, doc []byte) string {
	t.Helper()
	var out []string
	s := string(doc)
	for {
		i := strings.Index(s, "<")
		if i < 0 {
			break
		}
		s = s[i+1:]
		if s[0] == '/' || s[0] == '?' {
			continue
		}
		j := strings.IndexAny(s, " >/")
		out = append(out, s[:j])
	}
	return strings.Join(out, " ")
}

func TestVerifyAnswerRefuses(t *testing.T) {
	d := seal(t)
	ctx := context.Background()
	build := func(s wire.Signer, edit func(*wire.Received)) []byte {
		r := d.received()
		if edit != nil {
			edit(&r)
		}
		_, xml, err := wire.BuildReceipt(ctx, s, r)
		if err != nil {
			t.Fatal(err)
		}
		return xml
	}
	good := build(env.azr.signer(), nil)
	if _, err := wire.VerifyAnswer(ctx, good, d.expect()); err != nil {
		t.Fatalf("control: %v", err)
	}
	other := seal(t) // other bytes (a new session key), the same UUID
	other.uuid = "0b9f8f1e-3c3a-4d7e-9a55-2f0c8f3e4a11"
	op, err := secure.Verify(ctx, good, secure.VerifyOptions{Verifier: env.verifier, Purpose: certs.Signing})
	if err != nil {
		t.Fatal(err)
	}
	rejectOther := func() []byte {
		_, xml, err := wire.BuildRejection(ctx, env.azr.signer(), other.received(), []*errcode.Error{{Code: errcode.Other, Detail: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		return xml
	}()
	quittung := strings.ReplaceAll(string(vector(t, "900020/valid/quittung.xml")), "<kennung>ags:08999001</kennung>", "<kennung>"+string(env.azr.Kennung)+"</kennung>")
	businessAnswer := mustSign(t, []byte(quittung), env.azr.Signing)
	for _, c := range []struct {
		name    string
		body    []byte
		edit    func(*wire.Expect)
		problem wire.Problem
		code    errcode.Code // of the wrapped *errcode.Error, if any
	}{
		{"wrong digest", build(env.azr.signer(), func(r *wire.Received) { r.Digest = sha256.Sum256(other.sealed) }), nil, wire.ProblemDigest, ""},
		{"digest of other bytes sent", good, func(e *wire.Expect) { e.Sent = append([]byte{' '}, d.sealed...) }, wire.ProblemDigest, ""},
		{"wrong UUID", build(env.azr.signer(), func(r *wire.Received) { r.UUID = other.uuid }), nil, wire.ProblemUUID, ""},
		{"rejection of another message", rejectOther, nil, wire.ProblemUUID, ""},
		{"signed by another participant", build(env.mb.signer(), nil), nil, wire.ProblemSigner, ""},
		{"certificate not in the directory entry", good, func(e *wire.Expect) { e.SigningCerts = []*x509.Certificate{env.mb.Signing.Cert} }, wire.ProblemSigner, ""},
		{"for another leser", good, func(e *wire.Expect) { e.Self = env.mb.Kennung }, wire.ProblemSigner, errcode.WrongRecipient},
		{"signed with the TLS key", mustSign(t, op.Canonical, env.azr.TLS), nil, wire.ProblemSignature, errcode.CertInvalid},
		{"unsigned", op.Canonical, nil, wire.ProblemSignature, errcode.SignatureWeak},
		{"tampered", bytes.Replace(good, []byte("<hashwert>"), []byte("<hashwert>0"), 1), nil, wire.ProblemSignature, errcode.SignatureInvalid},
		{"garbage", []byte("Service Unavailable"), nil, wire.ProblemSignature, errcode.NotWellFormed},
		{"empty", nil, nil, wire.ProblemSignature, errcode.NotWellFormed},
		{"a business answer", businessAnswer, func(e *wire.Expect) { e.Self = "" }, wire.ProblemType, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := d.expect()
			if c.edit != nil {
				c.edit(&e)
			}
			a, err := wire.VerifyAnswer(ctx, c.body, e)
			if err == nil {
				t.Fatalf("accepted: %s %s", a.Type, a.UUID)
			}
			t.Log(err)
			var ae *wire.AnswerError
			if !errors.As(err, &ae) {
				t.Fatalf("%T is not an *AnswerError", err)
			}
			if ae.Problem != c.problem {
				t.Errorf("problem %s, want %s", ae.Problem, c.problem)
			}
			if c.code != "" {
				var ce *errcode.Error
				if !errors.As(err, &ce) || ce.Code != c.code {
					t.Errorf("code %v, want %s", ce, c.code)
				}
			}
		})
	}
	if _, err := wire.VerifyAnswer(ctx, good, wire.Expect{}); !errors.Is(err, wire.ErrInvalidExpect) {
		t.Errorf("empty Expect: %v", err)
	}
}

func mustSign(t *testing.T, msg []byte, kp certs.KeyPair) []byte {
	t.Helper()
	b, err := secure.Sign(context.Background(), msg, secure.SignOptions{SigningKey: kp.Key, SigningCert: kp.Cert})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestXmlsec1VerifiesAnswers: the reference implementation accepts the
// answers' signatures with the development root, and refuses a changed one.
func TestXmlsec1VerifiesAnswers(t *testing.T) {
	bin, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("XGATE_REQUIRE_XMLSEC1") == "1" {
			t.Fatal("xmlsec1 is not installed")
		}
		t.Skip("SKIPPED: xmlsec1 is not installed (apt-get install -y xmlsec1)")
	}
	d := seal(t)
	ctx := context.Background()
	_, receipt, err := wire.BuildReceipt(ctx, env.azr.signer(), d.received())
	if err != nil {
		t.Fatal(err)
	}
	_, rejection, err := wire.BuildRejection(ctx, env.azr.signer(), d.received(), []*errcode.Error{{Code: errcode.SchemaInvalid, Detail: "Element azrNummer fehlt", Line: 3}})
	if err != nil {
		t.Fatal(err)
	}
	root := env.m.Path(env.m.Root.Cert)
	run := func(doc []byte, wantOK bool) {
		t.Helper()
		f := filepath.Join(t.TempDir(), "answer.xml")
		if err := os.WriteFile(f, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(ctx, bin, "--verify", "--trusted-pem", root, f).CombinedOutput()
		if (err == nil) != wantOK {
			t.Errorf("xmlsec1 --verify: %v, want ok=%v\n%s", err, wantOK, out)
		}
	}
	run(receipt, true)
	run(rejection, true)
	run(bytes.Replace(receipt, []byte("<hashwert>"), []byte("<hashwert>0"), 1), false)
}
