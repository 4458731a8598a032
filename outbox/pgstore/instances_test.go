package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xgate/xgate/outbox"
	"github.com/xgate/xgate/outbox/pgstore"
)

// TestTwoInstancesReceiveOnce: two Stores (two gateway instances) on one
// database receive the same messages at the same time from many
// goroutines; each nachrichtenUUID is accepted exactly once, every
// duplicate gets the winner's receipt, and it is handed over once.
func TestTwoInstancesReceiveOnce(t *testing.T) {
	_, dsn := openFresh(t, pgstore.Config{})
	stores := []*pgstore.Store{openDSN(t, dsn, pgstore.Config{}), openDSN(t, dsn, pgstore.Config{})}
	ctx := context.Background()
	const ids, perStore = 40, 6
	var (
		mu      sync.Mutex
		winners = map[string]string{} // id → receipt of the accepted copy
		dups    = map[string][]string{}
		failed  firstErr
		wg      sync.WaitGroup
	)
	for si, st := range stores {
		for g := range perStore {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range ids {
					id := fmt.Sprintf("in-%03d", (i+g*7)%ids) // goroutines start at different IDs
					receipt := fmt.Sprintf("receipt from instance %d goroutine %d", si, g)
					r, err := st.Receive(ctx, outbox.InboundMessage{ID: id, Sender: "azr:999902", Type: "060010",
						Opened: []byte("<opened/>"), Receipt: []byte(receipt), At: at(i)})
					mu.Lock()
					switch {
					case err == nil:
						if prev, ok := winners[id]; ok {
							failed.set(fmt.Errorf("%s accepted twice (%q and %q)", id, prev, receipt))
						}
						winners[id] = receipt
					case errors.Is(err, outbox.ErrDuplicate):
						dups[id] = append(dups[id], string(r.Receipt))
					default:
						failed.set(err)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if err := failed.get(); err != nil {
		t.Fatal(err)
	}
	if len(winners) != ids {
		t.Fatalf("%d IDs accepted, want %d", len(winners), ids)
	}
	for id, rs := range dups {
		if len(rs) != 2*perStore-1 {
			t.Errorf("%s: %d duplicates, want %d", id, len(rs), 2*perStore-1)
		}
		for _, r := range rs {
			if r != winners[id] {
				t.Errorf("%s: duplicate answered with receipt %q, the stored one is %q", id, r, winners[id])
			}
		}
	}
	// Handing over: both instances try; one wins.
	var handed atomic.Int64
	for _, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				err := st.Apply(ctx, fmt.Sprintf("in-%03d", i), outbox.Action{To: outbox.StateHandedOver, At: at(100), Actor: "gateway"})
				var te *outbox.TransitionError
				switch {
				case err == nil:
					handed.Add(1)
				case !errors.As(err, &te):
					failed.set(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.get(); err != nil {
		t.Fatal(err)
	}
	if handed.Load() != ids {
		t.Fatalf("%d hand-overs, want %d", handed.Load(), ids)
	}
	mustCheck(t, stores[0])
	for i := range ids {
		if h := history(t, stores[1], fmt.Sprintf("in-%03d", i)); !slices.Equal(h, []string{">received", "received>handed-over"}) {
			t.Fatalf("history of in-%03d: %v", i, h)
		}
	}
}

// TestTwoInstancesOrderAndClaims: producers enqueue ordering chains
// through both instances; claimers on both instances claim, retry some
// attempts and deliver. No record is claimed while another of its chain
// is in flight, every chain is delivered in acceptance order, nothing is
// lost or claimed twice under a live lease, and the audit chain is one
// verifiable chain with a valid history for every record.
func TestTwoInstancesOrderAndClaims(t *testing.T) {
	cfg := pgstore.Config{CheckpointSigner: signer(t), CheckpointEvery: 50}
	_, dsn := openFresh(t, cfg)
	stores := []*pgstore.Store{openDSN(t, dsn, cfg), openDSN(t, dsn, cfg)}
	ctx := context.Background()
	const chains, perChain = 12, 15
	total := chains * perChain
	var (
		failed  firstErr
		wg      sync.WaitGroup
		mu      sync.Mutex
		busy    = map[string]string{}   // chain → record in flight
		order   = map[string][]string{} // chain → delivered IDs
		settled atomic.Int64
	)
	chainOf := func(c int) (partner, key string) {
		return []string{"dbs:499990020000", "dbs:499990030000", "ags:08999001"}[c%3], fmt.Sprintf("AZR-%04d", c)
	}
	for c := range chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			partner, key := chainOf(c)
			for i := range perChain {
				m := msg(fmt.Sprintf("c%02d-%03d", c, i), partner, at(0))
				m.OrderingKey = key
				if err := stores[i%2].Enqueue(ctx, m); err != nil {
					failed.set(err)
					return
				}
			}
		}()
	}
	var claimers sync.WaitGroup
	for w := range 6 {
		claimers.Add(1)
		go func() {
			defer claimers.Done()
			st, owner := stores[w%2], fmt.Sprintf("instance-%d/worker-%d", w%2, w)
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			deadline := time.Now().Add(2 * time.Minute)
			for settled.Load() < int64(total) && failed.get() == nil {
				if time.Now().After(deadline) {
					failed.set(fmt.Errorf("%d of %d delivered after 2 minutes", settled.Load(), total))
					return
				}
				rs, err := st.Claim(ctx, outbox.ClaimParams{Owner: owner, Max: 3, LeaseFor: time.Hour, Now: at(10)})
				if err != nil {
					failed.set(err)
					return
				}
				if len(rs) == 0 {
					time.Sleep(2 * time.Millisecond)
					continue
				}
				for _, r := range rs {
					chain := r.Partner + "/" + r.OrderingKey
					mu.Lock()
					if other, ok := busy[chain]; ok {
						failed.set(fmt.Errorf("%s claimed while %s of its chain is in flight", r.ID, other))
					}
					busy[chain] = r.ID
					mu.Unlock()
					var o outbox.Outcome = outbox.Delivered{At: at(11), Evidence: []byte("receipt")}
					if rnd.IntN(5) == 0 {
						o = outbox.Retry{At: at(10), Now: at(11), Err: outbox.ErrorInfo{Code: "http-503", Text: "busy"}}
					}
					mu.Lock()
					delete(busy, chain)
					if _, ok := o.(outbox.Delivered); ok {
						order[chain] = append(order[chain], r.ID)
					}
					mu.Unlock()
					if err := st.Settle(ctx, r.ID, *r.Lease, o); err != nil {
						failed.set(err)
						return
					}
					if _, ok := o.(outbox.Delivered); ok {
						settled.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	claimers.Wait()
	if err := failed.get(); err != nil {
		t.Fatal(err)
	}
	for c := range chains {
		partner, key := chainOf(c)
		var want []string
		for i := range perChain {
			want = append(want, fmt.Sprintf("c%02d-%03d", c, i))
		}
		if got := order[partner+"/"+key]; !slices.Equal(got, want) {
			t.Errorf("chain %d delivered in the order %v", c, got)
		}
	}
	stats, err := stores[1].Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Outbound[outbox.StateDelivered] != total {
		t.Fatalf("stats: %+v", stats.Outbound)
	}
	mustCheck(t, stores[0])
	rep := verify(t, stores[1])
	if rep.CheckpointsVerified == 0 || rep.Sealed == 0 {
		t.Fatalf("no checkpoint verified: %+v", rep)
	}
	// Every record's history is a path through the state machine.
	for c := range chains {
		for i := range perChain {
			id := fmt.Sprintf("c%02d-%03d", c, i)
			h := history(t, stores[i%2], id)
			state := ""
			for _, step := range h {
				from, to, _ := strings.Cut(step, ">")
				if from != state || (from != "" && !outbox.CanTransition(outbox.State(from), outbox.State(to))) {
					t.Fatalf("history of %s is no path: %v", id, h)
				}
				state = to
			}
			if state != string(outbox.StateDelivered) {
				t.Fatalf("history of %s ends in %s", id, state)
			}
		}
	}
}
