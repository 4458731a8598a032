package wmbolt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/xgate/xgate/outbox/wmbolt"
)

// BenchmarkPublish: one message per Publish, each durable before return.
// The parallel variant shows the group commit.
func BenchmarkPublish(b *testing.B) {
	payload := make([]byte, 4096)
	for _, parallel := range []bool{false, true} {
		name := "serial"
		if parallel {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			br, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: filepath.Join(b.TempDir(), "b.db")})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			pub := br.NewPublisher()
			b.SetBytes(int64(len(payload)))
			if !parallel {
				for b.Loop() {
					if err := pub.Publish("t", message.NewMessage("id", payload)); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := pub.Publish("t", message.NewMessage("id", payload)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkConsume: receive and ack one message per iteration (one
// fsync'd offset commit each), the per-group throughput bound.
func BenchmarkConsume(b *testing.B) {
	br, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: filepath.Join(b.TempDir(), "b.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	msgs := make([]*message.Message, b.N)
	for i := range msgs {
		msgs[i] = message.NewMessage("id", []byte("x"))
	}
	if err := br.NewPublisher().Publish("t", msgs...); err != nil {
		b.Fatal(err)
	}
	sub, err := br.NewSubscriber(wmbolt.SubscriberConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(context.Background(), "t")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		(<-ch).Ack()
	}
}
