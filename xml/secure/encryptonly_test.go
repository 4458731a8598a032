package secure_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"testing"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// Encrypt of Sign's output opens like Seal's; a signature broken between
// Sign and Encrypt is refused by Open with T011.
func TestEncryptSigned(t *testing.T) {
	ca := certstest.NewCA(t, "Encrypt Root")
	signer := ca.Good(t, certs.Signing)
	recipient := ca.Good(t, certs.Encryption)
	msg := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<a xmlns="urn:x"><b>text</b></a>`)
	ctx := context.Background()
	signed, err := secure.Sign(ctx, msg, secure.SignOptions{SigningKey: signer.Key, SigningCert: signer.Cert})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.Fixed(ca.Now)
	open := secure.OpenOptions{DecryptionKeys: []crypto.Decrypter{recipient.Key}, Verifier: ca.Verifier(t), Clock: clk}
	for _, tc := range []struct {
		name string
		data []byte
		want errcode.Code
	}{
		{"as signed", signed, ""},
		{"text changed after signing", bytes.Replace(signed, []byte(">text<"), []byte(">texT<"), 1), errcode.SignatureInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := secure.Encrypt(ctx, tc.data, secure.EncryptOptions{RecipientCerts: []*x509.Certificate{recipient.Cert}, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			_, err = secure.Open(ctx, sealed, open)
			if got, _ := errcode.Of(err); got != tc.want {
				t.Fatalf("Open: %v, want code %q", err, tc.want)
			}
		})
	}
	if _, err := secure.Encrypt(ctx, signed, secure.EncryptOptions{}); err == nil {
		t.Fatal("Encrypt without a recipient: no error")
	}
}
