package defective

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/site"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Defect is a seeded defect of the endpoint.
type Defect string

// The defects. Each makes the endpoint break one rule of the transport
// protocol (gateway/wire) or of the business exchange.
const (
	// AcceptBadSignature: a message refused for its signature (T010,
	// T011) is receipted instead, as by an endpoint that does not verify
	// signatures.
	AcceptBadSignature Defect = "accept-bad-signature"
	// AcceptBadCertificate: a message refused for its signing certificate
	// (T000–T003) is receipted: no chain, validity or revocation check.
	AcceptBadCertificate Defect = "accept-bad-certificate"
	// AcceptWrongRecipient: a message for another participant (T080) is
	// receipted.
	AcceptWrongRecipient Defect = "accept-wrong-recipient"
	// AcceptUnauthorised: a message its sender may not send (T070) is
	// receipted: no look at the directory's permissions.
	AcceptUnauthorised Defect = "accept-unauthorised"
	// AcceptSchemaInvalid: a schema-invalid message (X001) is receipted.
	AcceptSchemaInvalid Defect = "accept-schema-invalid"
	// IgnoreDuplicates: a message already received gets a new receipt
	// (a new nachrichtenUUID, as processed again), not the original.
	IgnoreDuplicates Defect = "ignore-duplicates"
	// UnsignedReceipts: receipts lose their signature.
	UnsignedReceipts Defect = "unsigned-receipts"
	// WrongDigest: receipts carry the hashwert of other bytes.
	WrongDigest Defect = "wrong-digest"
	// WrongUUID: receipts name another message.
	WrongUUID Defect = "wrong-uuid"
	// ForeignSigner: receipts are signed with the TLS key, whose
	// certificate is not a signing certificate of the directory entry.
	ForeignSigner Defect = "foreign-signer"
	// WrongCode: every Rückweisung says S999 instead of its code.
	WrongCode Defect = "wrong-code"
	// SlowAnswers: every transport answer comes after Config.Delay.
	SlowAnswers Defect = "slow-answers"
	// LateBusinessAnswers: the business answers (a partner role) are sent
	// Config.Delay after the message arrived.
	LateBusinessAnswers Defect = "late-business-answers"
)

// DefectInfo describes a defect.
type DefectInfo struct {
	Defect Defect
	Title  string
}

var defects = []DefectInfo{
	{AcceptBadSignature, "receipts messages whose signature does not verify (T010, T011)"},
	{AcceptBadCertificate, "receipts messages signed with an untrusted, expired or revoked certificate (T000–T003)"},
	{AcceptWrongRecipient, "receipts messages addressed to another participant (T080)"},
	{AcceptUnauthorised, "receipts messages their sender may not send (T070)"},
	{AcceptSchemaInvalid, "receipts schema-invalid messages (X001)"},
	{IgnoreDuplicates, "answers a duplicate with a new receipt, as processed again"},
	{UnsignedReceipts, "sends receipts without a signature"},
	{WrongDigest, "sends receipts with the digest of other bytes"},
	{WrongUUID, "sends receipts naming another message"},
	{ForeignSigner, "signs receipts with a key that is not its signing key"},
	{WrongCode, "answers every Rückweisung with S999"},
	{SlowAnswers, "answers each delivery only after the delay"},
	{LateBusinessAnswers, "sends the business answers only after the delay"},
}

// Defects returns every defect, in a fixed order.
func Defects() []DefectInfo { return slices.Clone(defects) }

// Valid reports whether d is a defect of Defects().
func (d Defect) Valid() bool {
	return slices.ContainsFunc(defects, func(i DefectInfo) bool { return i.Defect == d })
}

// DefaultDelay is Config.Delay's default.
const DefaultDelay = 3 * time.Second

// Config configures an Endpoint.
type Config struct {
	// Site is the endpoint's gateway configuration (xgate serve's file).
	// Required.
	Site *config.Config
	// Responder, when set, makes the endpoint a partner that answers
	// (gateway/peer through site.PeerResponder).
	Responder gateway.Responder
	// Defects are switched on at start; Set changes them.
	Defects []Defect
	// Delay is how late SlowAnswers and LateBusinessAnswers are.
	// Defaults to DefaultDelay.
	Delay time.Duration
	// Logger receives the gateway's log. Defaults to discarding.
	Logger *slog.Logger
}

