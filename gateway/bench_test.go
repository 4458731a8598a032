package gateway_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/outbox"
)

// BenchmarkDeliver: an ABH gateway delivers to an MB gateway in this
// process over loopback mTLS, b.N messages submitted by 16 goroutines;
// each op is one message from Submit to its verified receipt. Profile it
// with -cpuprofile to see where a message's CPU goes besides the three
// RSA private-key operations.
func BenchmarkDeliver(b *testing.B) {
	m := testPKI(b)
	abh, _ := m.ByID("abh")
	mb, _ := m.ByID("mb")
	sites := networkB(b, "abh", "mb")
	a := sites["abh"]
	gen, err := devnet.NewGenerator()
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, b.N)
	ids := make([]string, b.N)
	for i := range msgs {
		msgs[i], ids[i], _, err = gen.Anmeldung(i, 64, abh.Identity, mb.Identity)
		if err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := a.gw.Submit(ctx, msgs[i], "bench"); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range msgs {
		next <- i
	}
	close(next)
	wg.Wait()
	for {
		st, err := a.store.Stats(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st.Outbound[outbox.StateDelivered] >= b.N {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
}
