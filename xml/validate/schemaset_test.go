package validate_test

import (
	"bytes"
	"testing"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

// A SchemaSet over xgate's own schemas accepts every valid vector and
// answers X001 (with the element path) for a schema violation, X000 for
// what the hardened parse refuses.
func TestSchemaSet(t *testing.T) {
	s, err := validate.NewSchemaSet(schemas.FS(), schemas.Driver, "test.validate", message.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vectors, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	var sample []byte
	for _, v := range vectors {
		if !v.Valid {
			continue
		}
		if err := s.Validate(v.Data); err != nil {
			t.Errorf("%s: %v", v.Path, err)
		}
		if v.Type == "020101" && sample == nil {
			sample = v.Data
		}
	}
	bad := bytes.Replace(sample, []byte("<postleitzahl>79999</postleitzahl>"), []byte("<postleitzahl>7999x</postleitzahl>"), 1)
	err = s.Validate(bad)
	var e *errcode.Error
	if !asErr(err, &e) || e.Code != errcode.SchemaInvalid || e.Op != "test.validate" || e.Path == "" || e.Line == 0 {
		t.Fatalf("schema violation: %v", err)
	}
	doctype := append([]byte("<!DOCTYPE x>"), sample...)
	if code, _ := errcode.Of(s.Validate(doctype)); code != errcode.NotWellFormed {
		t.Fatalf("DOCTYPE: %v", code)
	}
}

func asErr(err error, target **errcode.Error) bool {
	e, ok := err.(*errcode.Error)
	if ok {
		*target = e
	}
	return ok
}
