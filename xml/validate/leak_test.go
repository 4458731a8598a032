package validate_test

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xgate/xgate/conformance"
)

// rssBytes reads the resident set size from /proc/self/status.
func rssBytes(t testing.TB) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// typicalMessage returns the valid vector closest to 5 KB.
func typicalMessage(t testing.TB) conformance.Vector {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var best conformance.Vector
	for _, v := range vs {
		if !v.Valid {
			continue
		}
		if best.Data == nil || abs(len(v.Data)-5000) < abs(len(best.Data)-5000) {
			best = v
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

// libxml2 is C: 100,000 validations in one process must not grow the
// resident set by 20 MB or more (xsd.Parse leaks ~18 KB per call; we parse
// schemas once, and free every document).
func TestNoLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("validates 100,000 messages")
	}
	v := newValidator(t)
	vec := typicalMessage(t)
	ctx := context.Background()
	run := func(n int) {
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += workers {
					if rep := v.Validate(ctx, vec.Data); !rep.Valid() {
						t.Errorf("%s invalid: %v", vec.Path, rep.Err())
						return
					}
				}
			}(w)
		}
		wg.Wait()
	}
	run(5000) // warm up: heap, caches, libxml2 dictionaries
	settle()
	before := rssBytes(t)
	const n = 100000
	run(n)
	settle()
	after := rssBytes(t)
	growth := after - before
	t.Logf("%d validations of %s (%d bytes): RSS %d KB → %d KB, growth %d KB", n, vec.Path, len(vec.Data), before>>10, after>>10, growth>>10)
	if growth >= 20<<20 {
		t.Errorf("RSS grew by %d KB over %d validations (limit 20 MB)", growth>>10, n)
	}
}

func BenchmarkValidate(b *testing.B) {
	v := newValidator(b)
	vec := typicalMessage(b)
	ctx := context.Background()
	b.SetBytes(int64(len(vec.Data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rep := v.Validate(ctx, vec.Data); !rep.Valid() {
			b.Fatal(rep.Err())
		}
	}
}
