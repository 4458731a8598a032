package catalogue

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

//go:embed codelists/*.csv
var builtinLists embed.FS

// CodeList is one code list: its URI, version, the name of the XSD code
// type bound to it, German and English descriptions, and its values.
type CodeList struct {
	URI     string
	Version string
	Type    string // XSD type name, "Code.Geschlecht"
	DE, EN  string // descriptions
	File    string // file the list was read from
	Values  []CodeValue
	index   map[string]int
}

// CodeValue is one entry of a code list.
type CodeValue struct {
	Code string
	Name string
}

// Has reports whether code is a value of l.
func (l *CodeList) Has(code string) bool { _, ok := l.index[code]; return ok }

// Name returns the name of code, or "".
func (l *CodeList) Name(code string) string {
	if i, ok := l.index[code]; ok {
		return l.Values[i].Name
	}
	return ""
}

// CodeLists is a set of code lists keyed by URI and version. It is
// immutable and safe for concurrent use.
type CodeLists struct {
	lists []*CodeList
	byKey map[string]*CodeList // uri + "\x00" + version
	byURI map[string][]*CodeList
}

// Well-known code list URIs used by the header and by several groups.
const (
	ListNachrichtentyp    = "urn:xgate:de:codeliste:nachrichtentyp"
	ListVerzeichnisdienst = "urn:xgate:de:codeliste:verzeichnisdienst"
	ListFehlercode        = "urn:xgate:de:codeliste:fehlercode"
)

// BuiltinCodeLists returns the code lists shipped in the binary.
func BuiltinCodeLists() (*CodeLists, error) {
	return LoadCodeLists(builtinLists, "codelists")
}

// LoadCodeLists reads every *.csv file in dir of fsys. The file format is
// a header of "# key: value" lines (uri, version, type, de, en) followed by
// CSV with the columns code,name.
func LoadCodeLists(fsys fs.FS, dir string) (*CodeLists, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("catalogue: read code lists: %w", err)
	}
	cl := &CodeLists{byKey: map[string]*CodeList{}, byURI: map[string][]*CodeList{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("catalogue: %w", err)
		}
		l, err := ParseCodeList(data)
		if err != nil {
			return nil, fmt.Errorf("catalogue: code list %s: %w", p, err)
		}
		l.File = e.Name()
		key := l.URI + "\x00" + l.Version
		if prev, dup := cl.byKey[key]; dup {
			return nil, fmt.Errorf("catalogue: code list %s %s defined in %s and %s", l.URI, l.Version, prev.File, l.File)
		}
		cl.byKey[key] = l
		cl.byURI[l.URI] = append(cl.byURI[l.URI], l)
		cl.lists = append(cl.lists, l)
	}
	slices.SortFunc(cl.lists, func(a, b *CodeList) int {
		return strings.Compare(a.URI+"\x00"+a.Version, b.URI+"\x00"+b.Version)
	})
	return cl, nil
}

var tokenRE = regexp.MustCompile(`^\S+$`)

// ParseCodeList parses one code list file.
func ParseCodeList(data []byte) (*CodeList, error) {
	l := &CodeList{index: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	var body bytes.Buffer
	inHeader := true
	for sc.Scan() {
		line := sc.Text()
		if inHeader && strings.HasPrefix(line, "#") {
			k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "uri":
				l.URI = v
			case "version":
				l.Version = v
			case "type":
				l.Type = v
			case "de":
				l.DE = v
			case "en":
				l.EN = v
			}
			continue
		}
		inHeader = false
		body.WriteString(line)
		body.WriteByte('\n')
	}
	switch {
	case l.URI == "" || l.Version == "" || l.Type == "":
		return nil, errors.New("header must name uri, version and type")
	case l.DE == "" || l.EN == "":
		return nil, errors.New("header must describe the list in German (de) and English (en)")
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 2
	head, err := r.Read()
	if err != nil || head[0] != "code" || head[1] != "name" {
		return nil, fmt.Errorf("first CSV row must be code,name")
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		code := rec[0]
		if !tokenRE.MatchString(code) {
			return nil, fmt.Errorf("code %q is not a token", code)
		}
		if _, dup := l.index[code]; dup {
			return nil, fmt.Errorf("code %q appears twice", code)
		}
		l.index[code] = len(l.Values)
		l.Values = append(l.Values, CodeValue{Code: code, Name: rec[1]})
	}
	if len(l.Values) == 0 {
		return nil, errors.New("list has no values")
	}
	return l, nil
}

// Lists returns all lists ordered by URI and version.
func (c *CodeLists) Lists() []*CodeList { return slices.Clone(c.lists) }

// Get returns the list with that URI and version.
func (c *CodeLists) Get(uri, version string) (*CodeList, bool) {
	l, ok := c.byKey[uri+"\x00"+version]
	return l, ok
}

// Versions returns the known versions of the list uri.
func (c *CodeLists) Versions(uri string) []string {
	var out []string
	for _, l := range c.byURI[uri] {
		out = append(out, l.Version)
	}
	return out
}

// Latest returns the list with the highest version for uri (versions are
// compared as strings of equal shape, "1.0" < "1.1").
func (c *CodeLists) Latest(uri string) (*CodeList, bool) {
	ls := c.byURI[uri]
	if len(ls) == 0 {
		return nil, false
	}
	best := ls[0]
	for _, l := range ls[1:] {
		if l.Version > best.Version {
			best = l
		}
	}
	return best, true
}
