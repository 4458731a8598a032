package adapters_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/xml/errcode"
)

type fake struct {
	spec   adapters.Spec
	cfg    adapters.Config
	closed bool
}

func (f *fake) Spec() adapters.Spec          { return f.spec }
func (f *fake) Forward() adapters.Translator { return adapters.TranslatorFunc(echo) }
func (f *fake) Reverse() adapters.Translator {
	return adapters.Unsupported(f.spec.Name, adapters.Reverse)
}
func (f *fake) Close() error                            { f.closed = true; return nil }
func echo(_ context.Context, in []byte) ([]byte, error) { return in, nil }

func spec(name string) adapters.Spec {
	return adapters.Spec{Name: name, Summary: "test", Partner: "nobody", Ours: adapters.FormatXOEV, Theirs: adapters.FormatJSON,
		MediaType: "application/json", Types: []adapters.TypeSpec{{Code: "920001", Partner: "x", Directions: []adapters.Direction{adapters.Forward}}},
		Fields: []adapters.Field{{Name: "colour", Default: "blue"}, {Name: "kennung", Required: true}}}
}

func TestRegistry(t *testing.T) {
	r := adapters.NewRegistry(adapters.Deps{})
	var built []*fake
	ctor := func(cfg adapters.Config, _ adapters.Deps) (adapters.Adapter, error) {
		f := &fake{spec: spec("a-b"), cfg: cfg}
		built = append(built, f)
		return f, nil
	}
	for _, c := range []struct {
		name string
		want error
	}{
		{"a-b", nil},
		{"a-b", adapters.ErrDuplicate},
		{"A_b", adapters.ErrInvalidName},
		{"-x", adapters.ErrInvalidName},
		{"", adapters.ErrInvalidName},
	} {
		if err := r.Register(spec(c.name), ctor); !errors.Is(err, c.want) {
			t.Errorf("Register(%q) = %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := r.Lookup("nope"); !errors.Is(err, adapters.ErrUnknownAdapter) {
		t.Errorf("Lookup(nope) = %v", err)
	}
	if _, err := r.Lookup("a-b"); !errors.Is(err, adapters.ErrConfig) {
		t.Errorf("Lookup without the required setting = %v", err)
	}
	if err := r.Configure("a-b", adapters.Config{"shape": "round", "kennung": "x"}); !errors.Is(err, adapters.ErrConfig) {
		t.Errorf("unknown setting: %v", err)
	}
	if err := r.Configure("a-b", adapters.Config{"kennung": "azr:1"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]adapters.Adapter, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i], _ = r.Lookup("a-b") }()
	}
	wg.Wait()
	if len(built) != 1 || got[0] != got[7] {
		t.Fatalf("built %d adapters, want one shared", len(built))
	}
	if built[0].cfg["colour"] != "blue" || built[0].cfg["kennung"] != "azr:1" {
		t.Errorf("config %v: defaults not applied", built[0].cfg)
	}
	if err := r.Configure("a-b", adapters.Config{"kennung": "azr:2"}); !errors.Is(err, adapters.ErrConfig) {
		t.Errorf("Configure after use: %v", err)
	}
	if _, err := got[0].Reverse().Translate(context.Background(), nil); !errors.Is(err, adapters.ErrDirection) {
		t.Errorf("unsupported direction: %v", err)
	}
	if err := r.Close(); err != nil || !built[0].closed {
		t.Fatalf("Close: %v %v", err, built[0].closed)
	}
	if _, err := r.Lookup("a-b"); !errors.Is(err, adapters.ErrClosed) {
		t.Errorf("Lookup after Close: %v", err)
	}
}

func TestMappingError(t *testing.T) {
	err := error(&adapters.MappingError{Adapter: "xmeld", Direction: adapters.Forward, Message: "020101",
		Field: "person/geschlecht/code", Value: "q", Reason: "no counterpart", Code: errcode.UnknownCode})
	if code, ok := errcode.Of(err); !ok || code != errcode.UnknownCode {
		t.Fatalf("errcode.Of = %v %v", code, ok)
	}
	if !errors.Is(err, errcode.ErrUnknownCode) {
		t.Error("errors.Is(err, errcode.ErrUnknownCode) is false")
	}
	want := `adapters: xmeld forward 020101: S011: person/geschlecht/code: value "q": no counterpart`
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
}
