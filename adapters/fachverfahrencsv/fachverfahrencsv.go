package fachverfahrencsv

import (
	"bytes"
	"context"
	"crypto/sha1"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/ours"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/validate"
)

// Name is the adapter's name in a registry.
const Name = "fachverfahren-csv"

//go:embed mapping/spalten.csv
var columnsFile []byte

//go:embed COLUMNS.md
var columnsDoc embed.FS

// Columns returns the column table (mapping/spalten.csv) and COLUMNS.md.
func Columns() (table []byte, doc fs.FS) { return columnsFile, columnsDoc }

// types are the messages a Fachverfahren's rows become.
var types = []string{catalogue.TypeAZRFolgemeldung, catalogue.TypeABHMBMitteilungAZRNummer, catalogue.TypeABHJCStatusmitteilung}

// Settings.
const (
	setAutorKennung        = "autor.kennung"
	setAutorName           = "autor.name"
	setAutorKanal          = "autor.kanal"
	setAutorErreichbarkeit = "autor.erreichbarkeit"
	setAutorStrasse        = "autor.strasse"
	setAutorHausnummer     = "autor.hausnummer"
	setAutorPLZ            = "autor.postleitzahl"
	setAutorOrt            = "autor.ort"
	setProdukt             = "produkt"
	setHersteller          = "produkthersteller"
	setProduktversion      = "produktversion"
	setTest                = "test"
	setMaxBytes            = "max-bytes"
	setMaxRows             = "max-rows"
	setMaxCell             = "max-cell"
)

// Spec describes the adapter.
func Spec() adapters.Spec {
	s := adapters.Spec{
		Name:      Name,
		Summary:   "Fachverfahren CSV export (UTF-8, header row, COLUMNS.md): one row per AZR follow-up registration 090010, AZR-number notice 020114 or Jobcenter status notice 920001; per-row report; resubmission sends nothing twice",
		Partner:   "the ABH's own case-management system (Fachverfahren)",
		Ours:      adapters.FormatXOEV,
		Theirs:    adapters.FormatCSV,
		MediaType: "text/csv; charset=utf-8",
		Batch:     true,
		Fields: []adapters.Field{
			{Name: setAutorKennung, Required: true, Description: "this ABH's directory key (autor/kennung), e.g. azr:999901; part of every row's identity"},
			{Name: setAutorName, Required: true, Description: "this ABH's name (autor/name)"},
			{Name: setAutorErreichbarkeit, Required: true, Description: "how to reach the ABH (autor/erreichbarkeit/kennung), e.g. an e-mail address"},
			{Name: setAutorKanal, Default: "01", Description: "the channel of autor.erreichbarkeit (code list erreichbarkeit: 01 e-mail, 02 telephone, …)"},
			{Name: setAutorStrasse, Required: true, Description: "the ABH's street (anschrift.autor)"},
			{Name: setAutorHausnummer, Description: "the ABH's house number, digits only (anschrift.autor)"},
			{Name: setAutorPLZ, Required: true, Description: "the ABH's postcode (anschrift.autor)"},
			{Name: setAutorOrt, Required: true, Description: "the ABH's town (anschrift.autor)"},
			{Name: setProdukt, Default: "xgate fachverfahren-csv", Description: "root attribute produkt"},
			{Name: setHersteller, Default: "xgate", Description: "root attribute produkthersteller"},
			{Name: setProduktversion, Description: "root attribute produktversion"},
			{Name: setTest, Description: "root attribute test: set it for test data (its text is agreed with the partner)"},
			{Name: setMaxBytes, Default: strconv.Itoa(message.DefaultMaxBytes), Description: "largest file accepted, in bytes"},
			{Name: setMaxRows, Default: "50000", Description: "most rows per file"},
			{Name: setMaxCell, Default: "4000", Description: "longest cell, in characters"},
		},
	}
	cat := catalogue.New()
	for _, c := range types {
		t, _ := cat.Lookup(c)
		s.Types = append(s.Types, adapters.TypeSpec{Code: c, Partner: "row with nachrichtentyp " + c + " (" + t.Name + ")", Directions: []adapters.Direction{adapters.Reverse}})
	}
	return s
}

