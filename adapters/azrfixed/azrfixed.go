package azrfixed

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/internal/ours"
	"github.com/xgate/xgate/adapters/internal/xtree"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
)

// Name is the adapter's name in a registry.
const Name = "azr-fixed"

//go:embed layout/felder.csv
var layoutFile []byte

//go:embed LAYOUT.md
var layoutDoc embed.FS

// Layout returns the field table (layout/felder.csv) and LAYOUT.md.
func Layout() (table []byte, doc fs.FS) { return layoutFile, layoutDoc }

// types are the AZR registration messages and their answers: 090009 and
// 090010 go to the AZR (forward), 090098 and 090099 come back (reverse);
// the layout is one for all, so each translates both ways.
var types = []string{
	catalogue.TypeAZRErstmeldung, catalogue.TypeAZRFolgemeldung,
	catalogue.TypeAZRBestaetigungMeldung, catalogue.TypeAZRFehlernachricht,
}

var latin9 = charmap.ISO8859_15

// Spec describes the adapter.
func Spec() adapters.Spec {
	s := adapters.Spec{
		Name:      Name,
		Summary:   "AZR legacy fixed-width records (Latin-9, 512 characters, LAYOUT.md): registrations 090009/090010 to records, the register's answers 090098/090099 from records",
		Partner:   "Ausländerzentralregister, legacy record interface",
		Ours:      adapters.FormatXOEV,
		Theirs:    adapters.FormatFixed,
		MediaType: "text/plain; charset=ISO-8859-15",
		Fields: []adapters.Field{{Name: "max-bytes", Default: strconv.Itoa(message.DefaultMaxBytes),
			Description: "largest input accepted, in bytes"}, ours.CheckField()},
	}
	cat := catalogue.New()
	for _, c := range types {
		t, _ := cat.Lookup(c)
		s.Types = append(s.Types, adapters.TypeSpec{Code: c, Partner: FormatID + " " + c + " (" + t.Name + ")",
			Directions: []adapters.Direction{adapters.Forward, adapters.Reverse}})
	}
	return s
}

// Adapter translates between the AZR messages and record files.
type Adapter struct {
	spec     adapters.Spec
	ours     *ours.Side
	layout   *layout
	maxBytes int
}

// New builds the adapter and checks that every field of every type has a
// number in layout/felder.csv.
func New(cfg adapters.Config, _ adapters.Deps) (adapters.Adapter, error) {
	maxBytes := message.DefaultMaxBytes
	if v := cfg["max-bytes"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("azrfixed: setting max-bytes must be a positive number, not %q", v)
		}
		maxBytes = n
	}
	l, err := parseLayout(layoutFile)
	if err != nil {
		return nil, err
	}
	check, err := ours.ParseCheck(cfg)
	if err != nil {
		return nil, err
	}
	side, err := ours.New(types, Name, message.Limits{MaxBytes: maxBytes})
	if err != nil {
		return nil, err
	}
	side.Check = check
	a := &Adapter{spec: Spec(), ours: side, layout: l, maxBytes: maxBytes}
	var missing []string
	for _, p := range paths(side) {
		if _, ok := l.byPath[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		side.Close()
		return nil, fmt.Errorf("azrfixed: layout/felder.csv has no number for %s", strings.Join(missing, ", "))
	}
	return a, nil
}

// FieldPaths returns every element and attribute path of the adapter's
// types, in schema order, each once: what layout/felder.csv must number.
func FieldPaths() ([]string, error) {
	side, err := ours.New(types, Name, message.Limits{})
	if err != nil {
		return nil, err
	}
	defer side.Close()
	return paths(side), nil
}

