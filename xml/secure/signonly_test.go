package secure_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

func (p *testPKI) signOpts() secure.SignOptions {
	return secure.SignOptions{SigningKey: p.Sender.Key, SigningCert: p.Sender.Cert}
}

func (p *testPKI) verifyOpts(purpose certs.Purpose) secure.VerifyOptions {
	return secure.VerifyOptions{Verifier: p.Verifier(), Purpose: purpose}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	msg := sampleMessage(t)
	signed, err := secure.Sign(ctx, msg, p.signOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.80q", signed)
	}
	if n := bytes.Count(signed, []byte("<ds:Signature ")); n != 1 {
		t.Errorf("%d Signatures", n)
	}
	if bytes.Contains(signed, []byte("EncryptedData")) {
		t.Error("Sign encrypted")
	}
	op, err := secure.Verify(ctx, signed, p.verifyOpts(certs.Signing))
	if err != nil {
		t.Fatal(err)
	}
	if want := excC14N(t, msg); !bytes.Equal(op.Canonical, want) {
		t.Errorf("verified bytes differ from the message")
	}
	if op.Sender.Kennung != "azr:abh-musterstadt" || !op.Sender.Certificate.Equal(p.Sender.Cert) {
		t.Errorf("sender %q %q", op.Sender.Kennung, op.Sender.Subject)
	}
	if op.Type == "" || op.Header.UUID == "" {
		t.Errorf("header not read: %+v", op.Header)
	}
	if op.Profile != 0 {
		t.Errorf("profile %v for an unencrypted document", op.Profile)
	}
	// The plaintext that Seal encrypts verifies the same way: one profile.
	plain, err := secure.SignForTest(msg, p.Sender.Key, p.Sender.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secure.Verify(ctx, plain, p.verifyOpts(certs.Signing)); err != nil {
		t.Fatalf("Seal's signed plaintext: %v", err)
	}
	if !bytes.HasSuffix(signed, plain) {
		t.Error("Sign's signature differs from Seal's")
	}
}

func TestVerifyRefuses(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	msg := sampleMessage(t)
	signed, err := secure.Sign(ctx, msg, p.signOpts())
	if err != nil {
		t.Fatal(err)
	}
	dir := p.CA.Good(t, certs.Directory)
	dirSigned, err := secure.Sign(ctx, msg, secure.SignOptions{SigningKey: dir.Key, SigningCert: dir.Cert})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secure.Verify(ctx, dirSigned, p.verifyOpts(certs.Directory)); err != nil {
		t.Fatalf("control: the directory authority's signature for certs.Directory: %v", err)
	}
	revoked, err := secure.Sign(ctx, msg, secure.SignOptions{SigningKey: p.Revoked.Key, SigningCert: p.Revoked.Cert})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		in      []byte
		purpose certs.Purpose
		code    errcode.Code
	}{
		{"tampered text", bytes.Replace(signed, []byte("<kennung>"), []byte("<kennung>x"), 1), certs.Signing, errcode.SignatureInvalid},
		{"tampered signature value", tamperSignatureValue(t, signed), certs.Signing, errcode.SignatureInvalid},
		{"unsigned", msg, certs.Signing, errcode.SignatureWeak},
		{"message signer for the directory purpose", signed, certs.Directory, errcode.CertInvalid},
		{"directory authority for the signing purpose", dirSigned, certs.Signing, errcode.CertInvalid},
		{"signer with an encryption certificate", must(secure.Sign(ctx, msg, secure.SignOptions{SigningKey: p.WrongUsage.Key, SigningCert: p.WrongUsage.Cert})), certs.Signing, errcode.CertInvalid},
		{"revoked signer", revoked, certs.Signing, errcode.CertRevoked},
		{"encrypted document", must(secure.Seal(ctx, msg, p.sealOpts(secure.ProfileDefault))), certs.Signing, errcode.SignatureWeak},
		{"doctype", append([]byte(`<!DOCTYPE x [<!ENTITY a "b">]>`), signed[len(`<?xml version="1.0" encoding="UTF-8"?>`):]...), certs.Signing, errcode.NotWellFormed},
	} {
		t.Run(c.name, func(t *testing.T) {
			op, err := secure.Verify(ctx, c.in, p.verifyOpts(c.purpose))
			if err == nil {
				t.Fatalf("accepted, signed by %s", op.Sender.Subject)
			}
			t.Log(err)
			if got := codeOf(t, err); got != c.code {
				t.Errorf("code %s, want %s", got, c.code)
			}
			var e *errcode.Error
			if errors.As(err, &e); e.Op == "open" {
				t.Errorf("Op %q in an error of Verify", e.Op)
			}
		})
	}
}

// tamperSignatureValue changes one character of the SignatureValue.
func tamperSignatureValue(t *testing.T, signed []byte) []byte {
	t.Helper()
	s := string(signed)
	i := strings.Index(s, "<ds:SignatureValue>") + len("<ds:SignatureValue>") + 10
	if i < 30 {
		t.Fatal("no SignatureValue")
	}
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return []byte(s[:i] + string(c) + s[i+1:])
}