// Adapter turns CSV rows into messages.
type Adapter struct {
	spec                       adapters.Spec
	ours                       *ours.Side
	cols                       *columnTable
	lists                      *catalogue.CodeLists
	clock                      clock.Clock
	cfg                        adapters.Config
	ns                         [16]byte // rowNamespace
	maxBytes, maxRows, maxCell int
}

// New builds the adapter from its checked settings.
func New(cfg adapters.Config, deps adapters.Deps) (adapters.Adapter, error) {
	a := &Adapter{spec: Spec(), cfg: cfg, clock: clock.Or(deps.Clock), ns: rowNamespace()}
	for _, f := range []struct {
		name string
		dst  *int
	}{{setMaxBytes, &a.maxBytes}, {setMaxRows, &a.maxRows}, {setMaxCell, &a.maxCell}} {
		n, err := strconv.Atoi(cfg[f.name])
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%w: %s: setting %s must be a positive number, not %q", adapters.ErrConfig, Name, f.name, cfg[f.name])
		}
		*f.dst = n
	}
	cols, err := parseColumns(columnsFile)
	if err != nil {
		return nil, err
	}
	lists, err := catalogue.BuiltinCodeLists()
	if err != nil {
		return nil, err
	}
	side, err := ours.New(types, Name, message.Limits{MaxBytes: a.maxBytes})
	if err != nil {
		return nil, err
	}
	a.cols, a.lists, a.ours = cols, lists, side
	if err := a.checkColumns(); err != nil {
		side.Close()
		return nil, err
	}
	return a, nil
}

// checkColumns: every column's path exists in its type, codes are code
// elements, and every value path of a type that no column and no header
// rule fills is optional (nothing the schema demands is forgotten).
func (a *Adapter) checkColumns() error {
	for _, c := range a.cols.cols {
		t, _ := a.ours.Catalog.Lookup(c.typ)
		ty, ok := a.ours.Schema.Type(t.Root())
		if !ok {
			return fmt.Errorf("fachverfahrencsv: spalten.csv line %d: type %s is not translated", c.line, c.typ)
		}
		in, ok := ty.Info(c.path)
		if !ok {
			return fmt.Errorf("fachverfahrencsv: spalten.csv line %d: %s has no %s", c.line, t.Root(), c.path)
		}
		if (c.art == "code" || c.art == "codes") != in.Code {
			return fmt.Errorf("fachverfahrencsv: spalten.csv line %d: %s is art %s but the schema says code=%v", c.line, c.path, c.art, in.Code)
		}
		if c.art == "codes" && !in.Repeat {
			return fmt.Errorf("fachverfahrencsv: spalten.csv line %d: %s does not repeat", c.line, c.path)
		}
	}
	return nil
}

// Spec returns the adapter's spec.
func (a *Adapter) Spec() adapters.Spec { return a.spec }

// Close frees the XSD.
func (a *Adapter) Close() error { return a.ours.Close() }

// Ours returns our side, for tests.
func (a *Adapter) Ours() *ours.Side { return a.ours }

// Forward is not supported: a Fachverfahren only exports.
func (a *Adapter) Forward() adapters.Translator { return adapters.Unsupported(Name, adapters.Forward) }

// Reverse translates a file of exactly one row; a file of several rows
// is ReverseBatch's.
func (a *Adapter) Reverse() adapters.Translator {
	return adapters.TranslatorFunc(func(ctx context.Context, in []byte) ([]byte, error) {
		b, err := a.ReverseBatch(ctx, in)
		if err != nil {
			return nil, err
		}
		if n := len(b.Messages) + len(b.Refused); n != 1 {
			return nil, &adapters.MappingError{Adapter: Name, Direction: adapters.Reverse, Code: errcode.Other,
				Reason: fmt.Sprintf("the file holds %d rows: translate it as a batch (ReverseBatch, xgate translate --out-dir)", n)}
		}
		if len(b.Refused) == 1 {
			return nil, b.Refused[0].Err
		}
		return b.Messages[0].Data, nil
	})
}

