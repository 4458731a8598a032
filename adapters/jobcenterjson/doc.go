// Package jobcenterjson is the adapter jobcenter-json: xgate's messages
// between the Ausländerbehörde and a Jobcenter as JSON documents, for the
// Jobcenter's local systems at its gateway (hand-over of what arrives,
// intake of what it sends: POST /v1/messages with Content-Type
// application/json and the adapter's name).
//
// # Overview
//
// Each message is one JSON object, derived from the message's XSD by the
// rules of package adapters/internal/jsonmsg ("nachricht" names the root
// element; element names with their dots turned into camel case; arrays
// for repeatable elements; code elements as {"code", "name", "listURI",
// "listVersionID"}). The JSON Schema of each type is in schema/ (one file
// per type, "920001.schema.json", $id "urn:xgate:de:json:jobcenter:1:920001"),
// generated from the XSD; a test keeps them current
// (go test ./adapters/jobcenterjson -update) and validates every output
// against them.
//
// Types: 920001 ABHJC.Statusmitteilung (ABH → Jobcenter), 920002
// JCABH.MitteilungLeistungsbezug and 920003 JCABH.Integrationsmassnahme
// (Jobcenter → ABH), 090030 VonAZR.AZRMitteilungZuDatenaenderung (AZR →
// Jobcenter) and 900020 Prozess.Quittung (both ways). The mapping is a
// bijection, so every type translates both ways; forward (XML → JSON)
// hands over, reverse (JSON → XML) takes in. Reverse output is validated
// against xgate's XSD, forward input too.
//
// # Caveats
//
// An xs:boolean written 1 or 0 becomes JSON true or false and comes back
// as "true" or "false": the same value, other characters. Namespace
// prefixes and comments of the XML are not kept (the output uses prefix
// "xaus").
package jobcenterjson
