package bajson_test

import (
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/bajson"
	"github.com/xgate/xgate/adapters/internal/jsontest"
)

func TestBAJSON(t *testing.T) {
	jsontest.Run(t, jsontest.Case{
		Spec: bajson.Spec(), New: bajson.New, Schemas: bajson.Schemas(),
		SchemaID: bajson.SchemaID, Title: "xgate BA JSON", Seed: 910, Dir: "schema",
	})
}

var _ adapters.Constructor = bajson.New
