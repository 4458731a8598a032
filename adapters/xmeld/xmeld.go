package xmeld

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/codemap"
	"github.com/xgate/xgate/adapters/internal/ours"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

// Name is the adapter's name in a registry.
const Name = "xmeld"

// Namespace is the dialect's namespace; Prefix the prefix it is written
// with; Driver the schema file that includes the others.
const (
	Namespace = "urn:xgate:de:xmeld:1"
	Prefix    = "xmeld"
	Driver    = "xmeld-xgate.xsd"
)

//go:embed xsd/*.xsd
var xsdFiles embed.FS

//go:embed mapping/*.csv mapping/codes/*.csv
var mappingFiles embed.FS

// Schemas returns the dialect's XSD files.
func Schemas() fs.FS {
	sub, _ := fs.Sub(xsdFiles, "xsd")
	return sub
}

// Mappings returns the mapping tables (CSV).
func Mappings() fs.FS {
	sub, _ := fs.Sub(mappingFiles, "mapping")
	return sub
}

// types are our ABH ↔ MB messages, all translated both ways.
var types = []string{
	catalogue.TypeABHMBAnmeldung, catalogue.TypeABHMBAenderungName,
	catalogue.TypeABHMBNachgewieseneAusreise, catalogue.TypeABHMBMitteilungAZRNummer,
	catalogue.TypeMBABHAnmeldung, catalogue.TypeMBABHAbmeldung,
	catalogue.TypeMBABHHauptwohnung, catalogue.TypeMBABHAblehnung,
}

// Spec describes the adapter. The partner names of the types come from
// mapping/nachrichten.csv.
func Spec() adapters.Spec {
	s := adapters.Spec{
		Name:      Name,
		Summary:   "XMeld-style dialect of the Meldebehörden: ABH → MB notices (02xxxx) to auslaenderbehoerde.*.12xx, meldebehoerde.*.13xx to MB → ABH notices (03xxxx)",
		Partner:   "Meldebehörde whose directory entry says dialect: xmeld",
		Ours:      adapters.FormatXOEV,
		Theirs:    adapters.FormatXMeld,
		MediaType: "application/xml",
		Fields: []adapters.Field{{Name: "max-bytes", Default: strconv.Itoa(message.DefaultMaxBytes),
			Description: "largest input accepted, in bytes"}, ours.CheckField()},
	}
	for _, c := range types {
		s.Types = append(s.Types, adapters.TypeSpec{Code: c, Partner: partnerRoot(c), Directions: []adapters.Direction{adapters.Forward, adapters.Reverse}})
	}
	return s
}

// partnerRoot is the dialect's root element name of our type code.
func partnerRoot(code string) string {
	data, err := fs.ReadFile(mappingFiles, "mapping/codes/nachrichten.csv")
	if err != nil {
		return code
	}
	t, err := codemap.Parse("nachrichten.csv", data)
	if err != nil {
		return code
	}
	if c, ok, _ := t.TheirsOf(code); ok {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, code+","+c+",") {
				return strings.TrimPrefix(l, code+","+c+",")
			}
		}
		return c
	}
	return code
}

// Adapter translates between our group 02/03 messages and the dialect.
type Adapter struct {
	spec   adapters.Spec
	ours   *ours.Side
	theirs *xtree.Schema
	set    *validate.SchemaSet
	m      *mapper
	// rootOf maps our root to theirs and back.
	theirsRoot, oursRoot map[string]string
	limits               message.Limits
}

// New builds the adapter: parses the dialect's XSD and mapping tables and
// checks that every field of every type has a counterpart both ways.
func New(cfg adapters.Config, _ adapters.Deps) (adapters.Adapter, error) {
	maxBytes := message.DefaultMaxBytes
	if v := cfg["max-bytes"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("xmeld: setting max-bytes must be a positive number, not %q", v)
		}
		maxBytes = n
	}
	lim := message.Limits{MaxBytes: maxBytes}
	a := &Adapter{spec: Spec(), theirsRoot: map[string]string{}, oursRoot: map[string]string{}, limits: lim.WithDefaults()}
	codes, err := codemap.Load(mappingFiles, "mapping/codes")
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(mappingFiles, "mapping/felder.csv")
	if err != nil {
		return nil, err
	}
	fields, err := parseFields(data)
	if err != nil {
		return nil, err
	}
	a.m = &mapper{fields: fields, codes: codes}
	model, err := schemas.NewModelFS(Schemas(), Namespace)
	if err != nil {
		return nil, err
	}
	a.theirs, err = xtree.NewSchema(model, Namespace, Prefix, model.Roots())
	if err != nil {
		return nil, err
	}
	check, err := ours.ParseCheck(cfg)
	if err != nil {
		return nil, err
	}
	a.ours, err = ours.New(types, Name, lim)
	if err != nil {
		return nil, err
	}
	a.ours.Check = check
	nach := codes["nachrichten"]
	for _, c := range types {
		ct, _ := a.ours.Catalog.Lookup(c)
		theirs, ok, _ := nach.TheirsOf(c)
		if !ok {
			a.ours.Close()
			return nil, fmt.Errorf("xmeld: mapping/codes/nachrichten.csv has no number for %s", c)
		}
		root := ""
		for _, r := range a.theirs.Roots() {
			if strings.HasSuffix(r, "."+theirs) {
				root = r
			}
		}
		if root == "" {
			a.ours.Close()
			return nil, fmt.Errorf("xmeld: the dialect's schema has no message %s", theirs)
		}
		a.theirsRoot[ct.Root()], a.oursRoot[root] = root, ct.Root()
	}
	if err := a.checkComplete(); err != nil {
		a.ours.Close()
		return nil, err
	}
	a.set, err = validate.NewSchemaSet(Schemas(), Driver, Name, lim)
	if err != nil {
		a.ours.Close()
		return nil, err
	}
	return a, nil
}

