// Package fachverfahrencsv is the adapter fachverfahren-csv: the CSV
// export of an ABH's case-management system (Fachverfahren) to xgate
// messages, one per row, as a batch.
//
// # Overview
//
// COLUMNS.md documents the file (UTF-8, header row, comma or semicolon)
// and every column; the column table itself is a versioned data file,
// mapping/spalten.csv, and a test keeps COLUMNS.md equal to it. A row's
// nachrichtentyp makes it an AZR follow-up registration (090010, with
// sachverhalt aufenthaltstitel, duldung or leistungsbezug), an AZR-number
// notice to a Meldebehörde (020114) or a status notice to a Jobcenter
// (920001). The sender, its address and the product come from the
// adapter's settings, the creation time from the Deps clock.
//
//	b, err := a.(adapters.Batcher).ReverseBatch(ctx, export)
//	for _, m := range b.Messages { … m.UUID, m.Data … }   // valid against xgate's XSD
//	for _, r := range b.Refused  { … r.Record, r.Field, r.Err … }
//
// ReverseBatch refuses a file it cannot read as a whole (not UTF-8,
// broken quoting, unknown or duplicate columns, over the limits) and
// otherwise translates every row it can: a refused row is reported with
// its line, column and reason (CSV injection, a value in a column that
// does not apply, a missing value, a code not in its list, what the XSD
// refuses, a row given twice) and the other rows go through. Reverse
// translates a file of one row; there is no forward direction.
//
// # Nothing sent twice
//
// A row's nachrichtenUUID is a name-based UUID (RFC 9562 version 5) of
// the sender's kennung, the message type and every non-empty cell: the
// same file submitted again gives the same UUIDs (the gateway's
// de-duplication, S100, sends each once; `xgate translate --out-dir`
// writes <uuid>.xml, the same names again), a corrected row a new one,
// and a row repeated within a file is refused as S100.
//
// # Caveats
//
// Cells are taken as they are: leading or trailing spaces stay and a
// padded code is refused. A cell starting with "-" is refused as a
// possible formula even where a value could start so (no column of ours
// needs one).
package fachverfahrencsv
