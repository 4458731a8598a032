package validate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
)

// Config configures a Validator. The zero value is ready to use.
type Config struct {
	// Limits bound the hardened parse. Defaults to message.Limits defaults.
	Limits message.Limits
	// MaxAttachmentBytes is the largest decoded attachment (anlage/inhalt).
	// Defaults to 3 MiB.
	MaxAttachmentBytes int
	// DisclosureBlockMonths is the longest disclosure block under § 51
	// Abs. 1 BMG that rule MBABH-BLOCK-PERIOD accepts without a warning.
	// Defaults to 24 (two years, § 51 Abs. 4 BMG); the statute allows
	// extension, so a longer block is a warning, never a rejection.
	DisclosureBlockMonths int
	// Catalogue is the message catalogue. Defaults to catalogue.New().
	Catalogue *catalogue.Catalogue
	// CodeLists are the code lists checked at run time. Defaults to
	// catalogue.BuiltinCodeLists().
	CodeLists *catalogue.CodeLists
	// Rules are the business rules. Defaults to DefaultRules().
	Rules []Rule
	// Clock gives the current time for rules that compare with today.
	// Defaults to the wall clock.
	Clock clock.Clock
}

// DefaultDisclosureBlockMonths is the default term of a disclosure block
// under § 51 BMG, in months.
const DefaultDisclosureBlockMonths = 24

// DefaultMaxAttachmentBytes is the default attachment limit (catalogue.md §1).
const DefaultMaxAttachmentBytes = 3 << 20

