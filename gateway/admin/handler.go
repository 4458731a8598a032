package admin

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// HandlerConfig configures NewHandler.
type HandlerConfig struct {
	// Token, if not empty, is the bearer token every request must carry
	// (Authorization: Bearer TOKEN). Empty means no token: only for a unix
	// socket whose file mode keeps others out; without a token the
	// handler refuses requests that arrive over TCP (403).
	Token string
	// Store names the served store for Info: the bbolt file's path (made
	// absolute by the daemon), or "" for a database. Defaults to "".
	Store string
	// Logger receives one line per refused or failed request and per
	// operator action (record ID, target state, code; never content).
	// Defaults to a discarding logger.
	Logger *slog.Logger
	// Clock gives the time of operator actions (the audit entry's time and
	// a replayed record's due time). Defaults to the wall clock.
	Clock clock.Clock
	// MaxBodyBytes caps a request body (an action). Defaults to 64 KiB.
	MaxBodyBytes int64
}

func (c *HandlerConfig) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Clock = clock.Or(c.Clock)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
}

// Validate reports a configuration that cannot work.
func (c HandlerConfig) Validate() error {
	if c.MaxBodyBytes < 0 {
		return errors.New("admin: MaxBodyBytes must not be negative")
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return errors.New("admin: Token must not contain white space")
	}
	return nil
}

// NewHandler returns the admin API over b. It panics on an invalid
// configuration (a programming error: the daemon validates its
// configuration before it starts).
func NewHandler(b Backend, cfg HandlerConfig) http.Handler {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	h := &handler{b: b, cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathInfo, h.info)
	mux.HandleFunc("GET "+pathRecords, h.list)
	mux.HandleFunc("GET "+pathRecords+"/{id}", h.get)
	mux.HandleFunc("GET "+pathRecords+"/{id}/history", h.history)
	mux.HandleFunc("POST "+pathRecords+"/{id}/actions", h.apply)
	mux.HandleFunc("GET "+pathStats, h.stats)
	mux.HandleFunc("GET "+pathCheck, h.check)
	mux.HandleFunc("GET "+pathEntries, h.entries)
	mux.HandleFunc("GET "+pathCheckpoints, h.checkpoints)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, problem{Code: codeBadRequest, Title: "no such admin API path", Detail: r.Method + " " + r.URL.Path})
	})
	h.mux = mux
	return h
}

