// Package message is xgate's message model on etree and its hardened
// parser.
//
// # Overview
//
// Parse is the only way bytes from outside become a *Message. Before
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
//     replaced by U+FFFD (§4.1, WFC Legal Character).
//
// Such a violation does not stop the scan at once: Parse goes on as the
// former parser did and answers with the first violation at the end, so
// that any input the former parser refused is still refused with its code
// (an <?xml encoding?> later in the document stays S001).
//
// # Attribute values
//
// Attribute values are kept as encoding/xml produced them, so that trees
// stay identical: references are replaced and CR LF and lone CR become LF
// (§2.11), but the attribute-value normalisation of §3.3.3 is not done: a
// literal tab or line feed in a value stays a tab or line feed instead of
// becoming a space. A conforming XML processor (libxml2, xmlsec1) reads
// such a value with spaces, so an exclusive C14N of our tree writes
// &#x9; or &#xA; where theirs writes a space, and a signature over an
// element whose attributes contain literal tabs or line feeds differs
// between the two. Character references (&#9; &#10;) are not normalised by
// anyone and agree. Changing this is a change of semantics, not part of
// this parser.
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
// validation; libxml2 applies namespace well-formedness, which Parse only
// checks as far as the QName syntax above.
package message
