package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
)

// ClientConfig configures DialConfig.
type ClientConfig struct {
	// Server is the admin API's address: "unix:///path/to/admin.sock" or
	// "http://127.0.0.1:PORT" (loopback only: the token travels in clear).
	Server string
	// Token is the bearer token, or "" for a socket without one.
	Token string
	// Timeout bounds every call; for the audit entry stream it is the
	// longest wait for the next bytes. Defaults to 30s.
	Timeout time.Duration
	// DialTimeout bounds Dial's first call, which proves that a daemon
	// answers. Defaults to 5s.
	DialTimeout time.Duration
	// MaxResponseBytes caps one answer (a record with its bodies, a list).
	// Defaults to 256 MiB.
	MaxResponseBytes int64
}

func (c *ClientConfig) setDefaults() {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = 256 << 20
	}
}

// Validate reports a configuration that cannot work.
func (c ClientConfig) Validate() error {
	if c.Timeout < 0 || c.DialTimeout < 0 || c.MaxResponseBytes < 0 {
		return fmt.Errorf("%w: timeouts and MaxResponseBytes must not be negative", ErrBadServer)
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return fmt.Errorf("%w: the token must not contain white space", ErrBadServer)
	}
	_, _, err := parseServer(c.Server)
	return err
}

// Client is the admin API of a running daemon as a Backend. It is safe
// for concurrent use. Every call is bounded by its context and
// ClientConfig.Timeout; a daemon that does not answer gives an error
// wrapping ErrUnavailable, never a hang.
type Client struct {
	cfg  ClientConfig
	base string // "http://host[:port]"
	hc   *http.Client
	tr   *http.Transport
	info Info
}

// Dial connects to the admin API at server ("unix:///path/admin.sock" or
// "http://127.0.0.1:PORT") with the default timeouts and checks that a
// daemon answers (GET /v1/admin/info).
func Dial(ctx context.Context, server, token string) (*Client, error) {
	return DialConfig(ctx, ClientConfig{Server: server, Token: token})
}

// DialConfig is Dial with a configuration. A bad address wraps
// ErrBadServer; no answer within DialTimeout wraps ErrUnavailable.
func DialConfig(ctx context.Context, cfg ClientConfig) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, sock, _ := parseServer(cfg.Server)
	d := &net.Dialer{Timeout: cfg.DialTimeout}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		DisableCompression:    true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if sock != "" {
				return d.DialContext(ctx, "unix", sock)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	c := &Client{cfg: cfg, base: base, tr: tr, hc: &http.Client{
		Transport: tr,
		// The admin API never redirects; following one could carry the
		// token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	err := c.call(ctx, cfg.DialTimeout, http.MethodGet, pathInfo, nil, nil, &c.info)
	if err == nil && c.info.API != APIVersion {
		err = fmt.Errorf("%w: %s speaks %q, not %s", ErrUnavailable, cfg.Server, c.info.API, APIVersion)
	}
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return c, nil
}

// parseServer returns the base URL of the requests and, for a unix
// socket, its path.
func parseServer(server string) (base, sock string, err error) {
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("%w %q: %s (want unix:///path/admin.sock or http://127.0.0.1:PORT)", ErrBadServer, server, why)
	}
	if server == "" {
		return bad("empty")
	}
	u, err := url.Parse(server)
	if err != nil {
		return bad(err.Error())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad("no user, query or fragment")
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if u.Opaque != "" {
			p = u.Opaque // unix:relative/admin.sock
		}
		if u.Host != "" {
			return bad("a socket path after unix:// starts with / (three slashes: unix:///run/xgate/admin.sock)")
		}
		if p == "" {
			return bad("no socket path")
		}
		return "http://xgate-admin", p, nil
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return bad("the admin API over TCP is reached on loopback only")
		}
		if u.Port() == "" {
			return bad("no port")
		}
		if u.Path != "" && u.Path != "/" {
			return bad("no path")
		}
		return "http://" + u.Host, "", nil
	}
	return bad("scheme " + u.Scheme + " is not unix or http")
}

// Info returns what the daemon said about itself when the client dialled.
func (c *Client) Info() Info { return c.info }

// Server returns the address the client talks to.
func (c *Client) Server() string { return c.cfg.Server }

// Close releases idle connections. The client must not be used after it.
func (c *Client) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// Get returns the record with that ID, with its bodies.
func (c *Client) Get(ctx context.Context, id string) (outbox.Record, error) {
	var w recordWire
	if err := c.call(ctx, 0, http.MethodGet, recordPath(id), nil, nil, &w); err != nil {
		return outbox.Record{}, err
	}
	return w.record(), nil
}

// List returns the records matching f.
func (c *Client) List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error) {
	var ws []recordWire
	if err := c.call(ctx, 0, http.MethodGet, pathRecords, filterQuery(f), nil, &ws); err != nil {
		return nil, err
	}
	var out []outbox.Record
	for _, w := range ws {
		out = append(out, w.record())
	}
	return out, nil
}

