package secure

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"

	"github.com/xgate/xgate/xml/message"
)

// Test hooks: the attack corpus and the fuzz targets build envelopes and
// signed plaintexts piece by piece.

// SignForTest signs msg as Seal does and returns the serialised signed
// element (the plaintext that Seal encrypts).
func SignForTest(msg []byte, key crypto.Signer, cert *x509.Certificate) ([]byte, error) {
	m, err := parseForSign(msg, message.Limits{}, opSeal)
	if err != nil {
		return nil, err
	}
	signed, err := sign(m, key, cert, len(msg), opSeal)
	if err != nil {
		return nil, err
	}
	return writeElement(signed), nil
}

// EncryptForTest encrypts plaintext for recipient with the profile's key
// transport and returns the envelope document.
func EncryptForTest(plaintext []byte, recipient *x509.Certificate, p Profile) ([]byte, error) {
	op, err := p.oaep()
	if err != nil {
		return nil, err
	}
	wait, err := newSessionKey(rand.Reader, recipient, op)
	if err != nil {
		return nil, err
	}
	return encryptElement(wait(), plaintext, recipient, op)
}

// OpenPlaintextForTest runs Open's steps after decryption on plain.
func OpenPlaintextForTest(ctx context.Context, plain []byte, opts OpenOptions) (*Opened, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return verifySigned(ctx, plain, opts.params())
}
