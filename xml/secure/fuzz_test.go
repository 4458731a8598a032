package secure_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/secure"
)

// FuzzOpen feeds Open with sealed envelopes (plain=false) and the signature
// stage with decrypted plaintexts (plain=true, no RSA private-key cost per
// input). Properties: no panic; every refusal is an *errcode.Error with a
// known code; and anything accepted is exactly one of the messages the
// trusted senders signed (the canonical bytes of a seed message), signed
// by a trusted sender: a mutation may only touch what the signature does
// not cover. Seeds: the conformance vectors, sealed and signed, raw, and
// the attack corpus; testdata/fuzz/FuzzOpen holds regressions. (The
// seeds are built with the test PKI, whose keys come from certstest's
// fixed pool, so every fuzzing worker can open them.)
func FuzzOpen(f *testing.F) {
	p := getPKI(f)
	ctx := context.Background()
	msgs := [][]byte{sampleMessage(f)}
	vs, err := conformance.Vectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if len(v.Data) > 64<<10 {
			continue
		}
		f.Add(v.Data, false)
		f.Add(v.Data, true)
		if v.Valid {
			msgs = append(msgs, v.Data)
		}
	}
	signed := map[string]bool{}
	for i, m := range msgs {
		signed[string(excC14N(f, m))] = true
		if i%4 != 0 { // a quarter of them sealed and signed is plenty
			continue
		}
		prof := secure.ProfileDefault
		if i%8 == 0 {
			prof = secure.ProfileCompat
		}
		sealed, err := secure.Seal(ctx, m, p.sealOpts(prof))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sealed, false)
		plain, err := secure.SignForTest(m, p.Sender.Key, p.Sender.Cert)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(plain, true)
	}
	k := &kit{p: p, msg: sampleMessage(f)}
	for _, a := range attacks() {
		if a.name == "cert-revoked" {
			// Each fuzzing worker mints its own PKI: same pool keys, but
			// random serials, so another process's revoked certificate
			// is not on this process's CRL. TestAttackCorpus covers it.
			continue
		}
		f.Add(a.build(f, k), false)
	}
	opts := p.openOpts()
	opts.Limits.Message.MaxBytes = 256 << 10
	f.Fuzz(func(t *testing.T, data []byte, plain bool) {
		var op *secure.Opened
		var err error
		if plain {
			op, err = secure.OpenPlaintextForTest(ctx, data, opts)
		} else {
			op, err = secure.Open(ctx, data, opts)
		}
		if err != nil {
			var e *errcode.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *errcode.Error", err, err)
			}
			if !e.Code.Valid() || e.Detail == "" {
				t.Fatalf("code %q detail %q: %v", e.Code, e.Detail, err)
			}
			return
		}
		if !signed[string(op.Canonical)] {
			t.Fatalf("accepted a message nobody signed:\n%s", op.Canonical)
		}
		// By key, not certificate: under -fuzz every worker process mints
		// its own certificates, with the same pool keys.
		if pub, ok := op.Sender.Certificate.PublicKey.(*rsa.PublicKey); !ok ||
			!pub.Equal(&p.Sender.Key.PublicKey) && !pub.Equal(&p.Other.Key.PublicKey) {
			t.Fatalf("accepted a signature by %s", op.Sender.Subject)
		}
	})
}