func (a *Adapter) fileErr(code errcode.Code, field, value, format string, args ...any) error {
	return &adapters.MappingError{Adapter: Name, Direction: adapters.Reverse, Code: code, Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

// rowErr is a refused row.
func rowErr(line int, col, typ string, code errcode.Code, value, format string, args ...any) adapters.RecordError {
	field := fmt.Sprintf("row %d", line)
	if col != "" {
		field += " column " + col
	}
	return adapters.RecordError{Record: line, Field: col, Err: &adapters.MappingError{Adapter: Name, Direction: adapters.Reverse, Message: typ,
		Code: code, Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}}
}

// ReverseBatch translates every row of a CSV file: see the package doc.
func (a *Adapter) ReverseBatch(ctx context.Context, in []byte) (*adapters.Batch, error) {
	if len(in) > a.maxBytes {
		return nil, a.fileErr(errcode.NotWellFormed, "", "", "the file is %d bytes, the limit is %d", len(in), a.maxBytes)
	}
	data := bytes.TrimPrefix(in, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidAt(data)], []byte("\n"))
		return nil, a.fileErr(errcode.NotUTF8, fmt.Sprintf("row %d", line), "", "the file is not UTF-8 (export it as \"CSV UTF-8\"; Windows-1252 and Latin-1 exports are refused)")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, a.fileErr(errcode.NotUTF8, "", "", "the file contains NUL bytes (UTF-16?): export it as \"CSV UTF-8\"")
	}
	r := csv.NewReader(bytes.NewReader(data))
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		r.Comma = ';' // German spreadsheet exports
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, a.fileErr(errcode.NotWellFormed, "row 1", "", "the file is empty: a header row is required")
	}
	if err != nil {
		return nil, a.fileErr(errcode.NotWellFormed, "row 1", "", "not CSV: %v", err)
	}
	seen := map[string]bool{}
	for _, h := range header {
		switch {
		case !a.cols.names[h]:
			return nil, a.fileErr(errcode.SchemaInvalid, "header", h, "unknown column (COLUMNS.md lists them): a misspelt column would drop its values")
		case seen[h]:
			return nil, a.fileErr(errcode.SchemaInvalid, "header", h, "column given twice")
		}
		seen[h] = true
	}
	for _, c := range []string{colType, colLeser, colLeserName} {
		if !seen[c] {
			return nil, a.fileErr(errcode.SchemaInvalid, "header", c, "required column missing")
		}
	}
	b := &adapters.Batch{}
	uuids := map[string]int{}
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, a.fileErr(errcode.NotWellFormed, fmt.Sprintf("row %d", pe.StartLine), "", "not CSV from here on (%v): nothing of the file was translated", pe.Err)
			}
			return nil, a.fileErr(errcode.NotWellFormed, "", "", "not CSV: %v", err)
		}
		if rows++; rows > a.maxRows {
			return nil, a.fileErr(errcode.Other, "", "", "more than %d rows (setting max-rows): split the file", a.maxRows)
		}
		if rows%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		line, _ := r.FieldPos(0)
		m, rerr := a.row(header, rec, line, uuids)
		if rerr != nil {
			b.Refused = append(b.Refused, *rerr)
			continue
		}
		b.Messages = append(b.Messages, m)
	}
	return b, nil
}

func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return 0
}

// formulaStart are the characters a spreadsheet reads as the start of a
// formula (OWASP CSV injection): a cell starting with one is refused.
const formulaStart = "=+-@\t\r"

