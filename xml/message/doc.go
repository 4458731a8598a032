// Package message is xgate's message model on etree and its hardened
// parser.
//
// # Overview
//
// Parse is the only way bytes from outside become a *Message. It rejects,
// before building anything: documents over the size limit, bytes that are
// not UTF-8 or declare another encoding (S001), NUL bytes, DOCTYPE and
// entity declarations, processing instructions other than the XML
// declaration, XInclude, depth, element and attribute counts over the
// limits, duplicate attributes and content outside the root element (X000).
// Nothing named in the input is ever fetched: there is no entity
// resolution at all, only the five predefined entities and character
// references.
//
// A Message remembers the line of every element, so that every finding
// can say where it is, and gives the header fields of
// nachrichtenkopf.g2g by name.
//
// # Caveats
//
// encoding/xml, which etree builds on, is more lenient than the XML
// specification (golang/go#68299); the validator therefore also parses
// the same bytes with libxml2 before schema validation.
package message
