package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	wm "github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/message"
)

// errNotYet makes the router retry: the answer arrived before the
// sender's relay had settled the original's receipt.
var errNotYet = errors.New("gateway: the original is still in flight")

// handleReceived is the hand-over stage for one inbound record: correlate
// an answer with the original (answered), then give the message to the
// Responder (a simulated partner), push it to the webhook, or leave it in
// the inbox for pull. Every step is idempotent on the record id, so the
// sweep may run it again after a crash or a poisoned event.
func (g *Gateway) handleReceived(m *wm.Message) error {
	id := eventID(m)
	if id == "" {
		return nil // not an event of ours
	}
	ctx := m.Context()
	if !g.claimInflight(id) {
		return nil
	}
	defer g.releaseInflight(id)
	rec, err := g.o.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.Direction != outbox.DirIn {
		return nil
	}
	msg, err := message.Parse(rec.Opened, message.Limits{})
	if err != nil {
		return fmt.Errorf("stored message %s does not parse: %w", id, err)
	}
	// Correlation does not depend on the hand-over: local software may
	// have pulled the message already.
	switch err := g.correlate(ctx, msg.Header()); {
	case errors.Is(err, errNotYet):
		g.mu.Lock()
		g.uncorrelated[id] = true // the sweep tries again
		g.mu.Unlock()
	case err != nil:
		return err
	}
	if rec.State != outbox.StateReceived {
		g.forget(id)
		return nil
	}
	switch {
	case g.o.Responder != nil:
		return g.respond(ctx, rec, msg)
	case g.o.Webhook != nil:
		g.pushWebhook(ctx, rec)
		return nil
	default:
		// Pulled from /v1/inbox: nothing more to do here until local
		// software acknowledges it; the sweep leaves it alone (a restart
		// looks at it once more, for the correlation).
		g.mu.Lock()
		g.sent[id] = time.Unix(1<<40, 0)
		g.mu.Unlock()
		return nil
	}
}

// retryCorrelation tries again the answers whose original was still in
// flight when they arrived (the receipt and the answer raced).
func (g *Gateway) retryCorrelation(ctx context.Context) {
	g.mu.Lock()
	ids := make([]string, 0, len(g.uncorrelated))
	for id := range g.uncorrelated {
		ids = append(ids, id)
	}
	g.mu.Unlock()
	for _, id := range ids {
		rec, err := g.o.Store.Get(ctx, id)
		if err != nil {
			continue
		}
		msg, err := message.Parse(rec.Opened, message.Limits{})
		if err == nil {
			err = g.correlate(ctx, msg.Header())
		}
		if !errors.Is(err, errNotYet) {
			g.mu.Lock()
			delete(g.uncorrelated, id)
			g.mu.Unlock()
		}
	}
}

// correlate moves the original of a business answer to answered.
func (g *Gateway) correlate(ctx context.Context, h message.Header) error {
	orig := message.CanonicalUUID(h.AusloeserUUID)
	if orig == "" {
		return nil
	}
	rec, err := g.o.Store.Get(ctx, orig)
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		return nil // not ours, or long expired
	case err != nil:
		return err
	}
	if rec.Direction != outbox.DirOut {
		return nil
	}
	switch rec.State {
	case outbox.StateQueued, outbox.StateSending:
		return errNotYet
	case outbox.StateDelivered:
	default:
		return nil // answered already, or rejected/failed/cancelled
	}
	err = g.o.Store.Apply(ctx, orig, outbox.Action{To: outbox.StateAnswered, At: g.o.Clock.Now(), Actor: "gateway", Reason: "answer " + message.CanonicalUUID(h.UUID)})
	var te *outbox.TransitionError
	if errors.As(err, &te) {
		return nil
	}
	if err != nil {
		return err
	}
	g.metrics.answered.Inc()
	g.log.Info("answered", "id", orig, "answer", message.CanonicalUUID(h.UUID), "type", h.Type)
	g.event(Event{Stage: "answered", ID: orig, Type: rec.Type, Peer: rec.Partner})
	return nil
}

// respond runs the Responder and submits its answers. Each answer's
// nachrichtenUUID is derived from the inbound id and its position, so a
// second run after a crash submits the same ids: the intake's
// de-duplication makes it harmless.
func (g *Gateway) respond(ctx context.Context, rec outbox.Record, msg *message.Message) error {
	outs, err := g.o.Responder.Respond(ctx, msg)
	if err != nil {
		return fmt.Errorf("responder for %s: %w", rec.ID, err)
	}
	now := g.o.Clock.Now()
	later := false
	for i, o := range outs {
		if o.Delay > 0 && now.Before(rec.Created.Add(o.Delay)) {
			later = true // the sweep hands the record over again
			continue
		}
		data, err := withUUID(o.XML, derivedUUID(rec.ID, fmt.Sprint("answer-", i)))
		if err != nil {
			return err
		}
		if _, err := g.Submit(ctx, data, "responder"); err != nil {
			return fmt.Errorf("answer %d to %s: %w", i, rec.ID, err)
		}
	}
	if later {
		return nil
	}
	return g.handedOver(ctx, rec.ID, "responder", true)
}

