package peer

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// MarkLate is the instruction in the root attribute test (the text the
// partners agree bilaterally) that asks a simulated partner to hold its
// answer back for Config.LateDelay, so that the sender's gateway sees the
// answer overdue and sends an Erinnerung (900021).
const MarkLate = "Antwort verzögert"

// Errors of Respond.
var (
	// ErrNotAddressed: the inbound message's leser is not Config.Self.
	ErrNotAddressed = errors.New("peer: message is not addressed to this participant")
	// ErrUnexpectedType: the type is unknown or not one this role receives.
	ErrUnexpectedType = errors.New("peer: message type not received by this role")
)

// Config configures a Responder.
type Config struct {
	// Self is the simulated participant; its Role decides the behaviour
	// (kennung.RoleTest answers each type as the type's receiver role).
	// Required.
	Self kennung.Identity
	// Clock gives erstellungszeitpunkt and the dates of the answers.
	// Defaults to the wall clock.
	Clock clock.Clock
	// Seed makes every number deterministic: UUIDs, AZR numbers,
	// Referenz-IDs. Each inbound message gets its own random stream derived
	// from Seed, Self's kennung and the message's nachrichtenUUID, so the
	// answers do not depend on the order in which messages arrive.
	// Defaults to 0 (which is a seed like any other).
	Seed int64
	// Catalogue is the message catalogue. Defaults to catalogue.New().
	Catalogue *catalogue.Catalogue
	// LateDelay is Outgoing.Delay for answers to messages whose test
	// attribute contains MarkLate. Defaults to 3s.
	LateDelay time.Duration
	// Remember is how many answered messages the Responder remembers, so
	// that a message handed over again gets the same answers again.
	// Defaults to 10000.
	Remember int
}

