package message_test

import (
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/message"
)

// Every conformance vector, plain and with CRLF and CR line ends, parses
// to the same tree and lines as with the reference parser, or is refused
// with the same code (see diff_test.go for the named exceptions).
func TestDifferentialVectors(t *testing.T) {
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	for _, v := range vs {
		data = append(data, v.Data)
	}
	for i, d := range message.Corpus(data...) {
		for _, lim := range message.DifferentialLimits {
			if err := message.CompareWithReference(d, lim); err != nil {
				name := "extra"
				if i < len(vs) {
					name = vs[i].Path
				}
				t.Errorf("input %d (%s, limits %+v): %v", i, name, lim, err)
			}
		}
	}
}
