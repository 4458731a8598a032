package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

// InvalidError is a message refused at intake: every finding, with code,
// line and path.
type InvalidError struct {
	Findings []*errcode.Error
}

// Error names the codes and paths only: the findings' texts may quote
// message content, and errors end up in logs.
func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("gateway: message refused:")
	for i, f := range e.Findings {
		if i == 5 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Findings)-i)
			break
		}
		fmt.Fprintf(&b, " %s", f.Code)
		if f.Rule != "" {
			fmt.Fprintf(&b, "[%s]", f.Rule)
		}
		if f.Path != "" {
			fmt.Fprintf(&b, " at %s", f.Path)
		}
	}
	return b.String()
}

// Submitted is the outcome of a submission.
type Submitted struct {
	Record outbox.Record
	// Existing is true when the nachrichtenUUID was known: the stored
	// record is returned and nothing new was enqueued.
	Existing bool
}

// Submit validates a message from local software (or a Responder or the
// reminder sweep), checks that this gateway is its autor and that the
// directory lets it go to its leser, seals it for the leser's newest
// encryption certificate and enqueues it durably. A repeated
// nachrichtenUUID returns the stored record. Errors: *InvalidError,
// outbox.ErrStoreFull, or a failure of the store or the seal.
func (g *Gateway) Submit(ctx context.Context, data []byte, actor string) (Submitted, error) {
	rep := g.o.Validator.Validate(ctx, data)
	if !rep.Valid() {
		return Submitted{}, &InvalidError{Findings: rep.Findings}
	}
	hdr := rep.Header
	id := message.CanonicalUUID(hdr.UUID)
	if rec, err := g.o.Store.Get(ctx, id); err == nil && rec.Direction == outbox.DirOut {
		return Submitted{Record: rec, Existing: true}, nil
	} else if err != nil && !errors.Is(err, outbox.ErrNotFound) {
		return Submitted{}, err
	}
	if kennung.Kennung(hdr.Autor.Kennung) != g.o.Self.Kennung {
		return Submitted{}, invalid(errcode.SenderNotAuthorised, "nachrichtenkopf.g2g/autor/kennung",
			"autor %q is not this gateway (%s)", hdr.Autor.Kennung, g.o.Self.Kennung)
	}
	leser := kennung.Kennung(hdr.Leser.Kennung)
	dir, err := g.directory()
	if err != nil {
		return Submitted{}, err
	}
	to, ok := dir.Lookup(leser)
	if !ok {
		return Submitted{}, invalid(errcode.WrongRecipient, "nachrichtenkopf.g2g/leser/kennung",
			"leser %q is not in the routing directory", hdr.Leser.Kennung)
	}
	if err := dir.Authorize(g.o.Self.Kennung, leser, rep.Type.Code); err != nil {
		var ce *errcode.Error
		if errors.As(err, &ce) {
			return Submitted{}, &InvalidError{Findings: []*errcode.Error{ce}}
		}
		return Submitted{}, err
	}
	payload := data
	if to.Dialect != "" {
		if payload, err = g.toDialect(ctx, to.Dialect, data); err != nil {
			return Submitted{}, err
		}
	}
	sealed, err := g.sealFor(ctx, payload, to)
	if err != nil {
		return Submitted{}, err
	}
	now := g.o.Clock.Now()
	m := outbox.Message{
		ID:            id,
		Partner:       string(leser),
		Type:          rep.Type.Code,
		OrderingKey:   orderingKey(rep.Message, id),
		Sealed:        sealed,
		AusloeserUUID: message.CanonicalUUID(hdr.AusloeserUUID),
		At:            now,
		Actor:         actor,
	}
	m.AnswerDeadline = g.answerDue(rep.Type, now)
	switch err := g.o.Store.Enqueue(ctx, m); {
	case errors.Is(err, outbox.ErrDuplicate):
		rec, gerr := g.o.Store.Get(ctx, id)
		if gerr != nil {
			return Submitted{}, gerr
		}
		return Submitted{Record: rec, Existing: true}, nil
	case err != nil:
		return Submitted{}, err
	}
	// The record as Enqueue stored it (not read back: this is the hot path).
	rec := outbox.Record{
		ID: m.ID, Direction: outbox.DirOut, Partner: m.Partner, Type: m.Type, OrderingKey: m.OrderingKey,
		State: outbox.StateQueued, NextAttempt: now, Created: now, Queued: now, Updated: now,
		AusloeserUUID: m.AusloeserUUID, AnswerDeadline: m.AnswerDeadline,
	}
	g.metrics.enqueued.WithLabelValues(string(leser)).Inc()
	g.log.Info("enqueued", "id", id, "type", m.Type, "to", m.Partner, "actor", actor)
	g.event(Event{Stage: "enqueued", ID: id, Type: m.Type, Peer: m.Partner})
	g.publish(topicEnqueued, id)
	return Submitted{Record: rec}, nil
}

// sealFor signs data and encrypts it for to's newest valid encryption
// certificate, with to's key-transport profile.
func (g *Gateway) sealFor(ctx context.Context, data []byte, to *directory.Participant) ([]byte, error) {
	opts := g.seal
	opts.RecipientCerts = to.EncryptionCerts()
	opts.Profile = to.Profile
	sealed, err := secure.Seal(ctx, data, opts)
	if err != nil {
		return nil, fmt.Errorf("seal for %s: %w", to.Kennung, err)
	}
	return sealed, nil
}

// answerDue is when the business answer to a message of type t sent at
// now is due: the configured override, else the catalogue's default; zero
// if no answer is expected.
func (g *Gateway) answerDue(t catalogue.Type, now time.Time) time.Time {
	if !t.ExpectsAnswer() {
		return time.Time{}
	}
	if d, ok := g.o.Deadlines[t.Code]; ok {
		return now.Add(d)
	}
	return t.Deadline.After(now)
}

// orderingKey keeps the messages about one person in order: the first AZR
// number in the message, else the message's own id (no ordering).
func orderingKey(m *message.Message, id string) string {
	if m != nil {
		if e := m.Root.FindElement(".//azrNummer"); e != nil {
			if n := message.TrimXMLSpace(e.Text()); n != "" {
				return "azr:" + n
			}
		}
	}
	return id
}

func invalid(c errcode.Code, path, format string, args ...any) *InvalidError {
	e := errcode.New(c, "intake", fmt.Sprintf(format, args...))
	e.Path = path
	return &InvalidError{Findings: []*errcode.Error{e}}
}
