package wire

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/secure"
	"github.com/xgate/xgate/xml/validate/din91379"
)

// Code list versions the answers name. TestAnswersValidate holds them to
// the built-in code lists through xml/validate (S010 otherwise).
const (
	versionNachrichtentyp    = "1"
	versionVerzeichnisdienst = "3"
	versionErreichbarkeit    = "3"
	versionFehlercode        = "3"
)

// Product attributes of every answer.
const (
	Produkt           = "xgate"
	Produkthersteller = "xgate-Projekt"
	Produktversion    = "0.1.0"
)

// timeLayout is HDR-TIME's form: milliseconds and a zone offset.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// MaxReasons is the largest number of rueckweisungsgrund elements of a
// Rueckweisung (the schema's maxOccurs); further errors are dropped.
const MaxReasons = 32

// maxDescription bounds a beschreibung, in characters: the schema allows
// 4000, a Rueckweisung stays small with 1000.
const maxDescription = 1000

// ErrInvalidSigner is wrapped by the errors of BuildReceipt and
// BuildRejection for a Signer that cannot sign answers.
var ErrInvalidSigner = errors.New("wire: invalid signer")

// ErrInvalidReceived is wrapped by the errors of BuildReceipt and
// BuildRejection for a Received they cannot answer.
var ErrInvalidReceived = errors.New("wire: invalid received message")

// Signer is this gateway as the author of its answers.
type Signer struct {
	// Key is the gateway's signing key (RSA, certs.MinRSABits or more).
	// Required.
	Key crypto.Signer
	// Cert is the certificate of Key; its subject must name Self.Kennung
	// (certs.KennungFromCert), since the sender checks that the answer's
	// signer is the recipient it addressed. Required.
	Cert *x509.Certificate
	// Self is this gateway: the answer's autor. Kennung is required; Name
	// defaults to the kennung.
	Self kennung.Identity
	// Clock gives erstellungszeitpunkt. Defaults to the wall clock.
	Clock clock.Clock
	// Contact is how the autor can be reached (autor/erreichbarkeit; the
	// schema wants at least one). Defaults to one e-mail channel with the
	// placeholder address gateway@<key>.<prefix>.invalid.
	Contact []message.Kommunikation
	// Address is the autor's postal address (anschrift.autor, mandatory in
	// the schema). Defaults to DefaultAddress(), a placeholder.
	Address Address
}

// Address is a German building address (PostalischeInlandsanschrift,
// gebaeude).
type Address struct {
	Street      string // strasse, 1–55 characters
	HouseNumber string // hausnummer, 1–4 digits, optional
	PostalCode  string // postleitzahl, five digits
	City        string // wohnort, 1–40 characters
}

// DefaultAddress returns Signer.Address when none is set: a placeholder
// that validates, until the site configuration carries the real address.
func DefaultAddress() Address {
	return Address{Street: "nicht angegeben", PostalCode: "00000", City: "nicht angegeben"}
}

// Validate checks the fields the schema constrains by pattern.
func (a Address) Validate() error {
	if !digits(a.PostalCode, 5, 5) {
		return fmt.Errorf("postal code %q is not five digits", a.PostalCode)
	}
	if a.HouseNumber != "" && !digits(a.HouseNumber, 1, 4) {
		return fmt.Errorf("house number %q is not 1 to 4 digits", a.HouseNumber)
	}
	if message.Blank(a.Street) || message.Blank(a.City) {
		return errors.New("street and city are required")
	}
	return nil
}

func digits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// IsZero reports whether no field is set.
func (a Address) IsZero() bool { return a == Address{} }