// Stats counts records by state.
func (c *Client) Stats(ctx context.Context) (outbox.Stats, error) {
	var w statsWire
	if err := c.call(ctx, 0, http.MethodGet, pathStats, nil, nil, &w); err != nil {
		return outbox.Stats{}, err
	}
	return outbox.Stats{Outbound: w.Outbound, Inbound: w.Inbound, OldestQueued: w.OldestQueued, SizeBytes: w.SizeBytes}, nil
}

// History returns the audit entries of the record(s) with that ID.
func (c *Client) History(ctx context.Context, id string) ([]audit.Entry, error) {
	var es []audit.Entry
	if err := c.call(ctx, 0, http.MethodGet, recordPath(id)+"/history", nil, nil, &es); err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, nil
	}
	return es, nil
}

// Apply asks the daemon to replay (a.To queued) or cancel (a.To
// cancelled) a record, audited with a.Actor ("operator:NAME") and
// a.Reason. The daemon takes the time from its own clock; a.At is not
// sent.
func (c *Client) Apply(ctx context.Context, id string, a outbox.Action) error {
	body, err := json.Marshal(actionWire{To: string(a.To), Actor: a.Actor, Reason: a.Reason})
	if err != nil {
		return err
	}
	return c.call(ctx, 0, http.MethodPost, recordPath(id)+"/actions", nil, body, nil)
}

// Check runs the store's consistency check in the daemon.
func (c *Client) Check(ctx context.Context) ([]string, error) {
	var w checkWire
	if err := c.call(ctx, 0, http.MethodGet, pathCheck, nil, nil, &w); err != nil {
		return nil, err
	}
	return w.Problems, nil
}

// Checkpoints returns the signed checkpoints.
func (c *Client) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var cps []audit.Checkpoint
	if err := c.call(ctx, 0, http.MethodGet, pathCheckpoints, nil, nil, &cps); err != nil {
		return nil, err
	}
	if len(cps) == 0 {
		return nil, nil
	}
	return cps, nil
}

// AuditEntries reads the audit chain from Seq from on as a stream and
// calls fn for each entry as it arrives; the chain is never in memory
// whole. A stream that breaks off, or stalls for longer than Timeout,
// ends with an error wrapping ErrUnavailable, never with fewer entries
// and no error. An error from fn is returned as it is.
func (c *Client) AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := c.request(sctx, http.MethodGet, pathEntries, url.Values{"from": {strconv.FormatUint(from, 10)}}, nil)
	if err != nil {
		return err
	}
	// The idle timer runs while the client waits for bytes, not while fn
	// works.
	idle := newIdleTimer(c.cfg.Timeout, func() { cancel(errStalled) })
	defer idle.stop()
	idle.arm()
	resp, err := c.hc.Do(req)
	idle.disarm()
	if err != nil {
		return c.transportError(ctx, sctx, err, c.cfg.Timeout)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, err := c.readBody(ctx, sctx, resp.Body, c.cfg.Timeout)
		if err != nil {
			return err
		}
		return c.problemError(resp.StatusCode, data)
	}
	sc := bufio.NewScanner(&idleReader{r: resp.Body, t: idle})
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20) // an entry is a few hundred bytes
	var n uint64
	for sc.Scan() {
		var line streamLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return fmt.Errorf("%w: %s: bad audit stream line after %d entries: %v", ErrUnavailable, c.cfg.Server, n, err)
		}
		switch {
		case line.Entry != nil:
			n++
			if err := fn(*line.Entry); err != nil {
				return err
			}
		case line.End != nil:
			if line.End.Count != n {
				return fmt.Errorf("%w: %s: the audit stream sent %d entries but says %d", ErrUnavailable, c.cfg.Server, n, line.End.Count)
			}
			return nil
		case line.Error != nil:
			return line.Error.err(line.Error.Status, c.cfg.Server)
		default:
			return fmt.Errorf("%w: %s: empty audit stream line after %d entries", ErrUnavailable, c.cfg.Server, n)
		}
	}
	err = sc.Err()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: the audit stream broke off after %d entries", c.transportError(ctx, sctx, err, c.cfg.Timeout), n)
}

// errStalled is the cause of a call's context when the daemon did not
// answer in time.
var errStalled = errors.New("admin: no answer in time")

// call does one request and decodes a JSON answer into out (if not nil).
// timeout 0 means the configured Timeout.
func (c *Client) call(ctx context.Context, timeout time.Duration, method, path string, q url.Values, body []byte, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if timeout == 0 {
		timeout = c.cfg.Timeout
	}
	cctx, cancel := context.WithTimeoutCause(ctx, timeout, errStalled)
	defer cancel()
	req, err := c.request(cctx, method, path, q, body)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(ctx, cctx, err, timeout)
	}
	defer resp.Body.Close()
	data, err := c.readBody(ctx, cctx, resp.Body, timeout)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return c.problemError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s: the answer to %s %s is not the admin API's: %v", ErrUnavailable, c.cfg.Server, method, path, err)
	}
	return nil
}