func (c *Config) setDefaults() error {
	c.Limits = c.Limits.WithDefaults()
	if c.MaxAttachmentBytes == 0 {
		c.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if c.DisclosureBlockMonths == 0 {
		c.DisclosureBlockMonths = DefaultDisclosureBlockMonths
	}
	if c.Catalogue == nil {
		c.Catalogue = catalogue.New()
	}
	if c.CodeLists == nil {
		cl, err := catalogue.BuiltinCodeLists()
		if err != nil {
			return err
		}
		c.CodeLists = cl
	}
	if c.Rules == nil {
		c.Rules = DefaultRules()
	}
	c.Clock = clock.Or(c.Clock)
	return nil
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.MaxAttachmentBytes < 0 {
		return errors.New("validate: MaxAttachmentBytes must not be negative")
	}
	seen := map[string]bool{}
	for _, r := range c.Rules {
		if r.ID == "" || r.Check == nil || !r.Code.Valid() {
			return fmt.Errorf("validate: rule %q needs an id, a valid code and a check", r.ID)
		}
		if r.Severity > Warn {
			return fmt.Errorf("validate: rule %s has an unknown severity %d", r.ID, r.Severity)
		}
		if seen[r.ID] {
			return fmt.Errorf("validate: rule %s defined twice", r.ID)
		}
		seen[r.ID] = true
	}
	return nil
}

// Validator validates messages. It is safe for concurrent use; Close frees
// the parsed schema.
type Validator struct {
	cfg    Config
	schema *xsd.Schema
	model  *schemas.Model
}

// New parses the embedded schemas once and returns a Validator.
func New(cfg Config) (*Validator, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	model, err := schemas.NewModel()
	if err != nil {
		return nil, err
	}
	disableNetwork()
	dir, err := os.MkdirTemp("", "xgate-schemas-")
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	defer os.RemoveAll(dir)
	driver, err := schemas.WriteDir(dir)
	if err != nil {
		return nil, err
	}
	s, err := xsd.ParseFromFile(driver)
	if err != nil {
		return nil, fmt.Errorf("validate: parse schemas: %w", err)
	}
	return &Validator{cfg: cfg, schema: s, model: model}, nil
}

// Close frees the schema. The Validator must not be used afterwards.
func (v *Validator) Close() error {
	if v.schema != nil {
		v.schema.Free()
		v.schema = nil
	}
	return nil
}

// Model returns the parsed schema model (fields and code types per message).
func (v *Validator) Model() *schemas.Model { return v.model }

// Catalogue returns the catalogue the validator checks against.
func (v *Validator) Catalogue() *catalogue.Catalogue { return v.cfg.Catalogue }

// Report is the outcome of validating one message.
type Report struct {
	// Type is the catalogue entry of the root element; zero if unknown.
	Type catalogue.Type
	// Header holds the header fields, as far as they could be read.
	Header message.Header
	// Findings lists every problem that rejects the message (severity
	// Reject), in document order per stage: parse, version and schema
	// findings and the findings of rejecting rules. A message with findings
	// is answered with a Rückweisung.
	Findings []*errcode.Error
	// Warnings lists the findings of rules with severity Warn, in rule
	// order. They never reject the message and never draw a Rückweisung;
	// they are reported (xgate validate prints them) for the clerk.
	// Warnings are only computed for schema-valid messages.
	Warnings []*errcode.Error
	// Message is the parsed message when parsing succeeded.
	Message *message.Message
}

// Valid reports whether nothing rejects the message. Warnings do not count.
func (r *Report) Valid() bool { return len(r.Findings) == 0 }

// Err returns nil for a valid message, else an error joining the findings
// (never the warnings); errcode.Of on it gives the first finding's code.
func (r *Report) Err() error {
	if r.Valid() {
		return nil
	}
	errs := make([]error, len(r.Findings))
	for i, f := range r.Findings {
		errs[i] = f
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return &multiError{errs}
}

type multiError struct{ errs []error }

func (m *multiError) Error() string {
	var b strings.Builder
	for i, e := range m.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func (m *multiError) Unwrap() []error { return m.errs }

// Validate checks data. It never keeps data. A cancelled ctx stops between
// stages with an S999 finding.
func (v *Validator) Validate(ctx context.Context, data []byte) *Report {
	rep := &Report{}
	msg, err := message.Parse(data, v.cfg.Limits)
	if err != nil {
		rep.Findings = append(rep.Findings, asFinding(err))
		return rep
	}
	rep.Message = msg
	rep.Header = msg.Header()
	rep.Type, _ = v.cfg.Catalogue.ByRoot(rep.Header.Root)

	if f := v.checkVersion(msg, rep.Header); f != nil {
		rep.Findings = append(rep.Findings, f)
		return rep
	}
	if ctx.Err() != nil {
		rep.Findings = append(rep.Findings, cancelled(ctx))
		return rep
	}
	if fs := v.checkSchema(data); len(fs) > 0 {
		rep.Findings = fs
		return rep
	}
	if ctx.Err() != nil {
		rep.Findings = append(rep.Findings, cancelled(ctx))
		return rep
	}
	rep.Findings, rep.Warnings = v.runRules(msg, rep.Header, rep.Type)
	return rep
}

func cancelled(ctx context.Context) *errcode.Error {
	return &errcode.Error{Code: errcode.Other, Op: "validate", Detail: "validation cancelled", Err: ctx.Err()}
}

func asFinding(err error) *errcode.Error {
	var e *errcode.Error
	if errors.As(err, &e) {
		return e
	}
	return &errcode.Error{Code: errcode.Other, Op: "validate", Err: err}
}

// checkVersion answers V000 for a message in our namespace that names a
// standard or version we do not implement. A foreign namespace is left to
// the schema (X001).
func (v *Validator) checkVersion(msg *message.Message, h message.Header) *errcode.Error {
	if h.Namespace != schemas.NSMessages {
		return nil
	}
	if h.Standard == schemas.Standard && h.Version == schemas.Version {
		return nil
	}
	return &errcode.Error{Code: errcode.VersionUnsupported, Op: "validate", Line: msg.Line(msg.Root), Path: message.Path(msg.Root),
		Detail: fmt.Sprintf("standard %q version %q is not supported; this gateway implements %s %s", h.Standard, h.Version, schemas.Standard, schemas.Version)}
}

func (v *Validator) checkSchema(data []byte) []*errcode.Error {
	doc, err := parseLibxml(data)
	if err != nil {
		return []*errcode.Error{{Code: errcode.NotWellFormed, Op: "validate", Detail: "libxml2: " + trimLibxmlErr(err)}}
	}
	defer doc.Free()
	errs, truncated, ok := validateSchema(v.schema, doc)
	if ok {
		return nil
	}
	out := make([]*errcode.Error, 0, len(errs)+1)
	for _, e := range errs {
		out = append(out, &errcode.Error{Code: errcode.SchemaInvalid, Op: "validate", Line: e.Line, Path: e.Path, Detail: e.Msg})
	}
	if truncated {
		out = append(out, &errcode.Error{Code: errcode.SchemaInvalid, Op: "validate", Detail: "more schema errors not shown"})
	}
	return out
}

func trimLibxmlErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "parser error : "); i >= 0 {
		s = s[i+len("parser error : "):]
	}
	return strings.TrimSpace(s)
}
