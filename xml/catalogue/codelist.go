package catalogue

import (
	"bytes"
	"embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

//go:embed codelists/*.xml
var builtinLists embed.FS

// Namespaces of the genericode files.
const (
	NSGenericode = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
	NSXoevCL4    = "http://xoev.de/schemata/genericode/4"
	// NSCodelistAppinfo is xgate's namespace for the AppInfo of a code list
	// (XSD code type, English description, real counterpart).
	NSCodelistAppinfo = "urn:xgate:de:codeliste:1"
)

// Kind says how a code list relates to the real XÖV lists.
type Kind string

const (
	// KindMirror: the list is a real list (XAusländer, XInneres, DESTATIS,
	// KoSIT) with the real URI, version, codes and meanings.
	KindMirror Kind = "spiegel"
	// KindOwn: xgate's own list, in xgate's URI space.
	KindOwn Kind = "eigen"
)

// CodeList is one code list as read from its genericode file: its
// identification, its validity and its values.
type CodeList struct {
	URI       string // CanonicalUri
	Version   string // Version, "1", "2024-08-01", "2.1"
	ValidFrom string // xoev-cl-4:validFrom, YYYY-MM-DD
	ShortName string
	LongName  string
	Agency    string // Agency/LongName
	DE, EN    string // descriptions
	// Type is the XSD code type bound to the list, "Code.Geschlecht".
	Type string
	// CodeTypeKind is the XÖV code type kind: "1" (values enumerated and
	// version fixed in the schema) or "3" (version given in the instance).
	CodeTypeKind string
	Kind         Kind
	// Counterpart names the real list this one mirrors, or says that it
	// is xgate's own design and which real list (if any) it must not be
	// confused with.
	Counterpart string
	File        string // file the list was read from
	Columns     []string
	Values      []CodeValue
	index       map[string]int
}

// CodeValue is one entry of a code list.
type CodeValue struct {
	Code string
	Name string
	// Extra holds the other columns by column id.
	Extra map[string]string
}

// CanonicalVersionURI returns uri_version.
func (l *CodeList) CanonicalVersionURI() string { return l.URI + "_" + l.Version }

// Has reports whether code is a value of l. Codes compare exactly.
func (l *CodeList) Has(code string) bool { _, ok := l.index[code]; return ok }

// Name returns the name of code, or "".
func (l *CodeList) Name(code string) string {
	if i, ok := l.index[code]; ok {
		return l.Values[i].Name
	}
	return ""
}

// Value returns the entry for code.
func (l *CodeList) Value(code string) (CodeValue, bool) {
	i, ok := l.index[code]
	if !ok {
		return CodeValue{}, false
	}
	return l.Values[i], true
}

// ValidOn reports whether the list is valid on day d (its validFrom is not
// after d).
func (l *CodeList) ValidOn(d time.Time) bool {
	from, err := time.Parse(time.DateOnly, l.ValidFrom)
	return err == nil && !from.After(d)
}

// CodeLists is a set of code lists keyed by URI and version. It is
// immutable and safe for concurrent use.
type CodeLists struct {
	lists  []*CodeList
	byKey  map[string]*CodeList // uri + "\x00" + version
	byURI  map[string][]*CodeList
	byType map[string][]*CodeList
}

// Well-known code list URIs used by the header and by several groups.
const (
	ListNachrichtentyp       = "urn:xgate:de:codeliste:nachrichtentyp"
	ListVerzeichnisdienst    = "urn:xoev-de:kosit:codeliste:verzeichnisdienst"
	ListFehlercode           = "urn:de:xinneres:codeliste:fehlercodes"
	ListErreichbarkeit       = "urn:de:xoev:codeliste:erreichbarkeit"
	ListGeschlecht           = "urn:xoev-de:xinneres:codeliste:geschlecht"
	ListStaatsangehoerigkeit = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit"
	ListStaat                = "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat"
	ListDublinPartnerstaaten = "urn:xoev-de:xauslaender:codeliste:asyl.dublinpartnerstaaten"
)

// BuiltinCodeLists returns the code lists shipped in the binary.
func BuiltinCodeLists() (*CodeLists, error) {
	return LoadCodeLists(builtinLists, "codelists")
}

// LoadCodeLists reads every *.xml genericode file in dir of fsys.
func LoadCodeLists(fsys fs.FS, dir string) (*CodeLists, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("catalogue: read code lists: %w", err)
	}
	cl := &CodeLists{byKey: map[string]*CodeList{}, byURI: map[string][]*CodeList{}, byType: map[string][]*CodeList{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
			continue
		}
		p := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("catalogue: %w", err)
		}
		l, err := ParseGenericode(data)
		if err != nil {
			return nil, fmt.Errorf("catalogue: code list %s: %w", p, err)
		}
		l.File = e.Name()
		key := l.URI + "\x00" + l.Version
		if prev, dup := cl.byKey[key]; dup {
			return nil, fmt.Errorf("catalogue: code list %s %s defined in %s and %s", l.URI, l.Version, prev.File, l.File)
		}
		if others := cl.byType[l.Type]; len(others) > 0 && others[0].URI != l.URI {
			return nil, fmt.Errorf("catalogue: code type %s bound to %s (%s) and %s (%s)", l.Type, others[0].URI, others[0].File, l.URI, l.File)
		}
		cl.byKey[key] = l
		cl.byURI[l.URI] = append(cl.byURI[l.URI], l)
		cl.byType[l.Type] = append(cl.byType[l.Type], l)
		cl.lists = append(cl.lists, l)
	}
	slices.SortFunc(cl.lists, func(a, b *CodeList) int {
		return strings.Compare(a.URI+"\x00"+a.Version, b.URI+"\x00"+b.Version)
	})
	for _, ls := range cl.byURI {
		slices.SortFunc(ls, func(a, b *CodeList) int { return strings.Compare(a.ValidFrom, b.ValidFrom) })
	}
	return cl, nil
}

