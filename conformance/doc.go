// Package conformance holds xgate's test vectors for every message type
// and, in later stages, the check, run and serve engines that vendors use
// against their products.
//
// # Overview
//
// The vectors live in testdata/vectors/<type code>/{valid,invalid}/ and are
// embedded in the binary. A valid vector must pass validation without a
// finding. An invalid vector's file name says what it must draw:
// "<CODE>-<RULE-ID>-<what>.xml" (S999-HDR-TIME-no-millis.xml: code S999
// from rule HDR-TIME) or "<CODE>-<what>.xml" (X001-missing-person.xml:
// code X001). Rule ids are upper case, descriptions lower case. A valid
// vector must draw no finding and no warning, unless it is named
// "WARN-<RULE-ID>-<what>.xml": then it must be accepted and draw warnings
// of that rule (severity warn) and of no other. Large vectors may be
// stored gzip-compressed as .xml.gz.
//
// # Rule catalogue
//
// rules.md and rules.json list every business rule with its id, severity
// (reject | warn), XInneres error code, text, legal or normative source,
// message types and the vectors that exercise it. They are generated from
// validate.DefaultRules by RuleCatalogue; TestRuleCatalogue keeps them
// current (go test ./conformance -run TestRuleCatalogue -update).
package conformance
