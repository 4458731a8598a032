package checkd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/message"
)

// Defaults of Config.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultHistory     = 10000
	DefaultMaxBytes    = message.DefaultMaxBytes
	defaultShutdown    = 10 * time.Second
	maxCaseNameLength  = 200
	headerVerdict      = "X-Xgate-Verdict"
	headerCodes        = "X-Xgate-Codes"
	headerCase         = "X-Xgate-Case"
	contentTypeJSON    = "application/json; charset=utf-8"
	contentTypeJUnit   = "application/xml; charset=utf-8"
	contentTypeHTML    = "text/html; charset=utf-8"
	contentTypeText    = "text/plain; charset=utf-8"
	statusAcceptable   = http.StatusOK                  // 200
	statusNotAccepted  = http.StatusNotAcceptable       // 406
	statusUnprocessed  = http.StatusUnprocessableEntity // 422
	statusWrongMethod  = http.StatusMethodNotAllowed    // 405
	statusUnknownRoute = http.StatusNotFound            // 404
)

// Config configures a Server.
type Config struct {
	// Checker judges the messages. Required.
	Checker *conformance.Checker
	// MaxBytes is the largest request body read; a larger one is answered
	// 422 without reading it all. Defaults to DefaultMaxBytes (the
	// gateway's message limit).
	MaxBytes int
	// Timeout bounds one request: reading the body, waiting for a free
	// worker and checking. Defaults to DefaultTimeout.
	Timeout time.Duration
	// Workers is how many messages are checked at once; further requests
	// wait (up to Timeout). Defaults to twice GOMAXPROCS.
	Workers int
	// History is how many results the server keeps for GET /report (the
	// newest; evidence without message bodies). Negative keeps none.
	// Defaults to DefaultHistory.
	History int
	// Title and Tool head the reports. Title defaults to "xgate
	// conformance check daemon".
	Title, Tool string
	// Logger logs one line per request (case id, verdict, codes, status;
	// never message content). Nil logs nothing.
	Logger *slog.Logger
	// Clock gives the time of reports. Defaults to the wall clock.
	Clock clock.Clock
}

func (c *Config) setDefaults() {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Workers == 0 {
		c.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	if c.History == 0 {
		c.History = DefaultHistory
	}
	if c.Title == "" {
		c.Title = "xgate conformance check daemon"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Checker == nil:
		return errors.New("checkd: Config.Checker is required")
	case c.MaxBytes < 0:
		return fmt.Errorf("checkd: Config.MaxBytes %d is negative", c.MaxBytes)
	case c.Timeout < 0:
		return fmt.Errorf("checkd: Config.Timeout %s is negative", c.Timeout)
	case c.Workers < 0:
		return fmt.Errorf("checkd: Config.Workers %d is negative", c.Workers)
	}
	return nil
}

// Server is the check daemon: it judges each POSTed message with the
// Checker and answers 200 (acceptable: accept, with or without warnings),
// 406 (not acceptable: reject) or 422 (could not process: empty body, too
// large, not read in time), with the report in the body. It is safe for
// concurrent use.
type Server struct {
	cfg     Config
	sem     chan struct{}
	started time.Time
	seq     atomic.Uint64
	counts  [4]atomic.Uint64 // accept, accept-with-warnings, reject, none

	mu      sync.Mutex
	history []report.Result // ring of the newest results
	next    int
}

// New returns a Server.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, sem: make(chan struct{}, cfg.Workers), started: cfg.Clock.Now()}, nil
}

// Mount registers the daemon's routes on mux, so that another service
// (the test partner of `conformance serve`) can share the listener:
//
//	POST /check     check the body (also POST / for clients of the KoSIT
//	                validator daemon, which post to the root)
//	GET  /health    200 and a JSON status while the daemon runs
//	GET  /report    the report of the results kept so far
func (s *Server) Mount(mux *http.ServeMux) {
	mux.HandleFunc("/check", s.handleCheck)
	mux.HandleFunc("/health", s.handleHealth)
	mux.HandleFunc("/report", s.handleReport)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.Error(w, "no such resource; POST a message to /check", statusUnknownRoute)
			return
		}
		s.handleCheck(w, r)
	})
}