type handler struct {
	b   Backend
	cfg HandlerConfig
	log *slog.Logger
	mux *http.ServeMux
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Token == "" && overTCP(r) {
		h.fail(w, r, http.StatusForbidden, problem{Code: codeForbidden, Title: "the admin API without a token answers on its unix socket only"})
		return
	}
	if h.cfg.Token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(h.cfg.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="xgate-admin"`)
			h.fail(w, r, http.StatusUnauthorized, problem{Code: codeUnauthorized, Title: "a valid bearer token is required"})
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// overTCP reports whether r came over TCP: its remote address is an IP
// and port (on a unix socket it is empty or "@").
func overTCP(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	return err == nil && net.ParseIP(host) != nil
}

func (h *handler) info(w http.ResponseWriter, r *http.Request) {
	h.reply(w, r, Info{API: APIVersion, Store: h.cfg.Store})
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	rec, err := h.b.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.reply(w, r, toWire(rec))
}

func (h *handler) history(w http.ResponseWriter, r *http.Request) {
	es, err := h.b.History(r.Context(), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	if es == nil {
		es = []audit.Entry{}
	}
	h.reply(w, r, es)
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		h.fail(w, r, http.StatusBadRequest, problem{Code: codeBadRequest, Title: "bad filter", Detail: err.Error()})
		return
	}
	rs, err := h.b.List(r.Context(), f)
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := make([]recordWire, len(rs))
	for i, rec := range rs {
		out[i] = toWire(rec)
	}
	h.reply(w, r, out)
}

func (h *handler) apply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var a actionWire
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	d.DisallowUnknownFields()
	if err := d.Decode(&a); err != nil {
		h.fail(w, r, http.StatusBadRequest, problem{Code: codeBadRequest, Title: "bad action", Detail: err.Error()})
		return
	}
	// Operators replay and cancel; the other transitions are the
	// gateway's own and not for the admin API.
	to := outbox.State(a.To)
	switch {
	case to != outbox.StateQueued && to != outbox.StateCancelled:
		h.fail(w, r, http.StatusForbidden, problem{Code: codeForbidden, Title: "operators may replay (to queued) or cancel (to cancelled)", Detail: "to " + a.To})
		return
	case !strings.HasPrefix(a.Actor, "operator:") || len(a.Actor) == len("operator:"):
		h.fail(w, r, http.StatusBadRequest, problem{Code: codeBadRequest, Title: "the actor must be operator:NAME", Detail: a.Actor})
		return
	case strings.TrimSpace(a.Reason) == "":
		h.fail(w, r, http.StatusBadRequest, problem{Code: codeBadRequest, Title: "a reason is required"})
		return
	}
	err := h.b.Apply(r.Context(), id, outbox.Action{To: to, At: h.cfg.Clock.Now(), Actor: a.Actor, Reason: a.Reason})
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.log.Info("admin: operator action", slog.String("record_id", id), slog.String("to", a.To))
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) stats(w http.ResponseWriter, r *http.Request) {
	st, err := h.b.Stats(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.reply(w, r, statsWire{Outbound: st.Outbound, Inbound: st.Inbound, OldestQueued: st.OldestQueued, SizeBytes: st.SizeBytes})
}

func (h *handler) check(w http.ResponseWriter, r *http.Request) {
	problems, err := h.b.Check(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.reply(w, r, checkWire{Problems: problems})
}

func (h *handler) checkpoints(w http.ResponseWriter, r *http.Request) {
	cps, err := h.b.Checkpoints(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	if cps == nil {
		cps = []audit.Checkpoint{}
	}
	h.reply(w, r, cps)
}

// entries streams the audit chain as JSON lines, flushed as they go, and
// ends with an "end" line, or an "error" line when the walk failed after
// the answer began.
func (h *handler) entries(w http.ResponseWriter, r *http.Request) {
	from := uint64(1)
	if s := r.URL.Query().Get("from"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, problem{Code: codeBadRequest, Title: "bad from", Detail: err.Error()})
			return
		}
		from = n
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	rc := http.NewResponseController(w)
	var n uint64
	err := h.b.AuditEntries(r.Context(), from, func(e audit.Entry) error {
		n++
		if err := enc.Encode(streamLine{Entry: &e}); err != nil {
			return err
		}
		if n%1000 == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
			return rc.Flush()
		}
		return nil
	})
	last := streamLine{End: &streamEnd{Count: n}}
	if err != nil {
		p, status := toProblem(err)
		p.Status = status
		last = streamLine{Error: &p}
		if status >= 500 && r.Context().Err() == nil {
			h.log.Warn("admin: audit stream failed", slog.String("code", p.Code), slog.Uint64("entries", n), slog.String("error", err.Error()))
		}
	}
	if err := enc.Encode(last); err != nil {
		return
	}
	if err := bw.Flush(); err == nil {
		_ = rc.Flush()
	}
}

// reply writes v as JSON with status 200.
func (h *handler) reply(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	_, _ = w.Write(append(b, '\n'))
}

// error answers err as a problem.
func (h *handler) error(w http.ResponseWriter, r *http.Request, err error) {
	p, status := toProblem(err)
	if status >= 500 && r.Context().Err() == nil {
		h.log.Warn("admin: request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("code", p.Code), slog.String("error", err.Error()))
	}
	h.fail(w, r, status, p)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, p problem) {
	p.Status = status
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		h.log.Warn("admin: request refused", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("code", p.Code))
	}
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// toProblem maps the outbox's errors to problem codes and HTTP statuses;
// the client maps them back.
func toProblem(err error) (problem, int) {
	var te *outbox.TransitionError
	var de *audit.DecodeError
	switch {
	case errors.As(err, &te):
		return problem{Code: codeTransition, Title: "transition not allowed", Detail: te.Error(), ID: te.ID, From: string(te.From), To: string(te.To)}, http.StatusConflict
	case errors.Is(err, outbox.ErrNotFound):
		return problem{Code: codeNotFound, Title: "no such record", Detail: err.Error()}, http.StatusNotFound
	case errors.As(err, &de):
		return problem{Code: codeDecode, Title: "an audit entry cannot be decoded", Detail: fmt.Sprint(de.Err), Key: de.Key}, http.StatusInternalServerError
	case errors.Is(err, outbox.ErrReadOnly):
		return problem{Code: codeReadOnly, Title: "the store is read-only", Detail: err.Error()}, http.StatusConflict
	case errors.Is(err, outbox.ErrStoreFull):
		return problem{Code: codeStoreFull, Title: "the store is full", Detail: err.Error()}, http.StatusInsufficientStorage
	case errors.Is(err, outbox.ErrClosed):
		return problem{Code: codeClosed, Title: "the store is closed (the daemon is stopping)", Detail: err.Error()}, http.StatusServiceUnavailable
	case errors.Is(err, ErrNoCheck):
		return problem{Code: codeNoCheck, Title: "no consistency check", Detail: err.Error()}, http.StatusNotImplemented
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return problem{Code: codeInternal, Title: "request cancelled", Detail: err.Error()}, http.StatusServiceUnavailable
	}
	return problem{Code: codeInternal, Title: "the store failed", Detail: err.Error()}, http.StatusInternalServerError
}

// parseFilter reads an outbox.Filter from the query of GET /v1/admin/records.
func parseFilter(q map[string][]string) (outbox.Filter, error) {
	var f outbox.Filter
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k := range q {
		switch k {
		case "direction", "state", "partner", "type", "created_before", "answer_due_before", "after_seq", "limit", "bodies":
		default:
			return f, fmt.Errorf("unknown parameter %q", k)
		}
	}
	switch d := outbox.Direction(get("direction")); d {
	case "", outbox.DirOut, outbox.DirIn:
		f.Direction = d
	default:
		return f, fmt.Errorf("direction %q is not out or in", d)
	}
	if s := outbox.State(get("state")); s != "" {
		if !s.Valid() {
			return f, fmt.Errorf("state %q is not a state", s)
		}
		f.State = s
	}
	f.Partner, f.Type = get("partner"), get("type")
	var err error
	parseTime := func(k string, t *time.Time) {
		if s := get(k); s != "" && err == nil {
			*t, err = time.Parse(time.RFC3339Nano, s)
		}
	}
	parseTime("created_before", &f.CreatedBefore)
	parseTime("answer_due_before", &f.AnswerDueBefore)
	if s := get("after_seq"); s != "" && err == nil {
		f.AfterSeq, err = strconv.ParseUint(s, 10, 64)
	}
	if s := get("limit"); s != "" && err == nil {
		f.Limit, err = strconv.Atoi(s)
		if err == nil && f.Limit < 0 {
			err = errors.New("limit must not be negative")
		}
	}
	if s := get("bodies"); s != "" && err == nil {
		f.WithBodies, err = strconv.ParseBool(s)
	}
	return f, err
}