func (c *Config) setDefaults() {
	c.Clock = clock.Or(c.Clock)
	if c.Catalogue == nil {
		c.Catalogue = catalogue.New()
	}
	if c.LateDelay == 0 {
		c.LateDelay = 3 * time.Second
	}
	if c.Remember == 0 {
		c.Remember = 10000
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if _, err := kennung.Parse(string(c.Self.Kennung)); err != nil {
		return fmt.Errorf("peer: Self.Kennung: %w", err)
	}
	if !c.Self.Role.Valid() && c.Self.Role != kennung.RoleTest {
		return fmt.Errorf("peer: Self.Role %q is not a role", c.Self.Role)
	}
	if c.Self.Name == "" {
		return errors.New("peer: Self.Name is empty")
	}
	if c.LateDelay < 0 || c.Remember < 0 {
		return errors.New("peer: LateDelay and Remember must not be negative")
	}
	return nil
}

// Outgoing is one business answer of the simulated partner: a complete
// message that passes xml/validate with the default rules.
type Outgoing struct {
	To   kennung.Kennung // the inbound message's autor
	Type string          // "090098"
	UUID string          // nachrichtenUUID of XML
	XML  []byte
	// Delay asks the caller to hold the answer back this long before
	// handing it to the gateway (MarkLate); zero sends at once.
	Delay time.Duration
}

// Responder is the business logic of a simulated partner. It is safe for
// concurrent use; Respond calls are serialised.
type Responder struct {
	cfg Config
	set *sample.Set
	reg *register

	mu    sync.Mutex
	memo  map[string][]Outgoing
	order []string
}

// New returns a Responder for cfg.Self. It reads the shipped samples once;
// a Responder of the AZR also learns every person the samples name with an
// AZR number and every record of the samples' Gesamtauskünfte.
func New(cfg Config) (*Responder, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	set, err := sample.Load(cfg.Catalogue)
	if err != nil {
		return nil, err
	}
	r := &Responder{cfg: cfg, set: set, memo: map[string][]Outgoing{}}
	if cfg.Self.Role == kennung.RoleAZR || cfg.Self.Role == kennung.RoleTest {
		r.reg = seedRegister(set)
	}
	return r, nil
}

// Respond returns the business answers to in, an opened and validated
// inbound message addressed to Self (catalogue.md §5): none for a type
// that expects no answer. A message handed over again (same autor and
// nachrichtenUUID) gets the same answers again without changing any state.
// Errors: ErrNotAddressed, ErrUnexpectedType, ctx's error, or a problem
// building an answer (a bug: the answers are built from the shipped
// samples).
func (r *Responder) Respond(ctx context.Context, in *message.Message) ([]Outgoing, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := in.Header()
	if kennung.Kennung(h.Leser.Kennung) != r.cfg.Self.Kennung {
		return nil, fmt.Errorf("%w: leser %s, this is %s", ErrNotAddressed, h.Leser.Kennung, r.cfg.Self.Kennung)
	}
	t, ok := r.cfg.Catalogue.Lookup(h.Type)
	role := r.cfg.Self.Role
	if ok && role == kennung.RoleTest && len(t.To) > 0 {
		role = t.To[0]
	}
	if !ok || !t.ReceivedBy(role) {
		return nil, fmt.Errorf("%w: %s to %s", ErrUnexpectedType, h.Type, role)
	}
	key := h.Autor.Kennung + " " + message.CanonicalUUID(h.UUID)

	r.mu.Lock()
	defer r.mu.Unlock()
	if out, ok := r.memo[key]; ok {
		return cloneOut(out), nil
	}
	c := &call{r: r, in: in, h: h, t: t, role: role, now: r.cfg.Clock.Now(), rng: r.stream(h.UUID),
		from: kennung.Identity{Kennung: kennung.Kennung(h.Autor.Kennung), Name: h.Autor.Name}}
	out, err := c.dispatch()
	if err != nil {
		return nil, fmt.Errorf("peer: answer %s %s: %w", h.Type, h.UUID, err)
	}
	if h.Test && strings.Contains(h.TestText, MarkLate) {
		for i := range out {
			out[i].Delay = r.cfg.LateDelay
		}
	}
	r.remember(key, out)
	return cloneOut(out), nil
}

// stream returns the random stream for the inbound message uuid.
func (r *Responder) stream(uuid string) *mrand.Rand {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(r.cfg.Seed))
	sum := sha256.Sum256(slices.Concat(b[:], []byte(r.cfg.Self.Kennung), []byte{0}, []byte(message.CanonicalUUID(uuid))))
	return mrand.New(mrand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
}

func (r *Responder) remember(key string, out []Outgoing) {
	if r.cfg.Remember == 0 {
		return
	}
	if len(r.order) >= r.cfg.Remember {
		delete(r.memo, r.order[0])
		r.order = r.order[1:]
	}
	r.memo[key] = cloneOut(out)
	r.order = append(r.order, key)
}

func cloneOut(out []Outgoing) []Outgoing {
	c := slices.Clone(out)
	for i := range c {
		c[i].XML = slices.Clone(c[i].XML)
	}
	return c
}

// call is the answering of one inbound message.
type call struct {
	r    *Responder
	in   *message.Message
	h    message.Header
	t    catalogue.Type
	role kennung.Role
	now  time.Time
	rng  *mrand.Rand
	from kennung.Identity // the inbound autor: leser of every answer
}

// dispatch picks the behaviour of the role for the inbound type.
func (c *call) dispatch() ([]Outgoing, error) {
	switch c.role {
	case kennung.RoleAZR:
		switch c.t.Code {
		case catalogue.TypeAZRAnfrage:
			return c.azrQuery()
		case catalogue.TypeAZRErstmeldung:
			return c.azrFirst()
		case catalogue.TypeAZRFolgemeldung:
			return c.azrFollowUp()
		}
	case kennung.RoleMB:
		switch c.t.Code {
		case catalogue.TypeABHMBNachgewieseneAusreise:
			return c.mbRefuse()
		case catalogue.TypeABHMBAnmeldung, catalogue.TypeABHMBAenderungName, catalogue.TypeABHMBMitteilungAZRNummer:
			if out, ok, err := c.mbNotResponsible(); ok || err != nil {
				return out, err
			}
		}
	case kennung.RoleBA:
		if c.t.Code == catalogue.TypeABHBAZustimmungsanfrage {
			return c.baDecide()
		}
	}
	if slices.Contains(c.t.Answers, catalogue.TypeQuittung) {
		return c.receipt()
	}
	return nil, nil
}

// answer returns a copy of the plain sample of typ named name ("" for the
// first) with its header set for an answer to the inbound message.
func (c *call) answer(typ, name string) (*etree.Document, string, error) {
	doc, err := c.r.set.Doc(typ, name)
	if err != nil {
		return nil, "", err
	}
	uuid := sample.UUID(c.rng)
	err = c.r.set.SetHeader(doc, sample.Header{UUID: uuid, Created: c.now,
		Autor: c.r.cfg.Self, Leser: c.from, Ausloeser: c.h.UUID})
	return doc, uuid, err
}

// done renders doc as the Outgoing of type typ.
func (c *call) done(typ, uuid string, doc *etree.Document) ([]Outgoing, error) {
	b, err := sample.Bytes(doc)
	if err != nil {
		return nil, err
	}
	return []Outgoing{{To: c.from.Kennung, Type: typ, UUID: uuid, XML: b}}, nil
}

// setBezug fills a reference to the inbound message: nachrichtenUUID,
// nachrichtentyp and, if present, the time element named tm (received
// now).
func (c *call) setBezug(e *etree.Element, tm string) error {
	if e == nil {
		return errors.New("no reference element")
	}
	if err := sample.SetText(e, "nachrichtenUUID", c.h.UUID); err != nil {
		return err
	}
	if err := c.r.set.SetCode(e.SelectElement("nachrichtentyp"), c.t.Code); err != nil {
		return err
	}
	if tm != "" {
		return sample.SetText(e, tm, c.now.Format(sample.TimestampLayout))
	}
	return nil
}

// setOrRemove sets the text of e's child tag, or removes the child when
// text is empty.
func setOrRemove(e *etree.Element, tag, text string) {
	ch := e.SelectElement(tag)
	switch {
	case ch == nil:
	case text == "":
		e.RemoveChild(ch)
	default:
		ch.SetText(text)
	}
}

func (c *call) today() string { return c.now.Format(sample.DateLayout) }