// Validate checks the signer.
func (s *Signer) Validate() error {
	if s.Key == nil || s.Cert == nil {
		return fmt.Errorf("%w: no signing key or certificate", ErrInvalidSigner)
	}
	if !s.Self.Kennung.Valid() {
		return fmt.Errorf("%w: kennung %q is not valid", ErrInvalidSigner, s.Self.Kennung)
	}
	k, err := certs.KennungFromCert(s.Cert)
	if err != nil {
		return fmt.Errorf("%w: the signing certificate: %w", ErrInvalidSigner, err)
	}
	if k != s.Self.Kennung {
		return fmt.Errorf("%w: the signing certificate names %q, not %q", ErrInvalidSigner, k, s.Self.Kennung)
	}
	if !s.Address.IsZero() {
		if err := s.Address.Validate(); err != nil {
			return fmt.Errorf("%w: address: %w", ErrInvalidSigner, err)
		}
	}
	return nil
}

// Received describes the message an answer is about, as the receiving
// gateway read it.
type Received struct {
	// UUID is the message's nachrichtenUUID. BuildReceipt requires a valid
	// one; BuildRejection leaves out what it cannot read ("" or invalid).
	UUID string
	// Type is the message type code (nachrichtentyp), e.g. "090009".
	// BuildReceipt requires a type of the catalogue.
	Type string
	// Sender is who sent the message: the answer's leser. The gateway
	// takes it from the directory entry of the TLS client certificate (or
	// of the verified autor). Kennung is required; Name defaults to the
	// kennung.
	Sender kennung.Identity
	// At is when the message was received. Defaults to the signer's clock.
	At time.Time
	// Digest is the SHA-256 of the sealed bytes received (hashwert).
	Digest [32]byte
	// Test marks the received message as a test message (root attribute
	// test, with TestText as its content): the answer is marked the same.
	Test     bool
	TestText string
}

// BuildReceipt returns a signed Prozess.Transportquittung.900001 for r: the
// nachrichtenUUID, type and time of receipt of the message received
// (empfangeneNachricht), ausloeserUUID = r.UUID and hashwert = lower-case
// hex of r.Digest. uuid is the receipt's own nachrichtenUUID (random,
// version 4). The document validates with xml/validate once verified
// (secure.Verify, then Opened.Canonical), and secure.Verify and xmlsec1
// --verify accept its signature.
func BuildReceipt(ctx context.Context, s Signer, r Received) (id string, xml []byte, err error) {
	if err := s.Validate(); err != nil {
		return "", nil, err
	}
	if !message.ValidUUID(r.UUID) {
		return "", nil, fmt.Errorf("%w: nachrichtenUUID %q is not a UUID", ErrInvalidReceived, r.UUID)
	}
	if _, ok := catalogue.New().Lookup(r.Type); !ok {
		return "", nil, fmt.Errorf("%w: message type %q is not in the catalogue", ErrInvalidReceived, r.Type)
	}
	if !r.Sender.Kennung.Valid() {
		return "", nil, fmt.Errorf("%w: sender kennung %q is not valid", ErrInvalidReceived, r.Sender.Kennung)
	}
	clk := clock.Or(s.Clock)
	if r.At.IsZero() {
		r.At = clk.Now()
	}
	id, root, err := newAnswer(&s, clk, catalogue.TypeTransportquittung, r)
	if err != nil {
		return "", nil, err
	}
	root.CreateElement("ausloeserUUID").SetText(r.UUID)
	em := root.CreateElement("empfangeneNachricht")
	em.CreateElement("nachrichtenUUID").SetText(r.UUID)
	code(em, "nachrichtentyp", catalogue.ListNachrichtentyp, versionNachrichtentyp, r.Type)
	em.CreateElement("zeitpunkt").SetText(r.At.Format(timeLayout))
	root.CreateElement("hashwert").SetText(hex.EncodeToString(r.Digest[:]))
	signed, err := sign(ctx, &s, root)
	if err != nil {
		return "", nil, err
	}
	return id, signed, nil
}

