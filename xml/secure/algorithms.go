package secure

import (
	"crypto"
	"fmt"
)

// Namespaces of XML-DSig and XML-Enc (1.0 and 1.1).
const (
	NamespaceDSig   = "http://www.w3.org/2000/09/xmldsig#"
	NamespaceXEnc   = "http://www.w3.org/2001/04/xmlenc#"
	NamespaceXEnc11 = "http://www.w3.org/2009/xmlenc11#"
)

// Values of the EncryptedData Type attribute. Seal writes TypeElement;
// Open accepts nothing else.
const (
	TypeElement = NamespaceXEnc + "Element"
	TypeContent = NamespaceXEnc + "Content"
)

const (
	prefixDSig   = "ds"
	prefixXEnc   = "xenc"
	prefixXEnc11 = "xenc11"
	idAttribute  = "ID" // the only ID attribute a Reference "#id" may name
)

// Algorithm identifiers used or refused by this package. Open accepts
// AlgAES256GCM, AlgRSAOAEP (with SHA-256 and MGF1-SHA256), AlgRSAOAEPMGF
// (with SHA-1), AlgRSASHA256, AlgSHA256, AlgExcC14N and AlgEnveloped; it
// refuses the rest, and anything unknown.
const (
	// Content encryption. Only AES-256-GCM is accepted (the profile);
	// AES-128-GCM and AES-192-GCM are refused.
	AlgAES128GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
	AlgAES192GCM = "http://www.w3.org/2009/xmlenc11#aes192-gcm"
	AlgAES256GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
	// Content encryption refused on receipt (CBC padding oracles, 3DES).
	AlgAES128CBC  = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
	AlgAES192CBC  = "http://www.w3.org/2001/04/xmlenc#aes192-cbc"
	AlgAES256CBC  = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
	AlgTripleDES  = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc"
	AlgRSA15      = "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
	AlgRSAOAEP    = "http://www.w3.org/2009/xmlenc11#rsa-oaep"        // Default profile
	AlgRSAOAEPMGF = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" // Compat profile, MGF1 with SHA-1

	// Digests (DigestMethod of a Reference or of RSA-OAEP).
	AlgSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	AlgSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	// MGF1 functions of xmlenc11#rsa-oaep.
	AlgMGF1SHA1   = "http://www.w3.org/2009/xmlenc11#mgf1sha1"
	AlgMGF1SHA256 = "http://www.w3.org/2009/xmlenc11#mgf1sha256"

	// Signature.
	AlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgRSASHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgExcC14N   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
)

// Profile selects the key-transport algorithm of Seal. The content
// encryption is AES-256-GCM in both profiles.
type Profile int

const (
	// ProfileDefault is RSA-OAEP (xmlenc11#rsa-oaep) with SHA-256 as the
	// OAEP digest and MGF1-SHA256.
	ProfileDefault Profile = iota
	// ProfileCompat is rsa-oaep-mgf1p with SHA-1 as the OAEP digest and
	// MGF1-SHA1: what xmlsec1 1.2 understands. Chosen per partner in the
	// routing directory.
	ProfileCompat
)

// String returns "default" or "compat".
func (p Profile) String() string {
	switch p {
	case ProfileDefault:
		return "default"
	case ProfileCompat:
		return "compat"
	}
	return fmt.Sprintf("Profile(%d)", int(p))
}

// ParseProfile reads "default" or "compat".
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "default", "":
		return ProfileDefault, nil
	case "compat":
		return ProfileCompat, nil
	}
	return 0, fmt.Errorf("secure: unknown profile %q (want default or compat)", s)
}

// oaepParams is a key-transport choice: the algorithm URI and the two
// hashes.
type oaepParams struct {
	alg     string
	digest  crypto.Hash
	mgfHash crypto.Hash
}

func (p Profile) oaep() (oaepParams, error) {
	switch p {
	case ProfileDefault:
		return oaepParams{alg: AlgRSAOAEP, digest: crypto.SHA256, mgfHash: crypto.SHA256}, nil
	case ProfileCompat:
		return oaepParams{alg: AlgRSAOAEPMGF, digest: crypto.SHA1, mgfHash: crypto.SHA1}, nil
	}
	return oaepParams{}, fmt.Errorf("secure: unknown profile %d", int(p))
}

// gcmKeySize returns the key length of the accepted content-encryption
// algorithm (AES-256-GCM), or 0 for anything else.
func gcmKeySize(alg string) int {
	if alg == AlgAES256GCM {
		return 32
	}
	return 0
}

// refusedReason explains why a known algorithm is refused; "" for an
// unknown one.
func refusedReason(alg string) string {
	switch alg {
	case AlgAES128CBC, AlgAES192CBC, AlgAES256CBC:
		return "AES-CBC is refused (padding-oracle attacks); only AES-GCM is accepted"
	case AlgTripleDES:
		return "3DES is refused; only AES-GCM is accepted"
	case AlgRSA15:
		return "RSA PKCS#1 v1.5 key transport is refused (Bleichenbacher oracle); only RSA-OAEP is accepted"
	case AlgAES128GCM, AlgAES192GCM:
		return "the profile requires AES-256-GCM; shorter AES keys are refused"
	}
	return ""
}