func TestSignVerifyOptions(t *testing.T) {
	p := getPKI(t)
	ctx := context.Background()
	msg := sampleMessage(t)
	for _, c := range []struct {
		name string
		opts secure.SignOptions
		code errcode.Code
	}{
		{"no key", secure.SignOptions{SigningCert: p.Sender.Cert}, errcode.Other},
		{"no cert", secure.SignOptions{SigningKey: p.Sender.Key}, errcode.CertMissing},
		{"weak key", secure.SignOptions{SigningKey: p.Weak.Key, SigningCert: p.Weak.Cert}, errcode.SignatureWeak},
		{"cert of another key", secure.SignOptions{SigningKey: p.Sender.Key, SigningCert: p.Other.Cert}, errcode.CertInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := secure.Sign(ctx, msg, c.opts)
			if got := codeOf(t, err); got != c.code {
				t.Errorf("code %s, want %s: %v", got, c.code, err)
			}
			var e *errcode.Error
			if errors.As(err, &e); e.Op != "sign" {
				t.Errorf("Op %q, want sign", e.Op)
			}
		})
	}
	if _, err := secure.Sign(ctx, []byte("<a><b></a>"), p.signOpts()); codeOf(t, err) != errcode.NotWellFormed {
		t.Errorf("not well-formed: %v", err)
	}
	signed := must(secure.Sign(ctx, msg, p.signOpts()))
	if _, err := secure.Verify(ctx, signed, secure.VerifyOptions{Verifier: p.Verifier()}); !errors.Is(err, secure.ErrInvalidOptions) {
		t.Errorf("no purpose: %v", err)
	}
	if _, err := secure.Verify(ctx, signed, secure.VerifyOptions{Purpose: certs.Signing}); !errors.Is(err, secure.ErrInvalidOptions) {
		t.Errorf("no verifier: %v", err)
	}
}

// TestVerifyAttackCorpus runs every attack of the corpus that is a signed
// plaintext (not an envelope) through Verify: it must give Open's answer,
// because it is Open's code.
func TestVerifyAttackCorpus(t *testing.T) {
	p := getPKI(t)
	ran := 0
	for _, a := range attacks() {
		k := &kit{p: p, msg: sampleMessage(t), plainOnly: true}
		in, ok := probeBuild(t, a, k)
		if !ok || k.sealed != 1 || a.code == errcode.DecryptFailed {
			continue // an envelope attack
		}
		ran++
		t.Run(a.name, func(t *testing.T) {
			o := p.verifyOpts(certs.Signing)
			o.Limits = a.limits
			op, err := secure.Verify(context.Background(), in, o)
			if err == nil {
				t.Fatalf("accepted (type %s from %s)", op.Type, op.Sender.Subject)
			}
			if c := codeOf(t, err); c != a.code {
				t.Errorf("code %s, want %s: %v", c, a.code, err)
			}
		})
	}
	if ran < 20 {
		t.Fatalf("only %d signature attacks ran through Verify", ran)
	}
	t.Logf("%d signature attacks", ran)
}

func TestXmlsec1VerifiesSign(t *testing.T) {
	bin := xmlsec1(t)
	p := getPKI(t)
	f := writePEMs(t, p)
	signed, err := secure.Sign(context.Background(), sampleMessage(t), p.signOpts())
	if err != nil {
		t.Fatal(err)
	}
	runXmlsec1(t, bin, false, "--verify", "--trusted-pem", f.ca, f.file(t, "signed.xml", signed))
	// Control: a changed document does not verify in xmlsec1 either.
	bad := bytes.Replace(signed, []byte("<kennung>"), []byte("<kennung>x"), 1)
	runXmlsec1(t, bin, true, "--verify", "--trusted-pem", f.ca, f.file(t, "changed.xml", bad))

	// And what xmlsec1 signs, Verify accepts.
	xs := xmlsec1Sign(t, bin, f, sampleMessage(t))
	if _, err := secure.Verify(context.Background(), xs, p.verifyOpts(certs.Signing)); err != nil {
		t.Fatalf("xmlsec1's signature: %v", err)
	}
}

// probeTB turns a builder's failure into a panic that probeBuild recovers:
// a builder that works on the envelope fails on a plaintext.
type probeTB struct{ testing.TB }

type probeFailed struct{}

func (probeTB) Helper()               {}
func (probeTB) Fatal(...any)          { panic(probeFailed{}) }
func (probeTB) Fatalf(string, ...any) { panic(probeFailed{}) }
func (probeTB) FailNow()              { panic(probeFailed{}) }
func (probeTB) Error(...any)          { panic(probeFailed{}) }
func (probeTB) Errorf(string, ...any) { panic(probeFailed{}) }

// probeBuild runs a's builder with k; ok is false if it failed.
func probeBuild(t *testing.T, a attack, k *kit) (in []byte, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(probeFailed); !is {
				panic(r)
			}
			ok = false
		}
	}()
	return a.build(probeTB{t}, k), true
}