// row translates one row.
func (a *Adapter) row(header, rec []string, line int, uuids map[string]int) (adapters.BatchMessage, *adapters.RecordError) {
	fail := func(col, typ string, code errcode.Code, value, format string, args ...any) (adapters.BatchMessage, *adapters.RecordError) {
		e := rowErr(line, col, typ, code, value, format, args...)
		return adapters.BatchMessage{}, &e
	}
	if len(rec) != len(header) {
		return fail("", "", errcode.SchemaInvalid, "", "%d cells, the header has %d", len(rec), len(header))
	}
	typ := ""
	if i := slices.Index(header, colType); i >= 0 && slices.Contains(types, rec[i]) {
		typ = rec[i]
	}
	cells := map[string]string{}
	for i, v := range rec {
		if v == "" {
			continue
		}
		col := header[i]
		if strings.ContainsRune(formulaStart, rune(v[0])) {
			return fail(col, typ, errcode.Other, v, "starts with %q: formula cells are refused (CSV injection)", v[:1])
		}
		if n := utf8.RuneCountInString(v); n > a.maxCell {
			return fail(col, typ, errcode.SchemaInvalid, v, "%d characters, at most %d (setting max-cell)", n, a.maxCell)
		}
		cells[col] = v
	}
	typ = cells[colType]
	kind := cells[colKind]
	cols, known := a.cols.of(typ, kind)
	if !known {
		return fail(colType, typ, errcode.SchemaInvalid, typ, "must be one of %s", strings.Join(types, ", "))
	}
	if kinds := a.cols.kinds(typ); len(kinds) > 0 && !slices.Contains(kinds, kind) {
		return fail(colKind, typ, errcode.SchemaInvalid, kind, "must be one of %s for %s", strings.Join(kinds, ", "), typ)
	} else if len(kinds) == 0 && kind != "" {
		return fail(colKind, typ, errcode.SchemaInvalid, kind, "%s has no kinds of fact: leave the column empty", typ)
	}
	byName := map[string]column{}
	for _, c := range cols {
		byName[c.name] = c
	}
	for _, h := range header {
		v, ok := cells[h]
		if !ok || slices.Contains(fileColumns, h) {
			continue
		}
		if _, ok := byName[h]; !ok {
			return fail(h, typ, errcode.Other, v, "the column does not apply to %s%s: its value would be lost", typ, kindLabel(kind))
		}
	}
	for _, c := range cols {
		if c.required && cells[c.name] == "" {
			return fail(c.name, typ, errcode.MandatoryTextEmpty, "", "required for %s%s", typ, kindLabel(kind))
		}
	}
	id := a.uuid(typ, header, cells)
	if first, dup := uuids[id]; dup {
		return fail("", typ, errcode.Duplicate, "", "the same record as row %d: it is sent once (nachrichtenUUID %s)", first, id)
	}
	ct, _ := a.ours.Catalog.Lookup(typ)
	ty, _ := a.ours.Schema.Type(ct.Root())
	vals, err := a.header(ty, typ, id, cells)
	if err != nil {
		return fail("", typ, errcode.Other, "", "%v", err)
	}
	for _, c := range cols {
		v, ok := cells[c.name]
		if !ok {
			continue
		}
		cv, msg, code := a.cell(ty, c, v)
		if msg != "" {
			return fail(c.name, typ, code, v, "%s", msg)
		}
		vals = append(vals, cv...)
	}
	node, err := ty.Build(vals)
	if err != nil {
		return fail("", typ, errcode.Other, "", "%v", err)
	}
	out, err := a.ours.Encode(ty, node)
	if err != nil {
		col := a.columnOf(err, cols, cells)
		code, _ := errcode.Of(err)
		var me *adapters.MappingError
		reason := err.Error()
		if errors.As(err, &me) {
			reason = me.Reason
		}
		return fail(col, typ, code, cells[col], "%s", reason)
	}
	uuids[id] = line
	return adapters.BatchMessage{Record: line, Type: typ, UUID: id, Data: out}, nil
}

func kindLabel(kind string) string {
	if kind == "" {
		return ""
	}
	return " (" + kind + ")"
}

