// Package peer is the business logic of a simulated partner: the
// Meldebehörde, the Ausländerzentralregister, the BAMF, the Bundesagentur
// für Arbeit, the Jobcenter, and the Ausländerbehörde itself, each
// answering as catalogue.md §5 says. `xgate peer --as ROLE` runs it behind
// its own gateway, and `xgate demo` uses it as the local software of every
// site. It has no network and no store: it turns one opened, validated
// inbound message into the business answers to send.
//
// # Overview
//
//	r, err := peer.New(peer.Config{Self: id, Seed: 1}) // id.Role decides the behaviour
//	out, err := r.Respond(ctx, msg)                    // msg: opened and validated, leser = id
//	for _, o := range out {                            // each o.XML passes xml/validate
//		time.Sleep(o.Delay)                            // non-zero only for MarkLate
//		submit(ctx, o.To, o.XML)                       // to the site's own gateway
//	}
//
// Every answer is built from the shipped plain samples (conformance.Vectors,
// Valid and no expected warning) with the header rewritten: a fresh
// nachrichtenUUID, erstellungszeitpunkt now, autor Self (with the contact
// data the samples give for its kennung), leser the inbound autor,
// ausloeserUUID the inbound nachrichtenUUID; the values that must
// correspond (reference to the inbound message, AZR number, person,
// Referenz-ID, dates) are filled in on the element tree. No XML is put
// together from strings.
//
// # Behaviour per role
//
// Ausländerzentralregister (azr): a register in memory, seeded with every
// record of the samples' Gesamtauskünfte (090004) and every person the
// samples name with an AZR number.
//
//   - 090001 Anfrage: by AZR number, by personal data (family name without
//     case and diacritics, and birth date), by passport or by title number;
//     no hit 090002, one hit 090004 (the facts limited to the
//     angefragteSachverhaltsart, if given), 2–50 hits 090003, more 090099
//     "zu-viele-treffer".
//   - 090009 Erstmeldung: a person already stored (same family name and
//     birth date) 090099 "dublette" with the stored AZR number; otherwise a
//     new AZR number (the day's YYMMDD and six random digits, valid per
//     validate.ValidAZRNumber), a new Referenz-ID and 090098.
//   - 090010 Folgemeldung: unknown AZR number 090099 "azr-nummer-unbekannt";
//     a new fact (01) equal to a stored one 090099 "sonstiger" (the rule
//     AZR-FEHLERSCHLUESSEL allows "dublette" only on an Erstmeldung); change
//     or correction (02, 04) and deletion (03, 05) of an unknown Referenz-ID
//     "referenz-unbekannt", of an older version or another kind of fact
//     "widerspruch"; otherwise 090098 with the fact's Referenz-ID (new, or the
//     next version of the changed one).
//
// Referenz-IDs have the schema's shape (AZR.ReferenzID): "R" and six random
// characters name the fact, then the version (1, 2, …) and one random
// character ("RHbr6zY1x"); a change keeps the first seven characters.
//
// Meldebehörde (mb): 020101, 020105 and 020114 draw a Quittung (900020);
// if the address (anschrift/gemeindeschluessel) lies in another
// municipality than the Meldebehörde's own key (kennung "ags:<key>"), a
// Nichtzuständigkeitserklärung (000030) naming "ags:<gemeindeschluessel>"
// instead. 020112 draws an Ablehnung (030301, reason 01): the simulated
// register has the person deregistered already.
//
// Bundesagentur für Arbeit (ba): 910001 is decided by these rules, in
// order: no berufskennziffer (KldB 2010) → Nachforderung 910004 of a job
// description (item 04, deadline in 14 days; the corrected 910001 carries
// the code); a Blue Card (BK.18g), or AE.18b in KldB Berufsbereich 4 →
// ZustimmungsfreiMitteilung 910005 (§ 18g Abs. 1 AufenthG, § 5 BeschV);
// pay per hour (monthly ÷ (weekly hours × 13/3)) below MinHourlyPay →
// Versagung 910003 (reason 01); otherwise Zustimmung 910002 for at most a
// year from the start, restricted to the employer and the occupation.
//
// BAMF (bamf), Jobcenter (jc) and Ausländerbehörde (abh): every type whose
// expected answers include the Quittung (111501; 920001; 030101–030103,
// 110202–110204, 920002, 920003) draws a 900020 saying what was done.
//
// Messages that expect no answer (the answers themselves, 090030, 900021,
// 000030) draw none. kennung.RoleTest answers each type as its receiving
// role would.
//
// # Determinism
//
// Each inbound message gets its own random stream, derived from
// Config.Seed, Self's kennung and the message's nachrichtenUUID: the same
// seed gives the same UUIDs, AZR numbers and Referenz-IDs whatever the
// order of arrival, and two partners (other kennungen) never share
// numbers. Decisions that depend on the register (a dublette, a stale
// Referenz-ID) depend on what was stored before, as in the real register.
// A message handed over again (same autor and nachrichtenUUID) gets the
// answers of the first time again, without changing the register; the
// Responder remembers the last Config.Remember messages.
//
// # Late answers
//
// A message whose root attribute test (the text the partners agree
// bilaterally) contains MarkLate is answered with Outgoing.Delay =
// Config.LateDelay: the demo's "answer is late" scenario, in which the
// sender's gateway sends an Erinnerung (900021) before the answer comes.
//
// # Caveats
//
// The register lives in memory: a restarted peer forgets what it stored,
// and answers to messages it receives again after a restart may differ.
// The decisions are a simulation with documented rules, not the law's.
package peer
