package devnet

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// A site's ports are written into the signed directory and its
// configuration before its process starts, so they cannot be the
// kernel's choice at bind time. A port the kernel hands out for
// 127.0.0.1:0 and that is closed again is free for anybody: the kernel
// gives the same numbers to other processes' outgoing connections and
// to their own :0 listeners, and one did take a site's port in CI
// before the site bound it ("bind: address already in use").
//
// So the ports of a development network come from below the kernel's
// ephemeral range, which the kernel never hands out by itself, and each
// is reserved with an exclusive lock on a file named after it in a
// folder that every xgate process on the machine shares. The lock is
// held until the network is closed (or its process ends), so two
// networks — two test binaries running at once, a demo beside a test —
// never get the same port, and a site restarted after SIGKILL finds its
// port still free. The lock files stay (empty, one per port ever
// reserved, at most one per port of the range): removing a lock file
// that another process may have just opened would let two hold "the"
// lock at once.

// portRange is where reservations are taken: [low, high).
type portRange struct{ low, high int }

// firstPort is the lowest port reserved: above the registered ports
// that development machines commonly run (databases, brokers, web
// servers up to 1xxxx).
const firstPort = 20000

// minPorts is the least range worth using; below it (a kernel whose
// ephemeral range starts low) ports come from the kernel as before.
const minPorts = 2000

// ephemeralLow is the first port of the kernel's ephemeral range
// (Linux: /proc/sys/net/ipv4/ip_local_port_range; 32768 when it cannot
// be read, the Linux default).
func ephemeralLow(procFile string) int {
	b, err := os.ReadFile(procFile)
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 32768
	}
	return n
}

// defaultRange is the range below this machine's ephemeral ports, or
// false when that leaves fewer than minPorts.
func defaultRange() (portRange, bool) {
	r := portRange{low: firstPort, high: ephemeralLow("/proc/sys/net/ipv4/ip_local_port_range")}
	return r, r.high-r.low >= minPorts
}

// portLocks reserves ports by locking files in dir.
type portLocks struct {
	dir   string
	r     portRange
	probe func(port int) bool // whether port can be bound now

	mu   sync.Mutex
	held []*os.File
}

// defaultLockDir is the folder shared by every user's xgate processes
// on this machine: sticky and world-writable, like the temporary folder
// it lives in, and lock files are opened read-only, so that one user's
// lock files do not keep another user's processes out.
func defaultLockDir() string { return filepath.Join(os.TempDir(), "xgate-devnet-ports") }

func newPortLocks(dir string, r portRange) (*portLocks, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("devnet: port reservations: %w", err)
	}
	_ = os.Chmod(dir, 0o777|os.ModeSticky) // only works for its creator; others find it so
	return &portLocks{dir: dir, r: r, probe: bindable}, nil
}

// bindable reports whether 127.0.0.1:port can be listened on now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// reserve returns n ports, each locked and bindable when reserved; on
// an error it holds none of them.
func (pl *portLocks) reserve(n int) ([]int, error) {
	size := pl.r.high - pl.r.low
	start := rand.IntN(size)
	var ports []int
	var locks []*os.File
	for i := 0; i < size && len(ports) < n; i++ {
		port := pl.r.low + (start+i)%size
		f, err := pl.lock(port)
		if err != nil {
			closeAll(locks)
			return nil, err
		}
		if f == nil {
			continue // another network holds it
		}
		if !pl.probe(port) { // something outside xgate listens there
			_ = f.Close()
			continue
		}
		locks = append(locks, f)
		ports = append(ports, port)
	}
	if len(ports) < n {
		closeAll(locks)
		return nil, fmt.Errorf("devnet: only %d of %d free loopback ports in %d–%d", len(ports), n, pl.r.low, pl.r.high-1)
	}
	pl.mu.Lock()
	pl.held = append(pl.held, locks...)
	pl.mu.Unlock()
	return ports, nil
}

// lock takes the lock of port, or returns nil when another holds it.
func (pl *portLocks) lock(port int) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(pl.dir, strconv.Itoa(port)), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("devnet: port reservation %d: %w", port, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil
		}
		return nil, fmt.Errorf("devnet: port reservation %d: %w", port, err)
	}
	return f, nil
}

// release gives every reserved port back.
func (pl *portLocks) release() {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	closeAll(pl.held)
	pl.held = nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		_ = f.Close()
	}
}

// kernelPorts asks the kernel for n free loopback ports: the fallback
// where no range below the ephemeral one is left. They are free when
// asked; a site that finds one taken meanwhile fails to start, loudly.
func kernelPorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
