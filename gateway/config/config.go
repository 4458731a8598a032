package config

import (
	"path/filepath"
	"time"
)

// Config is the configuration of one site's gateway: one YAML file (see
// the examples folder). Load reads it, applies the defaults and the
// environment overrides and resolves relative paths; Validate checks it
// without touching the disk, CheckFiles checks the files it names.
//
// Paths are absolute after Load (relative ones resolve against the folder of
// the configuration file). A Config is not changed after it has been handed
// to the daemon.
type Config struct {
	Site      Site      `yaml:"site"`
	Listen    Listen    `yaml:"listen"`
	Intake    Intake    `yaml:"intake"`
	Keys      Keys      `yaml:"keys"`
	Trust     Trust     `yaml:"trust"`
	Directory Directory `yaml:"directory"`
	Store     Store     `yaml:"store"`
	Delivery  Delivery  `yaml:"delivery"`
	Answers   Answers   `yaml:"answers"`
	Inbox     Inbox     `yaml:"inbox"`
	Log       Log       `yaml:"log"`
	// Adapters holds the settings of the format adapters by adapter name
	// (xgate adapters list shows each adapter's settings), e.g. the
	// autor of the messages fachverfahren-csv makes from a CSV export.
	Adapters map[string]map[string]string `yaml:"adapters"`

	// File is the configuration file Load read ("" for a Config built
	// in code).
	File string `yaml:"-"`

	// origin maps a key path ("directory.reload") to where its value came
	// from: "line 12" or "$XGATE_LISTEN_INTAKE". Error texts name it.
	origin map[string]string
}

// Site is who this gateway is: its entry in the routing directory.
type Site struct {
	// Kennung is the site's directory key, "azr:999901". Required.
	Kennung string `yaml:"kennung"`
	// Role is the site's role: abh, mb, azr, bamf, ba, jc (or test, the
	// conformance partner). Required.
	Role string `yaml:"role"`
	// Name is the authority's name, for logs and the status page.
	Name string `yaml:"name"`
}

// Listen says where the gateway listens.
type Listen struct {
	// Transport is the mTLS listener for partner gateways (inbound
	// messages), host:port. Defaults to "127.0.0.1:8443";
	// $XGATE_LISTEN_TRANSPORT overrides it.
	Transport string `yaml:"transport"`
	// Intake is the HTTP listener for local case-management software,
	// host:port. Defaults to "127.0.0.1:8080"; $XGATE_LISTEN_INTAKE
	// overrides it. Anything but a loopback address needs intake.token,
	// intake.token_file or intake.client_roots.
	Intake string `yaml:"intake"`
	// AdminSocket is the unix socket of the admin API (xgate outbox …
	// against a running daemon). Defaults to "admin.sock" beside the bolt
	// store (beside the configuration file for postgres).
	AdminSocket string `yaml:"admin_socket"`
	// Metrics is the listener of /metrics, /healthz and /readyz,
	// host:port; "" serves them on the intake listener. Defaults to
	// "127.0.0.1:9090".
	Metrics string `yaml:"metrics"`
}

// Intake configures the API for local software.
type Intake struct {
	// Token is the bearer token local software must send. Prefer
	// TokenFile or $XGATE_INTAKE_TOKEN (which overrides it): a token in
	// the file is readable by whoever reads the configuration.
	Token string `yaml:"token"`
	// TokenFile holds the bearer token (first line, mode 0600).
	TokenFile string `yaml:"token_file"`
	// ClientRoots, when set, makes the intake listener TLS with client
	// certificates (mTLS) that chain to these roots; the server
	// certificate is keys.tls.
	ClientRoots []string `yaml:"client_roots"`
	// MaxBody is the largest request body in bytes ("20MiB" works).
	// Defaults to 20 MiB.
	MaxBody Size `yaml:"max_body"`
}

// KeyPair names a certificate and its private key (PEM files).
type KeyPair struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Keys are the site's own key pairs, one per purpose.
type Keys struct {
	// Signing signs outgoing messages, receipts and audit checkpoints.
	Signing KeyPair `yaml:"signing"`
	// Encryption: the current pair and, during a rollover, the next
	// one; inbound messages are decrypted with whichever fits.
	Encryption []KeyPair `yaml:"encryption"`
	// TLS is the certificate of the transport listener (server) and of
	// deliveries to partners (client).
	TLS KeyPair `yaml:"tls"`
}

