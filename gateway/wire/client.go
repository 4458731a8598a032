package wire

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xgate/xgate/certs"
)

// Path is the transport endpoint below a participant's base URL.
const Path = "/v1/transport"

// ContentType is the media type of the sealed request and of the answers.
const ContentType = "application/xml"

// Defaults of ClientConfig.
const (
	DefaultTimeout        = 30 * time.Second
	DefaultMaxAnswerBytes = 1 << 20
	DefaultMaxIdlePerHost = 16
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// TLS is this gateway's TLS key pair (certs.TLSClient), presented as
	// the client certificate. Required.
	TLS certs.KeyPair
	// Roots are the trust roots for the partners' server certificates.
	// Required.
	Roots *x509.CertPool
	// Timeout bounds one delivery: connection, handshake, request and the
	// whole answer. Defaults to DefaultTimeout (30 s).
	Timeout time.Duration
	// MaxAnswerBytes is the largest answer body read; a longer one is a
	// transport error. Defaults to DefaultMaxAnswerBytes (1 MiB).
	MaxAnswerBytes int
	// MaxIdlePerHost is how many idle keep-alive connections are kept per
	// partner. Defaults to DefaultMaxIdlePerHost (16).
	MaxIdlePerHost int
}

func (c *ClientConfig) setDefaults() {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAnswerBytes <= 0 {
		c.MaxAnswerBytes = DefaultMaxAnswerBytes
	}
	if c.MaxIdlePerHost <= 0 {
		c.MaxIdlePerHost = DefaultMaxIdlePerHost
	}
}

// Validate checks the configuration.
func (c *ClientConfig) Validate() error {
	if c.TLS.Cert == nil || c.TLS.Key == nil {
		return errors.New("wire: client: no TLS key pair")
	}
	if c.Roots == nil {
		return errors.New("wire: client: no trust roots")
	}
	return nil
}

// Client delivers sealed messages to partner gateways: HTTPS POST to
// {endpoint}/v1/transport with mutual TLS 1.3. It keeps one
// http.Transport, so connections to a partner are reused (keep-alive).
// A Client is safe for concurrent use.
type Client struct {
	cfg  ClientConfig
	tr   *http.Transport
	http *http.Client
}

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy: nil, // gateways talk to each other directly
		DialContext: (&net.Dialer{
			Timeout:   cfg.Timeout,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{cfg.TLS.TLSCertificate()},
			RootCAs:      cfg.Roots,
			NextProtos:   []string{"http/1.1"},
		},
		TLSHandshakeTimeout:   cfg.Timeout,
		MaxIdleConnsPerHost:   cfg.MaxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
	}
	return &Client{
		cfg: cfg,
		tr:  tr,
		http: &http.Client{
			Transport: tr,
			// A redirect is a transport error: the directory names the
			// endpoint, nothing else does.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Close closes the idle connections.
func (c *Client) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// TransportError is a delivery that got no usable answer: no connection,
// a refused handshake, a timeout, a status other than 200, an answer over
// MaxAnswerBytes. The scheduler retries it.
type TransportError struct {
	// Endpoint is the partner's base URL.
	Endpoint string
	// Status is the HTTP status, 0 when there was no response.
	Status int
	// Detail says what went wrong.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

func (e *TransportError) Error() string {
	s := "wire: deliver to " + e.Endpoint
	if e.Status != 0 {
		s += ": status " + strconv.Itoa(e.Status)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }

// ErrBadEndpoint is wrapped by the TransportError of an endpoint that is
// not an https base URL; retrying does not help.
var ErrBadEndpoint = errors.New("wire: endpoint is not an https URL")

// ErrAnswerTooLarge is wrapped by the TransportError of an answer over
// MaxAnswerBytes.
var ErrAnswerTooLarge = errors.New("wire: answer too large")

// Deliver posts sealed to endpoint's transport path and returns the body
// of a 200 answer, unverified: VerifyAnswer decides what it says. Every
// error is a *TransportError. The request carries an Idempotency-Key (the
// SHA-256 of sealed), so that the HTTP client may send it again on a
// keep-alive connection the server had closed: the receiver de-duplicates
// by nachrichtenUUID anyway.
func (c *Client) Deliver(ctx context.Context, endpoint string, sealed []byte) ([]byte, error) {
	target, err := transportURL(endpoint)
	if err != nil {
		return nil, &TransportError{Endpoint: endpoint, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(sealed))
	if err != nil {
		return nil, &TransportError{Endpoint: endpoint, Err: err}
	}
	sum := sha256.Sum256(sealed)
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", ContentType)
	req.Header.Set("Idempotency-Key", hex.EncodeToString(sum[:]))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &TransportError{Endpoint: endpoint, Detail: "no answer", Err: err}
	}
	defer resp.Body.Close()
	limit := int64(c.cfg.MaxAnswerBytes)
	if resp.ContentLength > limit {
		return nil, &TransportError{Endpoint: endpoint, Status: resp.StatusCode,
			Detail: fmt.Sprintf("the answer has %d bytes, more than %d", resp.ContentLength, limit), Err: ErrAnswerTooLarge}
	}
	if resp.StatusCode != http.StatusOK {
		// Drain a little so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &TransportError{Endpoint: endpoint, Status: resp.StatusCode, Detail: "the partner did not answer 200"}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &TransportError{Endpoint: endpoint, Status: resp.StatusCode, Detail: "reading the answer", Err: err}
	}
	if int64(len(body)) > limit {
		return nil, &TransportError{Endpoint: endpoint, Status: resp.StatusCode,
			Detail: fmt.Sprintf("the answer is longer than %d bytes", limit), Err: ErrAnswerTooLarge}
	}
	return body, nil
}

// transportURL returns endpoint's transport URL: an https base URL
// without query or fragment, with Path appended.
func transportURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadEndpoint, endpoint, err)
	}
	if u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: %q", ErrBadEndpoint, endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + Path
	u.RawPath = ""
	return u.String(), nil
}
