package adaptertest

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSONSchemas compiles every "<code>.schema.json" in fsys and returns a
// check of a JSON document of type code against its schema.
func JSONSchemas(fsys fs.FS) (func(code string, doc []byte) error, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	schemas := map[string]*jsonschema.Schema{}
	for _, e := range entries {
		code, ok := strings.CutSuffix(e.Name(), ".schema.json")
		if !ok {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if err := c.AddResource(e.Name(), doc); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		s, err := c.Compile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		schemas[code] = s
	}
	return func(code string, data []byte) error {
		s, ok := schemas[code]
		if !ok {
			return fmt.Errorf("no JSON Schema for %s", code)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return err
		}
		return s.Validate(doc)
	}, nil
}
