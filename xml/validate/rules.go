package validate

import (
	"fmt"
	"slices"
	"time"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Severity says what a finding of a rule does to the message.
type Severity uint8

const (
	// Reject: the message is not processed; the finding goes into
	// Report.Findings and draws a Rückweisung (Prozess.Rueckweisung.900010)
	// with the rule's code. The zero value, so that a rule rejects unless
	// it says otherwise.
	Reject Severity = iota
	// Warn: the message is processed; the finding goes into
	// Report.Warnings for the clerk and the operator and never draws a
	// Rückweisung. Plausibility checks that belong to the clerk's judgement
	// are warnings.
	Warn
)

// String returns "reject" or "warn".
func (s Severity) String() string {
	switch s {
	case Reject:
		return "reject"
	case Warn:
		return "warn"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText writes the String form.
func (s Severity) MarshalText() ([]byte, error) {
	if s > Warn {
		return nil, fmt.Errorf("validate: unknown severity %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads "reject" or "warn".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "reject":
		*s = Reject
	case "warn":
		*s = Warn
	default:
		return fmt.Errorf("validate: unknown severity %q (want reject or warn)", b)
	}
	return nil
}

// Rule is one business rule. Rules run only on schema-valid messages, so a
// check may rely on the structure the schema guarantees.
type Rule struct {
	// ID names the rule in findings and in grundSpezifisch, "AZR-FIRST".
	ID string
	// Severity says whether a violation rejects the message or is a
	// warning.
	Severity Severity
	// Code is the XÖV code of a violation, with its XInneres meaning
	// (S010/S011 code lists, S030 empty text, S999 other specification
	// violations with the rule id as grundSpezifisch). A warning carries
	// the code the finding would have if it rejected.
	Code errcode.Code
	// Source names the legal or normative source of the rule ("§ 12a Abs. 1
	// AufenthG", "DIN 91379 datatypeC") or "xgate" for xgate's own
	// consistency checks.
	Source string
	// Doc says in one English sentence what the rule demands.
	Doc string
	// Types restricts the rule to these type codes; nil means every type.
	Types []string
	// Check inspects the message and reports through c.
	Check func(c *Context)
}

// Context is what a rule sees: the message, its header and type, the code
// lists and the configuration; and where it reports.
type Context struct {
	Msg       *message.Message
	Header    message.Header
	Type      catalogue.Type
	Catalogue *catalogue.Catalogue
	CodeLists *catalogue.CodeLists
	// MaxAttachmentBytes is the configured attachment limit.
	MaxAttachmentBytes int
	// DisclosureBlockMonths is the configured longest § 51 BMG block.
	DisclosureBlockMonths int
	// Now is the time of validation.
	Now time.Time
	// CodeTypes maps the path of every code element below the root
	// ("person/geschlecht") to its XSD code type ("Code.Geschlecht"), from
	// the schema, so that a code without listURI is checked against the
	// list its type fixes.
	CodeTypes map[string]string

	rule     *Rule
	findings []*errcode.Error
	warnings []*errcode.Error
	elems    []*etree.Element
}

// Report records a violation of the running rule at element e (nil: root),
// as a finding or a warning according to the rule's severity.
func (c *Context) Report(e *etree.Element, format string, args ...any) {
	c.ReportCode(c.rule.Code, e, format, args...)
}

// ReportCode records a violation with a code other than the rule's.
func (c *Context) ReportCode(code errcode.Code, e *etree.Element, format string, args ...any) {
	if e == nil {
		e = c.Msg.Root
	}
	f := &errcode.Error{
		Code: code, Op: "validate", Rule: c.rule.ID,
		Line: c.Msg.Line(e), Path: message.Path(e),
		Detail: fmt.Sprintf(format, args...),
	}
	if c.rule.Severity == Warn {
		c.warnings = append(c.warnings, f)
		return
	}
	c.findings = append(c.findings, f)
}

func (v *Validator) runRules(msg *message.Message, h message.Header, t catalogue.Type) (findings, warnings []*errcode.Error) {
	codeTypes, _ := v.model.CodeTypes(msg.Root.Tag)
	c := &Context{Msg: msg, Header: h, Type: t, Catalogue: v.cfg.Catalogue, CodeLists: v.cfg.CodeLists,
		MaxAttachmentBytes: v.cfg.MaxAttachmentBytes, DisclosureBlockMonths: v.cfg.DisclosureBlockMonths, Now: v.cfg.Clock.Now(), CodeTypes: codeTypes}
	for i := range v.cfg.Rules {
		r := &v.cfg.Rules[i]
		if r.Types != nil && !slices.Contains(r.Types, t.Code) {
			continue
		}
		c.rule = r
		r.Check(c)
	}
	return c.findings, c.warnings
}

// DefaultRules returns the built-in rules: the generic ones every message
// obeys, then the rules of each message group.
func DefaultRules() []Rule {
	var rs []Rule
	rs = append(rs, headerRules()...)
	rs = append(rs, contentRules()...)
	rs = append(rs, groupRules()...)
	return rs
}

// walk calls f for every element below and including e, in document order.
func walk(e *etree.Element, f func(*etree.Element)) {
	f(e)
	for _, t := range e.Child {
		if ch, ok := t.(*etree.Element); ok {
			walk(ch, f)
		}
	}
}

// Elements returns every element of the message in document order,
// computed once per validation.
func (c *Context) Elements() []*etree.Element {
	if c.elems == nil {
		walk(c.Msg.Root, func(e *etree.Element) { c.elems = append(c.elems, e) })
	}
	return c.elems
}

// isLeaf reports whether e has no child elements.
func isLeaf(e *etree.Element) bool {
	for _, t := range e.Child {
		if _, ok := t.(*etree.Element); ok {
			return false
		}
	}
	return true
}

// CreationDay returns the calendar day of erstellungszeitpunkt in the
// message's own zone offset, as midnight UTC, so that it compares with
// xs:date values read by dateOf.
func (c *Context) CreationDay() (time.Time, bool) {
	t, ok := parseDate(c.Header.Created)
	if !ok {
		return time.Time{}, false
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), true
}

// dateOf reads an xs:date element (an optional zone suffix is ignored) as
// midnight UTC; false for nil or an unreadable value.
func dateOf(e *etree.Element) (time.Time, bool) {
	s := message.TokenText(e)
	if len(s) < len(time.DateOnly) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s[:len(time.DateOnly)])
	return t, err == nil
}

// codeOf returns the code value of a Code element, or "".
func codeOf(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return message.TokenText(e.SelectElement("code"))
}

// dublinState reports whether the DESTATIS key s is in the current Dublin
// Partnerstaaten list.
func (c *Context) dublinState(s string) bool {
	l, ok := c.CodeLists.Latest(catalogue.ListDublinPartnerstaaten)
	return ok && l.Has(s)
}