// cell makes the values of one cell; msg is the reason for a refusal.
func (a *Adapter) cell(ty *xtree.Type, c column, v string) (vals []xtree.Value, msg string, code errcode.Code) {
	in, _ := ty.Info(c.path)
	switch c.art {
	case "text":
		if err := ty.CheckValue(c.path, nil, v); err != nil {
			var me *adapters.MappingError
			if errors.As(err, &me) {
				return nil, me.Reason, me.Code
			}
			return nil, err.Error(), errcode.SchemaInvalid
		}
		return []xtree.Value{{Path: c.path, Text: v}}, "", ""
	case "ja-nein":
		switch v {
		case "ja":
			return []xtree.Value{{Path: c.path, Text: "true"}}, "", ""
		case "nein":
			if in.Field.Fixed == "true" {
				return nil, "", "" // the element exists only to say "ja"
			}
			return []xtree.Value{{Path: c.path, Text: "false"}}, "", ""
		}
		return nil, `must be "ja" or "nein"`, errcode.SchemaInvalid
	case "code", "codes":
		list, ok := a.lists.ByType(in.Field.CodeType)
		if !ok {
			return nil, "no code list for " + in.Field.CodeType, errcode.UnknownCodeList
		}
		list, _ = a.lists.Latest(list.URI)
		codes := []string{v}
		if c.art == "codes" {
			codes = strings.Split(v, ";")
			if max := in.Field.Max; max > 0 && len(codes) > max {
				return nil, fmt.Sprintf("%d codes, at most %d", len(codes), max), errcode.SchemaInvalid
			}
		}
		for i, code := range codes {
			if !list.Has(code) {
				return nil, fmt.Sprintf("code %q is not in %s version %s", code, list.URI, list.Version), errcode.UnknownCode
			}
			var idx []int
			if c.art == "codes" {
				idx = []int{i + 1}
			}
			vals = append(vals,
				xtree.Value{Path: c.path + "/code", Index: idx, Text: code},
				xtree.Value{Path: c.path + "/@listURI", Index: idx, Text: list.URI},
				xtree.Value{Path: c.path + "/@listVersionID", Index: idx, Text: list.Version})
		}
		return vals, "", ""
	}
	return nil, "unknown art " + c.art, errcode.Other
}

