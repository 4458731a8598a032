package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// built is a message the runner made for a case.
type built struct {
	Type string
	UUID string
	XML  []byte // the plain message
}

// header writes a fresh header into doc: a new nachrichtenUUID, now,
// autor from and leser to. An ausloeserUUID stays as the sample has it
// (the references in the body must name the same message): an answer to
// a message the target never sent, which it must take all the same.
func (r *Runner) header(doc *etree.Document, from, to kennung.Identity) (string, error) {
	id := sample.UUID(nil)
	ausloeser := sample.Text(doc.Root(), "ausloeserUUID")
	err := r.set.SetHeader(doc, sample.Header{UUID: id, Created: r.cfg.Clock.Now(), Autor: from, Leser: to, Ausloeser: ausloeser})
	return id, err
}

// valid builds a valid message of typ from from to to, from the type's
// first plain sample, and checks it as the target will.
func (r *Runner) valid(ctx context.Context, typ string, from, to kennung.Identity) (built, error) {
	doc, err := r.set.Doc(typ, "")
	if err != nil {
		return built{}, err
	}
	id, err := r.header(doc, from, to)
	if err != nil {
		return built{}, err
	}
	b, err := sample.Bytes(doc)
	if err != nil {
		return built{}, err
	}
	rep := r.val.Validate(ctx, b)
	if !rep.Valid() {
		return built{}, fmt.Errorf("the runner's own %s message does not validate: %v", typ, rep.Findings[0])
	}
	return built{Type: typ, UUID: id, XML: b}, nil
}

// schemaInvalid builds an X001 message of typ from the type's X001
// vectors: the first whose header can be rewritten and that still draws
// X001.
func (r *Runner) schemaInvalid(ctx context.Context, typ string, from, to kennung.Identity) (built, error) {
	for _, v := range r.vectors[typ] {
		m, err := message.Parse(v.Data, message.Limits{})
		if err != nil {
			continue
		}
		id, err := r.header(m.Doc, from, to)
		if err != nil {
			continue
		}
		b, err := sample.Bytes(m.Doc)
		if err != nil {
			continue
		}
		rep := r.val.Validate(ctx, b)
		for _, f := range rep.Findings {
			if f.Code == errcode.SchemaInvalid {
				return built{Type: typ, UUID: id, XML: b}, nil
			}
		}
	}
	return built{}, fmt.Errorf("%w: no X001 vector of type %s keeps X001 with a rewritten header", errSkip, typ)
}

// errSkip marks a case that cannot run here (nothing to send it with).
var errSkip = errors.New("not applicable")

// seal signs msg as p and encrypts it for the target.
func (r *Runner) seal(ctx context.Context, msg []byte, signer certs.KeyPair) ([]byte, error) {
	return secure.Seal(ctx, msg, secure.SealOptions{
		SigningKey: signer.Key, SigningCert: signer.Cert,
		RecipientCerts: r.cfg.Target.Encryption, Profile: r.cfg.Target.Profile, Clock: r.cfg.Clock,
	})
}

// sign signs msg (not encrypted).
func (r *Runner) sign(ctx context.Context, msg []byte, signer certs.KeyPair) ([]byte, error) {
	return secure.Sign(ctx, msg, secure.SignOptions{SigningKey: signer.Key, SigningCert: signer.Cert})
}

// encrypt encrypts signed bytes for the target as they are.
func (r *Runner) encrypt(ctx context.Context, signed []byte) ([]byte, error) {
	return secure.Encrypt(ctx, signed, secure.EncryptOptions{
		RecipientCerts: r.cfg.Target.Encryption, Profile: r.cfg.Target.Profile, Clock: r.cfg.Clock,
	})
}

var (
	cipherValues = regexp.MustCompile(`<xenc:CipherValue>([^<]*)</xenc:CipherValue>`)
	created      = regexp.MustCompile(`(<erstellungszeitpunkt>[^<]*?\.)(\d)`)
	x509Cert     = regexp.MustCompile(`(<ds:X509Certificate>)([^<]*)(</ds:X509Certificate>)`)
)