// BuildRejection returns a signed Prozess.Rueckweisung.900010 for r with
// one rueckweisungsgrund per error (at most MaxReasons): fehlercode, a
// beschreibung made of the code's text and the error's Detail (or its
// wrapped error), and grundSpezifisch with the error's Rule, Path and
// Line where it has them. A code outside the catalogue of error codes
// becomes S999 with the code named in the text. Texts are reduced to the
// DIN 91379 repertoire (other characters become '?') and shortened, so
// that the rejection always validates. r.UUID, when it is a UUID, is
// written as originalNachrichtenUUID and ausloeserUUID; otherwise both are
// left out (the message could not be read). errs must not be empty.
func BuildRejection(ctx context.Context, s Signer, r Received, errs []*errcode.Error) (id string, xml []byte, err error) {
	if err := s.Validate(); err != nil {
		return "", nil, err
	}
	if !r.Sender.Kennung.Valid() {
		return "", nil, fmt.Errorf("%w: sender kennung %q is not valid", ErrInvalidReceived, r.Sender.Kennung)
	}
	var reasons []*errcode.Error
	for _, e := range errs {
		if e != nil && len(reasons) < MaxReasons {
			reasons = append(reasons, e)
		}
	}
	if len(reasons) == 0 {
		return "", nil, fmt.Errorf("%w: a rejection needs at least one error", ErrInvalidReceived)
	}
	clk := clock.Or(s.Clock)
	id, root, err := newAnswer(&s, clk, catalogue.TypeRueckweisung, r)
	if err != nil {
		return "", nil, err
	}
	if message.ValidUUID(r.UUID) {
		root.CreateElement("ausloeserUUID").SetText(r.UUID)
		root.CreateElement("originalNachrichtenUUID").SetText(r.UUID)
	}
	for _, e := range reasons {
		addReason(root, e)
	}
	signed, err := sign(ctx, &s, root)
	if err != nil {
		return "", nil, err
	}
	return id, signed, nil
}

// addReason writes one rueckweisungsgrund.
func addReason(root *etree.Element, e *errcode.Error) {
	c, text := e.Code, e.Code.Text()
	if !c.Valid() {
		c, text = errcode.Other, fmt.Sprintf("%s (Code %s)", errcode.Other.Text(), e.Code)
	}
	detail := e.Detail
	if detail == "" && e.Err != nil {
		detail = e.Err.Error()
	}
	if detail != "" {
		text += ": " + detail
	}
	g := root.CreateElement("rueckweisungsgrund")
	code(g, "fehlercode", catalogue.ListFehlercode, versionFehlercode, string(c))
	g.CreateElement("beschreibung").SetText(latin(text, maxDescription, string(c)))
	rule, path := token(e.Rule, 64), latin(e.Path, maxDescription, "")
	if rule == "" && path == "" && e.Line <= 0 {
		return
	}
	gs := g.CreateElement("grundSpezifisch")
	if rule != "" {
		gs.CreateElement("regel").SetText(rule)
	}
	if path != "" {
		gs.CreateElement("pfad").SetText(path)
	}
	if e.Line > 0 {
		gs.CreateElement("zeile").SetText(strconv.Itoa(e.Line))
	}
}

// rootOf returns the root element name of an answer type.
func rootOf(typ string) string {
	if typ == catalogue.TypeTransportquittung {
		return rootReceipt
	}
	return rootRejection
}

// Root element names of the answers.
const (
	rootReceipt   = "Prozess.Transportquittung." + catalogue.TypeTransportquittung
	rootRejection = "Prozess.Rueckweisung." + catalogue.TypeRueckweisung
)

