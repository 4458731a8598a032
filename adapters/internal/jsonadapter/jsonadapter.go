// Package jsonadapter is the adapter behind jobcenter-json and ba-json:
// our messages to their JSON form (package jsonmsg) and back, checked
// against xgate's XSD on our side.
package jsonadapter

import (
	"context"
	"strconv"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/jsonmsg"
	"github.com/xgate/xgate/adapters/internal/ours"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/message"
)

// SettingMaxBytes is the setting that bounds an input, in bytes.
const SettingMaxBytes = "max-bytes"

// MaxBytesField is the spec field of SettingMaxBytes.
func MaxBytesField() adapters.Field {
	return adapters.Field{Name: SettingMaxBytes, Default: strconv.Itoa(message.DefaultMaxBytes),
		Description: "largest input accepted, in bytes (XML in forward, JSON in reverse)"}
}

// NewSpec is the spec of a JSON adapter: our XÖV messages of types,
// both directions, ↔ their JSON form, with the max-bytes and check-ours
// settings.
func NewSpec(name, summary, partner string, types []string) adapters.Spec {
	s := adapters.Spec{
		Name:      name,
		Summary:   summary,
		Partner:   partner,
		Ours:      adapters.FormatXOEV,
		Theirs:    adapters.FormatJSON,
		MediaType: "application/json",
		Fields:    []adapters.Field{MaxBytesField(), ours.CheckField()},
	}
	cat := catalogue.New()
	for _, c := range types {
		t, _ := cat.Lookup(c)
		s.Types = append(s.Types, adapters.TypeSpec{Code: c, Partner: t.Root(), Directions: []adapters.Direction{adapters.Forward, adapters.Reverse}})
	}
	return s
}

// Adapter translates between our messages and their JSON form.
type Adapter struct {
	spec     adapters.Spec
	ours     *ours.Side
	codec    *jsonmsg.Codec
	fwd, rev []string
}

// New builds the adapter of spec, whose types name the message types;
// cfg holds SettingMaxBytes.
func New(spec adapters.Spec, cfg adapters.Config) (*Adapter, error) {
	maxBytes := message.DefaultMaxBytes
	if v := cfg[SettingMaxBytes]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, &adapters.MappingError{Adapter: spec.Name, Reason: "setting max-bytes must be a positive number, not " + strconv.Quote(v)}
		}
		maxBytes = n
	}
	a := &Adapter{spec: spec}
	var codes []string
	for _, t := range spec.Types {
		codes = append(codes, t.Code)
		if t.Has(adapters.Forward) {
			a.fwd = append(a.fwd, t.Code)
		}
		if t.Has(adapters.Reverse) {
			a.rev = append(a.rev, t.Code)
		}
	}
	check, err := ours.ParseCheck(cfg)
	if err != nil {
		return nil, err
	}
	side, err := ours.New(codes, spec.Name, message.Limits{MaxBytes: maxBytes})
	if err != nil {
		return nil, err
	}
	side.Check = check
	codec, err := jsonmsg.New(side.Schema, maxBytes)
	if err != nil {
		side.Close()
		return nil, err
	}
	a.ours, a.codec = side, codec
	return a, nil
}

// Spec returns the adapter's spec.
func (a *Adapter) Spec() adapters.Spec { return a.spec }

// Close frees the XSD.
func (a *Adapter) Close() error { return a.ours.Close() }

// Forward translates our message into its JSON form.
func (a *Adapter) Forward() adapters.Translator { return adapters.TranslatorFunc(a.forward) }

// Reverse translates the JSON form into our message, valid against
// xgate's XSD.
func (a *Adapter) Reverse() adapters.Translator { return adapters.TranslatorFunc(a.reverse) }

func (a *Adapter) forward(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, t, err := a.ours.Decode(in, a.fwd)
	if err != nil {
		return nil, ours.Fill(err, a.spec.Name, adapters.Forward, "")
	}
	out, err := a.codec.Encode(t, n)
	return out, ours.Fill(err, a.spec.Name, adapters.Forward, a.ours.Code(t.Root))
}

func (a *Adapter) reverse(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, t, err := a.codec.Decode(in)
	if err != nil {
		return nil, ours.Fill(err, a.spec.Name, adapters.Reverse, "")
	}
	code := a.ours.Code(t.Root)
	if !contains(a.rev, code) {
		return nil, &adapters.MappingError{Adapter: a.spec.Name, Direction: adapters.Reverse, Message: code, Field: jsonmsg.MessageKey,
			Value: t.Root, Reason: "this adapter does not translate this message from JSON"}
	}
	out, err := a.ours.Encode(t, n)
	return out, ours.Fill(err, a.spec.Name, adapters.Reverse, code)
}

// JSONSchema returns the JSON Schema of the JSON form of type code.
func (a *Adapter) JSONSchema(code, id, title, description string) ([]byte, error) {
	t, ok := a.typ(code)
	if !ok {
		return nil, &adapters.MappingError{Adapter: a.spec.Name, Message: code, Reason: "unknown type"}
	}
	return a.codec.JSONSchema(t, id, title, description)
}

// typ returns the xtree type of code.
func (a *Adapter) typ(code string) (*xtree.Type, bool) {
	t, ok := a.ours.Catalog.Lookup(code)
	if !ok {
		return nil, false
	}
	return a.ours.Schema.Type(t.Root())
}

// Ours returns our side, for tests and generators.
func (a *Adapter) Ours() *ours.Side { return a.ours }

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