// genericode is the subset of OASIS genericode 1.0 with the XÖV
// annotations (xoev-cl-4) that xgate reads and writes.
type genericode struct {
	XMLName    xml.Name `xml:"http://docs.oasis-open.org/codelist/ns/genericode/1.0/ CodeList"`
	Annotation struct {
		Description struct {
			ShortName   string `xml:"http://xoev.de/schemata/genericode/4 shortName"`
			Description string `xml:"http://xoev.de/schemata/genericode/4 codelistDescription"`
			Agency      string `xml:"http://xoev.de/schemata/genericode/4 agencyShortName"`
			ValidFrom   string `xml:"http://xoev.de/schemata/genericode/4 validFrom"`
		} `xml:"Description"`
		AppInfo struct {
			CodeType struct {
				Kind string `xml:"art,attr"`
				Name string `xml:",chardata"`
			} `xml:"urn:xgate:de:codeliste:1 codetyp"`
			EN          string `xml:"urn:xgate:de:codeliste:1 beschreibungEN"`
			Counterpart struct {
				Kind string `xml:"art,attr"`
				Text string `xml:",chardata"`
			} `xml:"urn:xgate:de:codeliste:1 gegenstueck"`
		} `xml:"AppInfo"`
	} `xml:"Annotation"`
	Identification struct {
		ShortName           string `xml:"ShortName"`
		LongName            string `xml:"LongName"`
		Version             string `xml:"Version"`
		CanonicalURI        string `xml:"CanonicalUri"`
		CanonicalVersionURI string `xml:"CanonicalVersionUri"`
		Agency              struct {
			LongName string `xml:"LongName"`
		} `xml:"Agency"`
	} `xml:"Identification"`
	ColumnSet struct {
		Columns []struct {
			ID  string `xml:"Id,attr"`
			Use string `xml:"Use,attr"`
		} `xml:"Column"`
		Key struct {
			Ref struct {
				Ref string `xml:"Ref,attr"`
			} `xml:"ColumnRef"`
		} `xml:"Key"`
	} `xml:"ColumnSet"`
	Rows []struct {
		Values []struct {
			Ref   string `xml:"ColumnRef,attr"`
			Value string `xml:"SimpleValue"`
		} `xml:"Value"`
	} `xml:"SimpleCodeList>Row"`
}

var (
	dateRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	tokenRE = regexp.MustCompile(`^\S+( \S+)*$`)
	typeRE  = regexp.MustCompile(`^Code(\.[A-Z][A-Za-z0-9]*)+$`)
)

