package bench

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/keycpu"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
	"github.com/xgate/xgate/xml/validate"
)

// Floor is the least CPU the acceptance points let one message cost on
// this machine: the steps no gateway may leave out, each done alone in
// this process — validate at intake, seal, open, validate the opened
// message, build the signed receipt, verify it (one after the other on
// one thread); the local software's HTTP POST and the delivery over
// mutual TLS, as bare exchanges on loopback; the sealed and the opened
// message written to bbolt files, a run's concurrency to a commit — and
// nothing else: no scheduling, no logging, no metrics, no indexes, no
// audit chain. Next to them, the three private-key operations alone (the
// bound's), measured in the same loop on the same keys, interleaved with
// the steps so that both see the same machine.
//
// Ratio = KeysMs ÷ TotalMs is the most a run's ratio can reach here:
// with every core busy, a run delivers cores ÷ (its CPU per message)
// messages per second, the bound is cores ÷ KeysMs, and a gateway does
// all of Steps and more.
type Floor struct {
	// Steps in the order a message meets them, with their CPU per message
	// in ms (the private-key operations inside seal, open and receipt
	// included).
	Steps []FloorStep `json:"steps"`
	// TotalMs is the sum of Steps.
	TotalMs float64 `json:"total_ms"`
	// KeysMs is the three private-key operations alone: the sender's
	// signature, the receiver's key decryption, the receiver's receipt
	// signature.
	KeysMs float64 `json:"keys_ms"`
	// PublicMs is the three RSA public-key operations inside the steps,
	// alone: the session key's encryption (seal), the message's
	// signature check (open), the receipt's signature check. Part of
	// TotalMs, not added to it.
	PublicMs   float64 `json:"public_keys_ms"`
	Ratio      float64 `json:"ratio"`
	Iterations int     `json:"iterations"`
	// ThreadCPU is true when the times of the message steps and of the
	// key operations are the thread's CPU time (internal/keycpu), false
	// when they are wall time. The HTTP exchanges and the store writes
	// are this process's CPU time either way: both ends run in it.
	ThreadCPU bool `json:"thread_cpu"`
}

// FloorStep is one step of Floor.
type FloorStep struct {
	Name string  `json:"name"`
	Ms   float64 `json:"ms"`
}

// The steps of the floor, in order.
const (
	stepValidateIntake  = "validate at intake"
	stepSeal            = "seal (sign, encrypt)"
	stepOpen            = "open (decrypt, verify)"
	stepValidateInbound = "validate inbound"
	stepReceipt         = "signed receipt"
	stepVerifyReceipt   = "verify receipt"
	stepIntake          = "intake: HTTP POST on loopback"
	stepDelivery        = "delivery: mutual TLS 1.3 on loopback, kept alive"
	stepStore           = "store: bbolt, sealed at the sender, opened at the receiver, %d a commit"
)

// transportExchanges is how many of each HTTP exchange transportFloor
// times.
const transportExchanges = 300

// storeMessages is how many messages storeFloor writes.
const storeMessages = 640

// floorParty is one side of the floor's delivery.
type floorParty struct {
	devpki.Participant
	signing, encryption certs.KeyPair
}

func loadParty(m *devpki.Manifest, id string) (floorParty, error) {
	p, ok := m.ByID(id)
	if !ok {
		return floorParty{}, fmt.Errorf("bench: no participant %s in the development PKI", id)
	}
	fp := floorParty{Participant: p}
	var err error
	if fp.signing, err = m.KeyPair(p.Signing); err != nil {
		return floorParty{}, err
	}
	if fp.encryption, err = m.KeyPair(p.Encryption); err != nil {
		return floorParty{}, err
	}
	return fp, nil
}