func paths(side *ours.Side) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range types {
		ct, _ := side.Catalog.Lookup(c)
		t, _ := side.Schema.Type(ct.Root())
		for _, p := range t.Paths() {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Spec returns the adapter's spec.
func (a *Adapter) Spec() adapters.Spec { return a.spec }

// Close frees the XSD.
func (a *Adapter) Close() error { return a.ours.Close() }

// Ours returns our side, for tests and generators.
func (a *Adapter) Ours() *ours.Side { return a.ours }

// Forward writes our message as a record file.
func (a *Adapter) Forward() adapters.Translator { return adapters.TranslatorFunc(a.forward) }

// Reverse reads a record file into our message, valid against xgate's XSD.
func (a *Adapter) Reverse() adapters.Translator { return adapters.TranslatorFunc(a.reverse) }

func (a *Adapter) fail(d adapters.Direction, msg string, code errcode.Code, field, value, format string, args ...any) error {
	return &adapters.MappingError{Adapter: Name, Direction: d, Message: msg, Code: code, Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}

func (a *Adapter) forward(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vals, t, err := a.ours.DecodeValues(in, types)
	if err != nil {
		return nil, ours.Fill(err, Name, adapters.Forward, "")
	}
	code := catalogue.CodeOfRoot(t.Root)
	var b bytes.Buffer
	b.Grow(8 * (RecordLen + 2))
	rec := make([]byte, RecordLen)
	records := 0
	put := func() {
		b.Write(rec)
		b.WriteString("\r\n")
		records++
	}
	blank(rec)
	copy(rec, recHeader+FormatID+LayoutVersion+code+fmt.Sprintf("%04d", a.layout.version))
	put()
	fields := 0
	for _, v := range vals {
		shown := func() string { return t.Shown(v.Path, v.Index) }
		num, ok := a.layout.byPath[v.Path]
		if !ok {
			return nil, a.fail(adapters.Forward, code, errcode.Other, shown(), v.Text, "no field number in layout/felder.csv")
		}
		if len(v.Index) > maxLevels {
			return nil, a.fail(adapters.Forward, code, errcode.Other, shown(), v.Text, "nested %d repeatable levels deep, the layout has %d", len(v.Index), maxLevels)
		}
		enc, err := encodeLatin9(v.Text)
		if err != nil {
			return nil, a.fail(adapters.Forward, code, errcode.Other, shown(), v.Text, "%v", err)
		}
		for first := true; first || len(enc) > 0; first = false {
			chunk := enc[:min(len(enc), chunkLen)]
			enc = enc[len(chunk):]
			blank(rec)
			copy(rec, recField)
			digits4(rec[2:6], num)
			for i := range maxLevels {
				idx := 0
				if i < len(v.Index) {
					idx = v.Index[i]
				}
				if idx > 9999 {
					return nil, a.fail(adapters.Forward, code, errcode.Other, shown(), "", "occurrence %d over 9999", idx)
				}
				digits4(rec[6+4*i:10+4*i], idx)
			}
			digits4(rec[18:22], len(chunk))
			if len(enc) > 0 {
				rec[22] = '+'
			}
			copy(rec[valueStart:], chunk)
			put()
			fields++
		}
	}
	blank(rec)
	copy(rec, recTrailer+fmt.Sprintf("%07d%07d", records+1, fields))
	put()
	return b.Bytes(), nil
}

// digits4 writes n (0–9999) as four digits into dst.
func digits4(dst []byte, n int) {
	for i := 3; i >= 0; i-- {
		dst[i] = byte('0' + n%10)
		n /= 10
	}
}

func blank(rec []byte) {
	for i := range rec {
		rec[i] = ' '
	}
}

// encodeLatin9 encodes s in ISO 8859-15; characters it lacks and
// control characters are errors naming the character.
func encodeLatin9(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i, r := range s {
		if r < 0x20 || r >= 0x7F && r < 0xA0 {
			return nil, fmt.Errorf("control character U+%04X at position %d cannot be written in a record", r, i)
		}
		c, ok := latin9.EncodeRune(r)
		if !ok {
			return nil, fmt.Errorf("character %q (U+%04X) at position %d cannot be written in Latin-9 (ISO 8859-15)", r, r, i)
		}
		out = append(out, c)
	}
	return out, nil
}

func (a *Adapter) reverse(ctx context.Context, in []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rev := adapters.Reverse
	if len(in) > a.maxBytes {
		return nil, a.fail(rev, "", errcode.NotWellFormed, "", "", "input is %d bytes, the limit is %d", len(in), a.maxBytes)
	}
	const full = RecordLen + 2
	if len(in) == 0 {
		return nil, a.fail(rev, "", errcode.NotWellFormed, "", "", "no records")
	}
	if len(in)%full != 0 || !bytes.HasSuffix(in, []byte("\r\n")) {
		hint := ""
		if hasUTF8Sequence(in) {
			hint = " (it holds UTF-8 sequences such as \"Ã¼\" for ü: records must be Latin-9, one byte per character)"
		}
		return nil, a.fail(rev, "", errcode.NotUTF8, "record 1", "", "the file is %d bytes, not a whole number of %d-character records each ended by CR LF%s", len(in), RecordLen, hint)
	}
	n := len(in) / full
	recs := make([][]byte, n)
	for i := range n {
		r := in[i*full : (i+1)*full]
		if r[RecordLen] != '\r' || r[RecordLen+1] != '\n' {
			return nil, a.fail(rev, "", errcode.NotUTF8, fmt.Sprintf("record %d", i+1), "", "does not end with CR LF after %d characters: wrong record length or character set", RecordLen)
		}
		for j, c := range r[:RecordLen] {
			if c < 0x20 || c >= 0x7F && c < 0xA0 {
				return nil, a.fail(rev, "", errcode.NotUTF8, fmt.Sprintf("record %d", i+1), "", "byte 0x%02X at position %d is a control character, not Latin-9 text", c, j+1)
			}
		}
		recs[i] = r[:RecordLen]
	}
	h := recs[0]
	if string(h[:2]) != recHeader || string(h[2:10]) != FormatID {
		return nil, a.fail(rev, "", errcode.SchemaInvalid, "record 1", "", "not a header record (00%s)", FormatID)
	}
	if string(h[10:12]) != LayoutVersion {
		return nil, a.fail(rev, "", errcode.VersionUnsupported, "record 1", string(h[10:12]), "layout version not supported (this adapter reads %s)", LayoutVersion)
	}
	if got := string(h[18:22]); got != fmt.Sprintf("%04d", a.layout.version) {
		return nil, a.fail(rev, "", errcode.VersionUnsupported, "record 1", got, "field table version not supported (this adapter reads %04d): field numbers may mean other fields", a.layout.version)
	}
	if len(bytes.Trim(h[22:], " ")) > 0 {
		return nil, a.fail(rev, "", errcode.SchemaInvalid, "record 1", "", "characters after position 22 of the header record")
	}
	code := string(h[12:18])
	t, ok := a.ours.Catalog.Lookup(code)
	var ty *xtree.Type
	if ok {
		ty, ok = a.ours.Schema.Type(t.Root())
	}
	if !ok {
		return nil, a.fail(rev, "", errcode.SchemaInvalid, "record 1", code, "not a message type of this layout (%s)", strings.Join(types, ", "))
	}
	tr := recs[n-1]
	if string(tr[:2]) != recTrailer {
		return nil, a.fail(rev, code, errcode.SchemaInvalid, fmt.Sprintf("record %d", n), "", "the last record is not a trailer record (99)")
	}
	if got := string(tr[2:9]); got != fmt.Sprintf("%07d", n) {
		return nil, a.fail(rev, code, errcode.SchemaInvalid, fmt.Sprintf("record %d", n), got, "record count says %s, the file has %d: records missing or added", got, n)
	}
	var vals []xtree.Value
	var cur *xtree.Value
	var curText []byte
	for i := 1; i < n-1; i++ {
		r := recs[i]
		where := fmt.Sprintf("record %d", i+1)
		if string(r[:2]) != recField {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where, string(r[:2]), "unknown record type")
		}
		num, err := strconv.Atoi(string(r[2:6]))
		path, known := a.layout.byNum[num]
		if err != nil || !known {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where, string(r[2:6]), "unknown field number")
		}
		if _, ok := ty.Info(path); !ok {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where+" field "+string(r[2:6]), path, "field of another message type")
		}
		var index []int
		for k := range maxLevels {
			v, err := strconv.Atoi(string(r[6+4*k : 10+4*k]))
			if err != nil || v < 0 {
				return nil, a.fail(rev, code, errcode.SchemaInvalid, where, string(r[6+4*k:10+4*k]), "occurrence is not four digits")
			}
			if v > 0 {
				index = append(index, v)
			} else {
				break
			}
		}
		length, err := strconv.Atoi(string(r[18:22]))
		if err != nil || length < 0 || length > chunkLen {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where, string(r[18:22]), "value length is not a number from 0000 to %04d", chunkLen)
		}
		if cont := r[22]; cont != ' ' && cont != '+' {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where, string(cont), "continuation mark must be blank or '+'")
		}
		if pad := r[valueStart+length:]; len(bytes.Trim(pad, " ")) > 0 {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, where, "", "characters after the value's length %d: wrong length or a shifted record", length)
		}
		chunk := r[valueStart : valueStart+length]
		shown := ty.Shown(path, index)
		if cur != nil {
			if cur.Path != path || xtree.IndexString(cur.Index) != xtree.IndexString(index) {
				return nil, a.fail(rev, code, errcode.SchemaInvalid, where, shown, "continuation of %s expected", ty.Shown(cur.Path, cur.Index))
			}
		} else {
			cur = &xtree.Value{Path: path, Index: index}
			curText = curText[:0]
		}
		curText = append(curText, chunk...)
		if len(curText) > 4<<20 {
			return nil, a.fail(rev, code, errcode.SchemaInvalid, shown, "", "value over 4 MiB")
		}
		if r[22] == '+' {
			continue
		}
		text := decodeLatin9(curText)
		if err := ty.CheckValue(path, index, text); err != nil {
			return nil, ours.Fill(err, Name, rev, code)
		}
		cur.Text = text
		vals = append(vals, *cur)
		cur = nil
	}
	if cur != nil {
		return nil, a.fail(rev, code, errcode.SchemaInvalid, fmt.Sprintf("record %d", n-1), "", "value continued past the last field record")
	}
	if got := string(tr[9:16]); got != fmt.Sprintf("%07d", n-2) {
		return nil, a.fail(rev, code, errcode.SchemaInvalid, fmt.Sprintf("record %d", n), got, "field record count says %s, the file has %d", got, n-2)
	}
	node, err := ty.Build(vals)
	if err != nil {
		return nil, ours.Fill(err, Name, rev, code)
	}
	out, err := a.ours.Encode(ty, node)
	return out, ours.Fill(err, Name, rev, code)
}

// hasUTF8Sequence reports whether b holds a multi-byte UTF-8 sequence:
// the usual reason for records of the wrong length.
func hasUTF8Sequence(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0xC2 && b[i] <= 0xF4 {
			if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError && n > 1 {
				return true
			}
		}
	}
	return false
}

func decodeLatin9(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		s.WriteRune(latin9.DecodeByte(c))
	}
	return s.String()
}

// Register adds the adapter to r.
func Register(r *adapters.Registry) error { return r.Register(Spec(), New) }
