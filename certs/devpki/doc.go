// Package devpki writes and reads xgate's development PKI: a root CA with
// its CRL, a directory authority and, per participant, separate signing,
// encryption and TLS key pairs, plus the manifest pki.json that says who
// is who and where the files are.
//
// # Overview
//
// Init writes the PKI (all keys RSA-3072, generated on all cores:
// Options.Workers); LoadManifest reads pki.json back, and the Manifest
// finds participants by kennung or ID, loads their key pairs and builds a
// certs.Verifier for the PKI's root and CRL. The participants are
// DefaultParticipants unless Options.Participants says otherwise; each is
// a Member: a folder ID plus a kennung.Identity (xgate's one identity
// model). The kennung is written into the subject's serialNumber (exactly
// once) and the role into its OU, so that certs.KennungFromCert and
// certs.Describe can tell whose a certificate is. The CRL starts empty:
// no demo certificate is revoked, so `xgate certs check` on a fresh PKI
// reports no problem; tests get revoked certificates from certstest.
//
// The package is separate from certs so that loading and verifying
// certificates (certs) does not depend on who the development
// participants are.
//
// # Caveats
//
//   - Init keeps no state besides its files: re-running it with Force
//     makes a new, unrelated PKI. The root key lies next to the rest; the
//     PKI is for development and tests only.
//   - Go ignores the random source of rsa.GenerateKey, so keys cannot be
//     made reproducible; tests use the pre-generated keys of certstest
//     (Options.GenerateKey).
package devpki
