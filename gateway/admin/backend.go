package admin

import (
	"context"
	"errors"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

// Backend is one gateway's outbox as the operator verbs see it: what the
// Handler serves and what the Client implements, so that "xgate outbox"
// and "xgate audit" work the same on a store file and on a running
// daemon. Every method honours ctx and returns the outbox sentinels
// (outbox.ErrNotFound, a *outbox.TransitionError, outbox.ErrReadOnly, …)
// so that callers decide with errors.Is and errors.As alone.
type Backend interface {
	// Get returns the record with that ID (outbound first), with its
	// bodies; outbox.ErrNotFound.
	Get(ctx context.Context, id string) (outbox.Record, error)
	// List returns the records matching f in Seq order, at most f.Limit.
	List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error)
	// Stats counts records by state.
	Stats(ctx context.Context) (outbox.Stats, error)
	// History returns the audit entries of the record(s) with that ID,
	// oldest first.
	History(ctx context.Context, id string) ([]audit.Entry, error)
	// Apply performs an operator's action on a record;
	// outbox.ErrNotFound, *outbox.TransitionError.
	Apply(ctx context.Context, id string, a outbox.Action) error
	// Check runs the store's consistency check: the problems found (nil
	// when there are none), or the error that stopped the check.
	Check(ctx context.Context) (problems []string, err error)
	// AuditEntries calls fn for every audit entry from Seq from on, in
	// order; an entry that cannot be decoded ends the walk with a
	// *audit.DecodeError. An error from fn is returned as it is.
	AuditEntries(ctx context.Context, from uint64, fn func(audit.Entry) error) error
	// Checkpoints returns every signed checkpoint, in order.
	Checkpoints(ctx context.Context) ([]audit.Checkpoint, error)
}

// Store is what NewBackend needs of an outbox store: the reading and
// acting methods of outbox.Store and the audit log. boltstore and pgstore
// both have them.
type Store interface {
	Get(ctx context.Context, id string) (outbox.Record, error)
	List(ctx context.Context, f outbox.Filter) ([]outbox.Record, error)
	Stats(ctx context.Context) (outbox.Stats, error)
	Apply(ctx context.Context, id string, a outbox.Action) error
	outbox.AuditLog
}

// CheckFunc runs a store's consistency check and separates what it found
// (problems) from a failure to check (err).
type CheckFunc func(ctx context.Context) (problems []string, err error)

// ErrNoCheck is returned by Check of a Backend made without a CheckFunc.
var ErrNoCheck = errors.New("admin: this store has no consistency check")

// NewBackend makes a Backend of any store with an audit log. check runs
// the consistency check; nil means Check returns ErrNoCheck.
func NewBackend(s Store, check CheckFunc) Backend {
	return storeBackend{Store: s, check: check}
}

// StoreBackend is a bbolt store as a Backend: the daemon passes its open
// store to NewHandler, the CLI its store file opened read-only or
// read-write. Check reports the problems of a *boltstore.CheckError.
func StoreBackend(s *boltstore.Store) Backend {
	return NewBackend(s, func(ctx context.Context) ([]string, error) {
		err := s.Check(ctx)
		var ce *boltstore.CheckError
		if errors.As(err, &ce) {
			return ce.Problems, nil
		}
		return nil, err
	})
}

type storeBackend struct {
	Store
	check CheckFunc
}

func (b storeBackend) Check(ctx context.Context) ([]string, error) {
	if b.check == nil {
		return nil, ErrNoCheck
	}
	return b.check(ctx)
}
