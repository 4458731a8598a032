// Package kennung is xgate's identity model: the directory key of a
// participant (Kennung, the DVDV "Behördenkennung" prefix:key) and its role.
//
// # Overview
//
// A Kennung names an authority in the routing directory and in the header
// of every message (autor, leser). It is written "prefix:key": the prefix
// comes from the DVDV prefix list ("azr" Ausländerbehörde, "ags"
// Meldebehörde, "dbs" federal authority, "opt" Optionskommune, …), the key
// is the organisation's number in the code list of its kind (the six-digit
// authority key of an ABH, the municipality key of a Meldebehörde, …).
//
// A Role says what a participant does (catalogue.md: abh, mb, azr, bamf,
// ba, jc). The role comes from the participant's directory entry, never
// from the prefix: one prefix ("dbs") serves the AZR, the BAMF and the BA.
//
// The package is a leaf: certs, xml/secure, the catalogue and the gateway's
// directory all use these types, and it imports nothing of xgate.
//
// # Caveats
//
// Parse is stricter than the real DVDV type (DIN 91379 datatypeC): it
// accepts ASCII letters, digits and ". _ -" in the key, so that a kennung
// compares exactly, byte for byte, and cannot hide a look-alike character.
package kennung

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Kennung is a directory key "prefix:key". The zero value is the empty,
// invalid kennung; Parse returns only valid ones.
type Kennung string

// Limits of a kennung.
const (
	MaxPrefixLen = 8
	MaxKeyLen    = 64
)

// ErrInvalid is wrapped by every error of Parse.
var ErrInvalid = errors.New("kennung: invalid")

// Parse checks s and returns it as a Kennung. It accepts exactly
// "prefix:key": the prefix of 2 to 8 lower-case ASCII letters, the key of 1
// to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or
// digit. Nothing is trimmed or normalised: " azr:1" and "azr:1\u00a0" are
// refused, so that a kennung compares exactly.
func Parse(s string) (Kennung, error) {
	prefix, key, ok := strings.Cut(s, ":")
	switch {
	case s == "":
		return "", fmt.Errorf("%w: empty", ErrInvalid)
	case !ok:
		return "", fmt.Errorf("%w: %q has no ':' between prefix and key", ErrInvalid, clip(s))
	case len(prefix) < 2 || len(prefix) > MaxPrefixLen || !all(prefix, isLower):
		return "", fmt.Errorf("%w: prefix %q of %q must be 2 to %d lower-case letters", ErrInvalid, clip(prefix), clip(s), MaxPrefixLen)
	case key == "" || len(key) > MaxKeyLen:
		return "", fmt.Errorf("%w: key of %q must have 1 to %d characters", ErrInvalid, clip(s), MaxKeyLen)
	case !isAlnum(key[0]) || !all(key, isKeyChar):
		return "", fmt.Errorf("%w: key %q of %q may hold only ASCII letters, digits, '.', '_' and '-' and must start with a letter or digit", ErrInvalid, clip(key), clip(s))
	}
	return Kennung(s), nil
}

// Valid reports whether k would pass Parse.
func (k Kennung) Valid() bool { _, err := Parse(string(k)); return err == nil }

// Prefix returns the DVDV prefix ("azr" of "azr:999901").
func (k Kennung) Prefix() string { p, _, _ := strings.Cut(string(k), ":"); return p }

// Key returns the organisation key ("999901" of "azr:999901").
func (k Kennung) Key() string { _, key, _ := strings.Cut(string(k), ":"); return key }

// String returns k as written.
func (k Kennung) String() string { return string(k) }

// Role is a participant role.
type Role string

// The roles of the message catalogue (product.md), and the conformance
// test partner, which answers in place of any of them.
const (
	RoleABH  Role = "abh"  // Ausländerbehörde
	RoleMB   Role = "mb"   // Meldebehörde
	RoleAZR  Role = "azr"  // Ausländerzentralregister
	RoleBAMF Role = "bamf" // Bundesamt für Migration und Flüchtlinge
	RoleBA   Role = "ba"   // Bundesagentur für Arbeit
	RoleJC   Role = "jc"   // Jobcenter
	RoleTest Role = "test" // conformance test partner (not a catalogue role)
)

// Roles lists the roles of the message catalogue, in a stable order
// (without RoleTest).
func Roles() []Role {
	return []Role{RoleABH, RoleMB, RoleAZR, RoleBAMF, RoleBA, RoleJC}
}

// Valid reports whether r is a role of the message catalogue.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// ParseRole returns the role named s: a catalogue role or "test".
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.Valid() || r == RoleTest {
		return r, nil
	}
	return "", fmt.Errorf("kennung: unknown role %q (want one of abh, mb, azr, bamf, ba, jc, test)", clip(s))
}

// Identity is who a participant is: its kennung, its role and its name.
type Identity struct {
	Kennung Kennung `json:"kennung"`
	Role    Role    `json:"role"`
	Name    string  `json:"name"`
}

func all(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isLower(c byte) bool   { return c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool   { return isLower(c) || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') }
func isKeyChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

// clip shortens a quoted value for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
