package adapters

import (
	"context"
	"strconv"
)

// Batcher is implemented by adapters whose partner input holds several
// messages (Spec.Batch): a CSV export with one row per message.
type Batcher interface {
	// ReverseBatch translates every record of in into one of our
	// messages. A record that cannot be translated is listed in
	// Batch.Refused with where and why; the others are translated (one
	// bad row never stops the rest). An error means the input as a whole
	// cannot be read (encoding, header) and nothing was translated. Safe
	// for concurrent use; in is not kept.
	ReverseBatch(ctx context.Context, in []byte) (*Batch, error)
}

// Batch is the outcome of ReverseBatch.
type Batch struct {
	Messages []BatchMessage
	Refused  []RecordError
}

// BatchMessage is one translated record.
type BatchMessage struct {
	// Record is the record's number in the input (for CSV the line of
	// the row, the header being line 1).
	Record int
	// Type is our type code, UUID the message's nachrichtenUUID (the
	// same for the same record whenever the input is translated again).
	Type, UUID string
	Data       []byte
}

// RecordError is a refused record: its number, the field (CSV column)
// and the error, a *MappingError for errcode.Of.
type RecordError struct {
	Record int
	Field  string
	Err    error
}

// Error reads "record 7: column azr_nummer: …".
func (e RecordError) Error() string {
	s := "record " + strconv.Itoa(e.Record)
	if e.Field != "" {
		s += ": column " + e.Field
	}
	return s + ": " + e.Err.Error()
}
