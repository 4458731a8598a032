// Package certstest mints certificates for tests of other packages
// (message security, transport, directory, demo) in milliseconds.
//
// # Overview
//
// RSA-3072 key generation takes 60 to 400 ms here, and Go ignores the
// random source, so keys cannot be derived from a seed. certstest ships a
// pool of pre-generated keys in testdata/ (32 of 3072 bits, 4 of 2048
// bits), embedded into the test binary. A KeySource hands them out in
// turn, so its keys differ until the pool wraps; every CA has its own
// (shared with its intermediates), KeyGenerator gives devpki.Init a fresh
// one, and Key draws from one shared by the whole process. Regenerate the
// pool with
//
//	go test ./certs/certstest -run TestGenerateKeys -genkeys
//
// A CA issues certificates relative to its Now:
//
//	ca := certstest.NewCA(t, "Test Root")
//	good := ca.Good(t, certs.Signing)      // valid, right usage
//	ca.Expired(t, certs.Signing)           // T000
//	ca.NotYetValid(t, certs.Encryption)    // T000
//	ca.Revoked(t, certs.TLSServer)         // T001, listed in ca.CRL(t)
//	ca.WrongUsage(t, certs.Signing)        // T002 (an encryption certificate)
//	certstest.SelfSigned(t, certs.Signing) // T002
//	ca.Weak(t, certs.Signing)              // T010, 2048 bits
//	ca.SHA1(t, certs.Signing)              // T010, SHA-1 signature
//	v := ca.Verifier(t)                    // trusts ca's root, has its CRLs, clock at ca.Now
//
// ca.Intermediate gives a two-level chain, ca.Issue any other variant
// (Spec), WriteKeyPair puts a pair on disk with the key at mode 0600, and
// PKI writes the whole development PKI (devpki.Init) with pool keys.
//
// # Caveats
//
//   - Git keeps no file modes: WriteKeyPair and WriteFile chmod
//     explicitly, and the embedded keys never touch the disk otherwise.
//   - The keys are public (they are in the repository): never use them
//     outside tests.
//   - Keys repeat after 32 (3072) or 4 (2048) calls on one KeySource, and
//     different sources (CAs) may hand out the same key. Certificates
//     whose keys must differ (two recipients, a "wrong key" case) should
//     come from one CA, at most 32 apart.
package certstest
