package adapters

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"

	"github.com/xgate/xgate/internal/clock"
)

// Direction is the way a translation goes.
type Direction uint8

// The directions. Forward starts from xgate's own XAusländer-style message.
const (
	// Forward translates one of our messages into the partner's format.
	Forward Direction = iota + 1
	// Reverse translates the partner's format into one of our messages.
	Reverse
)

// String returns "forward" or "reverse".
func (d Direction) String() string {
	switch d {
	case Forward:
		return "forward"
	case Reverse:
		return "reverse"
	}
	return fmt.Sprintf("direction(%d)", uint8(d))
}

// Format names a data format an adapter reads or writes.
type Format string

// The formats of the built-in adapters.
const (
	// FormatXOEV is xgate's own XAusländer-style XML (xml/schemas).
	FormatXOEV Format = "xoev-xml"
	// FormatXMeld is the XMeld-style dialect of adapter xmeld (its own
	// namespace and schemas).
	FormatXMeld Format = "xmeld-xml"
	// FormatJSON is a JSON document with a JSON Schema in the repository.
	FormatJSON Format = "json"
	// FormatFixed is a fixed-width record file.
	FormatFixed Format = "fixed-width"
	// FormatCSV is a CSV file with a header row.
	FormatCSV Format = "csv"
)

// TypeSpec is one message type an adapter translates.
type TypeSpec struct {
	// Code is our type code, "020101".
	Code string `json:"code"`
	// Partner is how the partner format names the type
	// ("auslaenderbehoerde.anmeldung.1201", "920001").
	Partner string `json:"partner"`
	// Directions lists the directions the adapter translates the type in.
	Directions []Direction `json:"-"`
}

// Has reports whether the type is translated in direction d.
func (t TypeSpec) Has(d Direction) bool { return slices.Contains(t.Directions, d) }

// Field is one configuration setting of an adapter.
type Field struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Default is used when the setting is not given; "" means none.
	Default string `json:"default,omitempty"`
	// Required settings without a default must be given.
	Required bool `json:"required,omitempty"`
}

// Spec describes an adapter: the same data gives `xgate adapters list`,
// the checks of Registry.Register and the validation of a Config.
type Spec struct {
	// Name is unique in a registry: lower case letters and digits in
	// words joined by "-", "jobcenter-json".
	Name string `json:"name"`
	// Summary says in one line what the adapter does.
	Summary string `json:"summary"`
	// Partner names who speaks the partner format.
	Partner string `json:"partner"`
	// Ours is the format on our side (FormatXOEV for every built-in
	// adapter); Theirs the partner's.
	Ours   Format `json:"ours"`
	Theirs Format `json:"theirs"`
	// MediaType is the media type of the partner format
	// ("application/json").
	MediaType string `json:"media_type"`
	// Types lists the message types and their directions.
	Types []TypeSpec `json:"types"`
	// Fields lists the configuration settings.
	Fields []Field `json:"fields,omitempty"`
	// Batch is set when one partner input may hold several messages
	// (the adapter implements Batcher).
	Batch bool `json:"batch,omitempty"`
}

var namePattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate reports whether the spec is complete and consistent.
func (s Spec) Validate() error {
	if !namePattern.MatchString(s.Name) {
		return fmt.Errorf("%w: %q (want lower-case words joined by '-')", ErrInvalidName, s.Name)
	}
	if s.Summary == "" || s.Ours == "" || s.Theirs == "" || s.MediaType == "" {
		return fmt.Errorf("adapters: spec %s: summary, formats and media type are required", s.Name)
	}
	if len(s.Types) == 0 {
		return fmt.Errorf("adapters: spec %s: no message types", s.Name)
	}
	seen := map[string]bool{}
	for _, t := range s.Types {
		if t.Code == "" || t.Partner == "" || len(t.Directions) == 0 {
			return fmt.Errorf("adapters: spec %s: type %q needs a code, a partner name and a direction", s.Name, t.Code)
		}
		if seen[t.Code] {
			return fmt.Errorf("adapters: spec %s: type %s listed twice", s.Name, t.Code)
		}
		seen[t.Code] = true
	}
	names := map[string]bool{}
	for _, f := range s.Fields {
		if f.Name == "" || names[f.Name] {
			return fmt.Errorf("adapters: spec %s: setting %q is empty or listed twice", s.Name, f.Name)
		}
		names[f.Name] = true
	}
	return nil
}

// Directions returns every direction some type of the adapter supports,
// forward first.
func (s Spec) Directions() []Direction {
	var out []Direction
	for _, d := range []Direction{Forward, Reverse} {
		for _, t := range s.Types {
			if t.Has(d) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// Type returns the spec of our type code.
func (s Spec) Type(code string) (TypeSpec, bool) {
	for _, t := range s.Types {
		if t.Code == code {
			return t, true
		}
	}
	return TypeSpec{}, false
}

// Config holds an adapter's settings by name. Registry.Configure checks it
// against the Spec's Fields and fills in the defaults before the
// constructor sees it.
type Config map[string]string

// Deps are what an adapter gets from its host.
type Deps struct {
	// Logger receives the adapter's boundary logs (ids and codes only,
	// never message content). Nil means discard.
	Logger *slog.Logger
	// Clock gives the time for created messages (erstellungszeitpunkt).
	// Nil means the wall clock.
	Clock clock.Clock
}

func (d Deps) withDefaults() Deps {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	d.Clock = clock.Or(d.Clock)
	return d
}

// Constructor builds an adapter from its checked Config.
type Constructor func(cfg Config, deps Deps) (Adapter, error)

// Translator translates one input in one direction.
type Translator interface {
	// Translate returns the translation of in. It is safe for concurrent
	// use and does not keep in or the result. A permanent failure (input
	// that is not valid, a value without a counterpart) is an error for
	// which errcode.Of gives the XÖV code, and in most cases a
	// *MappingError naming the field, the value and the message;
	// ErrDirection when the adapter does not translate this way; a
	// transient failure wraps ErrTemporary. A cancelled ctx stops the
	// translation with ctx.Err().
	Translate(ctx context.Context, in []byte) ([]byte, error)
}

// TranslatorFunc adapts a function to Translator.
type TranslatorFunc func(ctx context.Context, in []byte) ([]byte, error)

// Translate calls f.
func (f TranslatorFunc) Translate(ctx context.Context, in []byte) ([]byte, error) { return f(ctx, in) }

// Adapter is the plugin contract: one verb per direction, one error
// protocol (see Translator).
type Adapter interface {
	// Spec returns the adapter's description.
	Spec() Spec
	// Forward returns the translator from our messages to the partner
	// format; Reverse the one back. Neither is nil: a direction the
	// adapter does not support answers ErrDirection.
	Forward() Translator
	Reverse() Translator
	io.Closer
}

// Unsupported is the Translator of a direction an adapter does not
// translate: it always answers ErrDirection.
func Unsupported(name string, d Direction) Translator {
	return TranslatorFunc(func(context.Context, []byte) ([]byte, error) {
		return nil, fmt.Errorf("%w: %s does not translate %s", ErrDirection, name, d)
	})
}

// TranslatorOf returns a's translator for d.
func TranslatorOf(a Adapter, d Direction) (Translator, error) {
	switch d {
	case Forward:
		return a.Forward(), nil
	case Reverse:
		return a.Reverse(), nil
	}
	return nil, fmt.Errorf("%w: %s", ErrDirection, d)
}
