package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var htmlTemplate string

// WriteHTML writes r as one self-contained HTML page: styles inline, no
// script, no external asset (fonts, images, links to other hosts), so it
// can be archived as a CI artefact and opened anywhere. It shows the
// overall result, a table of the message types, and per type every case
// with its outcome, expectation, verdict, reasons and evidence; "only
// problems" hides passed cases (CSS only).
func WriteHTML(w io.Writer, r *Report) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"dur":     fmtDuration,
		"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"anchor":  func(t string) string { return "type-" + typeOrUnknown(t) },
		"title":   r.TypeTitle,
		"percent": func(n, total int) int { return percent(n, total) },
		"lower":   strings.ToLower,
	}).Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("report: html template: %w", err)
	}
	return t.Execute(w, struct {
		*Report
		Sum    Summary
		OK     bool
		Groups []TypeGroup
	}{r, r.Summary(), r.OK(), r.ByType()})
}

func percent(n, total int) int {
	if total == 0 {
		return 0
	}
	return n * 100 / total
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}
