package wmbolt

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
)

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		msg  *message.Message
	}{
		{"empty", message.NewMessage("", nil)},
		{"payload only", message.NewMessage("id-1", []byte("<xml/>"))},
		{"metadata", func() *message.Message {
			m := message.NewMessage("id-2", []byte{0, 1, 2, 255})
			m.Metadata.Set("msg_id", "4f1c")
			m.Metadata.Set("", "empty key")
			m.Metadata.Set("partner", "")
			return m
		}()},
		{"large", message.NewMessage("id-3", bytes.Repeat([]byte("x"), 1<<20))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := encode(tc.msg)
			got, err := decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.UUID != tc.msg.UUID || !bytes.Equal(got.Payload, tc.msg.Payload) || len(got.Metadata) != len(tc.msg.Metadata) {
				t.Fatalf("got %q %d bytes %v, want %q %d bytes %v", got.UUID, len(got.Payload), got.Metadata, tc.msg.UUID, len(tc.msg.Payload), tc.msg.Metadata)
			}
			for k, v := range tc.msg.Metadata {
				if got.Metadata[k] != v {
					t.Errorf("metadata %q = %q, want %q", k, got.Metadata[k], v)
				}
			}
			// decode must copy: changing the stored bytes must not change the message.
			for i := range b {
				b[i] = 0xAA
			}
			if got.UUID != tc.msg.UUID || !bytes.Equal(got.Payload, tc.msg.Payload) {
				t.Fatal("decoded message aliases the stored bytes")
			}
		})
	}
}

func TestCodecDeterministic(t *testing.T) {
	m := message.NewMessage("id", []byte("p"))
	for _, k := range []string{"c", "a", "b", "d", "e"} {
		m.Metadata.Set(k, k+k)
	}
	first := encode(m)
	for range 20 {
		if !bytes.Equal(encode(m), first) {
			t.Fatal("encoding depends on map order")
		}
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good := encode(func() *message.Message {
		m := message.NewMessage("abc", []byte("payload"))
		m.Metadata.Set("k", "v")
		return m
	}())
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{2}, good[1:]...)},
		{"truncated uuid", good[:3]},
		{"uuid length beyond end", []byte{1, 200}},
		{"bad varint", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"metadata count beyond end", []byte{1, 0, 100}},
		{"truncated metadata", good[:len("x")+6]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decode(tc.in); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode(%x) error = %v, want ErrCorrupt", tc.in, err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	m := message.NewMessage("abc", []byte("payload"))
	m.Metadata.Set("k", "v")
	f.Add(encode(m))
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decode(b)
		if err != nil {
			return
		}
		again, err := decode(encode(got))
		if err != nil || again.UUID != got.UUID || !bytes.Equal(again.Payload, got.Payload) || len(again.Metadata) != len(got.Metadata) {
			t.Fatalf("re-encoding changed the message: %v", err)
		}
	})
}