// Handler returns a handler serving the routes of Mount.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	return mux
}

// Run serves on ln until ctx ends, then shuts down, giving requests in
// flight up to 10 s to finish. It returns nil after a shutdown caused by
// ctx, otherwise the error that stopped serving.
func (s *Server) Run(ctx context.Context, ln net.Listener, h http.Handler) error {
	if h == nil {
		h = s.Handler()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Timeout,
		WriteTimeout:      s.cfg.Timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultShutdown)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	return err
}

// Report returns the report of the results kept (the newest History
// ones, oldest first).
func (s *Server) Report() *report.Report {
	s.mu.Lock()
	res := make([]report.Result, 0, len(s.history))
	if len(s.history) == cap(s.history) && s.next > 0 {
		res = append(res, s.history[s.next:]...)
		res = append(res, s.history[:s.next]...)
	} else {
		res = append(res, s.history...)
	}
	s.mu.Unlock()
	now := s.cfg.Clock.Now()
	return &report.Report{Title: s.cfg.Title, Mode: "check", Tool: s.cfg.Tool, Target: "messages posted to the check daemon",
		Started: s.started, Duration: now.Sub(s.started), Results: res, TypeTitles: typeTitles(s.cfg.Checker)}
}

func typeTitles(c *conformance.Checker) map[string]string {
	m := map[string]string{}
	for _, t := range c.Catalogue().Types() {
		m[t.Code] = t.Root()
	}
	return m
}

func (s *Server) keep(r report.Result) {
	if s.cfg.History < 0 {
		return
	}
	r.Evidence = append([]report.Evidence(nil), r.Evidence...)
	for i := range r.Evidence {
		r.Evidence[i].Body, r.Evidence[i].Truncated = "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.history == nil {
		s.history = make([]report.Result, 0, s.cfg.History)
	}
	if len(s.history) < s.cfg.History {
		s.history = append(s.history, r)
		return
	}
	s.history[s.next] = r
	s.next = (s.next + 1) % s.cfg.History
}

// health is the JSON body of GET /health.
type health struct {
	Status  string            `json:"status"` // "UP"
	Since   time.Time         `json:"since"`
	Checked uint64            `json:"checked"`
	Verdict map[string]uint64 `json:"verdicts"`
	Workers int               `json:"workers"`
	Busy    int               `json:"busy"`
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GET /health", statusWrongMethod)
		return
	}
	h := health{Status: "UP", Since: s.started, Workers: s.cfg.Workers, Busy: len(s.sem), Verdict: map[string]uint64{}}
	for i, v := range verdictOrder {
		n := s.counts[i].Load()
		h.Verdict[string(v)] = n
		h.Checked += n
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(h)
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "GET /report", statusWrongMethod)
		return
	}
	f, ctype := negotiate(r)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	rep := s.Report()
	if f == "text" {
		for _, x := range rep.Results {
			report.WriteCase(w, x)
		}
		return
	}
	_ = report.Write(w, rep, f)
}

var verdictOrder = [4]report.Verdict{report.Accept, report.AcceptWithWarnings, report.Reject, report.NoVerdict}

func (s *Server) count(v report.Verdict) {
	for i, x := range verdictOrder {
		if x == v {
			s.counts[i].Add(1)
		}
	}
}

