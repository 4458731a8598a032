// Package conformance is xgate's conformance suite for vendors: the test
// vectors for every message type, the checker that judges messages as a
// gateway does, and the rule catalogue. Package conformance/report holds
// the result model and its renderings (terminal, JUnit, JSON, HTML).
//
// # Overview
//
// The vectors live in testdata/vectors/<type code>/{valid,invalid}/ and are
// embedded in the binary. A valid vector must be accepted without a
// finding. An invalid vector's file name says what it must draw:
// "<CODE>-<RULE-ID>-<what>.xml" (S999-HDR-TIME-no-millis.xml: code S999
// from rule HDR-TIME) or "<CODE>-<what>.xml" (X001-missing-person.xml:
// code X001). Rule ids are upper case, descriptions lower case. A valid
// vector must draw no finding and no warning, unless it is named
// "WARN-<RULE-ID>-<what>.xml": then it must be accepted and draw warnings
// of that rule (severity warn) and of no other. Large vectors may be
// stored gzip-compressed as .xml.gz. Vector.Expect is that expectation as
// a report.Expect, Vector.Category what the vector exercises: valid,
// warning, parse, version, schema, header, code-list, rule or role.
//
// Every type has valid, schema, header, code-list and role vectors, and
// every rule that names types has a vector of each of them (CoverageOf;
// TestCoverage). Vectors a hand-written set tends to miss are derived from
// each type's first plain valid vector by one named change (derive_test.go,
// TestDerivedVectors -update): a header without milliseconds or naming
// another type, an unknown version of the message type list or an unknown
// directory service code, a sender and a recipient of a role the catalogue
// does not allow (T070), and for types every role may exchange a sender
// (T070) or recipient (T080) the directory does not know.
//
//	xgate conformance list [--coverage]   the vectors and their expected verdicts
//	xgate conformance check [FILE|DIR]... the checker's verdict per message
//
// # Checker
//
// Checker runs what a receiving gateway runs on the content of a message:
// validate.Validator (hardened parse, standard and version, XSD, business
// rules) and then the role stage, CheckRoles against a Directory (the
// development participants by default; the gateway uses its signed
// directory): T070 for a sender unknown to the directory or of a role that
// may not send the type, or a recipient of a role that may not receive
// it, T080 for a recipient unknown to the directory. The verdict is
// accept, accept with warnings or reject; Checker.Run makes it a
// report.Result judged against the case's expectation, and CheckAll checks
// many messages on all cores. CheckVectors, used by the tests, `xgate
// conformance check` and `xgate demo`, applies the same judgement
// (Vector.Expect, report.Expect.Judge), so test results and field results
// cannot diverge.
//
// # Rule catalogue
//
// rules.md and rules.json list every business rule with its id, severity
// (reject | warn), XInneres error code, text, legal or normative source,
// message types and the vectors that exercise it, and describe the role
// stage. They are generated from validate.DefaultRules by RuleCatalogue;
// TestRuleCatalogue keeps them current (go test ./conformance -run
// TestRuleCatalogue -update).
//
// # Live endpoints
//
// The live parts are their own packages: conformance/live runs `xgate
// conformance run` against a vendor's receiving endpoint (receipts,
// Rückweisungen for broken messages, duplicates, business answers),
// conformance/partner is the test partner of `xgate conformance serve`,
// conformance/checkd the check daemon, and conformance/defective the
// endpoint with seeded defects that shows the live suite can fail.
//
// # Caveats
//
// The checker does not see the transport: signatures, encryption,
// certificates, duplicates and receipts are the business of `conformance
// run` against a live endpoint. Role vectors name no rule, because the
// gateway's Rückweisung for T070/T080 carries none; `xgate validate`, which
// has no directory, accepts them.
package conformance
