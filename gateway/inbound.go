package gateway

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/gateway/wire"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/secure"
)

// TransportHandler serves partners' gateways: POST /v1/transport. Run
// wraps it in mutual TLS; a request without a verified client certificate
// is refused before any work.
func (g *Gateway) TransportHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/transport", g.postTransport)
	return mux
}

// tlsListener wraps l in the transport's mutual TLS (TLS 1.3, a client
// certificate chaining to the trust roots required).
func tlsListener(l net.Listener, o Options) net.Listener {
	return tls.NewListener(l, wire.ServerTLSConfig(o.TLS, o.Verifier.Roots()))
}

// postTransport is the receiving side of a delivery: open, check parties
// and authorisation, validate, de-duplicate, store durably, and only then
// answer with a signed Transportquittung; on any failure a signed
// Rückweisung with the codes. The order matters: nothing is receipted
// that is not in the store.
func (g *Gateway) postTransport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tlsCert := wire.ClientCert(r)
	if tlsCert == nil {
		http.Error(w, "client certificate required", http.StatusUnauthorized)
		return
	}
	body, ok := g.readBody(w, r)
	if !ok {
		return
	}
	digest := sha256.Sum256(body)
	now := g.o.Clock.Now()
	rcv := wire.Received{Digest: digest, At: now}
	if k, err := certs.KennungFromCert(tlsCert); err == nil {
		rcv.Sender = g.identity(k)
	}

	// The handshake checked the chain; revocation and usage are the
	// verifier's (the same CRL policy as for signatures).
	if err := g.cache.VerifyCert(ctx, tlsCert, certs.TLSClient, now); err != nil {
		g.reject(w, r, rcv, asCodes(err, errcode.CertInvalid))
		return
	}
	op, err := secure.Open(ctx, body, g.openOpt)
	if err != nil {
		g.reject(w, r, rcv, asCodes(err, errcode.DecryptFailed))
		return
	}
	if op.Header.Namespace != schemas.NSMessages {
		// A partner's dialect: translated back before any check reads it.
		senderDialect, ownDialect := "", ""
		if d := g.o.Directory.Current(); d != nil {
			if p, ok := d.Lookup(op.Sender.Kennung); ok {
				senderDialect = p.Dialect
			}
			if p, ok := d.Lookup(g.o.Self.Kennung); ok {
				ownDialect = p.Dialect
			}
		}
		if op, err = g.fromDialect(ctx, op, senderDialect, ownDialect); err != nil {
			g.reject(w, r, rcv, asCodes(err, errcode.SchemaInvalid))
			return
		}
	}
	hdr := op.Header
	rcv.UUID = message.CanonicalUUID(hdr.UUID)
	rcv.Type = op.Type
	autor := kennung.Kennung(hdr.Autor.Kennung)
	if autor != "" {
		rcv.Sender = g.identity(autor)
	}
	if err := secure.CheckParties(op, autor, g.o.Self.Kennung); err != nil {
		g.reject(w, r, rcv, asCodes(err, errcode.WrongRecipient))
		return
	}
	dir, err := g.directory()
	if err != nil {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "routing directory expired", http.StatusServiceUnavailable)
		return
	}
	p, known := dir.Lookup(autor)
	switch {
	case !known:
		g.reject(w, r, rcv, []*errcode.Error{errcode.New(errcode.SenderNotAuthorised, "transport", "the autor is not in the routing directory")})
		return
	case !p.HasTLSCert(tlsCert):
		g.reject(w, r, rcv, []*errcode.Error{errcode.New(errcode.SenderNotAuthorised, "transport", "the client certificate does not belong to the autor's directory entry")})
		return
	case !p.HasSigningCert(op.Sender.Certificate):
		g.reject(w, r, rcv, []*errcode.Error{errcode.New(errcode.SenderNotAuthorised, "transport", "the signing certificate does not belong to the autor's directory entry")})
		return
	}
	if err := dir.Authorize(autor, g.o.Self.Kennung, op.Type); err != nil {
		g.reject(w, r, rcv, asCodes(err, errcode.SenderNotAuthorised))
		return
	}
	// A duplicate is answered with the original receipt before any
	// further work (and without a second hand-over).
	if rec, err := g.o.Store.Get(ctx, rcv.UUID); err == nil && rec.Direction == outbox.DirIn {
		g.duplicate(w, rec)
		return
	}
	rep := g.o.Validator.Validate(ctx, op.Canonical)
	if !rep.Valid() {
		g.reject(w, r, rcv, rep.Findings)
		return
	}
	_, receipt, err := wire.BuildReceipt(ctx, g.signer, rcv)
	if err != nil {
		g.log.Error("receipt", "id", rcv.UUID, "err", err)
		http.Error(w, "receipt failed", http.StatusInternalServerError)
		return
	}
	rec, err := g.o.Store.Receive(ctx, outbox.InboundMessage{
		ID: rcv.UUID, Sender: string(autor), Type: op.Type, Opened: op.Canonical, Receipt: receipt, At: now, Actor: "transport",
	})
	switch {
	case errors.Is(err, outbox.ErrDuplicate):
		g.duplicate(w, rec)
		return
	case errors.Is(err, outbox.ErrStoreFull):
		g.metrics.inbound.WithLabelValues(string(autor), "store-full").Inc()
		w.Header().Set("Retry-After", "60")
		http.Error(w, "store full", http.StatusServiceUnavailable)
		return
	case err != nil:
		g.log.Error("receive", "id", rcv.UUID, "err", err)
		http.Error(w, "store failed", http.StatusServiceUnavailable)
		return
	}
	g.metrics.inbound.WithLabelValues(string(autor), "receipted").Inc()
	g.log.Info("received", "id", rcv.UUID, "type", op.Type, "from", string(autor))
	g.event(Event{Stage: "received", ID: rcv.UUID, Type: op.Type, Peer: string(autor)})
	writeXML(w, receipt)
	g.publish(topicReceived, rcv.UUID)
}

