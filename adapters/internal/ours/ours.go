// Package ours is the adapters' side of xgate's own messages: the
// message types an adapter translates, read and written through
// xtree and checked against xgate's XSD both ways.
package ours

import (
	"errors"
	"fmt"
	"slices"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

// Prefix is the namespace prefix of the messages the adapters write.
const Prefix = "xaus"

// Side reads and writes our messages of some types. It is safe for
// concurrent use; Close frees the parsed XSD.
type Side struct {
	Schema  *xtree.Schema
	Catalog *catalogue.Catalogue
	Limits  message.Limits
	// Check validates against xgate's XSD what Decode reads and Encode
	// writes (the setting check-ours). Without it the hardened parse and
	// the structural checks of xtree still run.
	Check bool
	set   *validate.SchemaSet
	op    string
}

// SettingCheck is the adapters' setting for Side.Check.
const SettingCheck = "check-ours"

// CheckField is the spec field of SettingCheck.
func CheckField() adapters.Field {
	return adapters.Field{Name: SettingCheck, Default: "true",
		Description: "validate our side against xgate's XSD (forward input, reverse output); the gateway sets false, as it validates before forward and after reverse itself"}
}

// ParseCheck reads SettingCheck from cfg ("true" when absent).
func ParseCheck(cfg adapters.Config) (bool, error) {
	switch v := cfg[SettingCheck]; v {
	case "", "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, fmt.Errorf("%w: setting %s must be true or false, not %q", adapters.ErrConfig, SettingCheck, v)
	}
}

// New returns the side for the given type codes; op names the
// operation in schema errors ("jobcenter-json").
func New(codes []string, op string, lim message.Limits) (*Side, error) {
	cat := catalogue.New()
	model, err := schemas.NewModel()
	if err != nil {
		return nil, err
	}
	var roots []string
	for _, c := range codes {
		t, ok := cat.Lookup(c)
		if !ok {
			return nil, fmt.Errorf("%s: unknown message type %s", op, c)
		}
		roots = append(roots, t.Root())
	}
	s, err := xtree.NewSchema(model, schemas.NSMessages, Prefix, roots)
	if err != nil {
		return nil, err
	}
	set, err := validate.NewSchemaSet(schemas.FS(), schemas.Driver, op, lim)
	if err != nil {
		return nil, err
	}
	return &Side{Schema: s, Catalog: cat, Limits: lim.WithDefaults(), Check: true, set: set, op: op}, nil
}

// Close frees the XSD.
func (s *Side) Close() error { return s.set.Close() }

// Code returns the type code of a root element name.
func (s *Side) Code(root string) string { return catalogue.CodeOfRoot(root) }

// Decode reads data (hardened parse, structure) and, with Check,
// validates it against xgate's XSD; only the types in allowed may come. Errors are *adapters.MappingError without
// adapter and direction.
func (s *Side) Decode(data []byte, allowed []string) (*xtree.Node, *xtree.Type, error) {
	n, t, err := s.Schema.Decode(data, s.Limits) // the hardened parse first
	if err := s.checkDecoded(data, t, err, allowed); err != nil {
		return nil, nil, err
	}
	return n, t, nil
}

// DecodeValues is Decode giving the message's values instead of its tree.
func (s *Side) DecodeValues(data []byte, allowed []string) ([]xtree.Value, *xtree.Type, error) {
	vals, t, err := s.Schema.DecodeValues(data, s.Limits)
	if err := s.checkDecoded(data, t, err, allowed); err != nil {
		return nil, nil, err
	}
	return vals, t, nil
}

// checkDecoded is what follows a decode: a schema finding in libxml2's
// words, with Check the XSD, and only the allowed types.
func (s *Side) checkDecoded(data []byte, t *xtree.Type, err error, allowed []string) error {
	if err != nil {
		var me *adapters.MappingError
		if errors.As(err, &me) && me.Code == errcode.SchemaInvalid && s.Check {
			// Say what libxml2 says, with the XSD's words.
			if verr := s.set.ValidateParsed(data); verr != nil {
				return schemaError(verr, "input is not a valid xgate message")
			}
		}
		return err
	}
	if s.Check {
		if err := s.set.ValidateParsed(data); err != nil {
			return schemaError(err, "input is not a valid xgate message")
		}
	}
	if !slices.Contains(allowed, s.Code(t.Root)) {
		return &adapters.MappingError{Code: errcode.Other, Message: s.Code(t.Root), Field: t.Root,
			Reason: fmt.Sprintf("this adapter does not translate %s in this direction", t.Root)}
	}
	return nil
}

// Encode writes n and, with Check, checks the result against xgate's
// XSD: what the adapter returns is then always a valid message.
func (s *Side) Encode(t *xtree.Type, n *xtree.Node) ([]byte, error) {
	out, err := s.Schema.Encode(t, n)
	if err != nil {
		return nil, err
	}
	if !s.Check {
		return out, nil
	}
	// Encode wrote the document itself (escaped, no DOCTYPE, no
	// entities): libxml2 may read it without the hardened parse.
	if err := s.set.ValidateParsed(out); err != nil {
		return nil, schemaError(err, "the translation is not a valid xgate message")
	}
	return out, nil
}

// schemaError turns a validation error into a MappingError at the
// element the schema names.
func schemaError(err error, reason string) error {
	var e *errcode.Error
	if errors.As(err, &e) {
		return &adapters.MappingError{Code: e.Code, Field: e.Path, Reason: reason + ": " + e.Detail, Err: nil}
	}
	return &adapters.MappingError{Code: errcode.Other, Reason: reason, Err: err}
}

// Fill sets the adapter, direction and message of a MappingError in err
// where they are empty, and turns any other error into one.
func Fill(err error, name string, d adapters.Direction, msg string) error {
	if err == nil {
		return nil
	}
	var me *adapters.MappingError
	if !errors.As(err, &me) {
		code, ok := errcode.Of(err)
		if !ok {
			code = errcode.Other
		}
		return &adapters.MappingError{Adapter: name, Direction: d, Message: msg, Code: code, Err: err}
	}
	if me.Adapter == "" {
		me.Adapter = name
	}
	if me.Direction == 0 {
		me.Direction = d
	}
	if me.Message == "" {
		me.Message = msg
	}
	return err
}
