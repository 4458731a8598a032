package azrfixed

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The record layout (LAYOUT.md).
const (
	// RecordLen is the length of a record in characters (bytes in
	// Latin-9), without the CR LF that ends it.
	RecordLen = 512
	// FormatID and LayoutVersion are written in the header record.
	FormatID      = "XGAZRFIX"
	LayoutVersion = "01"

	recHeader  = "00"
	recField   = "10"
	recTrailer = "99"

	maxLevels  = 3  // occurrence indices per field record
	valueStart = 23 // 0-based offset of the value area
	chunkLen   = RecordLen - valueStart
)

// layout is the table of field numbers: layout/felder.csv.
type layout struct {
	version int
	byPath  map[string]int
	byNum   map[int]string
	rows    [][2]string // number, path in file order
}

func parseLayout(data []byte) (*layout, error) {
	l := &layout{byPath: map[string]int{}, byNum: map[int]string{}}
	var body bytes.Buffer
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			if k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":"); ok && strings.TrimSpace(k) == "version" {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n <= 0 || n > 9999 {
					return nil, fmt.Errorf("azrfixed: layout/felder.csv: version %q is not a number from 1 to 9999", v)
				}
				l.version = n
			}
			body.WriteString("\n")
			continue
		}
		body.WriteString(line + "\n")
	}
	r := csv.NewReader(&body)
	r.FieldsPerRecord = 2
	head, err := r.Read()
	if err != nil || strings.Join(head, ",") != "nummer,pfad" {
		return nil, fmt.Errorf("azrfixed: layout/felder.csv: header must be nummer,pfad (%v)", err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("azrfixed: layout/felder.csv: %w", err)
		}
		n, err := strconv.Atoi(rec[0])
		if err != nil || n <= 0 || n > 9999 || len(rec[0]) != 4 {
			return nil, fmt.Errorf("azrfixed: layout/felder.csv: field number %q is not four digits", rec[0])
		}
		if _, dup := l.byNum[n]; dup {
			return nil, fmt.Errorf("azrfixed: layout/felder.csv: number %s twice", rec[0])
		}
		if _, dup := l.byPath[rec[1]]; dup {
			return nil, fmt.Errorf("azrfixed: layout/felder.csv: path %s twice", rec[1])
		}
		l.byNum[n], l.byPath[rec[1]] = rec[1], n
		l.rows = append(l.rows, [2]string{rec[0], rec[1]})
	}
	if l.version == 0 {
		return nil, fmt.Errorf("azrfixed: layout/felder.csv: no version")
	}
	return l, nil
}
