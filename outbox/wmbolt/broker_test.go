package wmbolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.etcd.io/bbolt"

	"github.com/xgate/xgate/outbox/wmbolt"
)

// wait is the most any single step of these tests may take; it is a
// deadlock guard, not a timing assertion.
const wait = 10 * time.Second

func open(t *testing.T, path string) *wmbolt.Broker {
	t.Helper()
	b, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func subscribe(t *testing.T, b *wmbolt.Broker, group, topic string) (*wmbolt.Subscriber, <-chan *message.Message) {
	t.Helper()
	sub, err := b.NewSubscriber(wmbolt.SubscriberConfig{ConsumerGroup: group, NackResendSleep: wmbolt.NoSleep})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return sub, ch
}

func publish(t *testing.T, b *wmbolt.Broker, topic string, ids ...string) {
	t.Helper()
	msgs := make([]*message.Message, len(ids))
	for i, id := range ids {
		msgs[i] = message.NewMessage(id, []byte("payload "+id))
		msgs[i].Metadata.Set("n", strconv.Itoa(i))
	}
	if err := b.NewPublisher().Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

func ids(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func recv(t *testing.T, ch <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return m
	case <-time.After(wait):
		t.Fatal("no message")
	}
	return nil
}

// recvAck receives the messages want in this order and acks each.
func recvAck(t *testing.T, ch <-chan *message.Message, want ...string) {
	t.Helper()
	for _, id := range want {
		m := recv(t, ch)
		if m.UUID != id {
			t.Fatalf("got message %s, want %s", m.UUID, id)
		}
		if got := string(m.Payload); got != "payload "+id {
			t.Fatalf("payload %q", got)
		}
		m.Ack()
	}
}

func TestOrderAndNackRedelivery(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	publish(t, b, "t", ids("m", 1, 5)...)
	_, ch := subscribe(t, b, "", "t")

	m := recv(t, ch)
	if m.UUID != "m01" {
		t.Fatalf("first = %s", m.UUID)
	}
	m.Nack()
	m = recv(t, ch)
	if m.UUID != "m01" {
		t.Fatalf("after nack got %s, want m01 again", m.UUID)
	}
	if m.Metadata.Get("n") != "0" {
		t.Fatalf("metadata lost: %v", m.Metadata)
	}
	m.Ack()
	select {
	case <-m.Context().Done():
	case <-time.After(wait):
		t.Fatal("message context not cancelled after Ack")
	}
	recvAck(t, ch, ids("m", 2, 5)...)
}

// TestPersistAcrossReopen closes the Broker with acked, nacked and unread
// messages and checks what a new Broker on the same file delivers.
func TestPersistAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	b := open(t, path)
	publish(t, b, "t", ids("m", 1, 10)...)
	publish(t, b, "other", "o1")
	_, ch := subscribe(t, b, "g", "t")
	recvAck(t, ch, ids("m", 1, 3)...)
	m := recv(t, ch) // m04 is in flight, not acked, when the broker closes
	if m.UUID != "m04" {
		t.Fatalf("got %s", m.UUID)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("subscription channel not closed by Broker.Close")
	}
	select {
	case <-m.Context().Done():
	default:
		t.Fatal("in-flight message context not cancelled by Broker.Close")
	}
	if err := b.NewPublisher().Publish("t", message.NewMessage("late", nil)); !errors.Is(err, wmbolt.ErrClosed) {
		t.Fatalf("Publish after Broker.Close: %v, want ErrClosed", err)
	}

	b2 := open(t, path)
	_, ch2 := subscribe(t, b2, "g", "t")
	recvAck(t, ch2, ids("m", 4, 10)...)
	_, cho := subscribe(t, b2, "g", "other")
	recvAck(t, cho, "o1")
}

func TestConsumerGroups(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	for _, g := range []string{"a", "b"} {
		s, err := b.NewSubscriber(wmbolt.SubscriberConfig{ConsumerGroup: g})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SubscribeInitialize("t"); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, b, "t", ids("m", 1, 20)...)

	// Group a: three subscribers share the work, in order, each message once.
	var (
		mu  sync.Mutex
		got []string
	)
	merged := make(chan *message.Message)
	for range 3 {
		_, ch := subscribe(t, b, "a", "t")
		go func() {
			for m := range ch {
				merged <- m
			}
		}()
	}
	for range 20 {
		m := recv(t, merged)
		mu.Lock()
		got = append(got, m.UUID)
		mu.Unlock()
		m.Ack()
	}
	if want := fmt.Sprint(ids("m", 1, 20)); fmt.Sprint(got) != want {
		t.Fatalf("group a got %v, want %v", got, want)
	}

	// Group b registered before the publish: it gets all 20 too.
	_, chb := subscribe(t, b, "b", "t")
	recvAck(t, chb, ids("m", 1, 20)...)
}

// TestAckedMessagesDeleted looks into the file: a message stays until
// every registered group acknowledged it.
func TestAckedMessagesDeleted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	b := open(t, path)
	_, cha := subscribe(t, b, "a", "t")
	_, chb := subscribe(t, b, "b", "t")
	publish(t, b, "t", ids("m", 1, 6)...)
	recvAck(t, cha, ids("m", 1, 6)...)
	recvAck(t, chb, ids("m", 1, 2)...)
	recv(t, chb) // m03 in flight: m02's ack is committed
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket([]byte("topics")).Bucket([]byte("t")).Bucket([]byte("msgs")).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("%d messages stored, want 4 (m03..m06, not yet acked by group b)", n)
	}
}

