package wmbolt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/xgate/xgate/outbox/wmbolt"
)

// features are the honest flags of wmbolt for watermill's suite.
func features() tests.Features {
	return tests.Features{
		ConsumerGroups:                      true,
		ExactlyOnceDelivery:                 false, // an ack lost in a crash redelivers
		GuaranteedOrder:                     true,  // one message per group in flight
		GuaranteedOrderWithSingleSubscriber: false, // order holds with 10 subscribers too
		Persistent:                          true,
		RestartServiceCommand:               nil, // no broker process to restart
		RequireSingleInstance:               false,
		NewSubscriberReceivesOldMessages:    false, // acked messages are gone for that group
		ContextPreserved:                    false,
		// The full-size suite (5,000–10,000 messages per test, one fsync'd
		// ack each) is the default; -short reduces the message counts
		// (watermill's ForceShort; every test still runs).
		ForceShort: testing.Short(),
	}
}

// TestPubSub runs watermill's universal Pub/Sub suite. All constructor
// calls share one Broker (one file), like the stages of one gateway; every
// call makes new Publisher and Subscriber instances on it. Tests use
// distinct topics, so sharing the file is what production does, not a
// shortcut.
func TestPubSub(t *testing.T) {
	b, err := wmbolt.Open(context.Background(), wmbolt.Config{Path: filepath.Join(t.TempDir(), "pubsub.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	newPubSub := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		sub, err := b.NewSubscriber(wmbolt.SubscriberConfig{ConsumerGroup: group, NackResendSleep: wmbolt.NoSleep})
		if err != nil {
			t.Fatal(err)
		}
		return b.NewPublisher(), sub
	}
	tests.TestPubSub(t, features(),
		func(t *testing.T) (message.Publisher, message.Subscriber) { return newPubSub(t, "") },
		newPubSub,
	)
}