// newAnswer returns the root of an answer of type typ with its header and
// anschrift.autor.
func newAnswer(s *Signer, clk clock.Clock, typ string, r Received) (string, *etree.Element, error) {
	u, err := uuid.NewRandom()
	if err != nil {
		return "", nil, fmt.Errorf("wire: new UUID: %w", err)
	}
	id := u.String()
	root := etree.NewElement("xaus:" + rootOf(typ))
	root.CreateAttr("xmlns:xaus", schemas.NSMessages)
	root.CreateAttr("produkt", Produkt)
	root.CreateAttr("produkthersteller", Produkthersteller)
	root.CreateAttr("produktversion", Produktversion)
	root.CreateAttr("standard", schemas.Standard)
	root.CreateAttr("version", schemas.Version)
	if r.Test {
		root.CreateAttr("test", latin(r.TestText, 200, ""))
	}
	kopf := root.CreateElement("nachrichtenkopf.g2g")
	idn := kopf.CreateElement("identifikation.nachricht")
	idn.CreateElement("nachrichtenUUID").SetText(id)
	code(idn, "nachrichtentyp", catalogue.ListNachrichtentyp, versionNachrichtentyp, typ)
	idn.CreateElement("erstellungszeitpunkt").SetText(clk.Now().Format(timeLayout))
	party(kopf, "leser", r.Sender, nil)
	contact := s.Contact
	if len(contact) == 0 {
		contact = []message.Kommunikation{{Kanal: "01", Kennung: "gateway@" + s.Self.Kennung.Key() + "." + s.Self.Kennung.Prefix() + ".invalid"}}
	}
	party(kopf, "autor", s.Self, contact)
	a := s.Address
	if a.IsZero() {
		a = DefaultAddress()
	}
	geb := root.CreateElement("anschrift.autor").CreateElement("gebaeude")
	if a.HouseNumber != "" {
		geb.CreateElement("hausnummer").SetText(a.HouseNumber)
	}
	geb.CreateElement("postleitzahl").SetText(a.PostalCode)
	geb.CreateElement("strasse").SetText(latin(a.Street, 55, "-"))
	geb.CreateElement("wohnort").SetText(latin(a.City, 40, "-"))
	return id, root, nil
}

// party writes a leser or autor.
func party(parent *etree.Element, tag string, id kennung.Identity, contact []message.Kommunikation) {
	p := parent.CreateElement(tag)
	code(p, "verzeichnisdienst", catalogue.ListVerzeichnisdienst, versionVerzeichnisdienst, "DVDV")
	p.CreateElement("kennung").SetText(string(id.Kennung))
	p.CreateElement("name").SetText(latin(id.Name, 200, string(id.Kennung)))
	for _, c := range contact {
		e := p.CreateElement("erreichbarkeit")
		code(e, "kanal", catalogue.ListErreichbarkeit, versionErreichbarkeit, c.Kanal)
		e.CreateElement("kennung").SetText(latin(c.Kennung, 256, "-"))
		if c.Zusatz != "" {
			e.CreateElement("zusatz").SetText(latin(c.Zusatz, 200, "-"))
		}
	}
}

// code writes <tag listURI listVersionID><code>value</code></tag>.
func code(parent *etree.Element, tag, uri, version, value string) {
	e := parent.CreateElement(tag)
	e.CreateAttr("listURI", uri)
	e.CreateAttr("listVersionID", version)
	e.CreateElement("code").SetText(value)
}

// sign serialises root and signs it with secure.Sign.
func sign(ctx context.Context, s *Signer, root *etree.Element) ([]byte, error) {
	var buf bytes.Buffer
	root.WriteTo(&buf, &etree.WriteSettings{CanonicalEndTags: true, CanonicalText: true, CanonicalAttrVal: true})
	signed, err := secure.Sign(ctx, buf.Bytes(), secure.SignOptions{SigningKey: s.Key, SigningCert: s.Cert})
	if err != nil {
		return nil, fmt.Errorf("wire: sign the answer: %w", err)
	}
	return signed, nil
}

// latin returns s in NFC with every character outside DIN 91379 data type
// C replaced by '?', line breaks and tabs by a space, at most max
// characters (cut with "..."); def if nothing printable is left.
func latin(s string, max int, def string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "?"))
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			break
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			r = ' '
		case !din91379.InC(r):
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	out := b.String()
	if n == max && utf8.RuneCountInString(s) > max && max > 3 {
		rs := []rune(out)
		out = string(rs[:max-3]) + "..."
	}
	if message.Blank(out) {
		return def
	}
	return out
}

// token returns s reduced to the characters of a rule id (ASCII letters,
// digits, '.', '_', '-'), at most max of them.
func token(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() == max {
			break
		}
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
