// Package bundle writes the conformance package a vendor downloads: the
// standard's schemas, code lists, rules, a page per message type, the
// mapping to the real standards, the vectors with their expected verdicts,
// a version and a change log, as a folder or one zip archive.
//
// # Overview
//
//	m, err := bundle.WriteDir(ctx, "pkg", bundle.Config{Release: "1.2.0", Commit: "abc123"})
//	m, err := bundle.WriteZip(ctx, f, bundle.Config{Release: "1.2.0", Date: releaseDay})
//
// Layout (README.md in the package says the same):
//
//	VERSION             release, date, standard and version, counts (key: value lines)
//	CHANGELOG.md        per standard version (CHANGELOG.md in this package)
//	README.md           the layout, how to check, the type index
//	schemas/*.xsd       xauslaender.xsd includes every group; no network needed
//	codelists/*.xml     genericode files, README.md as their index
//	rules/rules.{md,json}  the rule catalogue (conformance.RuleCatalogue)
//	types/<code>.md     purpose, roles, legal basis, answers and deadline, fields
//	                    (from the XSD), rules, vectors
//	mapping.md          xgate ↔ XAusländer / XInneres 26.11, DESTATIS
//	vectors/<type>/{valid,invalid}/*.xml, vectors/index.{json,csv}
//	SHA256SUMS          every other file's digest (sha256sum -c)
//
// index.json gives per vector the expected verdict (report.Expect) and what
// a plain XSD validator says of it (SchemaVerdict): valid for valid vectors
// and for those a business rule or the directory refuses (rules run only on
// schema-valid messages), invalid for X001 vectors without a rule, n/a for
// those refused before the XSD (X000, S001, V000). TestXmllint holds the
// package to that with xmllint --schema.
//
// A zip puts everything below one folder, xgate-conformance-<release>/, and
// dates every entry with Config.Date, so that the same release makes the
// same bytes.
//
// # Caveats
//
// Vectors stored compressed in the source (.xml.gz) are written
// decompressed. The role vectors assume the development participants; a
// vendor with other kennungen checks them with `xgate conformance check
// --participant`.
package bundle
