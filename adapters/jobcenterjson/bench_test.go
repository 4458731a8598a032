package jobcenterjson_test

import (
	"context"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/jobcenterjson"
	"github.com/xgate/xgate/conformance"
)

func BenchmarkJobcenterJSON(b *testing.B) {
	a, err := jobcenterjson.New(nil, adapters.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	vs, _ := conformance.Vectors()
	var in []byte
	for _, v := range vs {
		if v.Valid && v.Type == "920001" {
			in = v.Data
			break
		}
	}
	ctx := context.Background()
	js, err := a.Forward().Translate(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("forward", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for b.Loop() {
			if _, err := a.Forward().Translate(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reverse", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		for b.Loop() {
			if _, err := a.Reverse().Translate(ctx, js); err != nil {
				b.Fatal(err)
			}
		}
	})
}