// handleCheck judges the request body.
func (s *Server) handleCheck(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "POST a message (application/xml) to check it", statusWrongMethod)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	id := "check/" + strconv.FormatUint(s.seq.Add(1), 10)
	cs := report.Case{ID: id, Kind: "posted", Title: caseName(r)}
	f, ctype := negotiate(r)

	res, err := s.check(ctx, w, r, cs)
	status := statusAcceptable
	switch {
	case err != nil:
		status = statusUnprocessed
		res = conformance.Fail(cs, err)
	case res.Verdict == report.Reject:
		status = statusNotAccepted
	case res.Verdict == report.NoVerdict:
		status = statusUnprocessed
	}
	s.count(res.Verdict)
	s.keep(res)
	codes := codesOf(res)
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "checked", slog.String("case", id), slog.String("type", res.Type),
		slog.String("verdict", string(res.Verdict)), slog.String("xoev_codes", codes), slog.Int("status", status),
		slog.Duration("took", res.Duration))

	w.Header().Set("Content-Type", ctype)
	w.Header().Set(headerVerdict, string(res.Verdict))
	if codes != "" {
		w.Header().Set(headerCodes, codes)
	}
	w.Header().Set(headerCase, id)
	w.WriteHeader(status)
	if f == "text" {
		report.WriteCase(w, res)
		return
	}
	rep := &report.Report{Title: s.cfg.Title, Mode: "check", Tool: s.cfg.Tool, Target: "POST " + r.URL.Path,
		Started: res.Started, Duration: res.Duration, Results: []report.Result{res}, TypeTitles: typeTitles(s.cfg.Checker)}
	_ = report.Write(w, rep, f)
}

// check reads the body and checks it; an error means "could not
// process".
func (s *Server) check(ctx context.Context, w http.ResponseWriter, r *http.Request, cs report.Case) (report.Result, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml") || mt == "application/octet-stream") {
			return report.Result{}, fmt.Errorf("content type %q is not XML (send application/xml)", ct)
		}
	}
	if r.ContentLength > int64(s.cfg.MaxBytes) {
		return report.Result{}, fmt.Errorf("the message has %d bytes, the limit is %d", r.ContentLength, s.cfg.MaxBytes)
	}
	// A client that stalls while sending is cut off at the deadline (the
	// context does not interrupt a read).
	deadline, _ := ctx.Deadline()
	_ = http.NewResponseController(w).SetReadDeadline(deadline)
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxBytes)))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return report.Result{}, fmt.Errorf("the message is larger than the limit of %d bytes", s.cfg.MaxBytes)
	case err != nil:
		return report.Result{}, fmt.Errorf("read the message: %w", err)
	case len(data) == 0:
		return report.Result{}, errors.New("empty body: POST the message as the body")
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	case <-ctx.Done():
		return report.Result{}, fmt.Errorf("no worker free within %s", s.cfg.Timeout)
	}
	res := s.cfg.Checker.Run(ctx, cs, data)
	if res.Verdict == report.NoVerdict {
		return report.Result{}, fmt.Errorf("not checked within %s", s.cfg.Timeout)
	}
	return res, nil
}

// caseName is the client's name for the case: the query parameter name
// or the header X-Xgate-Case, printable and short.
func caseName(r *http.Request) string {
	n := r.URL.Query().Get("name")
	if n == "" {
		n = r.Header.Get(headerCase)
	}
	if len(n) > maxCaseNameLength {
		n = n[:maxCaseNameLength]
	}
	return strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return -1
		}
		return c
	}, strings.ToValidUTF8(n, ""))
}

// negotiate picks the report format: the query parameter format (json,
// junit, html, text), else the Accept header (application/json,
// application/xml → JUnit, text/html, text/plain), else JSON.
func negotiate(r *http.Request) (report.Format, string) {
	switch r.URL.Query().Get("format") {
	case "junit", "xml":
		return report.FormatJUnit, contentTypeJUnit
	case "html":
		return report.FormatHTML, contentTypeHTML
	case "text":
		return "text", contentTypeText
	case "json":
		return report.FormatJSON, contentTypeJSON
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "application/json":
			return report.FormatJSON, contentTypeJSON
		case "application/xml", "text/xml":
			return report.FormatJUnit, contentTypeJUnit
		case "text/html":
			return report.FormatHTML, contentTypeHTML
		case "text/plain":
			return "text", contentTypeText
		}
	}
	return report.FormatJSON, contentTypeJSON
}

func codesOf(r report.Result) string {
	var cs []string
	for _, x := range r.Reasons {
		if x.Code != "" && x.Severity == report.SevReject && !slices.Contains(cs, string(x.Code)) {
			cs = append(cs, string(x.Code))
		}
	}
	return strings.Join(cs, ",")
}