// flipCiphertext flips one bit in the middle of the data ciphertext (the
// last CipherValue of the envelope).
func flipCiphertext(sealed []byte) ([]byte, error) {
	all := cipherValues.FindAllSubmatchIndex(sealed, -1)
	if len(all) == 0 {
		return nil, errors.New("no CipherValue in the sealed message")
	}
	m := all[len(all)-1]
	raw, err := base64.StdEncoding.DecodeString(string(sealed[m[2]:m[3]]))
	if err != nil || len(raw) < 32 {
		return nil, errors.New("the CipherValue is not base64 of a ciphertext")
	}
	raw[len(raw)/2] ^= 0x01
	out := bytes.Clone(sealed[:m[2]])
	out = append(out, base64.StdEncoding.EncodeToString(raw)...)
	return append(out, sealed[m[3]:]...), nil
}

// alterSigned changes the last millisecond digit of erstellungszeitpunkt in
// a signed message: still valid XML and a valid time, but not what was
// signed.
func alterSigned(signed []byte) ([]byte, error) {
	m := created.FindSubmatchIndex(signed)
	if m == nil {
		return nil, errors.New("no erstellungszeitpunkt with milliseconds in the message")
	}
	out := bytes.Clone(signed)
	d := out[m[4]]
	out[m[4]] = '0' + (d-'0'+1)%10
	return out, nil
}

// swapCertificate replaces the certificate in the signature's KeyInfo by
// cert.
func swapCertificate(signed []byte, cert *x509.Certificate) ([]byte, error) {
	if !x509Cert.Match(signed) {
		return nil, errors.New("no ds:X509Certificate in the signature")
	}
	return x509Cert.ReplaceAll(signed, []byte("${1}"+base64.StdEncoding.EncodeToString(cert.Raw)+"${3}")), nil
}

// standIns are the signers of the certificate and key cases, made once
// per run from one generated key.
type standIns struct {
	untrusted certs.KeyPair // self-signed, names Self's kennung
	expired   certs.KeyPair // issued by Config.CA, expired yesterday; zero without a CA
}

func (r *Runner) makeStandIns() (*standIns, error) {
	// The stand-in key must not be the runner's own (a pool of test keys
	// may hand it out again): the wrong-key case would sign correctly.
	var key *rsa.PrivateKey
	for i := 0; key == nil; i++ {
		k, err := r.cfg.GenerateKey(certs.MinRSABits)
		if err != nil {
			return nil, fmt.Errorf("stand-in signing key: %w", err)
		}
		if own, ok := r.cfg.Self.Signing.Cert.PublicKey.(*rsa.PublicKey); !ok || !own.Equal(&k.PublicKey) {
			key = k
		} else if i > 64 {
			return nil, errors.New("stand-in signing key: the key generator gives only the runner's own key")
		}
	}
	now := r.cfg.Clock.Now()
	self := r.cfg.Self.Identity
	tmpl := func(cn string, from, until time.Time) *x509.Certificate {
		t := &x509.Certificate{
			Subject: pkix.Name{Country: []string{"DE"}, Organization: []string{self.Name},
				OrganizationalUnit: []string{string(self.Role)}, SerialNumber: string(self.Kennung), CommonName: cn},
			NotBefore: from, NotAfter: until, SignatureAlgorithm: x509.SHA256WithRSA,
		}
		certs.Signing.SetUsage(t)
		return t
	}
	issue := func(t, parent *x509.Certificate, signer any) (*x509.Certificate, error) {
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
		if err != nil {
			return nil, err
		}
		t.SerialNumber = serial.Add(serial, big.NewInt(1))
		der, err := x509.CreateCertificate(rand.Reader, t, parent, &key.PublicKey, signer)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	s := &standIns{}
	t := tmpl("xgate conformance: untrusted", now.Add(-time.Hour), now.Add(24*time.Hour))
	c, err := issue(t, t, key)
	if err != nil {
		return nil, fmt.Errorf("self-signed stand-in certificate: %w", err)
	}
	s.untrusted = certs.KeyPair{Key: key, Cert: c}
	if ca := r.cfg.CA; ca != nil {
		c, err := issue(tmpl("xgate conformance: expired", now.Add(-30*24*time.Hour), now.Add(-24*time.Hour)), ca.Cert, ca.Key)
		if err != nil {
			return nil, fmt.Errorf("expired stand-in certificate: %w", err)
		}
		s.expired = certs.KeyPair{Key: key, Cert: c}
	}
	return s, nil
}

// receives reports whether a target of role role receives typ: the
// catalogue's receiver roles (every type for the test participant),
// without the transport answers, which are never delivered as messages.
func receives(t catalogue.Type, role kennung.Role) bool {
	if t.Code == catalogue.TypeTransportquittung || t.Code == catalogue.TypeRueckweisung {
		return false
	}
	return role == kennung.RoleTest || t.ReceivedBy(role)
}
