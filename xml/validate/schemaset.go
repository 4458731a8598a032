package validate

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// SchemaSet is a set of XML schemas other than xgate's own (an adapter's
// dialect), parsed once and checked against documents: the schema stage of
// a Validator without the version check and the business rules. It is safe
// for concurrent use; Close frees the parsed schema.
type SchemaSet struct {
	schema *xsd.Schema
	limits message.Limits
	op     string
}

// NewSchemaSet parses the .xsd files at the top of fsys, with driver the
// file that includes or imports the others. Like New, it writes them to a
// private temporary directory, parses from there (xsd.Parse from memory
// leaks and cannot resolve includes) and removes the directory; network
// access is off. op names the operation in the errors Validate returns
// ("xmeld.validate"); lim bounds the hardened parse (zero: the defaults).
func NewSchemaSet(fsys fs.FS, driver, op string, lim message.Limits) (*SchemaSet, error) {
	disableNetwork()
	dir, err := os.MkdirTemp("", "xgate-schemaset-")
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	defer os.RemoveAll(dir)
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("validate: schema set: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".xsd" {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("validate: schema set: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o600); err != nil {
			return nil, fmt.Errorf("validate: schema set: %w", err)
		}
	}
	s, err := xsd.ParseFromFile(filepath.Join(dir, driver))
	if err != nil {
		return nil, fmt.Errorf("validate: parse schema set %s: %w", driver, err)
	}
	if op == "" {
		op = "validate"
	}
	return &SchemaSet{schema: s, limits: lim.WithDefaults(), op: op}, nil
}

// Validate checks data: the hardened parse of package message first (X000,
// S001), then libxml2's schema validation (X001). It returns nil or an
// *errcode.Error for the first finding; its Detail says how many more
// there are. Validate does not keep data.
func (s *SchemaSet) Validate(data []byte) error {
	if _, err := message.Parse(data, s.limits); err != nil {
		return err
	}
	return s.ValidateParsed(data)
}

// ValidateParsed is Validate without the hardened parse, for data the
// caller has just read with message.Parse under the same limits (so that
// libxml2 never sees what the hardened parse refuses). Calling it on
// unchecked input is a mistake.
func (s *SchemaSet) ValidateParsed(data []byte) error {
	doc, err := parseLibxml(data)
	if err != nil {
		return &errcode.Error{Code: errcode.NotWellFormed, Op: s.op, Detail: "libxml2: " + trimLibxmlErr(err)}
	}
	defer doc.Free()
	errs, truncated, ok := validateSchema(s.schema, doc)
	if ok {
		return nil
	}
	first := errs[0]
	detail := first.Msg
	if more := len(errs) - 1; more > 0 || truncated {
		plus := ""
		if truncated {
			plus = "+"
		}
		detail += fmt.Sprintf(" (and %d%s more schema errors)", more, plus)
	}
	return &errcode.Error{Code: errcode.SchemaInvalid, Op: s.op, Line: first.Line, Path: first.Path, Detail: detail}
}

// Close frees the schema. The set must not be used afterwards.
func (s *SchemaSet) Close() error {
	if s.schema != nil {
		s.schema.Free()
		s.schema = nil
	}
	return nil
}