// header makes the values that come from the settings and the file
// columns: root attributes, nachrichtenkopf.g2g, anschrift.autor and, for
// 020114, identifikation.ereignis and erinnerung.
func (a *Adapter) header(ty *xtree.Type, typ, id string, cells map[string]string) ([]xtree.Value, error) {
	now := a.clock.Now().Format(validate.TimestampLayout)
	code := func(path, codeType, c string) []xtree.Value {
		l, _ := a.lists.ByType(codeType)
		l, _ = a.lists.Latest(l.URI)
		return []xtree.Value{{Path: path + "/code", Text: c}, {Path: path + "/@listURI", Text: l.URI}, {Path: path + "/@listVersionID", Text: l.Version}}
	}
	fixed := func(p string) string { in, _ := ty.Info(p); return in.Field.Fixed }
	v := []xtree.Value{
		{Path: "@produkt", Text: a.cfg[setProdukt]},
		{Path: "@produkthersteller", Text: a.cfg[setHersteller]},
		{Path: "@standard", Text: fixed("@standard")},
		{Path: "@version", Text: fixed("@version")},
		{Path: "nachrichtenkopf.g2g/identifikation.nachricht/nachrichtenUUID", Text: id},
		{Path: "nachrichtenkopf.g2g/identifikation.nachricht/erstellungszeitpunkt", Text: now},
		{Path: "nachrichtenkopf.g2g/leser/kennung", Text: cells[colLeser]},
		{Path: "nachrichtenkopf.g2g/leser/name", Text: cells[colLeserName]},
		{Path: "nachrichtenkopf.g2g/autor/kennung", Text: a.cfg[setAutorKennung]},
		{Path: "nachrichtenkopf.g2g/autor/name", Text: a.cfg[setAutorName]},
		{Path: "nachrichtenkopf.g2g/autor/erreichbarkeit/kennung", Index: []int{1}, Text: a.cfg[setAutorErreichbarkeit]},
		{Path: "anschrift.autor/gebaeude/strasse", Text: a.cfg[setAutorStrasse]},
		{Path: "anschrift.autor/gebaeude/postleitzahl", Text: a.cfg[setAutorPLZ]},
		{Path: "anschrift.autor/gebaeude/wohnort", Text: a.cfg[setAutorOrt]},
	}
	for _, opt := range []struct{ set, path string }{
		{setProduktversion, "@produktversion"}, {setTest, "@test"}, {setAutorHausnummer, "anschrift.autor/gebaeude/hausnummer"},
	} {
		if s := a.cfg[opt.set]; s != "" {
			v = append(v, xtree.Value{Path: opt.path, Text: s})
		}
	}
	v = append(v, code("nachrichtenkopf.g2g/identifikation.nachricht/nachrichtentyp", "Code.Nachrichtentyp", typ)...)
	v = append(v, code("nachrichtenkopf.g2g/leser/verzeichnisdienst", "Code.Verzeichnisdienst", "DVDV")...)
	v = append(v, code("nachrichtenkopf.g2g/autor/verzeichnisdienst", "Code.Verzeichnisdienst", "DVDV")...)
	for _, c := range code("nachrichtenkopf.g2g/autor/erreichbarkeit/kanal", "Code.Erreichbarkeit", a.cfg[setAutorKanal]) {
		c.Index = []int{1}
		v = append(v, c)
	}
	if _, ok := ty.Info("identifikation.ereignis"); ok {
		v = append(v,
			xtree.Value{Path: "identifikation.ereignis/ereignis.zeitpunkt", Text: now},
			xtree.Value{Path: "identifikation.ereignis/ereignis.zeichen", Text: "csv-" + id},
			xtree.Value{Path: "erinnerung", Text: "false"})
	}
	for _, x := range v {
		if err := ty.CheckValue(x.Path, x.Index, x.Text); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// columnOf names the column an XSD finding is about: the column of the
// element it names, or the empty column below it.
func (a *Adapter) columnOf(err error, cols []column, cells map[string]string) string {
	var me *adapters.MappingError
	if !errors.As(err, &me) {
		return ""
	}
	p := me.Field
	if i := strings.IndexByte(strings.TrimPrefix(p, "/"), '/'); i >= 0 {
		p = strings.TrimPrefix(p, "/")[i+1:] // drop the root
	} else {
		p = ""
	}
	p = stripIndex(p)
	best := ""
	for _, c := range cols {
		switch {
		case c.path == p:
			return c.name
		case p != "" && strings.HasPrefix(c.path, p+"/") && cells[c.name] == "" && best == "":
			best = c.name
		}
	}
	return best
}

func stripIndex(p string) string {
	var b strings.Builder
	depth := 0
	for _, r := range p {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameUUID is RFC 9562 version 5 (SHA-1, name-based) of name in
// namespace ns.
func nameUUID(ns [16]byte, name []byte) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// urlNamespace is RFC 9562's namespace for URLs and URNs,
// 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
func urlNamespace() [16]byte {
	return [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
}

// rowNamespace is the namespace of the rows' UUIDs: the version 5 UUID of
// "urn:xgate:de:adapter:fachverfahren-csv" in the URL namespace.
func rowNamespace() [16]byte {
	return nameUUID(urlNamespace(), []byte("urn:xgate:de:adapter:fachverfahren-csv"))
}

// uuid is the row's nachrichtenUUID: a name-based UUID (RFC 9562 version
// 5, SHA-1) of the sending ABH, the message type and every non-empty cell
// by column name. The same row gives the same UUID whenever the file is
// submitted again, so the gateway's de-duplication sends it once; a
// corrected row gives a new one.
func (a *Adapter) uuid(typ string, header []string, cells map[string]string) string {
	var name bytes.Buffer
	fmt.Fprintf(&name, "%s\x00%s\x00", a.cfg[setAutorKennung], typ)
	names := append([]string(nil), header...)
	sort.Strings(names)
	for _, n := range names {
		if v, ok := cells[n]; ok {
			fmt.Fprintf(&name, "%s=%s\x00", n, v)
		}
	}
	s := nameUUID(a.ns, name.Bytes())
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// Register adds the adapter to r.
func Register(r *adapters.Registry) error { return r.Register(Spec(), New) }
