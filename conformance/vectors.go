package conformance

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/xgate/xgate/xml/errcode"
)

//go:embed testdata/vectors
var vectorFS embed.FS

const vectorRoot = "testdata/vectors"

// Vector is one test message.
type Vector struct {
	Type  string // type code, "090009"
	Name  string // file name
	Path  string // path below testdata/vectors, "090009/valid/erstmeldung.xml"
	Valid bool
	// WantCode is the code an invalid vector must draw.
	WantCode errcode.Code
	// WantRule is the business rule an invalid vector must violate, or "".
	WantRule string
	// WantWarning is the rule of severity warn whose warning a valid vector
	// named "WARN-<RULE-ID>-<what>.xml" must draw; "" for a plain valid
	// vector, which must draw no warning at all.
	WantWarning string
	Data        []byte
}

var ruleToken = regexp.MustCompile(`^[A-Z][A-Z0-9]*$`)

// ParseVectorName reads the expectation encoded in an invalid vector's file
// name: "S020-HDR-UUID-uppercase.xml" → S020, "HDR-UUID".
func ParseVectorName(name string) (errcode.Code, string, error) {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".xml")
	parts := strings.Split(base, "-")
	code := errcode.Code(parts[0])
	if !code.Valid() {
		return "", "", fmt.Errorf("conformance: vector %s: %q is not an error code", name, parts[0])
	}
	var rule []string
	for _, p := range parts[1:] {
		if !ruleToken.MatchString(p) {
			break
		}
		rule = append(rule, p)
	}
	return code, strings.Join(rule, "-"), nil
}

// warnPrefix starts the name of a valid vector that must draw a warning.
const warnPrefix = "WARN-"

// ParseWarningName reads the rule a valid vector named
// "WARN-ASYL-FRIST-fourteen-days.xml" must warn about ("ASYL-FRIST"); ""
// for a name without the prefix.
func ParseWarningName(name string) (string, error) {
	if !strings.HasPrefix(name, warnPrefix) {
		return "", nil
	}
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".xml")
	var rule []string
	for _, p := range strings.Split(strings.TrimPrefix(base, warnPrefix), "-") {
		if !ruleToken.MatchString(p) {
			break
		}
		rule = append(rule, p)
	}
	if len(rule) == 0 {
		return "", fmt.Errorf("conformance: vector %s: WARN- must be followed by a rule id", name)
	}
	return strings.Join(rule, "-"), nil
}

// Vectors returns every embedded vector, ordered by path.
func Vectors() ([]Vector, error) {
	var out []Vector
	err := fs.WalkDir(vectorFS, vectorRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, vectorRoot+"/")
		parts := strings.Split(rel, "/")
		if len(parts) != 3 {
			return fmt.Errorf("conformance: vector %s is not <type>/<valid|invalid>/<file>", rel)
		}
		data, err := vectorFS.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".gz") {
			// Large vectors (an oversized attachment) are stored compressed.
			if data, err = gunzip(data); err != nil {
				return fmt.Errorf("conformance: vector %s: %w", rel, err)
			}
		}
		v := Vector{Type: parts[0], Name: parts[2], Path: rel, Data: data}
		switch parts[1] {
		case "valid":
			v.Valid = true
			if v.WantWarning, err = ParseWarningName(v.Name); err != nil {
				return err
			}
		case "invalid":
			if v.WantCode, v.WantRule, err = ParseVectorName(v.Name); err != nil {
				return err
			}
		default:
			return fmt.Errorf("conformance: vector %s: folder must be valid or invalid", rel)
		}
		out = append(out, v)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 64<<20))
}
