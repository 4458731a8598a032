package gateway

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/xml/errcode"
)

// IntakeHandler serves local software: POST /v1/messages, GET
// /v1/messages/{id}, GET /v1/inbox, POST /v1/inbox/{id}/ack, and the
// operations endpoints /metrics, /healthz and /readyz.
func (g *Gateway) IntakeHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/messages", g.auth(g.o.IntakeToken, http.HandlerFunc(g.postMessage)))
	mux.Handle("GET /v1/messages/{id}", g.auth(g.o.IntakeToken, http.HandlerFunc(g.getMessage)))
	mux.Handle("GET /v1/inbox", g.auth(g.o.IntakeToken, http.HandlerFunc(g.getInbox)))
	mux.Handle("POST /v1/inbox/{id}/ack", g.auth(g.o.IntakeToken, http.HandlerFunc(g.ackInbox)))
	g.ops(mux)
	return mux
}

// opsHandler serves /metrics, /healthz and /readyz alone.
func (g *Gateway) opsHandler() http.Handler {
	mux := http.NewServeMux()
	g.ops(mux)
	return mux
}

func (g *Gateway) ops(mux *http.ServeMux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.o.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := g.readiness(r); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
}

// readiness: serving, the store answers, the directory is current.
func (g *Gateway) readiness(r *http.Request) error {
	select {
	case <-g.ready:
	default:
		return errors.New("starting")
	}
	if _, err := g.o.Store.Stats(r.Context()); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := g.directory(); err != nil {
		return err
	}
	return nil
}

// auth requires "Authorization: Bearer token" when token is set.
func (g *Gateway) auth(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="xgate"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorised", "a valid bearer token is required", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Accepted is the 202/200 body of POST /v1/messages.
type Accepted struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	StatusURL string `json:"status_url"`
	Existing  bool   `json:"existing,omitempty"`
}

func (g *Gateway) postMessage(w http.ResponseWriter, r *http.Request) {
	body, ok := g.readBody(w, r)
	if !ok {
		return
	}
	if name := adapterName(r); name != "" {
		g.postAdapted(w, r, name, body)
		return
	}
	sub, err := g.Submit(r.Context(), body, "intake")
	g.answerSubmitted(w, sub, err)
}

// adapterName is the adapter local software asks for: ?adapter=NAME or
// the X-Xgate-Adapter header.
func adapterName(r *http.Request) string {
	if n := r.URL.Query().Get("adapter"); n != "" {
		return n
	}
	return r.Header.Get("X-Xgate-Adapter")
}

// BatchResult is the answer to a batch input (an adapter whose input
// holds several messages, e.g. a CSV export): what was accepted and every
// refused record with where and why; valid records go through.
type BatchResult struct {
	Accepted []Accepted     `json:"accepted"`
	Refused  []RefusedEntry `json:"refused"`
}

// RefusedEntry is a refused record of a batch.
type RefusedEntry struct {
	Record int    `json:"record"`
	Field  string `json:"field,omitempty"`
	Code   string `json:"code"`
	Text   string `json:"text"`
}

// postAdapted translates local software's input from its format (an
// adapter's partner side) into our messages and submits them.
func (g *Gateway) postAdapted(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	ctx := r.Context()
	if g.o.Dialects == nil {
		writeProblem(w, http.StatusBadRequest, "no adapters", "this gateway translates no formats", nil)
		return
	}
	a, err := g.o.Dialects.Lookup(name)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "unknown adapter", err.Error(), nil)
		return
	}
	if b, ok := a.(adapters.Batcher); ok && a.Spec().Batch {
		batch, err := b.ReverseBatch(ctx, body)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "input refused", "nothing was stored", []*errcode.Error{mappingFinding(err, "adapter "+name)})
			return
		}
		res := BatchResult{Accepted: []Accepted{}, Refused: []RefusedEntry{}}
		for _, re := range batch.Refused {
			f := mappingFinding(re.Err, "adapter "+name)
			res.Refused = append(res.Refused, RefusedEntry{Record: re.Record, Field: re.Field, Code: string(f.Code), Text: re.Err.Error()})
		}
		for _, m := range batch.Messages {
			sub, err := g.Submit(ctx, m.Data, "intake:"+name)
			var inv *InvalidError
			switch {
			case errors.As(err, &inv):
				for _, f := range inv.Findings {
					res.Refused = append(res.Refused, RefusedEntry{Record: m.Record, Code: string(f.Code), Text: f.Detail})
				}
			case err != nil:
				g.answerSubmitted(w, sub, err) // store full or failed: stop here, nothing of this record stored
				return
			default:
				res.Accepted = append(res.Accepted, Accepted{ID: sub.Record.ID, State: string(sub.Record.State), StatusURL: "/v1/messages/" + sub.Record.ID, Existing: sub.Existing})
			}
		}
		status := http.StatusAccepted
		if len(res.Accepted) == 0 && len(res.Refused) > 0 {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, res)
		return
	}
	ours, err := a.Reverse().Translate(ctx, body)
	if err != nil {
		f := mappingFinding(err, "adapter "+name)
		g.metrics.intakeRefused.WithLabelValues(string(f.Code)).Inc()
		writeProblem(w, http.StatusBadRequest, "message refused", "the input could not be translated; nothing was stored", []*errcode.Error{f})
		return
	}
	sub, err := g.Submit(ctx, ours, "intake:"+name)
	g.answerSubmitted(w, sub, err)
}

