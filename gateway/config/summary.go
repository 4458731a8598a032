package config

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"text/tabwriter"
)

// Summary describes the effective configuration for people (xgate serve
// --check): one line per section, paths absolute, defaults filled in,
// where a secret or address came from, and never a secret itself.
func (c *Config) Summary() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	if c.File != "" {
		row("file", "%s", c.File)
	}
	row("site", "%s %s %q", c.Site.Role, c.Site.Kennung, c.Site.Name)
	metrics := c.Listen.Metrics
	if metrics == "" {
		metrics = "on the intake listener"
	}
	row("listen", "transport %s%s (mTLS); intake %s%s (%s); metrics %s; admin socket %s",
		c.Listen.Transport, c.from("listen.transport"), c.Listen.Intake, c.from("listen.intake"), c.intakeAuth(), metrics, c.Listen.AdminSocket)
	row("intake", "max body %s", c.Intake.MaxBody)
	enc := make([]string, len(c.Keys.Encryption))
	for i, e := range c.Keys.Encryption {
		enc[i] = e.Cert
	}
	row("keys", "signing %s; encryption %s; tls %s", c.Keys.Signing.Cert, strings.Join(enc, ", "), c.Keys.TLS.Cert)
	trust := fmt.Sprintf("roots %s; crl_policy %s", strings.Join(c.Trust.Roots, ", "), c.Trust.CRLPolicy)
	if len(c.Trust.Intermediates) > 0 {
		trust += "; intermediates " + strings.Join(c.Trust.Intermediates, ", ")
	}
	if len(c.Trust.CRLs) > 0 {
		trust += "; crls " + strings.Join(c.Trust.CRLs, ", ")
	}
	row("trust", "%s", trust)
	reload := "on SIGHUP only"
	if c.Directory.Reload > 0 {
		reload = "every " + c.Directory.Reload.String() + " and on SIGHUP"
	}
	maxAge := "until its not_after"
	if c.Directory.MaxAge > 0 {
		maxAge = "at most " + c.Directory.MaxAge.String() + " old"
	}
	row("directory", "%s, reloaded %s, trusted %s", c.Directory.File, reload, maxAge)
	limit := "no size limit"
	if c.Store.MaxBytes > 0 {
		limit = "at most " + c.Store.MaxBytes.String()
	}
	switch c.Store.Kind {
	case StorePostgres:
		dsn := "store.dsn" + c.from("store.dsn")
		if c.Store.DSNFile != "" {
			dsn = c.Store.DSNFile
		}
		row("store", "postgres, connection string from %s, %s", dsn, limit)
	default:
		row("store", "%s %s, %s", c.Store.Kind, c.Store.Path, limit)
	}
	d := c.Delivery
	row("delivery", "%d workers, timeout %s, lease %s, retry %s doubling to %s, give up after %s",
		d.Workers, d.Timeout, d.Lease, d.Retry.Initial, d.Retry.Max, d.Retry.MaxAge)
	answers := fmt.Sprintf("%d reminder(s) per overdue answer", c.Answers.Reminders)
	if len(c.Answers.Deadlines) > 0 {
		var ds []string
		for code, dl := range c.Answers.Deadlines {
			ds = append(ds, code+" "+dl.String())
		}
		sort.Strings(ds)
		answers += "; deadlines " + strings.Join(ds, ", ")
	}
	row("answers", "%s", answers)
	inbox := "pull (GET /v1/inbox)"
	if w := c.Inbox.Webhook; w.URL != "" {
		tok := "no token"
		if w.Token != "" {
			tok = "token" + c.from("inbox.webhook.token")
		}
		inbox += fmt.Sprintf(" and push to %s (%s, retry %s doubling to %s)", w.URL, tok, w.RetryInitial, w.RetryMax)
	}
	row("inbox", "%s", inbox)
	row("log", "%s, %s", c.Log.Level, c.Log.Format)
	tw.Flush()
	return b.String()
}

// from says " from $VAR" when the key's value came from the environment.
func (c *Config) from(key string) string {
	if o := c.Origin(key); strings.HasPrefix(o, "$") {
		return " from " + o
	}
	return ""
}

func (c *Config) intakeAuth() string {
	var ways []string
	switch {
	case c.Intake.Token != "":
		ways = append(ways, "bearer token"+c.from("intake.token"))
	case c.Intake.TokenFile != "":
		ways = append(ways, "bearer token from "+c.Intake.TokenFile)
	}
	if len(c.Intake.ClientRoots) > 0 {
		ways = append(ways, "client certificates")
	}
	if len(ways) == 0 {
		if host, _, err := net.SplitHostPort(c.Listen.Intake); err == nil && isLoopback(host) {
			return "loopback, no token"
		}
		return "NO AUTHENTICATION"
	}
	return strings.Join(ways, " and ")
}
