// Package adapters translates between xgate's XAusländer-style messages
// and the formats partners speak: the XMeld-style dialect of most
// Meldebehörden, Jobcenter JSON, BA JSON, the legacy fixed-width records
// of an old AZR interface and the CSV exports of ABH case-management
// systems (Fachverfahren). Translations are lossless and loud: a field or
// code without a counterpart is an error naming the field, the value and
// the message, never dropped.
//
// # Overview
//
// An Adapter has one verb per direction:
//
//	r, _ := all.New(adapters.Deps{})       // every built-in adapter
//	a, err := r.Lookup("xmeld")            // built on first use, then shared
//	out, err := a.Forward().Translate(ctx, ourMessage)  // ours → partner
//	msg, err := a.Reverse().Translate(ctx, theirs)      // partner → ours
//
// The Registry is an explicit value (no init() registration, no package
// state): Register takes a Spec and a Constructor and refuses duplicate or
// malformed names; package adapters/all registers the built-in adapters.
// A Spec declares the adapter's name, summary, formats, media type,
// message types with their directions and its settings (Fields, with
// defaults); Configure checks a Config against them. `xgate adapters list`
// prints the specs, `xgate translate --adapter NAME [--reverse]` runs one.
//
// The built-in adapters and where they stand:
//
//	xmeld               02xxxx ↔ auslaenderbehoerde.*.12xx, meldebehoerde.*.13xx (XMeld-style XML, own XSD)
//	jobcenter-json      920001–920003, 090030, 900020 ↔ JSON (JSON Schema in adapters/jobcenterjson/schema)
//	ba-json             910001–910005 ↔ JSON (JSON Schema in adapters/bajson/schema)
//	azr-fixed           090009, 090010 → records; 090098, 090099 ← records (Latin-9, 512 characters, LAYOUT.md)
//	fachverfahren-csv   CSV rows → 090010, 020114, 920001 (batch, per-row report, COLUMNS.md)
//
// The gateway applies an adapter where a partner's directory entry names
// it: forward after validation and before sealing, reverse after opening
// and before validation.
//
// # Errors
//
// A Translator's permanent failures are *MappingError values (adapter,
// direction, message type, field, value, reason) that unwrap to an
// *errcode.Error: errcode.Of gives X000/S001 for input that cannot be
// read, X001 for input that breaks its format's schema, S011 for a code
// without counterpart, S999 for anything else. ErrDirection answers a
// direction an adapter does not translate; transient failures would wrap
// ErrTemporary (the built-in adapters are pure functions of their input
// and have none). Callers decide with errors.Is and errors.As only.
//
// # Caveats
//
// Adapters do not log message content; they do not log at all on the
// translation path (the caller logs the error once, with ids and codes).
// Translators are safe for concurrent use; an Adapter holds parsed
// schemas and must be closed (Registry.Close closes what it built).
package adapters
