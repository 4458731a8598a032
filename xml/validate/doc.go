// Package validate checks xgate messages: hardened parse, XSD validation
// with libxml2, then business rules in Go.
//
// # Overview
//
//	v, err := validate.New(validate.Config{})
//	defer v.Close()
//	rep := v.Validate(ctx, data)
//	for _, f := range rep.Findings { fmt.Println(f.Code, f.Line, f.Path, f.Detail) }
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
//  4. the business rules (Rule), each with an id, on the etree tree
//     (S010, S011, S020, S030, X000 for attachment size).
//
// Every finding is an *errcode.Error with its code, line and element path.
//
// # Caveats
//
// The schemas are written to a private temporary directory in New and
// parsed from there with xsd.ParseFromFile, because xsd.Parse from memory
// leaks about 18 KB per call (lestrrat-go/libxml2#84) and cannot resolve
// xs:include. The directory is removed before New returns.
package validate
