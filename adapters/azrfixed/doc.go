// Package azrfixed is the adapter azr-fixed: xgate's AZR registrations and
// the register's answers as a file of fixed-width records, for an old AZR
// interface that works in records rather than XML.
//
// # Overview
//
// LAYOUT.md documents the layout: ISO 8859-15 (Latin-9), records of 512
// characters ended by CR LF, a header record (00: format XGAZRFIX, layout
// version, message type, field-table version), one field record per value
// (10: four-digit field number, up to three occurrence numbers, the
// value's length, a continuation mark and the value, space-padded) and a
// trailer record (99: record counts). The field numbers are a versioned
// data file, layout/felder.csv, one number per element or attribute path
// of the four types; a test keeps LAYOUT.md's table equal to it.
//
// Types: 090009 AnAZR.AZRErstmeldung and 090010 AnAZR.AZRFolgemeldung go
// to the register (forward: message → records), 090098
// VonAZR.AZRBestaetigungMeldung and 090099 VonAZR.AZRFehlernachricht come
// back (reverse: records → message, validated against xgate's XSD). The
// layout carries every value with its length and occurrence, so every
// type translates both ways and round trips are equal.
//
// # Nothing silent
//
// A character Latin-9 lacks (ı, ć, ş, ș, ł …) or a control character in a
// value is refused with the field, the value and the character: there is
// no silent transliteration. Reading refuses, with the record number,
// files that are not whole records (with a hint when they hold UTF-8),
// control bytes, unknown record types and field numbers, fields of
// another message type, text after a value's length, broken
// continuations, wrong counts and other layout or field-table versions.
//
// # Caveats
//
// A value is at most 9,999 records of 489 characters long in the layout,
// but the schema's maximum length applies first; occurrences are limited
// to 9999 per level and three repeatable levels per path.
package azrfixed
