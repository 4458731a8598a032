// Package certs holds xgate's keys and certificates: loading them,
// checking them against trust roots, CRLs and the usage rules of each
// purpose, choosing among several during key rollover, and generating
// the development PKI.
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
// CRLs, Clock})) checks a certificate for a Purpose at a time:
//
//	v, err := certs.NewVerifier(certs.Config{Roots: roots, CRLs: crls})
//	chain, err := v.Verify(cert, certs.Signing, time.Time{}, presented...)
//	code, _ := errcode.Of(err) // T000 … T010
//
// Trust comes only from Config.Roots: x509.Verify builds the chain
// against them, and certificates that arrive with a message (presented)
// may only fill the gap as intermediates. Every failure is an
// *errcode.Error whose Detail names the certificate (subject, serial) and
// what is wrong (dates, usage, key size):
//
//	T003  no certificate
//	T010  RSA key under 3072 bits, not RSA, or signed with SHA-1/MD5
//	T000  expired or not yet valid (the leaf or a CA of its chain)
//	T002  self-signed, no chain to a root, wrong usage, CRL out of date
//	T001  revoked by its issuer's CRL
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
// Development PKI: Init writes a root CA, its CRL, a directory authority
// and, per participant (DefaultParticipants: ABH, MB, AZR, BAMF, BA, JC
// and the conformance test partner), separate signing, encryption and TLS
// key pairs, all RSA-3072, plus the manifest pki.json that LoadManifest
// reads. Keys are generated on all cores (Options.Workers). The kennung
// is the subject's serialNumber and the role its OU, so Describe can tell
// whose a certificate is. The CRL starts empty: no demo certificate is
// revoked, so `xgate certs check` on a fresh PKI reports no problem; tests
// get revoked certificates from certstest.
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
//     until a fresh one is loaded. Without Config.RequireCRL an issuer
//     with no CRL at all is not checked. Delta CRLs and distribution
//     points are not followed.
//   - When x509.Verify finds several chains (cross-certified CAs), only
//     the first is checked for key size and revocation.
//   - NewVerifier accepts only CRLs that a configured root or
//     intermediate signed; a CRL of a CA that is only ever presented with
//     a message is not usable.
//   - Details name certificate subjects. xgate's certificates name
//     authorities, not persons; a certificate presented by an attacker
//     can of course say anything.
//   - Go ignores the random source of rsa.GenerateKey, so keys cannot be
//     made reproducible; tests use the pre-generated keys of certstest.
//   - Init keeps no state besides its files: re-running it with Force
//     makes a new, unrelated PKI. The development PKI's root key lies next
//     to the rest; it is for development and tests only.
package certs