func (c *Client) request(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Request, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	return req, nil
}

func (c *Client) readBody(ctx, cctx context.Context, r io.Reader, timeout time.Duration) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, cctx, err, timeout)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("admin: %s: the answer is larger than %d bytes", c.cfg.Server, c.cfg.MaxResponseBytes)
	}
	return data, nil
}

// transportError says why a call got no answer: the caller's context
// ended (returned as it is, so that an interrupt reads as one), the
// daemon stalled, or the connection failed (both ErrUnavailable).
func (c *Client) transportError(ctx, cctx context.Context, err error, timeout time.Duration) error {
	if ctx.Err() != nil {
		return fmt.Errorf("admin: %s: %w", c.cfg.Server, ctx.Err())
	}
	if errors.Is(context.Cause(cctx), errStalled) {
		return fmt.Errorf("%w: %s did not answer within %v", ErrUnavailable, c.cfg.Server, timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // without the request's internal URL
	}
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, c.cfg.Server, err)
}

// problemError maps an error answer back to the outbox's errors.
func (c *Client) problemError(status int, data []byte) error {
	var p problem
	if err := json.Unmarshal(data, &p); err != nil || p.Code == "" {
		return fmt.Errorf("%w: %s answered HTTP %d, not an admin API problem", ErrUnavailable, c.cfg.Server, status)
	}
	return p.err(status, c.cfg.Server)
}

// err is the error p stands for. Errors of the store keep the server's
// text and unwrap to the outbox's sentinel or type.
func (p problem) err(status int, server string) error {
	as := func(target error) error { return &remoteError{text: p.Detail, err: target} }
	switch p.Code {
	case codeNotFound:
		return as(outbox.ErrNotFound)
	case codeTransition:
		return as(&outbox.TransitionError{ID: p.ID, From: outbox.State(p.From), To: outbox.State(p.To)})
	case codeReadOnly:
		return as(outbox.ErrReadOnly)
	case codeStoreFull:
		return as(outbox.ErrStoreFull)
	case codeClosed:
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, server, outbox.ErrClosed)
	case codeDecode:
		return &audit.DecodeError{Key: p.Key, Err: errors.New(p.Detail)}
	case codeNoCheck:
		return ErrNoCheck
	case codeUnauthorized:
		return fmt.Errorf("%w (%s)", ErrUnauthorized, server)
	}
	return &ServerError{Status: status, Code: p.Code, Title: p.Title, Detail: p.Detail}
}

// remoteError is a store error as the server wrote it, unwrapping to the
// outbox error it stands for.
type remoteError struct {
	text string
	err  error
}

func (e *remoteError) Error() string {
	if e.text == "" {
		return e.err.Error()
	}
	return e.text
}

func (e *remoteError) Unwrap() error { return e.err }

func recordPath(id string) string { return pathRecords + "/" + url.PathEscape(id) }

func filterQuery(f outbox.Filter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("direction", string(f.Direction))
	set("state", string(f.State))
	set("partner", f.Partner)
	set("type", f.Type)
	if !f.CreatedBefore.IsZero() {
		q.Set("created_before", f.CreatedBefore.Format(time.RFC3339Nano))
	}
	if !f.AnswerDueBefore.IsZero() {
		q.Set("answer_due_before", f.AnswerDueBefore.Format(time.RFC3339Nano))
	}
	if f.AfterSeq > 0 {
		q.Set("after_seq", strconv.FormatUint(f.AfterSeq, 10))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.WithBodies {
		q.Set("bodies", "true")
	}
	return q
}

// idleTimer calls fire when it stays armed for longer than d.
type idleTimer struct {
	mu sync.Mutex
	t  *time.Timer
	d  time.Duration
}

func newIdleTimer(d time.Duration, fire func()) *idleTimer {
	t := time.AfterFunc(time.Hour, fire)
	t.Stop()
	return &idleTimer{t: t, d: d}
}

func (i *idleTimer) arm()    { i.mu.Lock(); i.t.Reset(i.d); i.mu.Unlock() }
func (i *idleTimer) disarm() { i.mu.Lock(); i.t.Stop(); i.mu.Unlock() }
func (i *idleTimer) stop()   { i.disarm() }

// idleReader arms the idle timer while a Read waits.
type idleReader struct {
	r io.Reader
	t *idleTimer
}

func (r *idleReader) Read(p []byte) (int, error) {
	r.t.arm()
	defer r.t.disarm()
	return r.r.Read(p)
}
