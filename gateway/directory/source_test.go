package directory_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
)

// syncBuffer is a log sink safe for the Run goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSource: the first load of a bad file fails and leaves no directory;
// a good file loads; every kind of bad reload (tampered, unsigned, wrong
// signer, expired, older serial, same serial with other content, missing)
// keeps the last good one, is logged with its code and counted; a newer
// edition replaces it; Fresh and Status say when the one in use expires.
func TestSource(t *testing.T) {
	f := pki(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.xml")
	write := func(data []byte) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	clk := clock.NewManual(f.now)
	var logs syncBuffer
	s := directory.NewSource(path, f.verifier(t), clk, slog.New(slog.NewJSONHandler(&logs, nil)))

	if err := s.Load(ctx); err == nil || s.Current() != nil {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := s.Fresh(); !errors.Is(err, directory.ErrNotLoaded) {
		t.Errorf("Fresh before load: %v", err)
	}
	first := f.dir(t, 48*time.Hour, f.now.Add(-time.Hour))
	good := f.signed(t, first)
	unsigned, _ := directory.Marshal(first)
	write(unsigned)
	if err := s.Load(ctx); err == nil || s.Current() != nil {
		t.Fatalf("unsigned first load: %v", err)
	}
	write(good)
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if d := s.Current(); d == nil || d.Serial != first.Serial {
		t.Fatalf("current %+v", d)
	}
	st := s.Status()
	if st.Serial != first.Serial || st.Failures != 2 || st.LastError != "" || st.Reloads != 1 || st.Participants != 7 || st.Expired || !st.Loaded.Equal(f.now) {
		t.Errorf("status after load: %+v", st)
	}
	// The same file again is no change.
	if err := s.Reload(ctx); err != nil || s.Status().Reloads != 1 {
		t.Errorf("same file: %v %+v", err, s.Status())
	}

	older := f.signed(t, f.dir(t, 48*time.Hour, f.now.Add(-2*time.Hour)))
	sameSerial := f.dir(t, 48*time.Hour, f.now.Add(-time.Hour))
	sameSerial.Participants[0].Name = "Ausländerbehörde Neustadt"
	expired := f.signed(t, f.dir(t, 30*time.Minute, f.now.Add(-time.Hour+1)))
	bad := []struct {
		name     string
		data     []byte
		code     errcode.Code
		sentinel error
	}{
		{"tampered", bytes.Replace(good, []byte("8443"), []byte("9443"), 1), errcode.SignatureInvalid, nil},
		{"unsigned", unsigned, errcode.SignatureWeak, nil},
		{"garbage", []byte("<x"), errcode.NotWellFormed, nil},
		{"expired", expired, "", directory.ErrExpired},
		{"older serial", older, "", directory.ErrRollback},
		{"same serial, other content", f.signed(t, sameSerial), "", directory.ErrRollback},
	}
	for i, b := range bad {
		write(b.data)
		err := s.Reload(ctx)
		if err == nil {
			t.Fatalf("%s: reloaded", b.name)
		}
		if b.sentinel != nil && !errors.Is(err, b.sentinel) {
			t.Errorf("%s: %v", b.name, err)
		}
		st := s.Status()
		if b.code != "" {
			if code, _ := errcode.Of(err); code != b.code || st.LastCode != b.code {
				t.Errorf("%s: code %s/%s, want %s", b.name, code, st.LastCode, b.code)
			}
		}
		if d := s.Current(); d.Serial != first.Serial || st.Serial != first.Serial || st.Failures != uint64(3+i) || st.LastError == "" {
			t.Errorf("%s: did not keep the last good one: %+v", b.name, st)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(ctx); err == nil || s.Current().Serial != first.Serial {
		t.Errorf("missing file: %v", err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"directory reload failed, keeping the last good one"`, `"xoev_code":"T011"`, `"xoev_code":"T010"`, `"serial":` + strconv.FormatUint(first.Serial, 10), `"msg":"directory loaded"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}

	// A newer edition replaces it.
	clk.Add(time.Minute)
	next := f.dir(t, 48*time.Hour, f.now.Add(time.Minute))
	write(f.signed(t, next))
	if err := s.Reload(ctx); err != nil || s.Current().Serial != next.Serial || s.Status().LastError != "" || s.Status().Reloads != 2 {
		t.Fatalf("newer: %v %+v", err, s.Status())
	}
	// Time passes: the edition in use expires; Fresh refuses it, Current
	// still has it.
	clk.Add(48 * time.Hour)
	if _, err := s.Fresh(); !errors.Is(err, directory.ErrExpired) || !s.Status().Expired || s.Current() == nil {
		t.Errorf("expired in use: %v %+v", err, s.Status())
	}
}

// TestSourceMaxAge: a directory issued longer ago than the maximum age is
// refused at load and no longer fresh once it grows too old.
func TestSourceMaxAge(t *testing.T) {
	f := pki(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "directory.xml")
	if err := os.WriteFile(path, f.signed(t, f.dir(t, 30*24*time.Hour, f.now.Add(-2*time.Hour))), 0o644); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(f.now)
	s := directory.NewSource(path, f.verifier(t), clk, nil)
	s.SetMaxAge(time.Hour)
	if err := s.Load(ctx); !errors.Is(err, directory.ErrExpired) {
		t.Fatalf("too old: %v", err)
	}
	s.SetMaxAge(3 * time.Hour)
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Add(90 * time.Minute)
	if _, err := s.Fresh(); !errors.Is(err, directory.ErrExpired) {
		t.Errorf("grown too old: %v", err)
	}
}

// TestSourceRun: Run picks up a new edition within its interval and stops
// with its context.
func TestSourceRun(t *testing.T) {
	f := pki(t)
	path := filepath.Join(t.TempDir(), "directory.xml")
	first := f.dir(t, 24*time.Hour, f.now.Add(-time.Minute))
	if err := os.WriteFile(path, f.signed(t, first), 0o644); err != nil {
		t.Fatal(err)
	}
	s := directory.NewSource(path, f.verifier(t), clock.Fixed(f.now), nil)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx, 20*time.Millisecond); close(done) }()
	next := f.dir(t, 24*time.Hour, f.now)
	if err := os.WriteFile(path+".tmp", f.signed(t, next), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Current().Serial != next.Serial {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not reload: %+v", s.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
