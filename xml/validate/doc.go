// Package validate checks xgate messages: hardened parse, XSD validation
// with libxml2, then business rules in Go, each rule rejecting or warning.
//
// # Overview
//
//	v, err := validate.New(validate.Config{})
//	defer v.Close()
//	rep := v.Validate(ctx, data)
//	if !rep.Valid() { … answer with a Rückweisung built from rep.Findings … }
//	for _, w := range rep.Warnings { … show to the clerk; never a Rückweisung … }
//
// The stages run in order and a stage runs only if the one before found
// nothing:
//
//  1. message.Parse: size, UTF-8, no DOCTYPE/entities/PIs/XInclude,
//     depth, element and attribute limits (X000, S001). The limits and
//     their defaults are listed once, in the xml/secure package doc
//     (go doc ./xml/secure, "# Limits"), Config.MaxAttachmentBytes
//     included.
//  2. standard and version of the root element (V000).
//  3. libxml2 parses the same bytes (network off, no entity substitution)
//     and validates them against the schemas, parsed once in New (X001).
//  4. the business rules (Rule), each with an id, a Severity, an XÖV code
//     and a source, on the etree tree.
//
// # Findings and warnings
//
// Report.Findings holds everything that rejects the message: the findings
// of stages 1–3 and of rules with severity Reject. Report.Warnings holds
// the findings of rules with severity Warn. Both are *errcode.Error with
// code, rule id, line and element path. Report.Valid and Report.Err look at
// Findings only: a message with warnings only is valid, is processed and
// never draws a Rückweisung; the gateway passes the warnings on to the clerk
// and the operator, and `xgate validate` prints them and exits 0.
//
// Codes keep their XInneres meaning (Fehlercodes in XInneres, version 3):
// S010/S011 unknown code list or code, S030 empty mandatory text, X001 for
// what a schema type says (the DIN 91379 repertoire is datatypeC, a schema
// type in XÖV), S999 for every other specification violation, with the rule
// id as grundSpezifisch. S020 ("fehlerhafte Einzelfälle" of a batch
// message) is not used for business rules. Plausibility checks that belong
// to the clerk's judgement (dates, deadlines, legal bases the BAMF or the BA
// decide) are warnings. conformance.RuleCatalogue lists every rule; the
// generated files conformance/rules.md and conformance/rules.json are the
// catalogue vendors read (also `xgate catalogue rules`).
//
// Text is checked against DIN 91379 data type C exactly (package
// din91379: the normative Latin letters with their defined combining
// sequences and the non-letter groups N1 to N4, tested against the
// normative XSD pattern for every Unicode code point): rule TXT-DIN91379,
// code X001. The no-break space is part of data type C (group N4), so a
// text may contain it; identifiers may not (see White space).
//
// # White space
//
// What is trimmed is defined once, in package message (space.go): XML white
// space (space, tab, CR, LF) as the schema's xs:token types collapse it.
// Rules read codes and identifiers with message.TokenText and compare them
// exactly; a no-break space or another Unicode space is part of the value
// and makes a code, a message type, a list URI or version, a UUID, a MIME
// type, a file name, a kennung or an AZR number invalid: X001 where a schema
// type or pattern fixes the value (UUID, kennung, MIME type, file name, AZR
// number, enumerated Typ-1 codes, fixed list URIs), S011 for a code not in
// its list, S010 for an unknown list version. A text made of nothing but
// white space and look-alike spaces (message.Blank) is empty: S030. UUIDs
// are compared with message.CanonicalUUID (lower case).
//
// # Caveats
//
// The schemas are written to a private temporary directory in New and
// parsed from there with xsd.ParseFromFile, because xsd.Parse from memory
// leaks about 18 KB per call (lestrrat-go/libxml2#84) and cannot resolve
// xs:include. The directory is removed before New returns.
//
// Roles are not checked here: the role of a participant comes from the
// signed directory, and the gateway answers T070 when autor may not send a
// type. Validation checks only the kennung's syntax (schema type Kennung,
// the same as kennung.Parse).
package validate
