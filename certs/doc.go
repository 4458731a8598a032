// Package certs holds xgate's keys and certificates: loading them,
// checking them against trust roots, CRLs and the usage rules of each
// purpose, telling whose they are, and choosing among several during key
// rollover. The development PKI is certs/devpki.
//
// # Overview
//
// Loading: LoadPrivateKey (PKCS#1 or PKCS#8, RSA only) refuses a key file
// that group or others can access with a *KeyPermissionError that names
// the file and the fix ("chmod 600 FILE"). LoadCertificates reads one or
// many certificates per file, LoadRoots and LoadCRLs a file or every
// matching file of a folder; LoadKeyPair checks that key and certificate
// belong together.
//
// Verification: a Verifier (NewVerifier(Config{Roots, Intermediates,
// CRLs, CRLPolicy, Clock})) checks a certificate for a Purpose at a time:
//
//	v, err := certs.NewVerifier(certs.Config{Roots: roots, Intermediates: subCAs, CRLs: crls})
//	chain, err := v.Verify(cert, certs.Signing, time.Time{}, presented...)
//	code, _ := errcode.Of(err) // T000 … T010
//
// *Verifier also has VerifyCert(ctx, cert, purpose, at), the method
// xml/secure's CertVerifier interface asks for: a Verifier checks message
// signers directly, without an adapter.
//
// Trust comes only from Config.Roots: x509.Verify builds the chain
// against them. Config.Intermediates are sub-CAs that complete chains
// without being trusted by themselves (a message carries only its
// signer's certificate, so a two-tier PKI's sub-CA belongs here, not in
// Roots); certificates that arrive with a message (presented) may fill
// the gap in the same way. Every failure is an *errcode.Error whose Detail
// names the certificate (subject as written, serial) and what is wrong
// (dates, usage, key size):
//
//	T003  no certificate
//	T010  RSA key under 3072 bits, not RSA, or signed with SHA-1/MD5
//	T000  expired or not yet valid (the leaf or a CA of its chain)
//	T002  self-signed, no chain to a root, wrong usage, CRL out of date or
//	      (CRLRequired) missing
//	T001  the certificate or a CA of its chain revoked by its issuer's CRL
//
// Revocation: every certificate of the chain is looked up in its issuer's
// CRLs, up to the trust anchor, and the anchor too when it is not
// self-signed and its issuer is configured (a sub-CA that an operator also
// put into Roots still falls to its root's CRL). Config.CRLPolicy says
// what a missing CRL means: CRLRequired, the zero value and the daemon's
// setting, refuses the certificate (fail closed); CRLIfPresent checks
// only where a CRL is configured. If x509.Verify finds several chains,
// the first that passes every check counts.
//
// Identity: KennungFromCert reads the owner's kennung from the subject's
// one serialNumber attribute, exactly (kennung.Parse); two serialNumbers,
// or one that is not a kennung, is T002 (pkix.Name would keep the last
// one), none is ErrNoKennung. SubjectString prints a subject as written in
// the certificate, every attribute.
//
// The usage rules per purpose (key separation, security.md):
//
//	purpose     KeyUsage needed     KeyUsage refused                  ExtKeyUsage
//	signing     digitalSignature    keyEncipherment, keyCertSign, …   none, documentSigning or any
//	encryption  keyEncipherment     digitalSignature, keyCertSign, …  none, emailProtection or any
//	tls-server  digitalSignature    keyCertSign, cRLSign              serverAuth (required)
//	tls-client  digitalSignature    keyCertSign, cRLSign              clientAuth (required)
//	directory   digitalSignature    keyEncipherment, keyCertSign, …   and the policy OIDDirectoryPolicy
//	ca          keyCertSign         -                                 basic constraints CA
//
// Leaf purposes refuse CA certificates, a certificate without a KeyUsage
// extension is refused, and the directory authority's certificate may
// not sign messages. Purpose.SetUsage writes exactly these rules into a
// certificate template.
//
// Rollover: Newest picks the newest certificate valid at a time (the
// sender choosing among a partner's current and next encryption
// certificate), Verifier.NewestValid the newest that passes Verify, and
// ValidKeyPairs yields a receiver's own valid key pairs, newest first, to
// try each.
//
// The development PKI (root CA, CRL, directory authority, a signing, an
// encryption and a TLS key pair per participant, pki.json) is written and
// read by certs/devpki, so that verification does not depend on who the
// development participants are; certs imports neither the message
// catalogue nor devpki.
//
// Reports: Describe and DescribeFile feed `xgate certs show`; Check walks
// a folder and reports expired, expiring (within a window), revoked and
// not-yet-valid certificates, stale or unverifiable CRLs and private
// keys with open permissions, for `xgate certs check`.
//
// # Caveats
//
//   - Revocation is by CRL only (no OCSP). A certificate is revoked if any
//     CRL of its issuer lists it, whatever the revocation date; a CRL
//     past its NextUpdate makes every certificate of its issuer T002
//     until a fresh one is loaded. Under CRLIfPresent an issuer with no
//     CRL at all is not checked. Delta CRLs and distribution points are
//     not followed.
//   - NewVerifier accepts only CRLs that a configured root or
//     intermediate signed; a CRL of a CA that is only ever presented with
//     a message is not usable, so under CRLRequired a presented
//     intermediate must also be configured (with its CRL).
//   - A trust anchor whose issuer is not configured cannot be checked for
//     revocation: configure the sub-CA under Intermediates and its root
//     under Roots.
//   - Details name certificate subjects. xgate's certificates name
//     authorities, not persons; a certificate presented by an attacker
//     can of course say anything.
package certs
