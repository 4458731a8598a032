// Package scenario holds the scenarios of catalogue.md §6 as data, for
// `xgate demo`, the peers' tests and the conformance suite: which site
// sends which message to whom, built how, and which business answers must
// come back.
//
// # Overview
//
//	env, _ := scenario.NewEnv(scenario.Config{}) // parties of the development PKI, wall clock
//	for _, sc := range scenario.All() {
//		for _, st := range sc.Steps {
//			msg, err := st.Build(ctx, env)     // needs the earlier steps' answers
//			uuid, _ := env.Sent(st.Name, msg)  // remember before submitting
//			submit(st.From, st.To, msg)        // the From site's intake API
//			// wait for the 900001 at the From site, then for one answer of
//			// each type in st.Expect in the From site's inbox:
//			a, step, _ := env.Received(answer) // found by ausloeserUUID = uuid
//			_ = st.AfterAnswer(ctx, env, a)    // if set
//		}
//	}
//
// A Step names its sending and receiving role, its type, a Build function,
// the answer types expected (Expect) and the Fault the driver provokes
// around it (PartnerDown, Rejected, LateAnswer: see FaultKind). Steps run in
// order; a step that needs an earlier result gets it from Env: the AZR
// number of a 090098, the 910004 before the corrected 910001, the
// Referenz-ID the AZR gave, the person of the BAMF's decision. Build fails
// with ErrNotSent or ErrNoAnswer if that is missing, so a driver that lost
// an answer stops with a clear error instead of sending nonsense. One Env
// serves all scenarios: step names are unique.
//
// Every message is built from a shipped plain sample (conformance.Vectors:
// Valid, no expected warning), its header rewritten for the parties (fresh
// nachrichtenUUID, erstellungszeitpunkt now, autor From, leser To, the
// contact data the samples give for each kennung) and the corresponding
// values put in on the element tree, never by string concatenation. Each
// one validates with xml/validate's default rules; at the samples' time
// (December 2026) without a warning.
//
// RunLocal plays a scenario without gateways, handing each message to a
// Deliver function (the tests use one peer.Responder per role, the ABH's
// included). It is what a driver does, minus transport and faults.
//
// # The scenarios
//
//   - arrival: 030101 (MB) → 900020; 090001 by the AZR number the MB gave →
//     090004; 090010 storing the new address → 090098.
//   - asylum: 110202, 110203, 110204 (BAMF) → 900020 each; 090010 title →
//     090098; 020114 → 900020; 920001 → 900020; 090030 (AZR → JC, the new
//     title with the Referenz-ID the AZR gave); 920002 (JC) → 900020.
//   - employment: 910001 without occupation code → 910004; the corrected
//     910001 → 910002; 090010 storing the BA decision → 090098; 910001 with
//     pay below the minimum wage → 910003; a researcher → 910005; 920003 (JC)
//     → 900020.
//   - new-person: 090009 → 090098 with a new AZR number; 020101 with that
//     number → 900020; the same 090009 again → 090099 "dublette"; 020101 for
//     an address in another municipality → 000030; 020105 → 900020.
//   - departure: 020112 → 030301; 030102 (MB) → 900020; 030103 (MB) → 900020.
//   - trouble: 090001 while the AZR is down (PartnerDown) → 090004 after the
//     restart; 020114 delivered to the AZR's gateway (Rejected) → 900010 with
//     T080; 111501 marked late (LateAnswer) → 900021, then 900020.
//   - queries: 090001 by personal data → 090003 (two candidates); by
//     unknown personal data → 090002; 090030 (AZR → ABH).
//
// # Types left to the gateways
//
// No step sends, and no peer makes, the three types the gateways make
// themselves (GatewayTypes): 900001 Transportquittung (every delivered
// message), 900010 Rückweisung (the trouble scenario's misdelivered
// message) and 900021 Erinnerung (the trouble scenario's late answer).
// With them, the steps' types and the peers' answers cover every type of
// xml/catalogue (TestCoverage).
//
// # Caveats
//
// The AZR numbers and the decisions come from the peers' simulated
// registers (gateway/peer), which live in memory: run the scenarios once
// per set of fresh peers (a second new-person scenario against the same
// AZR peer draws a dublette at its first step). With Config.Seed zero the
// nachrichtenUUIDs are random, so that a second run against kept stores
// never repeats one.
package scenario
