// Package bajson is the adapter ba-json: xgate's messages between the
// Ausländerbehörde and the Bundesagentur für Arbeit (employment approval,
// § 39 AufenthG) as JSON documents, for the BA's systems at its gateway.
//
// # Overview
//
// Each message is one JSON object, derived from the message's XSD by the
// rules of package adapters/internal/jsonmsg ("nachricht" names the root
// element; element names with their dots turned into camel case; arrays
// for repeatable elements; code elements as {"code", "name", "listURI",
// "listVersionID"}). The JSON Schema of each type is in schema/ (one file
// per type, "910001.schema.json", $id "urn:xgate:de:json:ba:1:910001"),
// generated from the XSD; a test keeps them current
// (go test ./adapters/bajson -update) and validates every output against
// them.
//
// Types: 910001 ABHBA.Zustimmungsanfrage (ABH → BA) and the BA's answers
// 910002 Zustimmung, 910003 Versagung, 910004 Nachforderung and 910005
// ZustimmungsfreiMitteilung (BA → ABH). The mapping is a bijection, so
// every type translates both ways: forward (XML → JSON) hands the request
// over, reverse (JSON → XML) turns the BA's decision into its answer
// message, validated against xgate's XSD.
//
// # Caveats
//
// An xs:boolean written 1 or 0 becomes JSON true or false and comes back
// as "true" or "false". Attachments (anlage/inhalt) stay base64 text in
// JSON, so a document is about a third larger than its bytes; max-bytes
// bounds the input.
package bajson
