// Package xmeld is the adapter xmeld: xgate's ABH ↔ Meldebehörde messages
// (groups 02 and 03) in an XMeld-style dialect, for Meldebehörden whose
// software speaks XMeld rather than XAusländer (catalogue.md §7).
//
// # Overview
//
// The dialect is ours (namespace urn:xgate:de:xmeld:1, standard
// "XMeld-xgate" version 1.0, its own XSD in xsd/), shaped after real XMeld
// 26.11: four-digit message numbers with lower-camel names, body elements
// qualified and the header unqualified, type names "type.X", codes of
// its own lists for sex and nationality, names and addresses split the
// XMeld way.
//
//	xgate 020101 ABHMB.Anmeldung               ↔ auslaenderbehoerde.anmeldung.1201
//	xgate 020105 ABHMB.AenderungName           ↔ auslaenderbehoerde.namensaenderung.1205
//	xgate 020112 ABHMB.NachgewieseneAusreise   ↔ auslaenderbehoerde.nachgewieseneAusreise.1212
//	xgate 020114 ABHMB.MitteilungAZRNummer     ↔ auslaenderbehoerde.mitteilungAZRNummer.1214
//	xgate 030101 MBABH.Anmeldung               ↔ meldebehoerde.anmeldung.1301
//	xgate 030102 MBABH.Abmeldung               ↔ meldebehoerde.abmeldung.1302
//	xgate 030103 MBABH.Hauptwohnung            ↔ meldebehoerde.hauptwohnungswechsel.1303
//	xgate 030301 MBABH.Ablehnung               ↔ meldebehoerde.ablehnung.1390
//
// What differs from our messages:
//
//   - names: familienname becomes familienname/name (or
//     familienname/nichtVorhanden), the first names are split at single
//     spaces into vornamen/vorname, one element each, geburtsname becomes
//     geburtsname/name; the place of birth is geburt/geburtsort/{ort, staat};
//   - addresses: wohnung/anschrift with wohnort and zusatzangaben, the
//     house number split into hausnummer (its leading digits, at most
//     four) and hausnummerBuchstabeZusatzziffer (the rest);
//   - codes: sex M/W/D/X (ours m/w/d/x), nationality as ISO 3166-1
//     alpha-3 with the ICAO Doc 9303 additions (ours: the DESTATIS keys),
//     message types as four-digit numbers; the other code lists are
//     shared;
//   - field names after XMeld (datumDesEinzugs, letzteFruehereWohnung,
//     datumDerAusreise, ursprungsnachricht, anlass, …).
//
// Every rule is data: mapping/felder.csv maps paths (per message type and
// per building block), mapping/codes/*.csv map codes; each file carries
// its version. New checks when the adapter is built that every field of
// every message type has a rule both ways. Forward output is validated
// against the dialect's XSD, reverse output against xgate's.
//
// The gateway applies the adapter to partners whose directory entry says
// dialect: xmeld, after validation and before sealing (forward) and after
// opening (reverse).
//
// # Nothing silent
//
// A value without a counterpart is an error naming the field, the value
// and the message type: the five DESTATIS keys without an ISO code (133,
// 138, 276, 910, 999) and the dialect's XXB and XXC (S011, with the
// table's note); a list version the table does not map (S010); first
// names with an empty, leading, trailing or double space; a house number
// whose two parts cannot be joined back unambiguously ("12" and "5"); an
// empty geburtsort. Round trips are equal after canonicalisation both
// ways (tested on the samples and on 1,000 generated messages per
// direction).
//
// # Caveats
//
// The names of codes (the optional name element) are carried as they are,
// in German, also where the code is mapped. Namespace prefixes and
// comments of the input are not kept; the output is indented.
package xmeld
