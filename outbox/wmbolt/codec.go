package wmbolt

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ThreeDotsLabs/watermill/message"
)

// codecV1 is the first byte of every stored message.
const codecV1 byte = 1

// encode renders a message as
//
//	0x01 | uvarint len, UUID | uvarint n | n × (uvarint len, key, uvarint len, value) | payload
//
// Metadata keys are sorted so that equal messages encode equally.
func encode(m *message.Message) []byte {
	size := 1 + binary.MaxVarintLen64*(2+2*len(m.Metadata)) + len(m.UUID) + len(m.Payload)
	for k, v := range m.Metadata {
		size += len(k) + len(v)
	}
	b := make([]byte, 0, size)
	b = append(b, codecV1)
	b = appendString(b, m.UUID)
	b = binary.AppendUvarint(b, uint64(len(m.Metadata)))
	keys := make([]string, 0, len(m.Metadata))
	for k := range m.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, m.Metadata[k])
	}
	return append(b, m.Payload...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decode is the inverse of encode. It copies out of b, which may be
// memory owned by a bbolt transaction.
func decode(b []byte) (*message.Message, error) {
	if len(b) == 0 || b[0] != codecV1 {
		return nil, fmt.Errorf("%w: unknown format", ErrCorrupt)
	}
	r := reader{b: b[1:]}
	id := r.string()
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) { // every pair takes at least two bytes
		r.err = fmt.Errorf("%w: metadata count %d", ErrCorrupt, n)
	}
	md := make(message.Metadata, min(n, 64))
	for i := uint64(0); i < n && r.err == nil; i++ {
		k := r.string()
		md[k] = r.string()
	}
	if r.err != nil {
		return nil, r.err
	}
	m := message.NewMessage(id, slices.Clone(r.b))
	m.Metadata = md
	return m, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("%w: bad length", ErrCorrupt)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("%w: truncated", ErrCorrupt)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