// answerSubmitted writes the answer to one submission.
func (g *Gateway) answerSubmitted(w http.ResponseWriter, sub Submitted, err error) {
	var inv *InvalidError
	switch {
	case errors.As(err, &inv):
		g.metrics.intakeRefused.WithLabelValues(firstCode(inv.Findings)).Inc()
		writeProblem(w, http.StatusBadRequest, "message refused", "the message was not accepted; nothing was stored", inv.Findings)
		return
	case errors.Is(err, ErrDirectoryExpired):
		writeProblem(w, http.StatusServiceUnavailable, "directory expired", "the routing directory has expired and no newer one is loaded; nothing was stored", nil)
		return
	case errors.Is(err, outbox.ErrStoreFull):
		writeProblem(w, http.StatusServiceUnavailable, "store full", "the outbox is at its size limit; nothing was stored", nil)
		return
	case err != nil:
		g.log.Error("intake failed", "err", err)
		writeProblem(w, http.StatusInternalServerError, "intake failed", "nothing was stored: "+err.Error(), nil)
		return
	}
	status := http.StatusAccepted
	if sub.Existing {
		status = http.StatusOK
	}
	url := "/v1/messages/" + sub.Record.ID
	w.Header().Set("Location", url)
	writeJSON(w, status, Accepted{ID: sub.Record.ID, State: string(sub.Record.State), StatusURL: url, Existing: sub.Existing})
}

// readBody reads a request body of at most MaxBody bytes; over it, 413.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.o.MaxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeProblem(w, http.StatusRequestEntityTooLarge, "too large", fmt.Sprintf("the body exceeds %d bytes; nothing was stored", g.o.MaxBody), nil)
		return nil, false
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "unreadable body", err.Error(), nil)
		return nil, false
	}
	return body, true
}

// Status is the body of GET /v1/messages/{id}.
type Status struct {
	ID          string            `json:"id"`
	Direction   string            `json:"direction"`
	Type        string            `json:"type"`
	Partner     string            `json:"partner"`
	State       string            `json:"state"`
	Attempts    int               `json:"attempts"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	NextAttempt *time.Time        `json:"next_attempt,omitempty"`
	AnswerDue   *time.Time        `json:"answer_due,omitempty"`
	LastError   *outbox.ErrorInfo `json:"last_error,omitempty"`
	History     []HistoryEntry    `json:"history"`
	// Evidence is the partner's signed transport receipt or Rückweisung
	// (outbound), or the receipt this gateway sent (inbound).
	Evidence string `json:"evidence,omitempty"`
}

// HistoryEntry is one audited transition of a record.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Actor  string    `json:"actor,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Code   string    `json:"code,omitempty"`
}

func (g *Gateway) getMessage(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	rec, err := g.o.Store.Get(r.Context(), id)
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not found", "no record with that id", nil)
		return
	case err != nil:
		writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
		return
	}
	hist, err := g.o.Store.History(r.Context(), id)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "store", err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, statusOf(rec, hist))
}

func statusOf(rec outbox.Record, hist []audit.Entry) Status {
	s := Status{
		ID: rec.ID, Direction: string(rec.Direction), Type: rec.Type, Partner: rec.Partner,
		State: string(rec.State), Attempts: rec.Attempts, Created: rec.Created, Updated: rec.Updated,
		LastError: rec.LastError, History: []HistoryEntry{},
	}
	if rec.State == outbox.StateQueued && !rec.NextAttempt.IsZero() {
		t := rec.NextAttempt
		s.NextAttempt = &t
	}
	if !rec.AnswerDeadline.IsZero() {
		t := rec.AnswerDeadline
		s.AnswerDue = &t
	}
	if rec.Direction == outbox.DirOut {
		s.Evidence = string(rec.Evidence)
	} else {
		s.Evidence = string(rec.Receipt)
	}
	for _, e := range hist {
		s.History = append(s.History, HistoryEntry{At: e.Time, From: e.From, To: e.To, Actor: e.Actor, Reason: e.Reason, Code: e.Code})
	}
	return s
}

// Problem is an application/problem+json body (RFC 9457) with the XÖV
// findings.
type Problem struct {
	Type     string    `json:"type"`
	Title    string    `json:"title"`
	Status   int       `json:"status"`
	Detail   string    `json:"detail"`
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is one reason a message was refused.
type Finding struct {
	Code string `json:"code"`
	Rule string `json:"rule,omitempty"`
	Line int    `json:"line,omitempty"`
	Path string `json:"path,omitempty"`
	Text string `json:"text"`
}

func writeProblem(w http.ResponseWriter, status int, title, detail string, errs []*errcode.Error) {
	p := Problem{Type: "about:blank", Title: title, Status: status, Detail: detail}
	for _, e := range errs {
		p.Findings = append(p.Findings, Finding{Code: string(e.Code), Rule: e.Rule, Line: e.Line, Path: e.Path, Text: e.Detail})
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "encode", err.Error(), nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func firstCode(errs []*errcode.Error) string {
	if len(errs) == 0 {
		return ""
	}
	return string(errs[0].Code)
}