// handedOver records the hand-over (and, for push and the responder,
// the acknowledgement at once).
func (g *Gateway) handedOver(ctx context.Context, id, actor string, ack bool) error {
	now := g.o.Clock.Now()
	err := g.o.Store.Apply(ctx, id, outbox.Action{To: outbox.StateHandedOver, At: now, Actor: actor})
	var te *outbox.TransitionError
	if err != nil && !errors.As(err, &te) {
		return err
	}
	if err == nil {
		g.event(Event{Stage: "handed-over", ID: id})
	}
	if !ack {
		return nil
	}
	err = g.o.Store.Apply(ctx, id, outbox.Action{To: outbox.StateAcknowledged, At: now, Actor: actor})
	if err != nil && !errors.As(err, &te) {
		return err
	}
	if err == nil {
		g.metrics.acknowledged.Inc()
	}
	return nil
}

// derivedUUID is a name-based UUID (v5) for what the gateway makes on
// behalf of a record: the same record and purpose give the same id.
func derivedUUID(id, purpose string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:xgate:"+id+":"+purpose)).String()
}

// withUUID rewrites the nachrichtenUUID of a message.
func withUUID(data []byte, id string) ([]byte, error) {
	m, err := message.Parse(data, message.Limits{})
	if err != nil {
		return nil, err
	}
	e := m.Root.FindElement("./nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID")
	if e == nil {
		return nil, errors.New("message has no nachrichtenUUID")
	}
	e.SetText(id)
	var b bytes.Buffer
	if _, err := m.Doc.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// forget drops the hand-over bookkeeping of a record that left received.
func (g *Gateway) forget(id string) {
	g.mu.Lock()
	delete(g.sent, id)
	delete(g.webhook, id)
	g.mu.Unlock()
}

func (g *Gateway) claimInflight(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inflight[id] {
		return false
	}
	g.inflight[id] = true
	return true
}

func (g *Gateway) releaseInflight(id string) {
	g.mu.Lock()
	delete(g.inflight, id)
	g.mu.Unlock()
}

// InboxItem is one message in GET /v1/inbox.
type InboxItem struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	From     string    `json:"from"`
	Received time.Time `json:"received"`
	State    string    `json:"state"`
	// Message is the opened (decrypted, verified, validated) message.
	Message string `json:"message"`
	AckURL  string `json:"ack_url"`
	// AdapterError says why Message is in our format although an adapter
	// was asked for.
	AdapterError string `json:"adapter_error,omitempty"`
}

// getInbox lists inbound messages not yet acknowledged (received or
// handed over), oldest first, and marks them handed over: local software
// gets each message at least once, until it acknowledges it.
func (g *Gateway) getInbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	limit := 100
	var out adapters.Translator
	if name := adapterName(r); name != "" {
		tr, err := g.translator(name, true)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "unknown adapter", err.Error(), nil)
			return
		}
		out = tr
	}
	var items []InboxItem
	for _, st := range []outbox.State{outbox.StateHandedOver, outbox.StateReceived} {
		recs, err := g.o.Store.List(ctx, outbox.Filter{Direction: outbox.DirIn, State: st, Limit: limit, WithBodies: true})
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
			return
		}
		for _, rec := range recs {
			if len(items) >= limit {
				break
			}
			if rec.State == outbox.StateReceived {
				if g.o.Responder != nil || g.o.Webhook != nil || g.isInflight(rec.ID) {
					continue
				}
				if err := g.handedOver(ctx, rec.ID, "inbox", false); err != nil {
					writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
					return
				}
			}
			item := InboxItem{ID: rec.ID, Type: rec.Type, From: rec.Partner, Received: rec.Created,
				State: string(outbox.StateHandedOver), Message: string(rec.Opened), AckURL: "/v1/inbox/" + rec.ID + "/ack"}
			if out != nil {
				// In the local software's format; a message the format
				// cannot carry stays in ours, with the reason.
				if b, err := out.Translate(ctx, rec.Opened); err == nil {
					item.Message = string(b)
				} else {
					item.AdapterError = mappingFinding(err, "adapter").Error()
				}
			}
			items = append(items, item)
		}
	}
	if items == nil {
		items = []InboxItem{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": items})
}

func (g *Gateway) isInflight(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inflight[id]
}

// ackInbox acknowledges one inbound message: exactly once; a repeated
// acknowledgement answers 200 with already=true and changes nothing.
func (g *Gateway) ackInbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := strings.ToLower(r.PathValue("id"))
	rec, err := g.o.Store.Get(ctx, id)
	if err == nil && rec.Direction != outbox.DirIn {
		err = outbox.ErrNotFound
	}
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not found", "no inbound message with that id", nil)
		return
	case err != nil:
		writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
		return
	}
	if rec.State == outbox.StateAcknowledged {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "state": rec.State, "already": true})
		return
	}
	if rec.State == outbox.StateReceived {
		if err := g.handedOver(ctx, id, "inbox", false); err != nil {
			writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
			return
		}
	}
	err = g.o.Store.Apply(ctx, id, outbox.Action{To: outbox.StateAcknowledged, At: g.o.Clock.Now(), Actor: "inbox"})
	var te *outbox.TransitionError
	if errors.As(err, &te) {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "state": outbox.StateAcknowledged, "already": true})
		return
	}
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
		return
	}
	g.metrics.acknowledged.Inc()
	g.forget(id)
	g.event(Event{Stage: "acknowledged", ID: id, Type: rec.Type, Peer: rec.Partner})
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "state": outbox.StateAcknowledged})
}
