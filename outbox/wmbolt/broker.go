package wmbolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket layout (format version 1):
//
//	meta/version                 = 1
//	topics/<topic>/msgs/<seq>    = encoded message, seq an 8-byte big-endian bucket sequence
//	topics/<topic>/groups/g<grp> = 8-byte big-endian offset: the last acknowledged seq
var (
	bktMeta    = []byte("meta")
	bktTopics  = []byte("topics")
	bktMsgs    = []byte("msgs")
	bktGroups  = []byte("groups")
	keyVersion = []byte("version")
)

const formatVersion = 1

// Broker owns one bbolt file and everything that must be shared by the
// Publishers and Subscribers working on it: the single writer goroutine
// that group-commits publishes and acks, the per-topic wake-ups and the
// per-group delivery tokens. Create Publishers and Subscribers with
// NewPublisher and NewSubscriber; they are cheap and may come and go.
//
// A Broker is safe for concurrent use.
type Broker struct {
	db     *bbolt.DB
	cfg    Config
	logger watermill.LoggerAdapter

	reqs       chan writeReq
	stopWriter chan struct{}
	writerDone chan struct{}

	// writeMu: writers hold it for reading while they use the writer;
	// Close takes it for writing before stopping the writer.
	writeMu sync.RWMutex
	closed  bool

	lifeMu    sync.Mutex
	shut      bool           // guarded by lifeMu; no new consumers after Close began
	consumers sync.WaitGroup // running consumer goroutines
	closing   chan struct{}  // closed when Close begins
	closeOnce sync.Once
	closeErr  error

	sigMu   sync.Mutex
	signals map[string]chan struct{} // topic → closed on the next publish
	groups  map[groupKey]chan struct{}
}

type groupKey struct{ topic, group string }

type writeReq struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

// Open opens (or creates) the bbolt file cfg.Path and starts the Broker's
// writer. The file is locked: a second Open of the same file, in this or
// another process, waits cfg.LockTimeout and fails; ctx ends the wait
// early.
func Open(ctx context.Context, cfg Config) (*Broker, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("wmbolt: invalid config: %w", err)
	}
	logger := watermill.NewSlogLogger(cfg.Logger)
	db, err := openLocked(ctx, cfg)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bktMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil {
			if len(v) != 8 || binary.BigEndian.Uint64(v) != formatVersion {
				return fmt.Errorf("unsupported format version %x", v)
			}
		} else if err := meta.Put(keyVersion, itob(formatVersion)); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bktTopics)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("wmbolt: initialise %s: %w", cfg.Path, err)
	}
	b := &Broker{
		db:         db,
		cfg:        cfg,
		logger:     logger.With(watermill.LogFields{"pubsub": "wmbolt"}),
		reqs:       make(chan writeReq),
		stopWriter: make(chan struct{}),
		writerDone: make(chan struct{}),
		closing:    make(chan struct{}),
		signals:    map[string]chan struct{}{},
		groups:     map[groupKey]chan struct{}{},
	}
	go b.writer()
	return b, nil
}

// lockPoll is how long one attempt of openLocked waits for the lock, so
// that a cancelled ctx is noticed within it.
const lockPoll = 50 * time.Millisecond

// openLocked opens the bbolt file, waiting up to cfg.LockTimeout for its
// lock in short attempts and giving up as soon as ctx is done.
func openLocked(ctx context.Context, cfg Config) (*bbolt.DB, error) {
	deadline := time.Now().Add(cfg.LockTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("wmbolt: open %s: %w", cfg.Path, err)
		}
		o := cfg.boltOptions()
		o.Timeout = min(lockPoll, max(time.Until(deadline), time.Millisecond))
		db, err := bbolt.Open(cfg.Path, cfg.FileMode, o)
		if errors.Is(err, berrors.ErrTimeout) && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("wmbolt: open %s: %w", cfg.Path, err)
		}
		return db, nil
	}
}

// Close stops every subscription of every Subscriber of this Broker (their
// channels are closed; unacknowledged messages will be delivered again),
// waits for running publishes and acks to commit, and closes the file.
// Further calls return the first result.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.lifeMu.Lock()
		b.shut = true
		b.lifeMu.Unlock()
		close(b.closing)
		b.consumers.Wait()

		b.writeMu.Lock()
		b.closed = true
		b.writeMu.Unlock()
		close(b.stopWriter)
		<-b.writerDone
		b.closeErr = b.db.Close()
	})
	return b.closeErr
}

// write runs fn in a write transaction shared with whatever other requests
// are waiting (group commit) and returns after the commit's fsync. fn must
// only touch tx: it may run twice (a second time alone, if another request
// of its batch failed).
func (b *Broker) write(fn func(*bbolt.Tx) error) error {
	b.writeMu.RLock()
	defer b.writeMu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	r := writeReq{fn: fn, done: make(chan error, 1)}
	b.reqs <- r
	return <-r.done
}

