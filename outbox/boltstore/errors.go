package boltstore

import (
	"errors"
	"fmt"
	"strings"
)

// Errors of Open and Compact.
var (
	// ErrLocked is returned (wrapped) by Open and Compact when another
	// process holds the file's lock for longer than Config.Timeout: a
	// running daemon, or a reader while a writer wants the file.
	ErrLocked = errors.New("boltstore: another process holds the store's lock")
	// ErrNotStore is returned (wrapped) by Open and Compact for a file
	// that is not an xgate outbox store of this format.
	ErrNotStore = errors.New("boltstore: not an xgate outbox store")
)

// CheckError is Check's report of an inconsistent store: the file and
// the first problems found (at most 50, then "…"). Check returns it only
// when it could read the whole store; an I/O failure or a cancelled
// context is returned as itself.
type CheckError struct {
	Path     string
	Problems []string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("boltstore: check %s: %d problem(s):\n%s", e.Path, len(e.Problems), strings.Join(e.Problems, "\n"))
}
