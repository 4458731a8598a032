package scenario

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/internal/sample"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
)

// Errors of Build and Env.
var (
	// ErrNotSent: a step refers to a step whose message was not sent yet.
	ErrNotSent = errors.New("scenario: step not sent yet")
	// ErrNoAnswer: a step needs an answer that has not arrived yet.
	ErrNoAnswer = errors.New("scenario: answer not received yet")
	// ErrUnknownAnswer: an answer whose ausloeserUUID names no sent step.
	ErrUnknownAnswer = errors.New("scenario: answer to no known step")
)

// Config configures an Env.
type Config struct {
	// Parties are the participants by role. Defaults to DefaultParties.
	Parties map[kennung.Role]kennung.Identity
	// Clock gives erstellungszeitpunkt. Defaults to the wall clock.
	Clock clock.Clock
	// Seed, if not zero, makes the nachrichtenUUIDs deterministic (tests).
	// Defaults to 0: random UUIDs, so that a second run against kept
	// stores never repeats one.
	Seed int64
}

// DefaultParties returns the participants of the development PKI
// (certs/devpki.DefaultParticipants) by role, without the test partner.
func DefaultParties() map[kennung.Role]kennung.Identity {
	out := map[kennung.Role]kennung.Identity{}
	for _, m := range devpki.DefaultParticipants() {
		if m.Role.Valid() {
			out[m.Role] = m.Identity
		}
	}
	return out
}

// Env is what the steps see: the parties, the clock, and what was sent
// and answered so far. One Env serves any number of scenarios (step names
// are unique). It is safe for concurrent use.
type Env struct {
	parties map[kennung.Role]kennung.Identity
	clock   clock.Clock
	set     *sample.Set

	mu      sync.Mutex
	rng     *mrand.Rand // nil: crypto/rand
	records map[string]*Record
	byUUID  map[string]string // canonical nachrichtenUUID → step
}

// Record is what happened in one step.
type Record struct {
	Step    string
	UUID    string // nachrichtenUUID of the message sent
	XML     []byte
	Answers []Answer // in order of arrival
}

// NewEnv returns an empty Env. It reads the shipped samples once.
func NewEnv(cfg Config) (*Env, error) {
	if cfg.Parties == nil {
		cfg.Parties = DefaultParties()
	}
	for _, r := range kennung.Roles() {
		if _, ok := cfg.Parties[r]; !ok {
			return nil, fmt.Errorf("scenario: no party of role %s", r)
		}
	}
	set, err := sample.Load(nil)
	if err != nil {
		return nil, err
	}
	e := &Env{parties: cfg.Parties, clock: clock.Or(cfg.Clock), set: set,
		records: map[string]*Record{}, byUUID: map[string]string{}}
	if cfg.Seed != 0 {
		e.rng = mrand.New(mrand.NewPCG(uint64(cfg.Seed), 0x78676174655f7363))
	}
	return e, nil
}

// Party returns the participant of role r.
func (e *Env) Party(r kennung.Role) kennung.Identity { return e.parties[r] }

// Sent records that the message of step was submitted and returns its
// nachrichtenUUID. Sending a step again (a corrected resend) replaces the
// record.
func (e *Env) Sent(step string, msg []byte) (string, error) {
	m, err := message.Parse(msg, message.Limits{})
	if err != nil {
		return "", fmt.Errorf("scenario: step %s: %w", step, err)
	}
	uuid := m.Header().UUID
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records[step] = &Record{Step: step, UUID: uuid, XML: slices.Clone(msg)}
	e.byUUID[message.CanonicalUUID(uuid)] = step
	return uuid, nil
}

// Received records a business answer, found by its ausloeserUUID, and
// returns it with the step it answers. An answer handed over again (same
// nachrichtenUUID) is recorded once. ErrUnknownAnswer if no sent step has
// that nachrichtenUUID.
func (e *Env) Received(msg []byte) (Answer, string, error) {
	m, err := message.Parse(msg, message.Limits{})
	if err != nil {
		return Answer{}, "", fmt.Errorf("scenario: answer: %w", err)
	}
	h := m.Header()
	a := Answer{Type: h.Type, UUID: h.UUID, Ausloeser: h.AusloeserUUID, XML: slices.Clone(msg)}
	e.mu.Lock()
	defer e.mu.Unlock()
	step, ok := e.byUUID[message.CanonicalUUID(h.AusloeserUUID)]
	if !ok {
		return a, "", fmt.Errorf("%w: %s %s answers %s", ErrUnknownAnswer, h.Type, h.UUID, h.AusloeserUUID)
	}
	r := e.records[step]
	for _, old := range r.Answers {
		if message.CanonicalUUID(old.UUID) == message.CanonicalUUID(a.UUID) {
			return old, step, nil // handed over again: recorded once
		}
	}
	r.Answers = append(r.Answers, a)
	return a, step, nil
}

// Record returns a copy of what happened in step.
func (e *Env) Record(step string) (Record, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.records[step]
	if !ok {
		return Record{}, false
	}
	c := *r
	c.Answers = slices.Clone(r.Answers)
	return c, true
}

// Message returns the message sent in step, parsed.
func (e *Env) Message(step string) (*message.Message, error) {
	r, ok := e.Record(step)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotSent, step)
	}
	return message.Parse(r.XML, message.Limits{})
}

// Answer returns the last answer of type typ to the message of step,
// parsed.
func (e *Env) Answer(step, typ string) (*message.Message, error) {
	r, ok := e.Record(step)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotSent, step)
	}
	for i := len(r.Answers) - 1; i >= 0; i-- {
		if r.Answers[i].Type == typ {
			return message.Parse(r.Answers[i].XML, message.Limits{})
		}
	}
	return nil, fmt.Errorf("%w: %s to step %s", ErrNoAnswer, typ, step)
}

// newUUID returns a fresh nachrichtenUUID.
func (e *Env) newUUID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return sample.UUID(e.rng)
}

// edit changes a message being built; env gives the earlier steps.
type edit func(env *Env, root *etree.Element) error

// compose builds a message of typ from the plain sample name, for from →
// to, changed by ed.
func (e *Env) compose(from, to kennung.Role, typ, name string, ed edit) ([]byte, error) {
	doc, err := e.set.Doc(typ, name)
	if err != nil {
		return nil, err
	}
	err = e.set.SetHeader(doc, sample.Header{UUID: e.newUUID(), Created: e.clock.Now(),
		Autor: e.parties[from], Leser: e.parties[to]})
	if err != nil {
		return nil, err
	}
	if ed != nil {
		if err := ed(e, doc.Root()); err != nil {
			return nil, err
		}
	}
	return sample.Bytes(doc)
}
