package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// Format is an export format.
type Format string

// Export formats.
const (
	// FormatJSON is one JSON object:
	//
	//	{"format":"xgate-audit-export/v1",
	//	 "checkpoints":[{…},…],
	//	 "entries":[
	//	 {…},
	//	 …],
	//	 "count":N,"head":"…"}
	//
	// Checkpoints come first, then the entries in storage order, one per
	// line, then the count and the hash of the last entry (informative
	// only: they are not signed). Times are UTC, so an entry's "time"
	// string is exactly the text its hash covers.
	FormatJSON Format = "json"
)

// ExportVersion is the "format" member of a FormatJSON export.
const ExportVersion = "xgate-audit-export/v1"

// Export writes entries and checkpoints to w in format f, streaming: the
// entries are never all in memory. Entries are written as stored, tampered
// or not, so that an auditor sees what Verify saw; a *DecodeError from the
// source stops the export (the bytes are not an entry). It checks ctx
// every few thousand entries.
func Export(ctx context.Context, w io.Writer, entries iter.Seq2[Entry, error], checkpoints []Checkpoint, f Format) error {
	if f != FormatJSON {
		return fmt.Errorf("audit: unknown export format %q", f)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "{\"format\":%q,\n\"checkpoints\":[", ExportVersion)
	for i, c := range checkpoints {
		c.Time = c.Time.UTC()
		b, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("audit: export checkpoint %d: %w", c.Seq, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("],\n\"entries\":[")
	var (
		n    uint64
		head Hash
	)
	for e, err := range entries {
		if err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		n++
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e.Time = e.Time.UTC()
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("audit: export entry %d: %w", e.Seq, err)
		}
		if n > 1 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
		head = e.Hash
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(bw, "],\n\"count\":%d,\"head\":%q}\n", n, head)
	return bw.Flush()
}

// ExportReader reads a FormatJSON export back: the checkpoints at once,
// the entries as a stream, so that Verify can check an export the way it
// checks a store.
type ExportReader struct {
	dec         *json.Decoder
	checkpoints []Checkpoint
	used        bool
}

// ReadExport reads an export's header and checkpoints from r; Entries then
// streams the entries.
func ReadExport(r io.Reader) (*ExportReader, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	x := &ExportReader{dec: dec}
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var format string
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("audit: read export: %w", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("audit: read export: no \"entries\" member")
		}
		switch key {
		case "format":
			if err := dec.Decode(&format); err != nil {
				return nil, fmt.Errorf("audit: read export format: %w", err)
			}
			if format != ExportVersion {
				return nil, fmt.Errorf("audit: read export: format %q, want %q", format, ExportVersion)
			}
		case "checkpoints":
			if err := dec.Decode(&x.checkpoints); err != nil {
				return nil, fmt.Errorf("audit: read export checkpoints: %w", err)
			}
		case "entries":
			if format == "" {
				return nil, fmt.Errorf("audit: read export: no \"format\" member before the entries")
			}
			if err := expectDelim(dec, '['); err != nil {
				return nil, err
			}
			return x, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("audit: read export %q: %w", key, err)
			}
		}
	}
}

// Checkpoints returns the export's checkpoints.
func (x *ExportReader) Checkpoints() []Checkpoint { return x.checkpoints }

// Entries streams the export's entries once. An entry that is not valid
// JSON for an Entry ends the stream with an error: unlike a store, an
// export cannot skip to the next entry.
func (x *ExportReader) Entries() iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if x.used {
			yield(Entry{}, errors.New("audit: export entries already read"))
			return
		}
		x.used = true
		for x.dec.More() {
			var e Entry
			if err := x.dec.Decode(&e); err != nil {
				yield(Entry{}, fmt.Errorf("audit: read export entry: %w", err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := expectDelim(x.dec, ']'); err != nil {
			yield(Entry{}, err)
		}
	}
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("audit: read export: %w", err)
	}
	if tok != d {
		return fmt.Errorf("audit: read export: got %v, want %v", tok, d)
	}
	return nil
}