// Trust says whom the site trusts.
type Trust struct {
	// Roots are trust anchors: PEM files or folders. Required.
	Roots []string `yaml:"roots"`
	// Intermediates are sub-CA certificates that complete chains.
	Intermediates []string `yaml:"intermediates"`
	// CRLs of the roots and intermediates: files or folders.
	CRLs []string `yaml:"crls"`
	// CRLPolicy is require (every CA of a chain needs a current CRL,
	// fail closed) or if-present. Defaults to require.
	CRLPolicy string `yaml:"crl_policy"`
}

// Directory locates the signed routing directory.
type Directory struct {
	// File is the signed directory (xgate directory sign). Required.
	File string `yaml:"file"`
	// Reload is how often the file is read again; 0 means only on
	// SIGHUP. Defaults to 5m.
	Reload Duration `yaml:"reload"`
	// MaxAge refuses a directory issued longer ago than this, even
	// before its not_after; 0 means only not_after counts. Defaults to 0.
	MaxAge Duration `yaml:"max_age"`
}

// Store kinds.
const (
	StoreBolt     = "bolt"
	StorePostgres = "postgres"
)

// Store is the durable outbox and inbox.
type Store struct {
	// Kind is bolt (one file, one gateway) or postgres (several gateway
	// instances). Defaults to bolt.
	Kind string `yaml:"kind"`
	// Path is the bolt file. Defaults to "xgate.db".
	Path string `yaml:"path"`
	// DSN is the postgres connection string. Keep the password out of
	// the file: $XGATE_STORE_DSN overrides DSN, or use DSNFile.
	DSN string `yaml:"dsn"`
	// DSNFile holds the postgres connection string (mode 0600).
	DSNFile string `yaml:"dsn_file"`
	// MaxBytes bounds the store; at the limit the intake answers 503.
	// 0 means no limit. Defaults to 0.
	MaxBytes Size `yaml:"max_bytes"`
	// CommitLinger (bolt) is how long a commit waits, after its first
	// write, for more writes to share its fsync. Defaults to 2ms; 0
	// commits at once; at most 100ms.
	CommitLinger Duration `yaml:"commit_linger"`
}

// Delivery configures outbound delivery to partner gateways.
type Delivery struct {
	// Workers deliver in parallel. Defaults to 8.
	Workers int `yaml:"workers"`
	// Timeout bounds one delivery attempt (connect, send, answer).
	// Defaults to 30s.
	Timeout Duration `yaml:"timeout"`
	// Lease is how long a claimed record stays with its worker; it must
	// exceed Timeout. Defaults to 2m.
	Lease Duration `yaml:"lease"`
	// Retry is the back-off after transport errors.
	Retry Retry `yaml:"retry"`
}

// Retry is an exponential back-off.
type Retry struct {
	// Initial is the first wait. Defaults to 1s.
	Initial Duration `yaml:"initial"`
	// Max caps the wait. Defaults to 5m.
	Max Duration `yaml:"max"`
	// MaxAge gives a message up (failed) this long after it was
	// enqueued. Defaults to 72h.
	MaxAge Duration `yaml:"max_age"`
}

// Answers configures the tracking of expected business answers.
type Answers struct {
	// Reminders is the most Erinnerungen (900021) sent per message whose
	// answer is overdue; 0 sends none. Defaults to 2.
	Reminders int `yaml:"reminders"`
	// Deadlines override the catalogue's deadline per message type
	// ("090001": 2h). Types must expect an answer.
	Deadlines map[string]Duration `yaml:"deadlines"`
}

// Inbox configures the hand-over of inbound messages to local software:
// pull (GET /v1/inbox) always, push when Webhook.URL is set.
type Inbox struct {
	Webhook Webhook `yaml:"webhook"`
}

// Webhook pushes each inbound message to local software.
type Webhook struct {
	// URL receives a POST per inbound message; "" turns push off.
	URL string `yaml:"url"`
	// Token is sent as bearer token; $XGATE_WEBHOOK_TOKEN overrides it.
	Token string `yaml:"token"`
	// RetryInitial is the first wait after a failed push. Defaults to 1s.
	RetryInitial Duration `yaml:"retry_initial"`
	// RetryMax caps the wait. Defaults to 5m.
	RetryMax Duration `yaml:"retry_max"`
}

