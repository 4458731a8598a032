package secure_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/xgate/xgate/xml/secure"
)

// The benchmarks compare Seal and Open on a realistic message (the 090004
// Gesamtauskunft vector, about 5 KB) with the RSA-3072 private-key
// operation each one cannot avoid: Seal ≈ one signature, Open ≈ one OAEP
// decryption (plus a public-key signature check and the certificate
// chain). Run them in one process:
//
//	go test ./xml/secure -run '^$' -bench 'Seal|Open|RawRSA' -benchmem -count 5

func BenchmarkSeal(b *testing.B) {
	p := getPKI(b)
	msg := sampleMessage(b)
	opts := p.sealOpts(secure.ProfileDefault)
	ctx := context.Background()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := secure.Seal(ctx, msg, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	p := getPKI(b)
	msg := sampleMessage(b)
	ctx := context.Background()
	sealed, err := secure.Seal(ctx, msg, p.sealOpts(secure.ProfileDefault))
	if err != nil {
		b.Fatal(err)
	}
	opts := p.openOpts()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := secure.Open(ctx, sealed, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawRSA3072Sign(b *testing.B) {
	key := getPKI(b).Sender.Key
	digest := sha256.Sum256(sampleMessage(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRawRSA3072DecryptOAEP(b *testing.B) {
	key := getPKI(b).RecvA.Key
	opts := &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}
	sessionKey := make([]byte, 32)
	ct, err := rsa.EncryptOAEPWithOptions(rand.Reader, &key.PublicKey, sessionKey, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := key.Decrypt(nil, ct, opts); err != nil {
			b.Fatal(err)
		}
	}
}
