package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

// MinTokenLen is the shortest bearer token Validate accepts.
const MinTokenLen = 16

// Limits of values.
const (
	MaxWorkers   = 1024
	MaxReminders = 10
	MinReload    = time.Second
)

// problems collects FieldErrors with their origins.
type problems struct {
	c    *Config
	errs []error
}

func (p *problems) add(key, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{Key: key, Origin: p.c.Origin(key), Problem: fmt.Sprintf(format, args...)})
}

// Validate checks the configuration without touching the disk (CheckFiles
// does): required keys, formats, ranges and the rules between keys. It
// returns every problem at once in an *Error, each a *FieldError naming the
// key and where its value came from.
func (c *Config) Validate() error {
	p := &problems{c: c}
	c.validateSite(p)
	c.validateListen(p)
	c.validateKeys(p)
	c.validateTrust(p)
	c.validateDirectory(p)
	c.validateStore(p)
	c.validateDelivery(p)
	c.validateAnswers(p)
	c.validateInbox(p)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		p.add("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		p.add("log.format", "must be json or text, not %q", c.Log.Format)
	}
	return asError(c.File, p.errs)
}

func (c *Config) validateSite(p *problems) {
	if c.Site.Kennung == "" {
		p.add("site.kennung", "required: this site's directory key, e.g. azr:999901")
	} else if _, err := kennung.Parse(c.Site.Kennung); err != nil {
		p.add("site.kennung", "%q is not a kennung (prefix:key, e.g. azr:999901)", c.Site.Kennung)
	}
	if c.Site.Role == "" {
		p.add("site.role", "required: one of %s", roleList())
	} else if _, err := kennung.ParseRole(c.Site.Role); err != nil {
		p.add("site.role", "%q is not a role: one of %s", c.Site.Role, roleList())
	}
	if strings.IndexFunc(c.Site.Name, unicode.IsControl) >= 0 {
		p.add("site.name", "contains a control character")
	}
}

func roleList() string {
	var rs []string
	for _, r := range catalogue.AllRoles() {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ", ")
}

func (c *Config) validateListen(p *problems) {
	checkAddr(p, "listen.transport", c.Listen.Transport)
	checkAddr(p, "listen.intake", c.Listen.Intake)
	if c.Listen.Metrics != "" {
		checkAddr(p, "listen.metrics", c.Listen.Metrics)
	}
	if c.Listen.AdminSocket == "" {
		p.add("listen.admin_socket", "required")
	} else if len(c.Listen.AdminSocket) > 104 { // sun_path: 108 on Linux, 104 on BSDs
		p.add("listen.admin_socket", "path is %d bytes long; a unix socket path must be at most 104", len(c.Listen.AdminSocket))
	}
	in := c.Intake
	if in.Token != "" && in.TokenFile != "" {
		p.add("intake.token", "give intake.token or intake.token_file, not both")
	}
	if in.Token != "" && len(in.Token) < MinTokenLen {
		p.add("intake.token", "shorter than %d characters", MinTokenLen)
	}
	if host, _, err := net.SplitHostPort(c.Listen.Intake); err == nil && !isLoopback(host) &&
		in.Token == "" && in.TokenFile == "" && len(in.ClientRoots) == 0 {
		p.add("listen.intake", "%s is not a loopback address: set intake.token, intake.token_file or intake.client_roots so that only local software can send", c.Listen.Intake)
	}
	if in.MaxBody < 1<<10 {
		p.add("intake.max_body", "%d bytes is too small (at least 1KiB)", in.MaxBody)
	}
	// Two listeners on one address cannot both bind (port 0 picks a free
	// port each time).
	seen := map[string]string{}
	for _, l := range []struct{ key, addr string }{
		{"listen.transport", c.Listen.Transport}, {"listen.intake", c.Listen.Intake}, {"listen.metrics", c.Listen.Metrics},
	} {
		if _, port, err := net.SplitHostPort(l.addr); err != nil || port == "0" {
			continue
		}
		if other, dup := seen[l.addr]; dup {
			hint := ""
			if l.key == "listen.metrics" {
				hint = ` (write metrics: "" to serve /metrics on the intake listener)`
			}
			p.add(l.key, "%s is also %s%s", l.addr, other, hint)
		}
		seen[l.addr] = l.key
	}
}

// checkAddr checks a host:port listener address.
func checkAddr(p *problems, key, addr string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.add(key, "%q is not host:port (e.g. 127.0.0.1:8443)", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add(key, "%q: port %q is not a number from 0 to 65535", addr, port)
	}
	if strings.ContainsAny(host, " /") {
		p.add(key, "%q: %q is not a host", addr, host)
	}
}

// isLoopback reports whether host names the loopback interface only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) validateKeys(p *problems) {
	pair := func(key string, kp KeyPair) {
		if kp.Cert == "" {
			p.add(key+".cert", "required")
		}
		if kp.Key == "" {
			p.add(key+".key", "required")
		}
	}
	pair("keys.signing", c.Keys.Signing)
	if len(c.Keys.Encryption) == 0 {
		p.add("keys.encryption", "required: the current encryption key pair (and the next one during a rollover)")
	}
	for i, kp := range c.Keys.Encryption {
		pair(fmt.Sprintf("keys.encryption[%d]", i), kp)
	}
	pair("keys.tls", c.Keys.TLS)
}