func TestSubscribeContextCancel(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	publish(t, b, "t", ids("m", 1, 3)...)
	sub, err := b.NewSubscriber(wmbolt.SubscriberConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sub.Subscribe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	m := recv(t, ch)
	cancel()
	select {
	case <-m.Context().Done():
	case <-time.After(wait):
		t.Fatal("message context not cancelled with the subscription context")
	}
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("message delivered after cancel")
		}
	case <-time.After(wait):
		t.Fatal("channel not closed after context cancel")
	}
	// m01 was never acked: a new subscription gets it again.
	_, ch2 := subscribe(t, b, "", "t")
	recvAck(t, ch2, ids("m", 1, 3)...)
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Subscribe(context.Background(), "t"); !errors.Is(err, wmbolt.ErrSubscriberClosed) {
		t.Fatalf("Subscribe after Close: %v", err)
	}
}

func TestPublisherErrors(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	p := b.NewPublisher()
	if err := p.Publish("", message.NewMessage("x", nil)); !errors.Is(err, wmbolt.ErrEmptyTopic) {
		t.Fatalf("empty topic: %v", err)
	}
	if err := p.Publish(string(make([]byte, 2000)), message.NewMessage("x", nil)); !errors.Is(err, wmbolt.ErrInvalidTopic) {
		t.Fatalf("long topic: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Publish("t", message.NewMessage("x", nil)); !errors.Is(err, wmbolt.ErrPublisherClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestFileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	open(t, path)
	_, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: path, LockTimeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  wmbolt.Config
		ok   bool
	}{
		{"valid", wmbolt.Config{Path: "x.db", MaxBatch: 1}, true},
		{"no path", wmbolt.Config{MaxBatch: 1}, false},
		{"negative lock timeout", wmbolt.Config{Path: "x.db", LockTimeout: -1, MaxBatch: 1}, false},
		{"negative max size", wmbolt.Config{Path: "x.db", MaxSize: -1, MaxBatch: 1}, false},
		{"zero batch", wmbolt.Config{Path: "x.db"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if _, err := wmbolt.Open(context.Background(), wmbolt.Config{}); err == nil {
		t.Fatal("Open without Path succeeded")
	}
	b := open(t, filepath.Join(t.TempDir(), "b.db"))
	if _, err := b.NewSubscriber(wmbolt.SubscriberConfig{NackResendSleep: -5}); err == nil {
		t.Fatal("negative NackResendSleep accepted")
	}
}

// TestCrashKeepsAckedAndPublished runs a child process that publishes,
// acknowledges some messages and is then killed with SIGKILL, without any
// Close: everything published is there, exactly the acked ones are gone.
func TestCrashKeepsAckedAndPublished(t *testing.T) {
	if os.Getenv("WMBOLT_CRASH_CHILD") != "" {
		crashChild()
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAckedAndPublished$")
	cmd.Env = append(os.Environ(), "WMBOLT_CRASH_CHILD="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
	}
	b := open(t, path)
	_, ch := subscribe(t, b, "stage", "t")
	recvAck(t, ch, ids("m", 8, 30)...) // m08 was in flight when the child died
}

func crashChild() {
	b, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: os.Getenv("WMBOLT_CRASH_CHILD")})
	if err != nil {
		panic(err)
	}
	var msgs []*message.Message
	for _, id := range ids("m", 1, 30) {
		msgs = append(msgs, message.NewMessage(id, []byte("payload "+id)))
	}
	if err := b.NewPublisher().Publish("t", msgs...); err != nil {
		panic(err)
	}
	sub, err := b.NewSubscriber(wmbolt.SubscriberConfig{ConsumerGroup: "stage"})
	if err != nil {
		panic(err)
	}
	ch, err := sub.Subscribe(context.Background(), "t")
	if err != nil {
		panic(err)
	}
	for range 7 {
		(<-ch).Ack()
	}
	<-ch // m08 arrives only after m07's offset is committed
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// TestOpenCancelled: a cancelled context ends the wait for a locked file
// long before LockTimeout.
func TestOpenCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	open(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := wmbolt.Open(ctx, wmbolt.Config{Path: path, LockTimeout: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open of a locked file with a cancelled context: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open waited %v after its context ended", d)
	}
}