// Log configures the daemon's log (slog, ids and codes only).
type Log struct {
	// Level is debug, info, warn or error. Defaults to info.
	Level string `yaml:"level"`
	// Format is json or text. Defaults to json.
	Format string `yaml:"format"`
}

// Defaults of the configuration.
const (
	DefaultTransport   = "127.0.0.1:8443"
	DefaultIntake      = "127.0.0.1:8080"
	DefaultMetrics     = "127.0.0.1:9090"
	DefaultAdminSocket = "admin.sock"
	DefaultStorePath   = "xgate.db"
	DefaultLinger      = 2 * time.Millisecond
	// MaxCommitLinger is boltstore.MaxCommitLinger (the configuration does
	// not import the store; gateway/site's tests keep the two equal).
	MaxCommitLinger    = 100 * time.Millisecond
	DefaultMaxBody     = 20 << 20
	DefaultReload      = 5 * time.Minute
	DefaultWorkers     = 8
	DefaultTimeout     = 30 * time.Second
	DefaultLease       = 2 * time.Minute
	DefaultRetryInit   = time.Second
	DefaultRetryMax    = 5 * time.Minute
	DefaultRetryMaxAge = 72 * time.Hour
	DefaultReminders   = 2
	DefaultCRLPolicy   = "require"
	DefaultLogLevel    = "info"
	DefaultLogFormat   = "json"
)

// SetDefaults sets every field that is zero to its default. Load calls it
// before it reads the file, so that a value written in the file wins even
// when it is 0 or "" (reminders: 0 sends no reminder, metrics: "" serves
// /metrics on the intake listener). listen.admin_socket defaults to
// admin.sock beside the bolt store.
func (c *Config) SetDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	defD := func(d *Duration, v time.Duration) {
		if *d == 0 {
			*d = Duration(v)
		}
	}
	def(&c.Listen.Transport, DefaultTransport)
	def(&c.Listen.Intake, DefaultIntake)
	def(&c.Listen.Metrics, DefaultMetrics)
	if c.Intake.MaxBody == 0 {
		c.Intake.MaxBody = DefaultMaxBody
	}
	def(&c.Trust.CRLPolicy, DefaultCRLPolicy)
	defD(&c.Directory.Reload, DefaultReload)
	def(&c.Store.Kind, StoreBolt)
	defD(&c.Store.CommitLinger, DefaultLinger)
	if c.Store.Kind == StoreBolt {
		def(&c.Store.Path, DefaultStorePath)
	}
	if c.Listen.AdminSocket == "" {
		c.Listen.AdminSocket = DefaultAdminSocket
		if c.Store.Kind == StoreBolt {
			c.Listen.AdminSocket = filepath.Join(filepath.Dir(c.Store.Path), DefaultAdminSocket)
		}
	}
	if c.Delivery.Workers == 0 {
		c.Delivery.Workers = DefaultWorkers
	}
	defD(&c.Delivery.Timeout, DefaultTimeout)
	defD(&c.Delivery.Lease, DefaultLease)
	defD(&c.Delivery.Retry.Initial, DefaultRetryInit)
	defD(&c.Delivery.Retry.Max, DefaultRetryMax)
	defD(&c.Delivery.Retry.MaxAge, DefaultRetryMaxAge)
	if c.Answers.Reminders == 0 {
		c.Answers.Reminders = DefaultReminders
	}
	defD(&c.Inbox.Webhook.RetryInitial, DefaultRetryInit)
	defD(&c.Inbox.Webhook.RetryMax, DefaultRetryMax)
	def(&c.Log.Level, DefaultLogLevel)
	def(&c.Log.Format, DefaultLogFormat)
}

// Origin says where the value of a key path ("store.dsn") came from: "line
// 12" (of the file), "$XGATE_STORE_DSN", or "" (the default, or set in
// code).
func (c *Config) Origin(key string) string { return c.origin[key] }

func (c *Config) setOrigin(key, where string) {
	if c.origin == nil {
		c.origin = map[string]string{}
	}
	c.origin[key] = where
}
