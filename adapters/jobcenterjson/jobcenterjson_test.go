package jobcenterjson_test

import (
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/jsontest"
	"github.com/xgate/xgate/adapters/jobcenterjson"
)

func TestJobcenterJSON(t *testing.T) {
	jsontest.Run(t, jsontest.Case{
		Spec: jobcenterjson.Spec(), New: jobcenterjson.New, Schemas: jobcenterjson.Schemas(),
		SchemaID: jobcenterjson.SchemaID, Title: "xgate Jobcenter JSON", Seed: 920, Dir: "schema",
	})
}

var _ adapters.Constructor = jobcenterjson.New
