package fachverfahrencsv

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// column is one row of mapping/spalten.csv: where a CSV column goes for
// one message type (and, for 090010, one kind of fact).
type column struct {
	name     string // CSV column
	typ      string // "090010", "020114", "920001"
	kind     string // for 090010: "aufenthaltstitel", "duldung", "leistungsbezug"
	path     string // our path
	art      string // text, code, codes, ja-nein
	required bool
	line     int
}

type columnTable struct {
	version string
	cols    []column
	names   map[string]bool // every column name the table knows
}

// Columns of the file itself, not of a message type.
const (
	colType       = "nachrichtentyp"
	colKind       = "sachverhalt"
	colLeser      = "empfaenger_kennung"
	colLeserName  = "empfaenger_name"
	kindAufenthTT = "aufenthaltstitel"
)

var fileColumns = []string{colType, colKind, colLeser, colLeserName}

func parseColumns(data []byte) (*columnTable, error) {
	ct := &columnTable{names: map[string]bool{}}
	for _, c := range fileColumns {
		ct.names[c] = true
	}
	var body bytes.Buffer
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") {
			if k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(l, "#")), ":"); ok && strings.TrimSpace(k) == "version" {
				ct.version = strings.TrimSpace(v)
			}
			body.WriteString("\n")
			continue
		}
		body.WriteString(l + "\n")
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 5
	head, err := r.Read()
	if err != nil || strings.Join(head, ",") != "spalte,typ,pfad,art,pflicht" {
		return nil, fmt.Errorf("fachverfahrencsv: spalten.csv: header must be spalte,typ,pfad,art,pflicht (%v)", err)
	}
	seen := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("fachverfahrencsv: spalten.csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		typ, kind, _ := strings.Cut(rec[1], ":")
		c := column{name: rec[0], typ: typ, kind: kind, path: rec[2], art: rec[3], required: rec[4] == "ja", line: line}
		switch c.art {
		case "text", "code", "codes", "ja-nein":
		default:
			return nil, fmt.Errorf("fachverfahrencsv: spalten.csv line %d: unknown art %q", line, c.art)
		}
		key := c.name + "|" + rec[1]
		if seen[key] {
			return nil, fmt.Errorf("fachverfahrencsv: spalten.csv line %d: column %s for %s twice", line, c.name, rec[1])
		}
		seen[key] = true
		ct.cols = append(ct.cols, c)
		ct.names[c.name] = true
	}
	if ct.version == "" {
		return nil, fmt.Errorf("fachverfahrencsv: spalten.csv: no version")
	}
	return ct, nil
}

// of returns the columns of a message type and kind, and whether the type
// is one the table knows.
func (ct *columnTable) of(typ, kind string) ([]column, bool) {
	var out []column
	known := false
	for _, c := range ct.cols {
		if c.typ != typ {
			continue
		}
		known = true
		if c.kind == "" || c.kind == kind {
			out = append(out, c)
		}
	}
	return out, known
}

// kinds returns the kinds of fact a type has columns for ("" for none).
func (ct *columnTable) kinds(typ string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range ct.cols {
		if c.typ == typ && c.kind != "" && !seen[c.kind] {
			seen[c.kind] = true
			out = append(out, c.kind)
		}
	}
	return out
}