// writer is the only goroutine that writes to the file. While one commit
// runs, new requests queue up and all go into the next one.
func (b *Broker) writer() {
	defer close(b.writerDone)
	batch := make([]writeReq, 0, b.cfg.MaxBatch)
	for {
		select {
		case <-b.stopWriter:
			return
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		}
	drain:
		for len(batch) < b.cfg.MaxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		err := b.db.Update(func(tx *bbolt.Tx) error {
			for _, r := range batch {
				if err := r.fn(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && len(batch) > 1 {
			// Find the culprit: everyone else deserves their commit.
			for _, r := range batch {
				r.done <- b.db.Update(r.fn)
			}
			continue
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// signal returns a channel that is closed by the next wake(topic).
func (b *Broker) signal(topic string) <-chan struct{} {
	b.sigMu.Lock()
	defer b.sigMu.Unlock()
	ch, ok := b.signals[topic]
	if !ok {
		ch = make(chan struct{})
		b.signals[topic] = ch
	}
	return ch
}

// wake tells the consumers of topic that messages were published.
func (b *Broker) wake(topic string) {
	b.sigMu.Lock()
	defer b.sigMu.Unlock()
	if ch, ok := b.signals[topic]; ok {
		close(ch)
		delete(b.signals, topic)
	}
}

// token returns the delivery token of a consumer group on a topic: a
// one-slot semaphore. Whoever holds it is the only consumer of the group
// with a message in flight, which is what keeps the group in order.
func (b *Broker) token(topic, group string) chan struct{} {
	b.sigMu.Lock()
	defer b.sigMu.Unlock()
	k := groupKey{topic, group}
	t, ok := b.groups[k]
	if !ok {
		t = make(chan struct{}, 1)
		b.groups[k] = t
	}
	return t
}

// append stores msgs at the end of topic in one transaction.
func (b *Broker) append(topic string, msgs []*message.Message) error {
	vals := make([][]byte, len(msgs))
	for i, m := range msgs {
		vals[i] = encode(m)
	}
	err := b.write(func(tx *bbolt.Tx) error {
		tb, err := topicBucket(tx, topic)
		if err != nil {
			return err
		}
		mb := tb.Bucket(bktMsgs)
		for _, v := range vals {
			seq, err := mb.NextSequence()
			if err != nil {
				return err
			}
			if err := mb.Put(itob(seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.wake(topic)
	return nil
}

// register makes group known on topic, so that messages are kept for it
// from now on. A new group starts at the oldest message still stored.
func (b *Broker) register(topic, group string) error {
	gk := groupKeyBytes(group)
	return b.write(func(tx *bbolt.Tx) error {
		tb, err := topicBucket(tx, topic)
		if err != nil {
			return err
		}
		gb := tb.Bucket(bktGroups)
		if gb.Get(gk) != nil {
			return nil
		}
		return gb.Put(gk, itob(0))
	})
}

// ack advances group's offset on topic to seq and deletes the messages
// every registered group has acknowledged.
func (b *Broker) ack(topic, group string, seq uint64) error {
	gk := groupKeyBytes(group)
	return b.write(func(tx *bbolt.Tx) error {
		tb, err := topicBucket(tx, topic)
		if err != nil {
			return err
		}
		gb := tb.Bucket(bktGroups)
		if v := gb.Get(gk); v != nil && btoi(v) >= seq {
			return nil
		}
		if err := gb.Put(gk, itob(seq)); err != nil {
			return err
		}
		low := seq
		if err := gb.ForEach(func(_, v []byte) error {
			low = min(low, btoi(v))
			return nil
		}); err != nil {
			return err
		}
		mb := tb.Bucket(bktMsgs)
		c := mb.Cursor()
		for k, _ := c.First(); k != nil && btoi(k) <= low; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

// next returns the first message after group's offset on topic; ok is false
// when there is none. A message that cannot be decoded is returned as its
// seq with an error wrapping ErrCorrupt.
func (b *Broker) next(topic, group string) (seq uint64, m *message.Message, ok bool, err error) {
	err = b.db.View(func(tx *bbolt.Tx) error {
		root := tx.Bucket(bktTopics)
		if root == nil {
			return nil
		}
		tb := root.Bucket([]byte(topic))
		if tb == nil {
			return nil
		}
		var off uint64
		if v := tb.Bucket(bktGroups).Get(groupKeyBytes(group)); v != nil {
			off = btoi(v)
		}
		k, v := tb.Bucket(bktMsgs).Cursor().Seek(itob(off + 1))
		if k == nil {
			return nil
		}
		seq, ok = btoi(k), true
		var derr error
		m, derr = decode(v)
		return derr
	})
	if err != nil && !errors.Is(err, ErrCorrupt) {
		ok = false
	}
	return seq, m, ok, err
}

func topicBucket(tx *bbolt.Tx, topic string) (*bbolt.Bucket, error) {
	tb, err := tx.Bucket(bktTopics).CreateBucketIfNotExists([]byte(topic))
	if err != nil {
		return nil, fmt.Errorf("topic bucket: %w", err)
	}
	if _, err := tb.CreateBucketIfNotExists(bktMsgs); err != nil {
		return nil, err
	}
	if _, err := tb.CreateBucketIfNotExists(bktGroups); err != nil {
		return nil, err
	}
	return tb, nil
}

// groupKeyBytes prefixes the group name so that the default group "" is a
// valid bbolt key.
func groupKeyBytes(group string) []byte { return append([]byte{'g'}, group...) }

func itob(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func btoi(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
