package secure_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	dsig "github.com/russellhaering/goxmldsig"

	"github.com/xgate/xgate/xml/c14n"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// The benchmarks compare Seal and Open on a realistic message (the 090004
// Gesamtauskunft vector, about 5 KB) with the RSA-3072 private-key
// operation each one cannot avoid: Seal ≈ one signature, Open ≈ one OAEP
// decryption (plus a public-key signature check and, uncached, the
// certificate chain). Run them in one process:
//
//	go test ./xml/secure -run '^$' -bench 'Seal|Open|RawRSA' -benchmem -count 5
//
// BenchmarkRatio reports the two target ratios directly, op by op; the
// breakdown benchmarks at the end of the file show where Open's time goes.

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

// BenchmarkOpen opens with the sender's certificate checks behind a
// VerifyCache, as a gateway that hears from the same partners runs it.
func BenchmarkOpen(b *testing.B) {
	p := getPKI(b)
	opts := p.openOpts()
	opts.Verifier = secure.NewVerifyCache(opts.Verifier, secure.VerifyCacheConfig{})
	benchOpen(b, opts)
}

// BenchmarkOpenUncachedVerifier checks the certificate chain (one more
// RSA public-key operation, CRL lookup) on every message.
func BenchmarkOpenUncachedVerifier(b *testing.B) {
	benchOpen(b, getPKI(b).openOpts())
}