// MeasureFloor measures the Floor of messages from participant from to
// participant to of the development PKI m, over iterations deliveries
// (msgs taken in turn; each must be a valid message from → to), with
// batch messages to a store commit (a run's concurrency: as many as can
// share one).
func MeasureFloor(ctx context.Context, m *devpki.Manifest, from, to string, msgs [][]byte, iterations, batch int) (*Floor, error) {
	if len(msgs) == 0 || iterations <= 0 {
		return nil, errors.New("bench: the floor needs messages and iterations")
	}
	a, err := loadParty(m, from)
	if err != nil {
		return nil, err
	}
	b, err := loadParty(m, to)
	if err != nil {
		return nil, err
	}
	v, err := validate.New(validate.Config{})
	if err != nil {
		return nil, err
	}
	certv, err := m.Verifier(nil)
	if err != nil {
		return nil, err
	}
	// As the gateway has them (gateway.New): a cached certificate check.
	cache := secure.NewVerifyCache(certv, secure.VerifyCacheConfig{})
	sealOpt := secure.SealOptions{SigningKey: a.signing.Key, SigningCert: a.signing.Cert,
		RecipientCerts: []*x509.Certificate{b.encryption.Cert}}
	openOpt := secure.OpenOptions{DecryptionKeys: []crypto.Decrypter{b.encryption.Key}, Verifier: cache}
	receipts := wire.Signer{Key: b.signing.Key, Cert: b.signing.Cert, Self: b.Identity}

	oaep := &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA256}
	ct, err := rsa.EncryptOAEPWithOptions(rand.Reader, &b.encryption.Key.PublicKey, make([]byte, 32), oaep)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte("xgate bench floor"))
	keys := []func() error{
		func() error { _, err := a.signing.Key.Sign(nil, digest[:], crypto.SHA256); return err },
		func() error { _, err := b.encryption.Key.Decrypt(nil, ct, oaep); return err },
		func() error { _, err := b.signing.Key.Sign(nil, digest[:], crypto.SHA256); return err },
	}
	sigA, err := a.signing.Key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	sigB, err := b.signing.Key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	// The public-key operations inside the steps: the session key's
	// encryption (seal), the message's signature check (open), the
	// receipt's signature check (verify receipt).
	public := []func() error{
		func() error {
			_, err := rsa.EncryptOAEPWithOptions(rand.Reader, &b.encryption.Key.PublicKey, make([]byte, 32), oaep)
			return err
		},
		func() error { return rsa.VerifyPKCS1v15(&a.signing.Key.PublicKey, crypto.SHA256, digest[:], sigA) },
		func() error { return rsa.VerifyPKCS1v15(&b.signing.Key.PublicKey, crypto.SHA256, digest[:], sigB) },
	}

	f := &Floor{Iterations: iterations, ThreadCPU: keycpu.Measured()}
	spent := map[string]time.Duration{}
	var keysSpent, publicSpent time.Duration
	// timed runs step and adds its CPU (or wall) time to *sum.
	timed := func(sum *time.Duration, step func() error) error {
		d, err := cpuTime(step)
		*sum += d
		return err
	}
	var lastMsg, lastSealed, lastOpened, lastReceipt []byte // for the transport's and the store's floor
	deliver := func(msg []byte) error {
		add := func(name string, step func() error) error {
			d := spent[name]
			err := timed(&d, step)
			spent[name] = d
			if err != nil {
				return fmt.Errorf("bench: floor, %s: %w", name, err)
			}
			return nil
		}
		var sealed, receipt []byte
		var op *secure.Opened
		var uuid string
		steps := []struct {
			name string
			run  func() error
		}{
			{stepValidateIntake, func() error {
				rep := v.Validate(ctx, msg)
				if !rep.Valid() {
					return fmt.Errorf("the message is not valid: %v", rep.Findings)
				}
				uuid = message.CanonicalUUID(rep.Header.UUID)
				return nil
			}},
			{stepSeal, func() (err error) { sealed, err = secure.Seal(ctx, msg, sealOpt); return err }},
			{stepOpen, func() (err error) { op, err = secure.Open(ctx, sealed, openOpt); return err }},
			{stepValidateInbound, func() error {
				if rep := v.Validate(ctx, op.Canonical); !rep.Valid() {
					return fmt.Errorf("the opened message is not valid: %v", rep.Findings)
				}
				return nil
			}},
			{stepReceipt, func() (err error) {
				_, receipt, err = wire.BuildReceipt(ctx, receipts, wire.Received{
					UUID: uuid, Type: op.Type, Sender: a.Identity, Digest: sha256.Sum256(sealed)})
				return err
			}},
			{stepVerifyReceipt, func() error {
				ans, err := wire.VerifyAnswer(ctx, receipt, wire.Expect{Sent: sealed, UUID: uuid,
					Recipient: b.Kennung, SigningCerts: []*x509.Certificate{b.signing.Cert}, Verifier: cache, Self: a.Kennung})
				if err == nil && !ans.Receipt {
					err = errors.New("the answer is not a receipt")
				}
				return err
			}},
		}
		for _, s := range steps {
			if err := add(s.name, s.run); err != nil {
				return err
			}
		}
		lastMsg, lastSealed, lastOpened, lastReceipt = msg, sealed, op.Canonical, receipt
		return nil
	}
	rawKeys := func() error {
		for _, k := range keys {
			if err := timed(&keysSpent, k); err != nil {
				return fmt.Errorf("bench: floor, private-key operation: %w", err)
			}
		}
		for _, k := range public {
			if err := timed(&publicSpent, k); err != nil {
				return fmt.Errorf("bench: floor, public-key operation: %w", err)
			}
		}
		return nil
	}
	for i := range iterations {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		first, second := func() error { return deliver(msgs[i%len(msgs)]) }, rawKeys
		if i%2 == 1 {
			first, second = second, first
		}
		if err := first(); err != nil {
			return nil, err
		}
		if err := second(); err != nil {
			return nil, err
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(iterations) }
	for _, name := range []string{stepValidateIntake, stepSeal, stepOpen, stepValidateInbound, stepReceipt, stepVerifyReceipt} {
		f.Steps = append(f.Steps, FloorStep{Name: name, Ms: ms(spent[name])})
		f.TotalMs += ms(spent[name])
	}
	intake, delivery, err := transportFloor(ctx, m, a, b, lastMsg, lastSealed, lastReceipt, transportExchanges)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "xgate-floor-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	store, err := storeFloor(tmp, lastSealed, lastOpened, storeMessages, batch)
	if err != nil {
		return nil, fmt.Errorf("bench: floor, store: %w", err)
	}
	f.Steps = append(f.Steps, FloorStep{Name: stepIntake, Ms: intake}, FloorStep{Name: stepDelivery, Ms: delivery},
		FloorStep{Name: fmt.Sprintf(stepStore, batch), Ms: store})
	f.TotalMs += intake + delivery + store
	f.KeysMs = ms(keysSpent)
	f.PublicMs = ms(publicSpent)
	f.Ratio = f.KeysMs / f.TotalMs
	return f, nil
}
