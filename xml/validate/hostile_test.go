package validate_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xgate/xgate/xml/errcode"
)

// trap is a file and a network address that an input names. If anything
// opens the FIFO for reading or connects to the listener, the trap notices.
type trap struct {
	fifo string
	addr string
	ln   net.Listener
}

func newTrap(t *testing.T) *trap {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "secret")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &trap{fifo: fifo, addr: ln.Addr().String(), ln: ln}
}

// sprung reports whether the FIFO has a reader or the listener a pending
// connection.
func (tr *trap) sprung(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Open(tr.fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err == nil {
		syscall.Close(fd)
		return "the FIFO named in the input was opened for reading"
	}
	if !errors.Is(err, syscall.ENXIO) {
		t.Fatalf("probing FIFO: %v", err)
	}
	tl := tr.ln.(*net.TCPListener)
	tl.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if c, err := tl.Accept(); err == nil {
		c.Close()
		return "a connection was made to the address named in the input"
	}
	return ""
}

const header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// Hostile inputs are refused with X000 or S001, quickly, and nothing they
// name is read or contacted.
func TestHostileInputs(t *testing.T) {
	v := newValidator(t)
	tr := newTrap(t)
	fileURL := "file://" + tr.fifo
	httpURL := "http://" + tr.addr + "/x"
	valid, err := os.ReadFile("../../conformance/testdata/vectors/900020/valid/quittung.xml")
	if err != nil {
		t.Fatal(err)
	}
	withRootAttr := func(attr string) []byte {
		return []byte(strings.Replace(string(valid), `xmlns:xaus="urn:xgate:de:xauslaender:1"`, `xmlns:xaus="urn:xgate:de:xauslaender:1" `+attr, 1))
	}
	lol := `<!DOCTYPE lolz [<!ENTITY lol "lol">`
	prev := "lol"
	for i := 1; i <= 9; i++ {
		lol += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
		prev = fmt.Sprintf("lol%d", i)
	}
	lol += `]>`
	tests := []struct {
		name string
		in   []byte
		code errcode.Code
	}{
		{"billion laughs", []byte(header + lol + `<lolz>&lol9;</lolz>`), errcode.NotWellFormed},
		{"quadratic blow-up", []byte(header + `<!DOCTYPE r [<!ENTITY a "` + strings.Repeat("x", 50000) + `">]><r>` + strings.Repeat("&a;", 5000) + `</r>`), errcode.NotWellFormed},
		{"external entity to local file", []byte(header + `<!DOCTYPE r [<!ENTITY x SYSTEM "` + fileURL + `">]><r>&x;</r>`), errcode.NotWellFormed},
		{"external entity to network", []byte(header + `<!DOCTYPE r [<!ENTITY x SYSTEM "` + httpURL + `">]><r>&x;</r>`), errcode.NotWellFormed},
		{"external DTD subset", []byte(header + `<!DOCTYPE r SYSTEM "` + fileURL + `"><r/>`), errcode.NotWellFormed},
		{"parameter entity", []byte(header + `<!DOCTYPE r [<!ENTITY % p SYSTEM "` + httpURL + `"> %p;]><r/>`), errcode.NotWellFormed},
		{"xinclude of local file", []byte(header + `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="` + fileURL + `" parse="text"/></r>`), errcode.NotWellFormed},
		{"xinclude of network", []byte(header + `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="` + httpURL + `"/></r>`), errcode.NotWellFormed},
		{"stylesheet PI", []byte(header + `<?xml-stylesheet type="text/xsl" href="` + httpURL + `"?><r/>`), errcode.NotWellFormed},
		{"50,000-deep nesting", []byte(header + strings.Repeat("<a>", 50000) + strings.Repeat("</a>", 50000)), errcode.NotWellFormed},
		{"100 MB document", append([]byte(header+"<r>"), make([]byte, 100<<20)...), errcode.NotWellFormed},
		{"invalid UTF-8", []byte(header + "<r>\xc3\x28</r>"), errcode.NotUTF8},
		{"overlong UTF-8 slash", []byte(header + "<r>\xc0\xaf</r>"), errcode.NotUTF8},
		{"UTF-16 byte-order mark", append([]byte{0xFE, 0xFF}, []byte("\x00<\x00r\x00/\x00>")...), errcode.NotUTF8},
		{"declared UTF-16", []byte(`<?xml version="1.0" encoding="UTF-16"?><r/>`), errcode.NotUTF8},
		{"NUL byte", []byte(header + "<r>\x00</r>"), errcode.NotWellFormed},
		{"character reference to NUL", []byte(header + "<r>&#0;</r>"), errcode.NotWellFormed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan []*errcode.Error, 1)
			start := time.Now()
			go func() { done <- v.Validate(context.Background(), tc.in).Findings }()
			var fs []*errcode.Error
			select {
			case fs = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("validation hangs (a reader blocked on the FIFO?): %s", tr.sprung(t))
			}
			t.Logf("refused in %v", time.Since(start))
			if len(fs) == 0 {
				t.Fatal("accepted")
			}
			if fs[0].Code != tc.code {
				t.Errorf("code %s, want %s: %v", fs[0].Code, tc.code, fs[0])
			}
			if s := tr.sprung(t); s != "" {
				t.Error(s)
			}
		})
	}

	// References that the hardened parser lets through as plain attributes
	// (xsi:schemaLocation, xml:base) reach libxml2 and the schema: they must
	// not make it fetch anything either.
	refs := []struct {
		name string
		in   []byte
	}{
		{"schemaLocation to local file", withRootAttr(`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:xgate:de:xauslaender:1 ` + tr.fifo + `"`)},
		{"schemaLocation to network", withRootAttr(`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:xgate:de:xauslaender:1 ` + httpURL + `"`)},
		{"noNamespaceSchemaLocation", withRootAttr(`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="` + fileURL + `"`)},
		{"xml:base", withRootAttr(`xml:base="` + httpURL + `"`)},
	}
	for _, tc := range refs {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			go func() { v.Validate(context.Background(), tc.in); close(done) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("validation hangs: %s", tr.sprung(t))
			}
			if s := tr.sprung(t); s != "" {
				t.Error(s)
			}
		})
	}
}

// The trap itself must be able to fail: a reader on the FIFO and a
// connection to the listener are both noticed.
func TestTrapDetects(t *testing.T) {
	tr := newTrap(t)
	if s := tr.sprung(t); s != "" {
		t.Fatalf("fresh trap sprung: %s", s)
	}
	fd, err := syscall.Open(tr.fifo, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.sprung(t); !strings.Contains(s, "FIFO") {
		t.Errorf("reader on FIFO not noticed: %q", s)
	}
	syscall.Close(fd)
	c, err := net.Dial("tcp", tr.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if s := tr.sprung(t); !strings.Contains(s, "connection") {
		t.Errorf("connection not noticed: %q", s)
	}
}
