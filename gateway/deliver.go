package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/scheduler"
	"github.com/xgate/xgate/xml/kennung"
)

// deliver is the relay's Deliverer: it posts the sealed bytes to the
// partner's endpoint from the directory and verifies the answer. A
// verified Transportquittung is the record's evidence (delivered); a
// verified Rückweisung is permanent (rejected, no retry); everything else
// — no answer, an HTTP error, an answer that does not verify — is
// transient and goes to the relay's retries and breaker.
func (g *Gateway) deliver(ctx context.Context, rec outbox.Record) (scheduler.Receipt, error) {
	partner := kennung.Kennung(rec.Partner)
	dir, err := g.directory()
	if err != nil {
		g.metrics.deliveries.WithLabelValues(rec.Partner, "directory-expired").Inc()
		return scheduler.Receipt{}, &scheduler.Transient{Code: "directory-expired", Err: err}
	}
	p, ok := dir.Lookup(partner)
	if !ok {
		g.metrics.deliveries.WithLabelValues(rec.Partner, "no-directory-entry").Inc()
		return scheduler.Receipt{}, &scheduler.Transient{Code: "directory", Err: fmt.Errorf("%s is not in the routing directory", partner)}
	}
	body, err := g.o.Transport.Deliver(ctx, p.Endpoint, rec.Sealed)
	if err != nil {
		g.metrics.deliveries.WithLabelValues(rec.Partner, "transport-error").Inc()
		return scheduler.Receipt{}, &scheduler.Transient{Code: transportCode(err), Err: err}
	}
	ans, err := wire.VerifyAnswer(ctx, body, wire.Expect{
		Sent: rec.Sealed, UUID: rec.ID, Recipient: partner, SigningCerts: p.Signing, Verifier: g.cache,
		Self: g.o.Self.Kennung, Clock: g.o.Clock,
	})
	if err != nil {
		// The endpoint may belong to another participant (a wrong or
		// stale directory entry): its signed Rückweisung is proof that
		// the message did not reach the recipient, and the record is
		// rejected for an operator to look at, not retried forever.
		if other := endpointOwner(dir, p); other != nil {
			if a2, err2 := wire.VerifyAnswer(ctx, body, wire.Expect{
				Sent: rec.Sealed, UUID: rec.ID, Recipient: other.Kennung, SigningCerts: other.Signing, Verifier: g.cache,
				Self: g.o.Self.Kennung, Clock: g.o.Clock,
			}); err2 == nil && !a2.Receipt {
				ans, err = a2, nil
				g.log.Warn("rejected by the gateway at the recipient's endpoint, which is another participant's", "id", rec.ID, "to", rec.Partner, "answered_by", string(other.Kennung))
			}
		}
	}
	if err != nil {
		g.metrics.deliveries.WithLabelValues(rec.Partner, "bad-answer").Inc()
		g.log.Warn("answer does not verify", "id", rec.ID, "to", rec.Partner, "err", err)
		return scheduler.Receipt{}, &scheduler.Transient{Code: "bad-receipt", Err: err}
	}
	now := g.o.Clock.Now()
	if ans.Receipt {
		g.metrics.deliveries.WithLabelValues(rec.Partner, "receipted").Inc()
		g.metrics.latency.Observe(now.Sub(rec.Created).Seconds())
		g.log.Info("delivered", "id", rec.ID, "type", rec.Type, "to", rec.Partner, "receipt", ans.UUID)
		g.event(Event{Stage: "delivered", ID: rec.ID, Type: rec.Type, Peer: rec.Partner})
		return scheduler.Receipt{Evidence: body}, nil
	}
	code := ""
	if len(ans.Codes) > 0 {
		code = string(ans.Codes[0])
	}
	g.metrics.deliveries.WithLabelValues(rec.Partner, "rejected").Inc()
	g.metrics.rejections.WithLabelValues("received", code).Inc()
	g.log.Info("rejected by partner", "id", rec.ID, "type", rec.Type, "to", rec.Partner, "code", code)
	g.event(Event{Stage: "rejected", ID: rec.ID, Type: rec.Type, Peer: rec.Partner, Code: code})
	return scheduler.Receipt{}, &scheduler.Rejection{Code: code, Evidence: body}
}

// transportCode names a transport failure for the record's last error.
func transportCode(err error) string {
	var te *wire.TransportError
	if errors.As(err, &te) && te.Status != 0 {
		return fmt.Sprintf("http-%d", te.Status)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return "transport"
}

// endpointOwner is the other participant whose endpoint p's is, if any.
func endpointOwner(d *directory.Directory, p *directory.Participant) *directory.Participant {
	for i := range d.Participants {
		o := &d.Participants[i]
		if o.Kennung != p.Kennung && o.Endpoint == p.Endpoint {
			return o
		}
	}
	return nil
}
