package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/secure"
)

// Dialects gives the adapters that translate for partners whose directory
// entry names a dialect (*adapters.Registry implements it).
type Dialects interface {
	Lookup(name string) (adapters.Adapter, error)
}

// translator returns the translator of dialect name in direction d.
func (g *Gateway) translator(name string, forward bool) (adapters.Translator, error) {
	if g.o.Dialects == nil {
		return nil, fmt.Errorf("gateway: dialect %q named in the directory, but this gateway has no adapters", name)
	}
	a, err := g.o.Dialects.Lookup(name)
	if err != nil {
		return nil, err
	}
	if forward {
		return a.Forward(), nil
	}
	return a.Reverse(), nil
}

// toDialect translates one of our (validated) messages into the dialect
// its recipient speaks, before sealing. A message the dialect cannot
// carry is refused with the adapter's code.
func (g *Gateway) toDialect(ctx context.Context, dialect string, data []byte) ([]byte, error) {
	tr, err := g.translator(dialect, true)
	if err != nil {
		return nil, err
	}
	out, err := tr.Translate(ctx, data)
	if err != nil {
		return nil, &InvalidError{Findings: []*errcode.Error{mappingFinding(err, "dialect "+dialect)}}
	}
	return out, nil
}

// fromDialect translates an opened message that is not in our namespace
// back into ours, with the dialect of its sender's directory entry, else
// of this gateway's own entry (a partner writing to us in our dialect).
// The parties are then checked on the translation: its autor must be
// the signer and its leser this gateway.
func (g *Gateway) fromDialect(ctx context.Context, op *secure.Opened, senderDialect, ownDialect string) (*secure.Opened, error) {
	if op.Header.Namespace == schemas.NSMessages {
		return op, nil
	}
	dialect := senderDialect
	if dialect == "" {
		dialect = ownDialect
	}
	if dialect == "" {
		return nil, errcode.New(errcode.VersionUnsupported, "transport", fmt.Sprintf("the message's namespace %q is neither ours nor a dialect in the directory", op.Header.Namespace))
	}
	tr, err := g.translator(dialect, false)
	if err != nil {
		return nil, errcode.Wrap(errcode.Other, "transport", err)
	}
	ours, err := tr.Translate(ctx, op.Canonical)
	if err != nil {
		return nil, mappingFinding(err, "dialect "+dialect)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(ours); err != nil {
		return nil, errcode.Wrap(errcode.NotWellFormed, "transport", err)
	}
	m, err := message.Parse(ours, message.Limits{})
	if err != nil {
		return nil, errcode.Wrap(errcode.NotWellFormed, "transport", err)
	}
	c := *op
	c.Element = doc.Root()
	c.Canonical = ours
	c.Header = m.Header()
	c.Type = c.Header.Type
	return &c, nil
}

// mappingFinding is an adapter's error as a finding with its XÖV code.
func mappingFinding(err error, op string) *errcode.Error {
	var ce *errcode.Error
	if errors.As(err, &ce) {
		return ce
	}
	code, ok := errcode.Of(err)
	if !ok {
		code = errcode.Other
	}
	return errcode.Wrap(code, op, err)
}
