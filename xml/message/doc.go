// Package message is xgate's message model on etree and its hardened
// parser.
//
// # Overview
//
// Parse is the only way bytes from outside become a *Message. Its Limits
// (size, depth, elements, attributes) are part of the one list of limits
// of the message path in the xml/secure package documentation (# Limits).
// Before
// building anything it rejects documents over the size limit, bytes that
// are not UTF-8 (S001) and NUL bytes; while scanning, a declared encoding
// other than UTF-8 (S001), DOCTYPE and entity declarations, processing
// instructions other than the XML declaration, XInclude, depth, element
// and attribute counts over the limits (checked before the element is
// built), duplicate attributes, content outside the root element and
// anything else not well-formed (X000).
// Nothing named in the input is ever fetched: there is no entity
// resolution at all, only the five predefined entities and character
// references.
//
// Parse is a strict scanner over the bytes that builds the etree tree
// directly (scan.go, build.go). It replaced encoding/xml's RawToken, which
// read byte by byte, and it builds exactly the tree the former
// implementation built: the same elements, attributes in order, text and
// CDATA as text tokens, comments, and the same line for every element (the
// line of the '>' that ends its start tag, counting LF only). The former
// implementation is kept as referenceParse in reference_test.go, and the
// differential tests and FuzzParse hold the two to this: for every input
// both accept with identical trees and lines, or both refuse with the same
// code, except for the cases below.
//
// A Message remembers the line of every element, so that every finding
// can say where it is, and gives the header fields of
// nachrichtenkopf.g2g by name.
//
// # Stricter than encoding/xml
//
// The former parser accepted some input that is not well-formed XML 1.0.
// Parse refuses it (X000 unless noted); each case is a named exception in
// diff_test.go, found there independently of the scanner:
//
//   - an XML declaration that does not match XMLDecl (§2.8): missing
//     version, other pseudo-attributes, wrong order, standalone other than
//     yes or no, a bad encoding name, stray characters. encoding/xml only
//     looked for "version=" and "encoding=" substrings;
//   - an encoding other than UTF-8 written with white space around '='
//     (encoding = "ISO-8859-1"), which encoding/xml did not see: S001,
//     since a reader honouring it would decode other characters than we
//     checked;
//   - character data outside the root element other than XML white space:
//     no-break and other Unicode spaces, references such as &#32;, CDATA
//     sections (strings.TrimSpace decided before);
//   - no white space between an attribute value and the next attribute
//     (<r a="1"b="2">, §3.1);
//   - a character outside the Char production (§2.2), such as a C0 control
//     or U+FFFE, inside a comment (comment text was not checked);
//   - a character reference to a surrogate (&#xD800;), which encoding/xml
//     replaced by U+FFFD (§4.1, WFC Legal Character);
//   - a namespace declaration that Namespaces in XML 1.0 forbids:
//     undeclaring a prefix (xmlns:p="", §5: only XML 1.1 allows it), the
//     prefix xml bound to another namespace, the XML namespace bound to
//     another prefix or as the default, the prefix xmlns declared, the
//     xmlns namespace bound (§3). libxml2 refuses these too, so open
//     (which parses with Parse) and validate (Parse, then libxml2) agree.
//
// Such a violation does not stop the scan at once: Parse goes on as the
// former parser did and answers with the first violation at the end, so
// that any input the former parser refused is still refused with its code
// (an <?xml encoding?> later in the document stays S001).
//
// # Attribute values
//
// Attribute values are normalised as XML 1.0 §3.3.3 says for CDATA
// attributes (without a DTD every attribute is CDATA): references are
// replaced, and every literal tab, line feed and line end (CR LF, lone CR)
// becomes one space; a character reference (&#9; &#10; &#13;) stays the
// character it names. This is what libxml2 and xmlsec1 read, so an
// exclusive c14n of our tree and of theirs agree, and a signature over an
// element with such a value verifies on both sides. encoding/xml (and so
// the former parser and etree's reader) keeps the literal characters; the
// differential tests compare against an independent rewrite of the raw
// start tags (normaliseAttrValues in diff_test.go).
//
// # Caveats
//
// Names are checked against both the XML 1.0 fifth-edition Name production
// and the older Appendix B classes encoding/xml uses (names.go); some
// names the fifth edition allows (letters added to Unicode later) are
// refused, as before. A QName's local part is not checked to start with a
// name start character (<a:1b> is accepted, as before); libxml2 reports it
// in validation. A UTF-8 byte-order mark is refused as text before the
// root element, as before. Comments are kept as written, without line-end
// normalisation, as before. A lone CR does not start a new line for
// Line, as before.
//
// The tree's strings are substrings of one copy of the input, and
// elements, text tokens, attribute and child lists come from shared
// chunks (build.go): keeping one element of a discarded message keeps its
// chunk and the input copy alive.
//
// The validator also parses the same bytes with libxml2 before schema
// validation; libxml2 applies the rest of namespace well-formedness (an
// undeclared prefix), which Parse checks only as far as the QName syntax
// and the declarations above. Parse keeps the namespace scope as a stack
// per prefix, so finding an element's namespace (for the XInclude check)
// costs the same however many declarations are in scope.
package message
