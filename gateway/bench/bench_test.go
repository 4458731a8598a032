package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/gateway/devnet"
)

func TestSumSeries(t *testing.T) {
	const exposition = `# HELP xgate_private_key_cpu_seconds_total CPU time …
# TYPE xgate_private_key_cpu_seconds_total counter
xgate_private_key_cpu_seconds_total{op="decrypt"} 0.25
xgate_private_key_cpu_seconds_total{op="sign"} 5.5e-01
xgate_private_key_cpu_seconds_total_extra{op="sign"} 100
xgate_private_key_operations_total{op="decrypt"} 100
xgate_private_key_operations_total{op="sign"} 200 1712345678000
xgate_plain 7
xgate_plainer 9
xgate_odd{path="a}b c"} 2
`
	tests := []struct {
		name string
		want float64
	}{
		{seriesKeyCPU, 0.8},
		{seriesKeyOps, 300},
		{"xgate_plain", 7},
		{"xgate_odd", 2},
		{"xgate_absent", 0},
	}
	for _, tc := range tests {
		if got := sumSeries([]byte(exposition), tc.name); got != tc.want {
			t.Errorf("sumSeries(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A short run of the real thing: every message delivered, and the CPU per
// message split into the private-key operations the gateways counted
// (three a message, a few more if a delivery was repeated) and the rest.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xgate and starts two gateways")
	}
	exe := filepath.Join(t.TempDir(), "xgate")
	if out, err := exec.Command("go", "build", "-o", exe, "github.com/xgate/xgate/cmd/xgate").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	gen, err := devnet.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n = 20
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Run(ctx, Config{
		Exe: exe, Dir: dir, Profile: true, Messages: n, Concurrency: 4, GenerateKey: certstest.KeyGenerator(), FloorIterations: 10,
		Message: func(i int, from, to devnet.Site) ([]byte, error) {
			data, _, _, err := gen.Anmeldung(i, 4, from.Identity, to.Identity)
			return data, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	// Profile: each gateway wrote its CPU profile (gzipped protobuf).
	for _, site := range []string{"abh", "mb"} {
		b, err := os.ReadFile(filepath.Join(dir, site, "cpu.pprof"))
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: no CPU profile (%d bytes, %v)", site, len(b), err)
		}
	}
	if res.Delivered != n {
		t.Errorf("%d of %d delivered", res.Delivered, n)
	}
	// The CPU counted is that of the messages' passage: less than the
	// gateways' whole lives, which load keys and compile schemas first.
	if res.CPUSeconds <= 0 || res.CPUSeconds >= res.RunCPUSeconds {
		t.Errorf("%.2f s of CPU while the messages went through, %.2f s in the whole run", res.CPUSeconds, res.RunCPUSeconds)
	}
	// The sender writes each message three times (enqueue, claim,
	// settle), the receiver once; commits can only be fewer (shared).
	if res.SenderCommits <= 0 || res.SenderCommits > 3.5 || res.ReceiverCommits <= 0 || res.ReceiverCommits > 1.5 {
		t.Errorf("commits per message: sender %.2f, receiver %.2f", res.SenderCommits, res.ReceiverCommits)
	}
	if res.KeyOps < 3 || res.KeyOps > 3.5 {
		t.Errorf("%.2f private-key operations per message, want 3 … 3.5", res.KeyOps)
	}
	// Three RSA-3072 operations cost milliseconds of CPU, less than the
	// whole message; what is left is the rest of the gateways' work.
	isolated := 2*res.SignMs + res.DecryptMs
	if res.KeyCPUPerMsg < isolated/3 || res.KeyCPUPerMsg >= res.CPUPerMsg {
		t.Errorf("%.2f ms of private-key CPU per message (%.2f isolated, %.2f in all)", res.KeyCPUPerMsg, isolated, res.CPUPerMsg)
	}
	if res.OtherCPUPerMsg <= 0 || res.OtherCPUPerMsg != res.CPUPerMsg-res.KeyCPUPerMsg {
		t.Errorf("other CPU %.2f ms per message of %.2f in all, %.2f for the keys", res.OtherCPUPerMsg, res.CPUPerMsg, res.KeyCPUPerMsg)
	}
	if want := isolated / res.KeyCPUPerMsg; res.Ceiling != want || res.Ceiling < res.Ratio {
		t.Errorf("ceiling %.2f, want %.2f and at least the ratio %.2f", res.Ceiling, want, res.Ratio)
	}
	// The bound's samples: before and after the run, and some while the
	// messages went through.
	if res.RSASamples < 2*rsaSamples || res.SignMs <= 0 || res.DecryptMs <= 0 {
		t.Errorf("%d RSA samples (sign %.2f ms, decrypt %.2f ms), want more than %d", res.RSASamples, res.SignMs, res.DecryptMs, 2*rsaSamples)
	}
	checkFloor(t, res.Floor)
}

// checkFloor: every step measured, in order, and the steps that hold the
// three private-key operations cost more than the operations alone.
func checkFloor(t *testing.T, f *Floor) {
	t.Helper()
	if f == nil {
		t.Fatal("no floor")
	}
	want := []string{stepValidateIntake, stepSeal, stepOpen, stepValidateInbound, stepReceipt, stepVerifyReceipt,
		stepIntake, stepDelivery, fmt.Sprintf(stepStore, 4)}
	var names []string
	var sum, withKeys float64
	for _, s := range f.Steps {
		names = append(names, s.Name)
		if s.Ms <= 0 {
			t.Errorf("step %q: %.3f ms", s.Name, s.Ms)
		}
		sum += s.Ms
		if s.Name == stepSeal || s.Name == stepOpen || s.Name == stepReceipt {
			withKeys += s.Ms
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("steps %q, want %q", names, want)
	}
	if math.Abs(sum-f.TotalMs) > 1e-9 || f.KeysMs <= 0 || f.KeysMs >= withKeys {
		t.Errorf("steps %.3f ms (%.3f with the keys), total %.3f ms, keys alone %.3f ms", sum, withKeys, f.TotalMs, f.KeysMs)
	}
	// The public-key operations are part of what the steps cost beyond
	// the private-key operations.
	if f.PublicMs <= 0 || f.PublicMs >= f.TotalMs-f.KeysMs {
		t.Errorf("public-key operations %.3f ms, steps %.3f ms, private-key operations %.3f ms", f.PublicMs, f.TotalMs, f.KeysMs)
	}
	if f.Ratio != f.KeysMs/f.TotalMs || f.Ratio >= 1 || f.Iterations != 10 {
		t.Errorf("floor %+v", *f)
	}
}

// The sampler keeps taking samples while the run goes on and stops when
// told; the cost is the median of what it took.
func TestRSASamplerDuring(t *testing.T) {
	s, err := newRSASampler()
	if err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan error, 1)
	go s.during(5*time.Millisecond, stop, done)
	deadline := time.Now().Add(time.Minute)
	for {
		if _, _, n := s.cost(); n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sign, dec, n := s.cost()
	if n < 3 || sign <= 0 || dec <= 0 {
		t.Fatalf("%d samples: sign %.2f ms, decrypt %.2f ms", n, sign, dec)
	}
	time.Sleep(20 * time.Millisecond)
	if _, _, after := s.cost(); after != n {
		t.Errorf("%d samples after the stop, %d at it", after, n)
	}
}