// Endpoint is a receiving endpoint with switchable defects: an xgate
// gateway (gateway/site) whose transport answers and business answers are
// changed on the way out as the defects say. With no defect it is xgate.
type Endpoint struct {
	site   *site.Site
	signer wire.Signer
	tlsKP  certs.KeyPair
	keys   []*rsa.PrivateKey
	delay  time.Duration

	mu   sync.Mutex
	on   map[Defect]bool
	seen map[string]int // nachrichtenUUIDs receipted, while IgnoreDuplicates
}

// Open builds the endpoint; it listens at once and serves when Run is
// called.
func Open(ctx context.Context, cfg Config) (*Endpoint, error) {
	if cfg.Site == nil {
		return nil, errors.New("defective: no site configuration")
	}
	if cfg.Delay <= 0 {
		cfg.Delay = DefaultDelay
	}
	e := &Endpoint{delay: cfg.Delay, on: map[Defect]bool{}, seen: map[string]int{}}
	if err := e.Set(cfg.Defects...); err != nil {
		return nil, err
	}
	sig, err := cfg.Site.SigningKeyPair()
	if err != nil {
		return nil, err
	}
	if e.tlsKP, err = cfg.Site.TLSKeyPair(); err != nil {
		return nil, err
	}
	enc, err := cfg.Site.EncryptionKeyPairs()
	if err != nil {
		return nil, err
	}
	for _, kp := range enc {
		e.keys = append(e.keys, kp.Key)
	}
	self := kennung.Identity{Kennung: kennung.Kennung(cfg.Site.Site.Kennung), Role: kennung.Role(cfg.Site.Site.Role), Name: cfg.Site.Site.Name}
	e.signer = wire.Signer{Key: sig.Key, Cert: sig.Cert, Self: self}
	o := site.Options{Logger: cfg.Logger, WrapTransport: e.wrap, SweepEvery: 200 * time.Millisecond}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Responder != nil {
		o.Responder = lateResponder{e: e, next: cfg.Responder}
	}
	if e.site, err = site.Open(ctx, cfg.Site, o); err != nil {
		return nil, err
	}
	return e, nil
}

// Set switches exactly the given defects on (none: a correct endpoint).
func (e *Endpoint) Set(ds ...Defect) error {
	on := map[Defect]bool{}
	for _, d := range ds {
		if !d.Valid() {
			return fmt.Errorf("defective: %q is not a defect", d)
		}
		on[d] = true
	}
	e.mu.Lock()
	e.on, e.seen = on, map[string]int{}
	e.mu.Unlock()
	return nil
}

func (e *Endpoint) has(d Defect) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.on[d]
}

// Site is the gateway underneath (its addresses, its store).
func (e *Endpoint) Site() *site.Site { return e.site }

// Run serves until ctx ends.
func (e *Endpoint) Run(ctx context.Context) error { return e.site.Run(ctx) }

// Close releases the gateway. Call it after Run returned.
func (e *Endpoint) Close() { e.site.Close() }

// lateResponder holds the business answers back while
// LateBusinessAnswers is on.
type lateResponder struct {
	e    *Endpoint
	next gateway.Responder
}

func (l lateResponder) Respond(ctx context.Context, in *message.Message) ([]gateway.Outgoing, error) {
	out, err := l.next.Respond(ctx, in)
	if err == nil && l.e.has(LateBusinessAnswers) {
		for i := range out {
			out[i].Delay = l.e.delay
		}
	}
	return out, err
}

// wrap is the transport middleware: the correct gateway answers, then the
// defects change the answer.
func (e *Endpoint) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		answer := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			if changed, err := e.change(r, body, answer); err == nil {
				answer = changed
			}
		}
		if e.has(SlowAnswers) {
			select {
			case <-time.After(e.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(answer)
	})
}

var (
	signatureElement = regexp.MustCompile(`(?s)<ds:Signature[ >].*</ds:Signature>`)
	acceptClass      = map[Defect][]errcode.Code{
		AcceptBadSignature:   {errcode.SignatureWeak, errcode.SignatureInvalid},
		AcceptBadCertificate: {errcode.CertExpired, errcode.CertRevoked, errcode.CertInvalid, errcode.CertMissing},
		AcceptWrongRecipient: {errcode.WrongRecipient},
		AcceptUnauthorised:   {errcode.SenderNotAuthorised},
		AcceptSchemaInvalid:  {errcode.SchemaInvalid},
	}
)

