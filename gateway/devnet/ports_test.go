package devnet

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xgate/xgate/certs/certstest"
)

func TestEphemeralLow(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          int
	}{
		{"linux default", "32768\t60999\n", 32768},
		{"lowered", "15000 60999\n", 15000},
		{"garbage", "many\n", 32768},
		{"empty", "", 32768},
		{"missing", "", 32768},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "range")
			if tc.name != "missing" {
				if err := os.WriteFile(f, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := ephemeralLow(f); got != tc.want {
				t.Fatalf("ephemeralLow(%q) = %d, want %d", tc.content, got, tc.want)
			}
		})
	}
}

// Two reservations on one folder never share a port, and a released
// port can be reserved again.
func TestReserveSkipsLockedPorts(t *testing.T) {
	dir := t.TempDir()
	r := portRange{low: 40000, high: 40003}
	a, err := newPortLocks(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newPortLocks(dir, r)
	a.probe = func(int) bool { return true }
	b.probe = a.probe
	pa, err := a.reserve(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.reserve(2); err == nil || !strings.Contains(err.Error(), "only 1 of 2") {
		t.Fatalf("b.reserve(2) with 2 of 3 ports held by a: err = %v, want only 1 of 2", err)
	}
	b.release()
	pb, err := b.reserve(1)
	if err != nil {
		t.Fatal(err)
	}
	if pb[0] == pa[0] || pb[0] == pa[1] {
		t.Fatalf("b got %d, which a holds (%v)", pb[0], pa)
	}
	a.release()
	b.release()
	all, err := b.reserve(3)
	if err != nil {
		t.Fatalf("after release, every port is free again: %v", err)
	}
	if len(all) != 3 {
		t.Fatalf("got %v", all)
	}
}

// A port something else listens on is not reserved.
func TestReserveSkipsBusyPorts(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	pl, err := newPortLocks(t.TempDir(), portRange{low: busy, high: busy + 1})
	if err != nil {
		t.Fatal(err)
	}
	if ports, err := pl.reserve(1); err == nil {
		t.Fatalf("reserved %v although %d is listened on", ports, busy)
	}
	if len(pl.held) != 0 {
		t.Fatalf("the busy port's lock is still held: %d", len(pl.held))
	}
}

// Two networks created at once get different ports, all below the
// kernel's ephemeral range.
func TestCreateReservesPorts(t *testing.T) {
	if _, ok := defaultRange(); !ok {
		t.Skip("no port range below the ephemeral one on this machine")
	}
	low := ephemeralLow("/proc/sys/net/ipv4/ip_local_port_range")
	seen := map[int]string{}
	for _, name := range []string{"one", "two"} {
		n, err := Create(context.Background(), filepath.Join(t.TempDir(), name), Spec{
			GenerateKey: certstest.KeyGenerator(), Sites: []SiteSpec{{ID: "abh"}, {ID: "mb"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Close)
		for id, s := range n.Sites {
			for _, addr := range []string{strings.TrimPrefix(s.Intake, "http://"), s.Transport} {
				_, p, _ := net.SplitHostPort(addr)
				port, _ := strconv.Atoi(p)
				if port < firstPort || port >= low {
					t.Errorf("%s %s: port %d outside %d–%d", name, id, port, firstPort, low-1)
				}
				if other, dup := seen[port]; dup {
					t.Errorf("%s %s: port %d also given to %s", name, id, port, other)
				}
				seen[port] = name + " " + id
			}
		}
	}
}
