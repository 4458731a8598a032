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

	"github.com/xgate/xgate/conformance/report"
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

// Categories of vectors: what a vector exercises (Vector.Category).
const (
	CatValid    = "valid"     // accepted without warning
	CatWarning  = "warning"   // accepted with warnings of one rule (WARN-…)
	CatParse    = "parse"     // refused by the hardened parse (X000, S001)
	CatVersion  = "version"   // unknown standard or version (V000)
	CatSchema   = "schema"    // refused by the XSD (X001 without rule)
	CatHeader   = "header"    // refused by a header rule (HDR-…)
	CatCodeList = "code-list" // unknown code list, version or code (S010, S011)
	CatRule     = "rule"      // refused by another business rule
	CatRole     = "role"      // refused by the directory: wrong role, unknown participant (T070, T080)
)

// Categories lists the categories in the order reports show them.
func Categories() []string {
	return []string{CatValid, CatWarning, CatParse, CatVersion, CatSchema, CatHeader, CatCodeList, CatRule, CatRole}
}

// Category says what v exercises (CatValid, CatSchema, …).
func (v Vector) Category() string {
	switch {
	case v.Valid && v.WantWarning != "":
		return CatWarning
	case v.Valid:
		return CatValid
	}
	switch {
	case v.WantCode == errcode.NotWellFormed || v.WantCode == errcode.NotUTF8:
		return CatParse
	case v.WantCode == errcode.VersionUnsupported:
		return CatVersion
	case v.WantCode == errcode.SenderNotAuthorised || v.WantCode == errcode.WrongRecipient:
		return CatRole
	case v.WantCode == errcode.UnknownCodeList || v.WantCode == errcode.UnknownCode:
		return CatCodeList
	case strings.HasPrefix(v.WantRule, "HDR-"):
		return CatHeader
	case v.WantRule == "":
		return CatSchema
	}
	return CatRule
}

// Expect is the verdict v must draw: accept (a plain valid vector), accept
// with warnings of WantWarning, or reject with WantCode (and WantRule).
func (v Vector) Expect() report.Expect {
	switch {
	case v.Valid && v.WantWarning != "":
		return report.Expect{Verdict: report.AcceptWithWarnings, Warning: v.WantWarning}
	case v.Valid:
		return report.Expect{Verdict: report.Accept}
	}
	return report.Expect{Verdict: report.Reject, Code: v.WantCode, Rule: v.WantRule}
}

// Description is what the vector's file name says in words: "two facts"
// of "X001-two-facts.xml".
func (v Vector) Description() string {
	base := strings.TrimSuffix(strings.TrimSuffix(v.Name, ".gz"), ".xml")
	skip := 0
	switch {
	case v.Valid && v.WantWarning != "":
		skip = 1 + len(strings.Split(v.WantWarning, "-"))
	case !v.Valid:
		skip = 1
		if v.WantRule != "" {
			skip += len(strings.Split(v.WantRule, "-"))
		}
	}
	parts := strings.Split(base, "-")
	if skip > len(parts) {
		skip = len(parts)
	}
	return strings.Join(parts[skip:], " ")
}

// Case is v as a report case: its path as ID, its category as kind.
func (v Vector) Case() report.Case {
	return report.Case{ID: v.Path, Type: v.Type, Kind: v.Category(), Title: v.Description(), Source: v.Path, Expect: v.Expect()}
}

// ParseVectorPath reads the expectation of a file laid out as the vectors
// are: ".../<type code>/valid/<name>" or ".../<type code>/invalid/<CODE>[-<RULE>]-<what>.xml"
// (slash-separated). ok is false for a path of another layout; err is set
// for a vector whose name does not parse. The returned Vector has no Data.
func ParseVectorPath(p string) (v Vector, ok bool, err error) {
	parts := strings.Split(p, "/")
	if len(parts) < 3 {
		return Vector{}, false, nil
	}
	typ, folder, name := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	if !typeCode.MatchString(typ) || folder != "valid" && folder != "invalid" {
		return Vector{}, false, nil
	}
	v = Vector{Type: typ, Name: name, Path: typ + "/" + folder + "/" + name, Valid: folder == "valid"}
	if v.Valid {
		v.WantWarning, err = ParseWarningName(name)
	} else {
		v.WantCode, v.WantRule, err = ParseVectorName(name)
	}
	return v, err == nil, err
}

var typeCode = regexp.MustCompile(`^[0-9]{6}$`)
