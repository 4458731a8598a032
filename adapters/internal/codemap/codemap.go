// Package codemap reads the mapping tables between code lists: versioned
// CSV data files, never Go literals. A table maps the codes of one of our
// lists (URI and version) to the codes of a partner's list, one to one;
// a row without a partner code documents a code that has no counterpart
// and is refused by name.
//
// File format (UTF-8): comment lines "# key: value" name the table
// (mapping), its version and date, our list and the partner's list
// ("# ours: <uri> <version>", "# theirs: <uri> <version>"), then a CSV
// with the header "ours,theirs,note":
//
//	# mapping: geschlecht
//	# version: 1
//	# date: 2026-12-02
//	# ours: urn:xoev-de:xinneres:codeliste:geschlecht 1
//	# theirs: urn:xgate:de:xmeld:codeliste:geschlecht 1
//	ours,theirs,note
//	m,M,männlich
package codemap

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
)

// List names a code list by URI and version.
type List struct{ URI, Version string }

// Table is one mapping table. It is immutable after Load.
type Table struct {
	Name, Version, Date string
	Ours, Theirs        List
	File                string
	toTheirs, toOurs    map[string]string
	notes               map[string]string // ours code → note, for codes without counterpart
	theirsNotes         map[string]string
	rows                int
}

// Rows returns the number of rows (with and without counterpart).
func (t *Table) Rows() int { return t.rows }

// TheirsOf returns the partner code of our code; ok is false when the code
// has no counterpart, note then says why (or is "" for a code not in the
// table at all).
func (t *Table) TheirsOf(ours string) (code string, ok bool, note string) {
	c, ok := t.toTheirs[ours]
	if ok {
		return c, true, ""
	}
	return "", false, t.notes[ours]
}

// OursOf returns our code of a partner code.
func (t *Table) OursOf(theirs string) (code string, ok bool, note string) {
	c, ok := t.toOurs[theirs]
	if ok {
		return c, true, ""
	}
	return "", false, t.theirsNotes[theirs]
}

// Pairs returns the mapped pairs sorted by our code.
func (t *Table) Pairs() [][2]string {
	out := make([][2]string, 0, len(t.toTheirs))
	for o, th := range t.toTheirs {
		out = append(out, [2]string{o, th})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Parse reads one table from data (named file in errors).
func Parse(file string, data []byte) (*Table, error) {
	t := &Table{File: file, toTheirs: map[string]string{}, toOurs: map[string]string{}, notes: map[string]string{}, theirsNotes: map[string]string{}}
	var body bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(l, "#")), ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "mapping":
				t.Name = v
			case "version":
				t.Version = v
			case "date":
				t.Date = v
			case "ours", "theirs":
				f := strings.Fields(v)
				if len(f) != 2 {
					return nil, fmt.Errorf("codemap: %s:%d: want \"<uri> <version>\"", file, line)
				}
				if strings.TrimSpace(k) == "ours" {
					t.Ours = List{f[0], f[1]}
				} else {
					t.Theirs = List{f[0], f[1]}
				}
			}
			body.WriteString("\n") // keep line numbers
			continue
		}
		body.WriteString(l + "\n")
	}
	if t.Name == "" || t.Version == "" || t.Ours.URI == "" || t.Theirs.URI == "" {
		return nil, fmt.Errorf("codemap: %s: mapping, version, ours and theirs are required", file)
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("codemap: %s: %w", file, err)
	}
	if strings.Join(header, ",") != "ours,theirs,note" {
		return nil, fmt.Errorf("codemap: %s: header must be ours,theirs,note", file)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("codemap: %s: %w", file, err)
		}
		ours, theirs, note := rec[0], rec[1], rec[2]
		line, _ := r.FieldPos(0)
		t.rows++
		switch {
		case ours == "" && theirs == "":
			return nil, fmt.Errorf("codemap: %s:%d: empty row", file, line)
		case ours == "":
			if _, dup := t.theirsNotes[theirs]; dup {
				return nil, fmt.Errorf("codemap: %s:%d: %s twice", file, line, theirs)
			}
			t.theirsNotes[theirs] = note
		case theirs == "":
			if _, dup := t.notes[ours]; dup {
				return nil, fmt.Errorf("codemap: %s:%d: %s twice", file, line, ours)
			}
			t.notes[ours] = note
		default:
			if _, dup := t.toTheirs[ours]; dup {
				return nil, fmt.Errorf("codemap: %s:%d: our code %s mapped twice", file, line, ours)
			}
			if _, dup := t.toOurs[theirs]; dup {
				return nil, fmt.Errorf("codemap: %s:%d: partner code %s mapped twice (the mapping must be one to one)", file, line, theirs)
			}
			t.toTheirs[ours], t.toOurs[theirs] = theirs, ours
		}
	}
	for c := range t.notes {
		if _, ok := t.toTheirs[c]; ok {
			return nil, fmt.Errorf("codemap: %s: %s both mapped and without counterpart", file, c)
		}
	}
	return t, nil
}

// Load reads every *.csv table in dir of fsys, by mapping name.
func Load(fsys fs.FS, dir string) (map[string]*Table, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*Table{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		p := dir + "/" + e.Name()
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		t, err := Parse(p, data)
		if err != nil {
			return nil, err
		}
		if _, dup := out[t.Name]; dup {
			return nil, fmt.Errorf("codemap: mapping %s defined twice", t.Name)
		}
		out[t.Name] = t
	}
	return out, nil
}