// duplicate answers a message already received with its original receipt.
func (g *Gateway) duplicate(w http.ResponseWriter, rec outbox.Record) {
	g.metrics.inbound.WithLabelValues(rec.Partner, "duplicate").Inc()
	g.log.Info("duplicate", "id", rec.ID, "from", rec.Partner, "code", string(errcode.Duplicate))
	writeXML(w, rec.Receipt)
}

// reject answers with a signed Rückweisung.
func (g *Gateway) reject(w http.ResponseWriter, r *http.Request, rcv wire.Received, errs []*errcode.Error) {
	code := firstCode(errs)
	g.metrics.rejections.WithLabelValues("sent", code).Inc()
	g.log.Info("rejected", "id", rcv.UUID, "type", rcv.Type, "from", string(rcv.Sender.Kennung), "code", code)
	g.event(Event{Stage: "rejected-inbound", ID: rcv.UUID, Type: rcv.Type, Peer: string(rcv.Sender.Kennung), Code: code})
	_, b, err := wire.BuildRejection(r.Context(), g.signer, rcv, errs)
	if err != nil {
		g.log.Error("rejection", "id", rcv.UUID, "err", err)
		http.Error(w, "rejection failed", http.StatusInternalServerError)
		return
	}
	writeXML(w, b)
}

// identity is k's directory identity (name and role), or k alone.
func (g *Gateway) identity(k kennung.Kennung) kennung.Identity {
	if p, ok := g.o.Directory.Current().Lookup(k); ok {
		return kennung.Identity{Kennung: p.Kennung, Role: p.Role, Name: p.Name}
	}
	return kennung.Identity{Kennung: k}
}

func asCodes(err error, fallback errcode.Code) []*errcode.Error {
	var ce *errcode.Error
	if errors.As(err, &ce) {
		return []*errcode.Error{ce}
	}
	return []*errcode.Error{errcode.Wrap(fallback, "transport", err)}
}

func writeXML(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
