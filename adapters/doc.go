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
// # Throughput
//
// BenchmarkAdapters (bench_test.go) translates a sample message per
// adapter and direction and, every 16 translations, seals the same
// message of ours once (secure.Seal, RSA-3072, default profile) with the
// timer stopped, so that both are measured under the same load; %seal is
// the mean translation over the mean Seal. "gateway" is the adapter as the
// gateway runs it (check-ours=false: the gateway validates our side
// before forward and after reverse itself; the partner side is always
// checked, the XMeld dialect against its XSD); "standalone" validates our
// side too, as `xgate translate` does. Run on the shared 2-core VM
// (load average 11–13 during the run, Go 1.26):
//
//	go test ./adapters -run '^$' -bench Adapters -benchtime 3s
//
//	adapter / direction            sample        gateway            standalone
//	                                             µs   msg/s  %seal  µs   msg/s  %seal
//	xmeld forward                  020101 3.1 KB 200   5,000  4.8   286  3,500  6.7
//	xmeld reverse                                168   5,950  4.4   268  3,730  6.2
//	jobcenter-json forward         920001 3.6 KB 112   8,910  2.8   311  3,220  6.2
//	jobcenter-json reverse                        87  11,500  2.4   172  5,830  4.5
//	ba-json forward                910001 3.9 KB 110   9,110  2.8   203  4,940  5.0
//	ba-json reverse                               89  11,290  2.5   268  3,740  5.3
//	azr-fixed forward              090010 2.5 KB 109   9,190  2.9   218  4,590  4.6
//	azr-fixed reverse                            138   7,280  3.3   317  3,160  5.1
//	fachverfahren-csv reverse      one 920001 row 127  7,870  3.5   212  4,720  3.5
//
// One Seal took 3.6–6.2 ms in these runs. The cost of an adapter is two
// parses (the hardened one of the input and libxml2's for an XSD), the
// mapping and the output; the XSD validations are the largest part, which
// is why the gateway does not run ours twice. Output is written without
// indentation for the same reason (white-space nodes cost the next reader).
//
// # Caveats
//
// Adapters do not log message content; they do not log at all on the
// translation path (the caller logs the error once, with ids and codes).
// Translators are safe for concurrent use; an Adapter holds parsed
// schemas and must be closed (Registry.Close closes what it built).
package adapters