func (c *Config) validateTrust(p *problems) {
	if len(c.Trust.Roots) == 0 {
		p.add("trust.roots", "required: the root CA certificate(s) of the partners' PKI")
	}
	policy, err := certs.ParseCRLPolicy(c.Trust.CRLPolicy)
	if err != nil {
		p.add("trust.crl_policy", "must be require or if-present, not %q", c.Trust.CRLPolicy)
		return
	}
	if policy == certs.CRLRequired && len(c.Trust.CRLs) == 0 {
		p.add("trust.crls", "required under crl_policy require: every CA of a chain needs a current CRL")
	}
}

func (c *Config) validateDirectory(p *problems) {
	d := c.Directory
	if d.File == "" {
		p.add("directory.file", "required: the signed routing directory (xgate directory sign)")
	}
	if d.Reload < 0 || d.Reload > 0 && d.Reload.D() < MinReload {
		p.add("directory.reload", "%s: must be 0 (only on SIGHUP) or at least %s", d.Reload, Duration(MinReload))
	}
	if d.MaxAge < 0 {
		p.add("directory.max_age", "%s is negative", d.MaxAge)
	}
}

func (c *Config) validateStore(p *problems) {
	s := c.Store
	switch s.Kind {
	case StoreBolt:
		if s.Path == "" {
			p.add("store.path", "required for kind bolt")
		}
		if s.DSN != "" {
			p.add("store.dsn", "only for kind postgres")
		}
		if s.DSNFile != "" {
			p.add("store.dsn_file", "only for kind postgres")
		}
	case StorePostgres:
		if s.Path != "" {
			p.add("store.path", "only for kind bolt")
		}
		switch {
		case s.DSN == "" && s.DSNFile == "":
			p.add("store.dsn", "required for kind postgres: set $%s or store.dsn_file", EnvStoreDSN)
		case s.DSN != "" && s.DSNFile != "":
			p.add("store.dsn", "give store.dsn or store.dsn_file, not both")
		}
	default:
		p.add("store.kind", "must be bolt or postgres, not %q", s.Kind)
	}
	if s.MaxBytes < 0 {
		p.add("store.max_bytes", "is negative")
	}
	if s.CommitLinger < 0 || s.CommitLinger.D() > MaxCommitLinger {
		p.add("store.commit_linger", "%v: must be from 0 to %v", s.CommitLinger.D(), MaxCommitLinger)
	}
}

func (c *Config) validateDelivery(p *problems) {
	d := c.Delivery
	if d.Workers < 1 || d.Workers > MaxWorkers {
		p.add("delivery.workers", "%d: must be from 1 to %d", d.Workers, MaxWorkers)
	}
	if d.Timeout <= 0 {
		p.add("delivery.timeout", "%s: must be positive", d.Timeout)
	}
	if d.Lease <= d.Timeout {
		p.add("delivery.lease", "%s: must be longer than delivery.timeout (%s), or a slow delivery would be claimed twice", d.Lease, d.Timeout)
	}
	checkBackoff(p, "delivery.retry.initial", "delivery.retry.max", d.Retry.Initial, d.Retry.Max)
	if d.Retry.MaxAge <= 0 {
		p.add("delivery.retry.max_age", "%s: must be positive", d.Retry.MaxAge)
	}
}

func checkBackoff(p *problems, initKey, maxKey string, initial, max Duration) {
	if initial <= 0 {
		p.add(initKey, "%s: must be positive", initial)
	}
	if max < initial {
		p.add(maxKey, "%s: must not be shorter than %s (%s)", max, initKey, initial)
	}
}

var typeCode = regexp.MustCompile(`^\d{6}$`)

func (c *Config) validateAnswers(p *problems) {
	a := c.Answers
	if a.Reminders < 0 || a.Reminders > MaxReminders {
		p.add("answers.reminders", "%d: must be from 0 to %d", a.Reminders, MaxReminders)
	}
	cat := catalogue.New()
	codes := make([]string, 0, len(a.Deadlines))
	for code := range a.Deadlines {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		key := fmt.Sprintf("answers.deadlines[%q]", code)
		t, ok := cat.Lookup(code)
		switch {
		case !typeCode.MatchString(code):
			p.add(key, "%q is not a message type code (six digits, quoted: \"090001\")", code)
		case !ok:
			p.add(key, "%s is not a message type of the catalogue (xgate catalogue list)", code)
		case !t.ExpectsAnswer():
			p.add(key, "%s (%s) expects no answer", code, t.Root())
		case a.Deadlines[code] <= 0:
			p.add(key, "%s: must be positive", a.Deadlines[code])
		}
	}
}

func (c *Config) validateInbox(p *problems) {
	w := c.Inbox.Webhook
	if w.URL != "" {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http":
			p.add("inbox.webhook.url", "%q is not an http(s) URL", w.URL)
		case u.User != nil:
			p.add("inbox.webhook.url", "carries a user or password: use inbox.webhook.token or $%s", EnvWebhookToken)
		case u.Scheme == "http" && !isLoopback(u.Hostname()):
			p.add("inbox.webhook.url", "plain http to %s: messages carry personal data; use https or a loopback address", u.Hostname())
		}
	}
	checkBackoff(p, "inbox.webhook.retry_initial", "inbox.webhook.retry_max", w.RetryInitial, w.RetryMax)
}
