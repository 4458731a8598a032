package wmbolt

import "errors"

// Errors returned by the Broker, Publisher and Subscriber.
var (
	// ErrClosed is returned by every operation after Broker.Close.
	ErrClosed = errors.New("wmbolt: broker closed")
	// ErrPublisherClosed is returned by Publish after Publisher.Close.
	ErrPublisherClosed = errors.New("wmbolt: publisher closed")
	// ErrSubscriberClosed is returned by Subscribe after Subscriber.Close.
	ErrSubscriberClosed = errors.New("wmbolt: subscriber closed")
	// ErrEmptyTopic is returned for an empty topic name.
	ErrEmptyTopic = errors.New("wmbolt: empty topic")
	// ErrInvalidTopic is returned for a topic name that cannot be a bucket.
	ErrInvalidTopic = errors.New("wmbolt: invalid topic")
	// ErrCorrupt is returned when a stored message cannot be decoded.
	ErrCorrupt = errors.New("wmbolt: corrupt stored message")
)
