// Package outboxtest is the behavioural test suite every outbox.Store
// implementation runs.
//
// # Overview
//
// A backend's test supplies a constructor and its Features:
//
//	func TestStore(t *testing.T) {
//		outboxtest.Run(t, func(t *testing.T) outbox.Store {
//			s, err := boltstore.Open(ctx, filepath.Join(t.TempDir(), "o.db"), boltstore.Config{})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		}, outboxtest.Features{AuditLog: true})
//	}
//
// Every test opens a fresh, empty store. Times are passed explicitly
// (whole seconds, so that backends with microsecond precision pass); the
// store's own clock is never consulted. After each test the suite runs
// the store's Check when it implements outbox.Checker.
//
// # Caveats
//
// The suite cannot configure a backend, so retention (Expire), size
// limits, crash recovery and group commit are tested by each backend
// itself.
package outboxtest