// ParseGenericode parses one genericode code list. It checks what the
// run-time check relies on: identification (URI, version, canonical
// version URI = uri_version), a validity start, the XSD code type and its
// kind, the kind of the list and its counterpart, a key column and unique,
// non-empty codes.
func ParseGenericode(data []byte) (*CodeList, error) {
	var g genericode
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("not genericode: %w", err)
	}
	id := g.Identification
	a := g.Annotation
	l := &CodeList{
		URI: id.CanonicalURI, Version: id.Version, ValidFrom: a.Description.ValidFrom,
		ShortName: id.ShortName, LongName: id.LongName, Agency: id.Agency.LongName,
		DE: a.Description.Description, EN: strings.TrimSpace(a.AppInfo.EN),
		Type: strings.TrimSpace(a.AppInfo.CodeType.Name), CodeTypeKind: a.AppInfo.CodeType.Kind,
		Kind: Kind(a.AppInfo.Counterpart.Kind), Counterpart: strings.TrimSpace(a.AppInfo.Counterpart.Text),
		index: map[string]int{},
	}
	switch {
	case l.URI == "" || l.Version == "":
		return nil, errors.New("Identification must name CanonicalUri and Version")
	case id.CanonicalVersionURI != l.URI+"_"+l.Version:
		return nil, fmt.Errorf("CanonicalVersionUri %q is not %s_%s", id.CanonicalVersionURI, l.URI, l.Version)
	case !dateRE.MatchString(l.ValidFrom):
		return nil, fmt.Errorf("xoev-cl-4:validFrom %q is not a date YYYY-MM-DD", l.ValidFrom)
	case !typeRE.MatchString(l.Type):
		return nil, fmt.Errorf("AppInfo must name the XSD code type (Code.X), not %q", l.Type)
	case l.CodeTypeKind != "1" && l.CodeTypeKind != "3":
		return nil, fmt.Errorf("code type kind %q must be 1 or 3", l.CodeTypeKind)
	case l.Kind != KindMirror && l.Kind != KindOwn:
		return nil, fmt.Errorf("counterpart kind %q must be %s or %s", l.Kind, KindMirror, KindOwn)
	case l.Counterpart == "":
		return nil, errors.New("AppInfo must describe the real counterpart (or say own design)")
	case l.DE == "" || l.EN == "":
		return nil, errors.New("the list must be described in German (codelistDescription) and English (beschreibungEN)")
	}
	if _, err := time.Parse(time.DateOnly, l.ValidFrom); err != nil {
		return nil, fmt.Errorf("xoev-cl-4:validFrom: %w", err)
	}
	key := g.ColumnSet.Key.Ref.Ref
	if key == "" {
		return nil, errors.New("ColumnSet has no key column")
	}
	for _, c := range g.ColumnSet.Columns {
		l.Columns = append(l.Columns, c.ID)
	}
	if !slices.Contains(l.Columns, key) {
		return nil, fmt.Errorf("key column %q is not a column", key)
	}
	nameCol := ""
	for _, c := range l.Columns {
		if c != key {
			nameCol = c
			break
		}
	}
	for i, r := range g.Rows {
		v := CodeValue{Extra: map[string]string{}}
		for _, val := range r.Values {
			switch val.Ref {
			case key:
				v.Code = val.Value
			case nameCol:
				v.Name = val.Value
			default:
				v.Extra[val.Ref] = val.Value
			}
		}
		switch {
		case v.Code == "":
			return nil, fmt.Errorf("row %d has no code", i+1)
		case !tokenRE.MatchString(v.Code) || strings.ContainsFunc(v.Code, isUnicodeSpace):
			return nil, fmt.Errorf("code %q is not a token", v.Code)
		}
		if _, dup := l.index[v.Code]; dup {
			return nil, fmt.Errorf("code %q appears twice", v.Code)
		}
		l.index[v.Code] = len(l.Values)
		l.Values = append(l.Values, v)
	}
	if len(l.Values) == 0 {
		return nil, errors.New("list has no values")
	}
	return l, nil
}

// isUnicodeSpace reports the space characters other than the ASCII space
// (no-break space and the other Unicode spaces), which no code may hold.
func isUnicodeSpace(r rune) bool {
	switch r {
	case '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\t', '\n', '\r':
		return true
	}
	return r >= '\u2000' && r <= '\u200b'
}

// Lists returns all lists ordered by URI and version.
func (c *CodeLists) Lists() []*CodeList { return slices.Clone(c.lists) }

// Get returns the list with that URI and version.
func (c *CodeLists) Get(uri, version string) (*CodeList, bool) {
	l, ok := c.byKey[uri+"\x00"+version]
	return l, ok
}

// Versions returns the known versions of the list uri, oldest first.
func (c *CodeLists) Versions(uri string) []string {
	var out []string
	for _, l := range c.byURI[uri] {
		out = append(out, l.Version)
	}
	return out
}

// Latest returns the version of uri with the latest validity start.
func (c *CodeLists) Latest(uri string) (*CodeList, bool) {
	ls := c.byURI[uri]
	if len(ls) == 0 {
		return nil, false
	}
	return ls[len(ls)-1], true
}

// CurrentOn returns the version of uri valid on day d: the one with the
// latest validity start not after d.
func (c *CodeLists) CurrentOn(uri string, d time.Time) (*CodeList, bool) {
	ls := c.byURI[uri]
	for i := len(ls) - 1; i >= 0; i-- {
		if ls[i].ValidOn(d) {
			return ls[i], true
		}
	}
	return nil, false
}

// ByType returns the list bound to the XSD code type name ("Code.Geschlecht"),
// in its latest version.
func (c *CodeLists) ByType(typ string) (*CodeList, bool) {
	ls := c.byType[typ]
	if len(ls) == 0 {
		return nil, false
	}
	return c.Latest(ls[0].URI)
}
