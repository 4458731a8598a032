package audit

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/xgate/xgate/certs"
)

// pssOptions are the signature parameters of checkpoints: RSASSA-PSS with
// SHA-256, MGF1 with SHA-256 and a 32-byte salt.
var pssOptions = rsa.PSSOptions{SaltLength: sha256.Size, Hash: crypto.SHA256}

// KeyID returns the id a checkpoint carries for cert: the SHA-256
// fingerprint of its DER encoding in lower-case hex (64 digits), as
// `openssl x509 -noout -fingerprint -sha256` prints it without colons.
func KeyID(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Signer signs checkpoint digests; RSASigner is the implementation, and
// stores declare the same two methods where they use them.
type Signer interface {
	// Sign signs a 32-byte Checkpoint.Digest.
	Sign(digest []byte) ([]byte, error)
	// KeyID names the key, see KeyID.
	KeyID() string
}

// RSASigner signs checkpoints with the gateway's signing key: RSASSA-PSS,
// SHA-256, MGF1-SHA-256, salt length 32. It is safe for concurrent use if
// the underlying crypto.Signer is.
type RSASigner struct {
	key  crypto.Signer
	cert *x509.Certificate
	id   string
}

// NewRSASigner returns a signer for key, whose certificate is cert. The
// key must be RSA of at least certs.MinRSABits bits (else ErrWeakKey) and belong
// to cert (else ErrKeyMismatch); cert must allow digital signatures if it
// restricts its key usage (else ErrKeyUsage). key may be a hardware key.
func NewRSASigner(key crypto.Signer, cert *x509.Certificate) (*RSASigner, error) {
	if key == nil || cert == nil {
		return nil, fmt.Errorf("audit: signer needs a key and its certificate")
	}
	pub, err := rsaKey(cert)
	if err != nil {
		return nil, err
	}
	if !pub.Equal(key.Public()) {
		return nil, ErrKeyMismatch
	}
	return &RSASigner{key: key, cert: cert, id: KeyID(cert)}, nil
}

// Sign signs digest, which must be 32 bytes (a Checkpoint.Digest).
func (s *RSASigner) Sign(digest []byte) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("audit: sign: digest is %d bytes, want %d", len(digest), sha256.Size)
	}
	opts := pssOptions
	sig, err := s.key.Sign(rand.Reader, digest, &opts)
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	return sig, nil
}

// KeyID returns the fingerprint of the signer's certificate.
func (s *RSASigner) KeyID() string { return s.id }

// Certificate returns the signer's certificate.
func (s *RSASigner) Certificate() *x509.Certificate { return s.cert }

// CertVerifier verifies checkpoint signatures against a fixed set of
// certificates (the current signing certificate and, across a key
// rollover, earlier ones). It is safe for concurrent use.
type CertVerifier struct {
	keys map[string]*rsa.PublicKey
}

// NewCertVerifier trusts the keys of certs. Each must hold an RSA key of
// at least certs.MinRSABits bits (else ErrWeakKey). Certificate validity dates
// are not checked: a checkpoint signed before the certificate expired stays
// valid evidence.
func NewCertVerifier(certs ...*x509.Certificate) (*CertVerifier, error) {
	if len(certs) == 0 {
		return nil, fmt.Errorf("audit: verifier needs at least one certificate")
	}
	v := &CertVerifier{keys: make(map[string]*rsa.PublicKey, len(certs))}
	for _, c := range certs {
		pub, err := rsaKey(c)
		if err != nil {
			return nil, err
		}
		v.keys[KeyID(c)] = pub
	}
	return v, nil
}

// Verify checks signature over digest with the key named keyID. It
// returns an error wrapping ErrUnknownKey or ErrBadSignature.
func (v *CertVerifier) Verify(keyID string, digest, signature []byte) error {
	pub, ok := v.keys[keyID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownKey, keyID)
	}
	opts := pssOptions
	if err := rsa.VerifyPSS(pub, crypto.SHA256, digest, signature, &opts); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// KeyIDs returns the ids of the trusted keys, unordered.
func (v *CertVerifier) KeyIDs() []string {
	ids := make([]string, 0, len(v.keys))
	for id := range v.keys {
		ids = append(ids, id)
	}
	return ids
}

// rsaKey checks that cert is usable for checkpoint signatures.
func rsaKey(cert *x509.Certificate) (*rsa.PublicKey, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < certs.MinRSABits {
		return nil, fmt.Errorf("%w: certificate %q", ErrWeakKey, cert.Subject.CommonName)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("%w: certificate %q", ErrKeyUsage, cert.Subject.CommonName)
	}
	return pub, nil
}

// NewCheckpoint signs the statement "the chain up to head.Seq ends in
// head.Hash" at time at. Stores call it inside the transaction that
// appends head, when a Checkpointer says one is due.
func NewCheckpoint(s Signer, head Entry, at time.Time) (Checkpoint, error) {
	c := Checkpoint{Seq: head.Seq, Head: head.Hash, Time: at.UTC(), KeyID: s.KeyID()}
	d := c.Digest()
	sig, err := s.Sign(d[:])
	if err != nil {
		return Checkpoint{}, err
	}
	c.Signature = sig
	return c, nil
}
