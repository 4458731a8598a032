// Package all wires every built-in adapter into a registry. cmd/xgate
// and the gateway call Register (or New) instead of importing each
// adapter: there is no init() registration anywhere.
package all

import (
	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/azrfixed"
	"github.com/xgate/xgate/adapters/bajson"
	"github.com/xgate/xgate/adapters/fachverfahrencsv"
	"github.com/xgate/xgate/adapters/jobcenterjson"
	"github.com/xgate/xgate/adapters/xmeld"
)

// Register adds every built-in adapter to r.
func Register(r *adapters.Registry) error {
	for _, reg := range []func(*adapters.Registry) error{
		azrfixed.Register,
		bajson.Register,
		fachverfahrencsv.Register,
		jobcenterjson.Register,
		xmeld.Register,
	} {
		if err := reg(r); err != nil {
			return err
		}
	}
	return nil
}

// New returns a registry with every built-in adapter.
func New(deps adapters.Deps) (*adapters.Registry, error) {
	r := adapters.NewRegistry(deps)
	if err := Register(r); err != nil {
		return nil, err
	}
	return r, nil
}