// checkComplete resolves every value path of every type both ways: a
// field of either schema without a rule is a broken table, found when the
// adapter is built rather than when a message needs it.
func (a *Adapter) checkComplete() error {
	a.m.resolved = map[string]map[string]resolved{}
	for oRoot, tRoot := range a.theirsRoot {
		ot, _ := a.ours.Schema.Type(oRoot)
		tt, _ := a.theirs.Type(tRoot)
		code := catalogue.CodeOfRoot(oRoot)
		for _, pair := range []struct {
			from, to *xtree.Type
			fwd      bool
		}{{ot, tt, true}, {tt, ot, false}} {
			for _, p := range pair.from.Paths() {
				in, _ := pair.from.Info(p)
				if !in.Leaf {
					continue
				}
				res, ok := a.m.fields.resolve(a.m.fields.rules(code), p, pair.fwd)
				if !ok {
					return fmt.Errorf("xmeld: %s: %s has no rule in mapping/felder.csv", pair.from.Root, p)
				}
				k := cacheKey(code, pair.fwd)
				if a.m.resolved[k] == nil {
					a.m.resolved[k] = map[string]resolved{}
				}
				a.m.resolved[k][p] = res
				target := res.path
				switch {
				case res.transform == "hausnummer" && pair.fwd:
					target = joinPath(res.path, "hausnummer")
				case strings.HasPrefix(res.transform, "code:") && res.rest == "":
					return fmt.Errorf("xmeld: %s: code rule for %s matches a leaf", pair.from.Root, p)
				}
				if _, ok := pair.to.Info(target); !ok {
					return fmt.Errorf("xmeld: %s: %s maps to %s, which %s does not have (mapping/felder.csv line %d)", pair.from.Root, p, target, pair.to.Root, res.rule.line)
				}
			}
		}
	}
	return nil
}

// Spec returns the adapter's spec.
func (a *Adapter) Spec() adapters.Spec { return a.spec }

// Close frees the schemas.
func (a *Adapter) Close() error { return errors.Join(a.set.Close(), a.ours.Close()) }

// Forward translates our group 02/03 message into the dialect, valid
// against the dialect's XSD.
func (a *Adapter) Forward() adapters.Translator { return adapters.TranslatorFunc(a.forward) }

// Reverse translates a dialect message into ours, valid against xgate's
// XSD.
func (a *Adapter) Reverse() adapters.Translator { return adapters.TranslatorFunc(a.reverse) }

func (a *Adapter) forward(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ovals, ot, err := a.ours.DecodeValues(in, types)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Forward, "")
	}
	code := catalogue.CodeOfRoot(ot.Root)
	tt, _ := a.theirs.Type(a.theirsRoot[ot.Root])
	vals, err := a.m.translate(ot, tt, code, ovals, true)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Forward, code)
	}
	tn, err := tt.Build(vals)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Forward, code)
	}
	out, err := a.theirs.Encode(tt, tn)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Forward, code)
	}
	if err := a.set.ValidateParsed(out); err != nil {
		return nil, ours.Fill(schemaErr(err, "the translation is not valid against the dialect's XSD"), Name, adapters.Forward, code)
	}
	return out, nil
}

func (a *Adapter) reverse(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tvals, tt, err := a.theirs.DecodeValues(in, a.limits)
	if err != nil {
		if verr := a.set.Validate(in); verr != nil {
			err = schemaErr(verr, "input is not valid against the dialect's XSD")
		}
		return nil, ours.Fill(err, Name, adapters.Reverse, "")
	}
	if err := a.set.ValidateParsed(in); err != nil {
		return nil, ours.Fill(schemaErr(err, "input is not valid against the dialect's XSD"), Name, adapters.Reverse, tt.Root)
	}
	oRoot := a.oursRoot[tt.Root]
	ot, _ := a.ours.Schema.Type(oRoot)
	code := catalogue.CodeOfRoot(oRoot)
	vals, err := a.m.translate(tt, ot, code, tvals, false)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Reverse, tt.Root)
	}
	on, err := ot.Build(vals)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Reverse, tt.Root)
	}
	out, err := a.ours.Encode(ot, on)
	return out, ours.Fill(err, Name, adapters.Reverse, tt.Root)
}

// Theirs returns the dialect's schema, for tests and generators.
func (a *Adapter) Theirs() *xtree.Schema { return a.theirs }

// Ours returns our side, for tests and generators.
func (a *Adapter) Ours() *ours.Side { return a.ours }

// ValidateDialect checks a document against the dialect's XSD.
func (a *Adapter) ValidateDialect(data []byte) error { return a.set.Validate(data) }

func schemaErr(err error, reason string) error {
	if e, ok := err.(*errcode.Error); ok {
		return &adapters.MappingError{Code: e.Code, Field: e.Path, Reason: reason + ": " + e.Detail}
	}
	return &adapters.MappingError{Code: errcode.Other, Reason: reason, Err: err}
}

// Register adds the adapter to r.
func Register(r *adapters.Registry) error { return r.Register(Spec(), New) }
