package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// JSONFormat names the JSON report format; JSONVersion is its version,
// raised when a field changes meaning or goes away (new fields do not
// raise it).
const (
	JSONFormat  = "xgate-conformance-report"
	JSONVersion = 1
)

// jsonDoc is the JSON report: the report's fields, its summary and a
// format marker.
type jsonDoc struct {
	Format  string  `json:"format"`
	Version int     `json:"version"`
	OK      bool    `json:"ok"`
	Summary Summary `json:"summary"`
	*Report
}

// WriteJSON writes r as indented JSON: {"format", "version", "ok",
// "summary", and the Report's fields}. Results never marshal as null.
func WriteJSON(w io.Writer, r *Report) error {
	c := *r
	if c.Results == nil {
		c.Results = []Result{}
	}
	res := make([]Result, len(c.Results))
	for i, x := range c.Results {
		if x.Reasons == nil {
			x.Reasons = []Reason{}
		}
		res[i] = x
	}
	c.Results = res
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonDoc{Format: JSONFormat, Version: JSONVersion, OK: r.OK(), Summary: r.Summary(), Report: &c})
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var d jsonDoc
	d.Report = &Report{}
	if err := json.NewDecoder(rd).Decode(&d); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	if d.Format != JSONFormat || d.Version != JSONVersion {
		return nil, fmt.Errorf("report: read json: format %q version %d, want %q version %d", d.Format, d.Version, JSONFormat, JSONVersion)
	}
	return d.Report, nil
}

// Format is a report file format.
type Format string

// The report file formats.
const (
	FormatJSON  Format = "json"
	FormatJUnit Format = "junit"
	FormatHTML  Format = "html"
)

// FormatOf picks the format by a file name's extension: .json JSON, .xml
// JUnit XML, .html or .htm HTML.
func FormatOf(name string) (Format, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".json":
		return FormatJSON, nil
	case ".xml":
		return FormatJUnit, nil
	case ".html", ".htm":
		return FormatHTML, nil
	default:
		return "", fmt.Errorf("report: %s: the extension must be .json (JSON), .xml (JUnit) or .html (HTML), not %q", name, ext)
	}
}

// Write writes r to w in format f.
func Write(w io.Writer, r *Report, f Format) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("report: unknown format %q", f)
}