func benchOpen(b *testing.B, opts secure.OpenOptions) {
	p := getPKI(b)
	msg := sampleMessage(b)
	ctx := context.Background()
	sealed, err := secure.Seal(ctx, msg, p.sealOpts(secure.ProfileDefault))
	if err != nil {
		b.Fatal(err)
	}
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

// The parts of Open, for the cost breakdown: the signature stage alone
// (hardened parse of the plaintext, profile checks, cached certificate
// check, core validation) and the hardened parse of the envelope.

func BenchmarkOpenSignatureStage(b *testing.B) {
	p := getPKI(b)
	plain, err := secure.SignForTest(sampleMessage(b), p.Sender.Key, p.Sender.Cert)
	if err != nil {
		b.Fatal(err)
	}
	opts := p.openOpts()
	opts.Verifier = secure.NewVerifyCache(opts.Verifier, secure.VerifyCacheConfig{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := secure.OpenPlaintextForTest(context.Background(), plain, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEnvelope(b *testing.B) {
	p := getPKI(b)
	sealed, err := secure.Seal(context.Background(), sampleMessage(b), p.sealOpts(secure.ProfileDefault))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(sealed)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := message.Parse(sealed, message.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRatio measures the targets of the benchmark point directly:
// Seal against one raw RSA-3072 PKCS#1 v1.5 signature and Open against one
// raw RSA-3072 OAEP decryption, the two operations alternating op by op
// (the order flips every iteration) so that both see the same machine
// state. On a shared 2-core VM the separate benchmarks drift by ±10%
// between runs; the interleaved ratio does not. Reported: op-ms/op,
// raw-ms/op and ratio (sum of op times over sum of raw times).
//
//	go test ./xml/secure -run '^$' -bench Ratio -benchtime 3s -count 5
func BenchmarkRatio(b *testing.B) {
	p := getPKI(b)
	msg := sampleMessage(b)
	ctx := context.Background()
	oaep := &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}
	ct, err := rsa.EncryptOAEPWithOptions(rand.Reader, &p.RecvA.Key.PublicKey, make([]byte, 32), oaep)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Seal", func(b *testing.B) {
		opts := p.sealOpts(secure.ProfileDefault)
		digest := sha256.Sum256(msg)
		interleave(b, func() error {
			_, err := secure.Seal(ctx, msg, opts)
			return err
		}, func() error {
			_, err := rsa.SignPKCS1v15(nil, p.Sender.Key, crypto.SHA256, digest[:])
			return err
		})
	})
	b.Run("Open", func(b *testing.B) {
		opts := p.openOpts()
		opts.Verifier = secure.NewVerifyCache(opts.Verifier, secure.VerifyCacheConfig{})
		sealed, err := secure.Seal(ctx, msg, p.sealOpts(secure.ProfileDefault))
		if err != nil {
			b.Fatal(err)
		}
		interleave(b, func() error {
			_, err := secure.Open(ctx, sealed, opts)
			return err
		}, func() error {
			_, err := p.RecvA.Key.Decrypt(nil, ct, oaep)
			return err
		})
	})
	b.Run("OpenFloor", func(b *testing.B) { benchOpenFloor(b, p, ct, oaep) })
}

// benchOpenFloor runs BenchmarkRatio/OpenFloor, the least Open can cost:
// the same raw decryption followed by the steps core validation cannot
// skip on a tree parsed beforehand — the exclusive c14n of the message,
// the RSA signature check, the re-parse of the canonical bytes (no
// envelope, no AES-GCM, no profile or certificate checks). Its ratio is
// the floor under BenchmarkRatio/Open.
func benchOpenFloor(b *testing.B, p *testPKI, ct []byte, oaep *rsa.OAEPOptions) {
	m := signedSample(b, p)
	sig := m.Root.FindElement("ds:Signature")
	canonical, err := c14n.Exclusive(m.Root, c14n.Options{Omit: sig})
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256(canonical)
	sv, err := rsa.SignPKCS1v15(nil, p.Sender.Key, crypto.SHA256, d[:])
	if err != nil {
		b.Fatal(err)
	}
	interleave(b, func() error {
		if _, err := p.RecvA.Key.Decrypt(nil, ct, oaep); err != nil {
			return err
		}
		canonical, err := c14n.Exclusive(m.Root, c14n.Options{Omit: sig})
		if err != nil {
			return err
		}
		d := sha256.Sum256(canonical)
		if err := rsa.VerifyPKCS1v15(&p.Sender.Key.PublicKey, crypto.SHA256, d[:], sv); err != nil {
			return err
		}
		_, err = message.Parse(canonical, message.Limits{})
		return err
	}, func() error {
		_, err := p.RecvA.Key.Decrypt(nil, ct, oaep)
		return err
	})
}

func interleave(b *testing.B, op, raw func() error) {
	b.Helper()
	var tOp, tRaw time.Duration
	timed := func(f func() error, sum *time.Duration) {
		start := time.Now()
		err := f()
		*sum += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			timed(op, &tOp)
			timed(raw, &tRaw)
		} else {
			timed(raw, &tRaw)
			timed(op, &tOp)
		}
		n++
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(tOp.Microseconds())/1e3/float64(n), "op-ms/op")
	b.ReportMetric(float64(tRaw.Microseconds())/1e3/float64(n), "raw-ms/op")
	b.ReportMetric(float64(tOp)/float64(tRaw), "ratio")
}

// BenchmarkCoreValidationParts measures the steps core validation cannot
// skip, on the signed 090004 message: the exclusive c14n of the message
// (xml/c14n, the digest input; goxmldsig's canonicaliser for comparison),
// the RSA-3072 PKCS#1 v1.5 signature check, and the hardened re-parse of
// the canonical bytes that Open returns.
func BenchmarkCoreValidationParts(b *testing.B) {
	p := getPKI(b)
	m := signedSample(b, p)
	sig := m.Root.FindElement("ds:Signature")
	canonical, err := c14n.Exclusive(m.Root, c14n.Options{Omit: sig})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ExcC14N", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c14n.Exclusive(m.Root, c14n.Options{Omit: sig}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GoxmldsigExcC14N", func(b *testing.B) {
		c := dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Canonicalize(m.Root.Copy()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RSAVerify", func(b *testing.B) {
		d := sha256.Sum256(canonical)
		sig, err := rsa.SignPKCS1v15(nil, p.Sender.Key, crypto.SHA256, d[:])
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := p.Sender.Cert.CheckSignature(x509.SHA256WithRSA, canonical, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Reparse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := message.Parse(canonical, message.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// signedSample is the sample message signed as Seal signs it, parsed with
// the hardened parser: the tree Open verifies.
func signedSample(b *testing.B, p *testPKI) *message.Message {
	b.Helper()
	plain, err := secure.SignForTest(sampleMessage(b), p.Sender.Key, p.Sender.Cert)
	if err != nil {
		b.Fatal(err)
	}
	m, err := message.Parse(plain, message.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	return m
}
