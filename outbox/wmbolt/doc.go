// Package wmbolt is a watermill Pub/Sub on a bbolt file, used between the
// gateway's stages when one gateway runs on one machine (watermill-bolt is
// not obtainable here).
//
// # Overview
//
// A Broker owns the file. Publishers and Subscribers made from it
// implement message.Publisher and message.Subscriber:
//
//	b, err := wmbolt.Open(wmbolt.Config{Path: "stages.db", Logger: logger})
//	pub := b.NewPublisher()
//	sub, err := b.NewSubscriber(wmbolt.SubscriberConfig{ConsumerGroup: "sealer"})
//	msgs, err := sub.Subscribe(ctx, "accepted")
//
// Every topic is a bucket holding its messages under an 8-byte sequence
// key. Publish appends all its messages in one transaction and returns
// after the fsync; concurrent Publish calls and acks share commits (one
// writer goroutine batches whatever is waiting, so a lone caller waits for
// one commit and a crowd does not wait for one commit each).
//
// Consumer groups: every group that has subscribed to a topic (or called
// SubscribeInitialize) receives every message published to it afterwards
// — a new group starts at the oldest message still stored. Within a group
// each message goes to one Subscriber, in publish order, one at a time:
// the next message is read only after the previous one was acknowledged,
// and an Ack stores the group's new offset durably before that. Nack
// delivers the same message again. A message is deleted once every
// registered group has acknowledged it. The empty group name is the
// default group.
//
// Guarantees, as declared to watermill's universal test suite: persistent,
// consumer groups, guaranteed order (also with several Subscribers in a
// group), at-least-once (not exactly-once: a crash between a handler's
// work and the offset commit delivers the message again).
//
// # Caveats
//
// bbolt locks the file: one process, and in it one Broker, per file. All
// Publishers and Subscribers of that file must come from the same Broker,
// which is where the in-memory wake-ups and group tokens live.
//
// One message per group is in flight at a time, and each Ack is an fsync'd
// commit (shared with concurrent ones): throughput per group is bounded by
// the fsync rate. A consumer that neither acks nor nacks stops its group.
//
// A group that subscribed once and is never used again keeps every later
// message of the topic on disk. Message contexts are not stored.
package wmbolt
