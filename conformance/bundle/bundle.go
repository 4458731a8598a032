package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/schemas"
	"github.com/xgate/xgate/xml/validate"
)

//go:embed CHANGELOG.md
var changelog []byte

// Format is the version of the package layout, raised when a file moves
// or changes meaning.
const Format = 1

// Config says what goes into a package. The zero value is ready to use
// but names the release "dev" and dates it today.
type Config struct {
	// Release is the xgate release that writes the package ("1.2.0").
	// Defaults to "dev".
	Release string
	// Commit is the source revision of the release. Optional.
	Commit string
	// Date is the package date; every file in a zip carries it, so that
	// the same input makes the same bytes. Defaults to today (UTC).
	Date time.Time
	// Vectors are the conformance vectors. Defaults to conformance.Vectors().
	Vectors []conformance.Vector
	// Rules are the business rules. Defaults to validate.DefaultRules().
	Rules []validate.Rule
}

func (c *Config) setDefaults() error {
	if c.Release == "" {
		c.Release = "dev"
	}
	if c.Date.IsZero() {
		c.Date = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if c.Vectors == nil {
		vs, err := conformance.Vectors()
		if err != nil {
			return err
		}
		c.Vectors = vs
	}
	if c.Rules == nil {
		c.Rules = validate.DefaultRules()
	}
	return nil
}

// Schema verdicts of a vector in the index: what a plain XSD validator
// (no business rules, no directory) says of it.
const (
	SchemaValid   = "valid"   // the XSD accepts it: valid vectors, and those a rule or the directory refuses
	SchemaInvalid = "invalid" // the XSD refuses it (X001 without rule)
	SchemaNA      = "n/a"     // refused before the XSD: hardened parse (X000, S001), standard and version (V000)
)

// IndexEntry is one vector in vectors/index.json.
type IndexEntry struct {
	Path        string        `json:"path"` // below vectors/
	Type        string        `json:"type"`
	Category    string        `json:"category"`
	Description string        `json:"description"`
	Expect      report.Expect `json:"expect"`
	// Schema is what a plain XSD validator says (SchemaValid, …).
	Schema string `json:"schema"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// SchemaVerdict says what a plain XSD validator says of v.
func SchemaVerdict(v conformance.Vector) string {
	switch v.Category() {
	case conformance.CatParse, conformance.CatVersion:
		return SchemaNA
	case conformance.CatSchema:
		return SchemaInvalid
	}
	return SchemaValid
}

// sink receives the package's files.
type sink interface {
	put(name string, data []byte) error
}

// WriteDir writes the package into dir, which is created; an existing dir
// must be empty.
func WriteDir(ctx context.Context, dir string, cfg Config) (*Manifest, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("bundle: %s is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return write(ctx, dirSink(dir), cfg)
}

// WriteZip writes the package as a zip archive to w; every entry sits
// below a folder named after the release ("xgate-conformance-1.2.0/").
func WriteZip(ctx context.Context, w io.Writer, cfg Config) (*Manifest, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	m, err := write(ctx, &zipSink{zw: zw, prefix: Folder(cfg.Release) + "/", date: cfg.Date}, cfg)
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: zip: %w", err)
	}
	return m, nil
}

// Folder is the top folder of a zip package: "xgate-conformance-<release>".
func Folder(release string) string {
	return "xgate-conformance-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, release)
}

type dirSink string

func (d dirSink) put(name string, data []byte) error {
	p := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

type zipSink struct {
	zw     *zip.Writer
	prefix string
	date   time.Time
}

func (z *zipSink) put(name string, data []byte) error {
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: z.prefix + name, Method: zip.Deflate, Modified: z.date})
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Manifest lists what a package holds.
type Manifest struct {
	Release string
	Files   []string // in the order written, SHA256SUMS last
	Vectors int
	Types   int
	Rules   int
}

// collector records the files it passes on and their digests.
type collector struct {
	sink
	files []string
	sums  []string
}

func (c *collector) put(name string, data []byte) error {
	if err := c.sink.put(name, data); err != nil {
		return fmt.Errorf("bundle: %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	c.files = append(c.files, name)
	c.sums = append(c.sums, hex.EncodeToString(sum[:])+"  "+name)
	return nil
}

func write(ctx context.Context, s sink, cfg Config) (*Manifest, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	cat := catalogue.New()
	lists, err := catalogue.BuiltinCodeLists()
	if err != nil {
		return nil, err
	}
	model, err := schemas.NewModel()
	if err != nil {
		return nil, err
	}
	c := &collector{sink: s}
	steps := []func() error{
		func() error { return c.put("VERSION", versionFile(cfg, cat)) },
		func() error { return c.put("CHANGELOG.md", changelog) },
		func() error { return c.put("README.md", readme(cfg, cat)) },
		func() error { return copyFS(c, schemas.FS(), "schemas/", ".xsd") },
		func() error { return copyFS(c, catalogue.BuiltinCodeListFS(), "codelists/", ".xml") },
		func() error { return c.put("codelists/README.md", codeListIndex(lists)) },
		func() error { return c.put("mapping.md", catalogue.MappingMarkdown()) },
		func() error { return writeRules(c, cfg) },
		func() error { return writeVectors(ctx, c, cfg) },
		func() error { return writeTypePages(ctx, c, cfg, cat, lists, model) },
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := step(); err != nil {
			return nil, err
		}
	}
	sums := strings.Join(c.sums, "\n") + "\n"
	if err := s.put("SHA256SUMS", []byte(sums)); err != nil {
		return nil, fmt.Errorf("bundle: SHA256SUMS: %w", err)
	}
	return &Manifest{Release: cfg.Release, Files: append(c.files, "SHA256SUMS"), Vectors: len(cfg.Vectors),
		Types: len(cat.Types()), Rules: len(cfg.Rules)}, nil
}

func versionFile(cfg Config, cat *catalogue.Catalogue) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package: xgate conformance package\nformat: %d\nrelease: %s\n", Format, cfg.Release)
	if cfg.Commit != "" {
		fmt.Fprintf(&b, "commit: %s\n", cfg.Commit)
	}
	fmt.Fprintf(&b, "date: %s\nstandard: %s\nstandardVersion: %s\nnamespace: %s\ntypes: %d\nvectors: %d\nrules: %d\n",
		cfg.Date.Format("2006-01-02"), schemas.Standard, schemas.Version, schemas.NSMessages, len(cat.Types()), len(cfg.Vectors), len(cfg.Rules))
	return b.Bytes()
}

func copyFS(c *collector, fsys fs.FS, dir, ext string) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ext) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return err
		}
		if err := c.put(dir+e.Name(), data); err != nil {
			return err
		}
	}
	return nil
}

func writeRules(c *collector, cfg Config) error {
	entries := conformance.RuleCatalogue(cfg.Rules, cfg.Vectors)
	js, err := conformance.RuleCatalogueJSON(entries)
	if err != nil {
		return err
	}
	if err := c.put("rules/rules.json", js); err != nil {
		return err
	}
	return c.put("rules/rules.md", conformance.RuleCatalogueMarkdown(entries))
}

// writeVectors writes every vector (decompressed) below vectors/ and the
// index of expectations as JSON and CSV.
func writeVectors(ctx context.Context, c *collector, cfg Config) error {
	index := make([]IndexEntry, 0, len(cfg.Vectors))
	for _, v := range cfg.Vectors {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := strings.TrimSuffix(v.Path, ".gz")
		if err := c.put("vectors/"+p, v.Data); err != nil {
			return err
		}
		sum := sha256.Sum256(v.Data)
		index = append(index, IndexEntry{Path: p, Type: v.Type, Category: v.Category(), Description: v.Description(),
			Expect: v.Expect(), Schema: SchemaVerdict(v), SHA256: hex.EncodeToString(sum[:]), Size: len(v.Data)})
	}
	js, err := json.MarshalIndent(map[string]any{
		"description": "xgate conformance vectors: the verdict each must draw (accept, accept-with-warnings, reject with code and rule) and what a plain XSD validator says of it (schema: valid, invalid, n/a = refused before the XSD).",
		"vectors":     index,
	}, "", "  ")
	if err != nil {
		return err
	}
	if err := c.put("vectors/index.json", append(js, '\n')); err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"path", "type", "category", "verdict", "code", "rule", "warning", "schema", "description", "sha256"})
	for _, e := range index {
		_ = w.Write([]string{e.Path, e.Type, e.Category, string(e.Expect.Verdict), string(e.Expect.Code), e.Expect.Rule, e.Expect.Warning, e.Schema, e.Description, e.SHA256})
	}
	w.Flush()
	return c.put("vectors/index.csv", b.Bytes())
}

func codeListIndex(lists *catalogue.CodeLists) []byte {
	var b bytes.Buffer
	b.WriteString("# Code lists\n\nGenericode 1.0 files with XÖV annotations; the version is part of every code in a message\n")
	b.WriteString("(`listURI`, `listVersionID`). A receiver answers S010 for an unknown list or version and S011 for\n")
	b.WriteString("an unknown code. `mapping.md` says which real list each mirrors.\n\n")
	b.WriteString("| file | list URI | version | valid from | code type | kind | values |\n|---|---|---|---|---|---|---|\n")
	ls := lists.Lists()
	sort.Slice(ls, func(i, j int) bool { return ls[i].File < ls[j].File })
	for _, l := range ls {
		fmt.Fprintf(&b, "| [%s](%s) | %s | %s | %s | %s (Typ %s) | %s | %d |\n", l.File, l.File, l.URI, l.Version, l.ValidFrom, l.Type, l.CodeTypeKind, l.Kind, len(l.Values))
	}
	return b.Bytes()
}

func readme(cfg Config, cat *catalogue.Catalogue) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# xgate conformance package %s\n\n", cfg.Release)
	fmt.Fprintf(&b, "Standard %s version %s (namespace `%s`), packaged %s by xgate %s.\n",
		schemas.Standard, schemas.Version, schemas.NSMessages, cfg.Date.Format("2006-01-02"), cfg.Release)
	b.WriteString(`Everything a vendor of case-management or partner software needs to produce and check xgate
messages on their own machine.

| path | what |
|---|---|
| VERSION | release, date, standard and version, counts (key: value) |
| CHANGELOG.md | what changed, per standard version |
| schemas/ | the XSDs; xauslaender.xsd includes every message group (no network access needed) |
| codelists/ | the code lists as genericode files, with an index |
| rules/ | the business rules: id, severity (reject or warn), XÖV code, text, legal source, types, vectors |
| types/ | one page per message type: purpose, roles, legal basis, answers and deadline, fields, rules, vectors |
| mapping.md | xgate ↔ the real standards (XAusländer / XInneres 26.11, DESTATIS): types and code lists |
| vectors/ | sample messages per type, valid/ and invalid/, with index.json and index.csv: the expected verdict, code and rule of each |
| SHA256SUMS | the SHA-256 of every file (sha256sum -c SHA256SUMS) |

## Checking messages

A plain XSD validator checks the schema stage only:

    xmllint --noout --nonet --schema schemas/xauslaender.xsd message.xml

The full check (hardened parse, standard and version, XSD, business rules, roles) is xgate's:

    xgate conformance check message.xml            # accept, accept with warnings or reject, with every reason
    xgate conformance check vectors                # every vector must draw the verdict index.json states
    xgate conformance serve --check-only           # the same as an HTTP service (200 / 406 / 422)

An invalid vector's file name states what it must draw: ` + "`<CODE>-<RULE>-<what>.xml`" + ` (a business rule) or
` + "`<CODE>-<what>.xml`" + ` (the schema, the parse, the directory); a valid vector named ` + "`WARN-<RULE>-<what>.xml`" + `
must be accepted with warnings of that rule. Roles are checked against the directory: the vectors are
written for the development participants (abh azr:999901, mb ags:08999001, azr dbs:499990020000,
bamf dbs:499990030000, ba dbs:499990040000, jc opt:99901, test dbs:499990990000).

## Message types

| type | root element | sender → receiver | page |
|---|---|---|---|
`)
	for _, t := range cat.Types() {
		fmt.Fprintf(&b, "| %s | %s | %s → %s | [types/%s.md](types/%s.md) |\n", t.Code, t.Root(), roles(t.From), roles(t.To), t.Code, t.Code)
	}
	return b.Bytes()
}

func roles(rs []catalogue.Role) string {
	if len(rs) == 0 {
		return "any"
	}
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// writeTypePages writes types/<code>.md for every type.
func writeTypePages(ctx context.Context, c *collector, cfg Config, cat *catalogue.Catalogue, lists *catalogue.CodeLists, model *schemas.Model) error {
	for _, t := range cat.Types() {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := typePage(cfg, cat, lists, model, t)
		if err != nil {
			return err
		}
		if err := c.put(path.Join("types", t.Code+".md"), page); err != nil {
			return err
		}
	}
	return nil
}

func typePage(cfg Config, cat *catalogue.Catalogue, lists *catalogue.CodeLists, model *schemas.Model, t catalogue.Type) ([]byte, error) {
	var b bytes.Buffer
	g, _ := cat.Group(t.Group)
	fmt.Fprintf(&b, "# %s %s\n\n%s.\n\n", t.Code, t.Root(), upperFirst(t.Purpose))
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, mdCell(v)) }
	row("type", t.Code)
	row("root element", fmt.Sprintf("`%s` in namespace `%s`", t.Root(), schemas.NSMessages))
	row("group", fmt.Sprintf("%s %s (schemas/%s)", g.Number, g.Name, g.SchemaFile))
	row("sender", roles(t.From))
	row("receiver", roles(t.To))
	row("legal basis", t.LegalBasis)
	var answers []string
	for _, a := range t.Answers {
		if at, ok := cat.Lookup(a); ok {
			answers = append(answers, fmt.Sprintf("[%s %s](%s.md)", a, at.Root(), a))
		}
	}
	ans := "none expected"
	if len(answers) > 0 {
		ans = strings.Join(answers, ", ")
	}
	row("answers", ans+"; a 900010 Rueckweisung is always possible")
	if !t.Deadline.IsZero() {
		row("deadline for the answer", t.Deadline.String()+" (then a 900021 Erinnerung)")
	}
	row("answers another message", yesNo(t.IsAnswer)+map[bool]string{true: " (carries ausloeserUUID)", false: ""}[t.IsAnswer])
	row("real counterpart", t.Counterpart)

	fields, err := model.Fields(t.Root())
	if err != nil {
		return nil, err
	}
	b.WriteString("\n## Fields\n\nFrom the XSD, in document order; n = unbounded. A code names its list (URI and version).\n\n")
	b.WriteString("| occurs | field | type | code list | note |\n|---|---|---|---|---|\n")
	for _, f := range fields {
		list := ""
		if f.CodeType != "" {
			if l, ok := lists.ByType(f.CodeType); ok {
				list = l.URI + " " + l.Version
			}
		}
		var note []string
		if f.Choice != "" {
			note = append(note, "choice "+f.Choice)
		}
		if f.Fixed != "" {
			note = append(note, "fixed "+f.Fixed)
		}
		if f.DE != "" {
			note = append(note, f.DE)
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", f.Occurs(), f.Path, mdCell(f.Type), mdCell(list), mdCell(strings.Join(note, "; ")))
	}

	b.WriteString("\n## Rules\n\nBusiness rules for this type; the rules for every type are in [../rules/rules.md](../rules/rules.md).\n")
	b.WriteString("Then the directory: T070 if the sender's role is not " + roles(t.From) + " or the receiver's not " + roles(t.To) + ", T080 for an unknown receiver.\n\n")
	b.WriteString("| id | severity | code | rule | source |\n|---|---|---|---|---|\n")
	n := 0
	for _, r := range cfg.Rules {
		if slices.Contains(r.Types, t.Code) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, r.Severity, r.Code, mdCell(r.Doc), mdCell(r.Source))
			n++
		}
	}
	if n == 0 {
		b.WriteString("| – | | | only the rules for every type apply | |\n")
	}

	b.WriteString("\n## Vectors\n\n| vector | category | expected verdict | code | rule |\n|---|---|---|---|---|\n")
	for _, v := range cfg.Vectors {
		if v.Type != t.Code {
			continue
		}
		e := v.Expect()
		p := strings.TrimSuffix(v.Path, ".gz")
		fmt.Fprintf(&b, "| [%s](../vectors/%s) | %s | %s | %s | %s |\n", path.Base(p), p, v.Category(), e.Verdict, e.Code, e.Rule+e.Warning)
	}
	return b.Bytes(), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
