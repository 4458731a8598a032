package wmbolt

import (
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Publisher appends messages to topics of a Broker's file. It implements
// message.Publisher.
type Publisher struct {
	b      *Broker
	mu     sync.RWMutex // Publish holds it for reading, Close for writing
	closed bool
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher returns a Publisher on b. Closing it does not close b.
func (b *Broker) NewPublisher() *Publisher { return &Publisher{b: b} }

// Publish appends messages to topic, in the given order, in one
// transaction: when it returns nil they are on disk (fsync'd) and
// Subscribers are woken. On error none of them was stored. Concurrent
// Publish calls share commits. Publish is safe for concurrent use; it
// returns ErrPublisherClosed after Close and ErrClosed after Broker.Close.
// Message contexts are not stored.
func (p *Publisher) Publish(topic string, messages ...*message.Message) error {
	if err := validTopic(topic); err != nil {
		return err
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrPublisherClosed
	}
	if len(messages) == 0 {
		return nil
	}
	if err := p.b.append(topic, messages); err != nil {
		return err
	}
	p.b.logger.Trace("published", watermill.LogFields{"topic": topic, "messages_count": len(messages)})
	return nil
}

// Close waits for running Publish calls and makes further ones fail. Every
// message whose Publish returned nil is already durable: there is nothing
// to flush.
func (p *Publisher) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	return nil
}
