package message_test

import (
	"os"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/message"
)

// BenchmarkParse parses the 5 KB vector 090004/valid/gesamtauskunft-duldung.xml
// with the scanner (Parse) and with the encoding/xml reference it
// replaced.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../conformance/testdata/vectors/090004/valid/gesamtauskunft-duldung.xml")
	if err != nil {
		b.Fatal(err)
	}
	benchParsers(b, data)
}

// BenchmarkParseLarge parses the largest conformance vector (a 4 MiB
// attachment in one element).
func BenchmarkParseLarge(b *testing.B) {
	vs, err := conformance.Vectors()
	if err != nil {
		b.Fatal(err)
	}
	var data []byte
	for _, v := range vs {
		if len(v.Data) > len(data) {
			data = v.Data
		}
	}
	benchParsers(b, data)
}

// BenchmarkParseVectors parses every conformance vector under 1 MB once
// per iteration (about 250 messages of 1–10 KB, valid and invalid).
func BenchmarkParseVectors(b *testing.B) {
	vs, err := conformance.Vectors()
	if err != nil {
		b.Fatal(err)
	}
	var all [][]byte
	var total int64
	for _, v := range vs {
		if len(v.Data) < 1<<20 {
			all = append(all, v.Data)
			total += int64(len(v.Data))
		}
	}
	for _, p := range []struct {
		name  string
		parse func([]byte, message.Limits) (*message.Message, error)
	}{
		{"scanner", message.Parse},
		{"reference", message.ReferenceParse},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range all {
					p.parse(d, message.Limits{}) // some vectors are refused
				}
			}
		})
	}
}

func benchParsers(b *testing.B, data []byte) {
	for _, p := range []struct {
		name  string
		parse func([]byte, message.Limits) (*message.Message, error)
	}{
		{"scanner", message.Parse},
		{"reference", message.ReferenceParse},
	} {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(data, message.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
