package wmbolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Subscriber delivers the messages of a topic to one consumer group. It
// implements message.Subscriber and message.SubscribeInitializer.
type Subscriber struct {
	b      *Broker
	cfg    SubscriberConfig
	logger watermill.LoggerAdapter

	mu      sync.Mutex
	closed  bool
	closing chan struct{}
	wg      sync.WaitGroup
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber returns a Subscriber on b for cfg.ConsumerGroup. Closing
// it does not close b.
func (b *Broker) NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("wmbolt: invalid subscriber config: %w", err)
	}
	return &Subscriber{
		b:       b,
		cfg:     cfg,
		logger:  b.logger.With(watermill.LogFields{"consumer_group": cfg.ConsumerGroup}),
		closing: make(chan struct{}),
	}, nil
}

// SubscribeInitialize registers the consumer group on topic durably, so
// that messages published from now on are kept until the group has
// acknowledged them, even before the first Subscribe.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	if err := validTopic(topic); err != nil {
		return err
	}
	return s.b.register(topic, s.cfg.ConsumerGroup)
}

// Subscribe registers the consumer group on topic and returns a channel
// with its messages, oldest first. The next message comes only after the
// previous one was acknowledged (Ack advances the group's offset durably
// before the next is read) or nacked (it comes again, after
// NackResendSleep): one message of a group is in flight at a time, across
// all Subscribers of the group, which is what keeps the order.
//
// Each message's context derives from ctx and is cancelled after Ack or
// Nack. The channel is closed when ctx is cancelled, on Close and on
// Broker.Close; a message in flight at that moment is delivered again
// later. Subscribe is safe for concurrent use.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if err := validTopic(topic); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrSubscriberClosed
	}
	if err := s.b.register(topic, s.cfg.ConsumerGroup); err != nil {
		return nil, fmt.Errorf("wmbolt: subscribe %s: %w", topic, err)
	}
	s.b.lifeMu.Lock()
	if s.b.shut {
		s.b.lifeMu.Unlock()
		return nil, ErrClosed
	}
	s.b.consumers.Add(1)
	s.b.lifeMu.Unlock()
	s.wg.Add(1)

	out := make(chan *message.Message)
	c := &consumer{
		s:      s,
		topic:  topic,
		out:    out,
		token:  s.b.token(topic, s.cfg.ConsumerGroup),
		logger: s.logger.With(watermill.LogFields{"topic": topic}),
	}
	go func() {
		defer s.b.consumers.Done()
		defer s.wg.Done()
		defer close(out)
		c.run(ctx)
	}()
	return out, nil
}

// Close ends every subscription of this Subscriber and waits until their
// channels are closed. Acks given before Close returns are committed.
func (s *Subscriber) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

type consumer struct {
	s      *Subscriber
	topic  string
	out    chan<- *message.Message
	token  chan struct{}
	logger watermill.LoggerAdapter
}

// run delivers messages until ctx, the Subscriber or the Broker is done.
func (c *consumer) run(ctx context.Context) {
	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-c.s.closing:
		case <-c.s.b.closing:
		}
		close(stop)
	}()
	// run returns only after stop is closed, so the goroutine above ends.
	for {
		select {
		case c.token <- struct{}{}:
		case <-stop:
			return
		}
		more := c.one(ctx, stop)
		<-c.token
		if !more {
			<-stop
			return
		}
	}
}

// one delivers the group's next message while holding the group token and
// waits for its Ack or Nack. It returns false when the consumer must stop.
func (c *consumer) one(ctx context.Context, stop <-chan struct{}) bool {
	var (
		seq uint64
		msg *message.Message
	)
	for {
		sig := c.s.b.signal(c.topic) // before reading: a publish after the read closes it
		var (
			ok  bool
			err error
		)
		seq, msg, ok, err = c.s.b.next(c.topic, c.s.cfg.ConsumerGroup)
		switch {
		case errors.Is(err, ErrCorrupt):
			// Nothing can ever deliver it; holding the group forever would
			// stop every later message.
			c.logger.Error("skipping undecodable message", err, watermill.LogFields{"seq": seq})
			if err := c.s.b.ack(c.topic, c.s.cfg.ConsumerGroup, seq); err != nil {
				c.logger.Error("cannot skip undecodable message", err, watermill.LogFields{"seq": seq})
				return sleep(stop, time.Second)
			}
			continue
		case err != nil:
			c.logger.Error("cannot read next message", err, nil)
			return sleep(stop, time.Second)
		}
		if ok {
			break
		}
		select {
		case <-sig:
		case <-stop:
			return false
		}
	}

	msgCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	msg.SetContext(msgCtx)
	fields := watermill.LogFields{"message_uuid": msg.UUID, "seq": seq}

	select {
	case c.out <- msg:
	case <-stop:
		return false
	}
	c.logger.Trace("message sent to consumer", fields)

	select {
	case <-msg.Acked():
		return c.commit(stop, seq, fields)
	case <-msg.Nacked():
		c.logger.Trace("message nacked, will be delivered again", fields)
		if c.s.cfg.NackResendSleep > 0 {
			return sleep(stop, c.s.cfg.NackResendSleep)
		}
		return true
	case <-stop:
		select {
		case <-msg.Acked():
			c.commit(stop, seq, fields)
		default:
		}
		return false
	}
}

// commit stores the group's new offset. If that fails the message will be
// delivered again: at-least-once.
func (c *consumer) commit(stop <-chan struct{}, seq uint64, fields watermill.LogFields) bool {
	if err := c.s.b.ack(c.topic, c.s.cfg.ConsumerGroup, seq); err != nil {
		if errors.Is(err, ErrClosed) {
			return false
		}
		c.logger.Error("cannot commit offset; message will be delivered again", err, fields)
		return sleep(stop, time.Second)
	}
	c.logger.Trace("message acked", fields)
	return true
}

// sleep waits d; it returns false if stop fires first.
func sleep(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}
