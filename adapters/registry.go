package adapters

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
)

// Registry holds adapters by name: an explicit value, never a package
// variable. Register adds a spec and its constructor; Lookup builds the
// adapter on first use (with the configuration given to Configure and the
// registry's Deps) and returns the same instance afterwards; Close closes
// every adapter built. A Registry is safe for concurrent use.
type Registry struct {
	deps Deps

	mu      sync.Mutex
	entries map[string]*entry
	closed  bool
}

type entry struct {
	spec    Spec
	ctor    Constructor
	cfg     Config
	adapter Adapter
}

// NewRegistry returns an empty registry whose adapters get deps.
func NewRegistry(deps Deps) *Registry {
	return &Registry{deps: deps.withDefaults(), entries: map[string]*entry{}}
}

// Register adds an adapter. It returns ErrInvalidName, ErrDuplicate, or
// the spec's validation error.
func (r *Registry) Register(spec Spec, ctor Constructor) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if ctor == nil {
		return fmt.Errorf("adapters: %s: no constructor", spec.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[spec.Name]; ok {
		return fmt.Errorf("%w: %s", ErrDuplicate, spec.Name)
	}
	cfg, err := checkConfig(spec, nil)
	if err != nil {
		cfg = nil // required settings missing: Configure must come first
	}
	r.entries[spec.Name] = &entry{spec: spec, ctor: ctor, cfg: cfg}
	return nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.entries))
}

// Specs returns the specs of every adapter, sorted by name.
func (r *Registry) Specs() []Spec {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Spec, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, e.spec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Spec returns the spec of the adapter name.
func (r *Registry) Spec(name string) (Spec, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[name]
	if !ok {
		return Spec{}, false
	}
	return e.spec, true
}

// Configure sets the adapter's settings. Settings the spec does not know
// and missing required ones are ErrConfig, and so is a configuration after
// Lookup built the adapter. Defaults fill in what cfg leaves out.
func (r *Registry) Configure(name string, cfg Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[name]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownAdapter, name)
	}
	if e.adapter != nil {
		return fmt.Errorf("%w: %s is already in use", ErrConfig, name)
	}
	checked, err := checkConfig(e.spec, cfg)
	if err != nil {
		return err
	}
	e.cfg = checked
	return nil
}

func checkConfig(s Spec, cfg Config) (Config, error) {
	out := Config{}
	known := map[string]bool{}
	for _, f := range s.Fields {
		known[f.Name] = true
		if v, ok := cfg[f.Name]; ok {
			out[f.Name] = v
		} else if f.Default != "" {
			out[f.Name] = f.Default
		} else if f.Required {
			return nil, fmt.Errorf("%w: %s: setting %q is required", ErrConfig, s.Name, f.Name)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if !known[k] {
			return nil, fmt.Errorf("%w: %s has no setting %q", ErrConfig, s.Name, k)
		}
	}
	return out, nil
}

// Lookup returns the adapter name, building it on first use. It returns
// ErrUnknownAdapter for an unknown name, ErrConfig when required settings
// were never configured, and the constructor's error (the next Lookup
// tries again).
func (r *Registry) Lookup(name string) (Adapter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	e, ok := r.entries[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %v)", ErrUnknownAdapter, name, slices.Sorted(maps.Keys(r.entries)))
	}
	if e.adapter != nil {
		return e.adapter, nil
	}
	if e.cfg == nil {
		if _, err := checkConfig(e.spec, nil); err != nil {
			return nil, err
		}
	}
	a, err := e.ctor(maps.Clone(e.cfg), r.deps)
	if err != nil {
		return nil, fmt.Errorf("adapters: build %s: %w", name, err)
	}
	e.adapter = a
	return a, nil
}

// Close closes every adapter Lookup built; the registry cannot be used
// afterwards.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.entries)) {
		if e := r.entries[name]; e.adapter != nil {
			errs = append(errs, e.adapter.Close())
			e.adapter = nil
		}
	}
	return errors.Join(errs...)
}