// change applies the defects to the correct answer of the delivery of
// body.
func (e *Endpoint) change(r *http.Request, body, answer []byte) ([]byte, error) {
	ctx := r.Context()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(answer); err != nil || doc.Root() == nil {
		return nil, errors.New("answer does not parse")
	}
	receipt := doc.Root().SelectElement("hashwert") != nil
	var codes []errcode.Code
	for _, c := range doc.Root().FindElements("./rueckweisungsgrund/fehlercode/code") {
		codes = append(codes, errcode.Code(message.TokenText(c)))
	}
	if !receipt {
		for d, class := range acceptClass {
			if e.has(d) && slices.ContainsFunc(codes, func(c errcode.Code) bool { return slices.Contains(class, c) }) {
				return e.receipt(ctx, r, body, body, e.signer, nil)
			}
		}
		if e.has(WrongCode) {
			return e.rejection(ctx, r, body, doc)
		}
		return answer, nil
	}
	switch {
	case e.has(IgnoreDuplicates):
		id := message.CanonicalUUID(message.TokenText(doc.Root().SelectElement("ausloeserUUID")))
		e.mu.Lock()
		e.seen[id]++
		again := e.seen[id] > 1
		e.mu.Unlock()
		if again {
			return e.receipt(ctx, r, body, body, e.signer, nil)
		}
	case e.has(WrongDigest):
		return e.receipt(ctx, r, body, append(bytes.Clone(body), '\n'), e.signer, nil)
	case e.has(WrongUUID):
		return e.receipt(ctx, r, body, body, e.signer, func(rcv *wire.Received) { rcv.UUID = sample.UUID(nil) })
	case e.has(ForeignSigner):
		s := e.signer
		s.Key, s.Cert = e.tlsKP.Key, e.tlsKP.Cert
		return e.receipt(ctx, r, body, body, s, nil)
	}
	if e.has(UnsignedReceipts) {
		return signatureElement.ReplaceAll(answer, nil), nil
	}
	return answer, nil
}

// receipt builds a new receipt for the message in body, read without
// verifying it; digestOf is what the hashwert covers.
func (e *Endpoint) receipt(ctx context.Context, r *http.Request, body, digestOf []byte, s wire.Signer, edit func(*wire.Received)) ([]byte, error) {
	m, err := naiveOpen(body, e.keys)
	if err != nil {
		return nil, err
	}
	h := m.Header()
	rcv := wire.Received{UUID: message.CanonicalUUID(h.UUID), Type: h.Type, Digest: sha256.Sum256(digestOf), Sender: e.sender(r, h)}
	if edit != nil {
		edit(&rcv)
	}
	_, out, err := wire.BuildReceipt(ctx, s, rcv)
	return out, err
}

// rejection rebuilds a Rückweisung with S999 in place of every code.
func (e *Endpoint) rejection(ctx context.Context, r *http.Request, body []byte, doc *etree.Document) ([]byte, error) {
	var errs []*errcode.Error
	for _, g := range doc.Root().SelectElements("rueckweisungsgrund") {
		errs = append(errs, &errcode.Error{Code: errcode.Other, Detail: message.Text(g.SelectElement("beschreibung"))})
	}
	rcv := wire.Received{UUID: message.TokenText(doc.Root().SelectElement("originalNachrichtenUUID")), Digest: sha256.Sum256(body)}
	rcv.Sender = e.sender(r, message.Header{})
	_, out, err := wire.BuildRejection(ctx, e.signer, rcv, errs)
	return out, err
}

// sender is the answer's leser: the TLS client's kennung, else the autor.
func (e *Endpoint) sender(r *http.Request, h message.Header) kennung.Identity {
	if c := wire.ClientCert(r); c != nil {
		if k, err := certs.KennungFromCert(c); err == nil {
			return kennung.Identity{Kennung: k}
		}
	}
	return kennung.Identity{Kennung: kennung.Kennung(h.Autor.Kennung)}
}
