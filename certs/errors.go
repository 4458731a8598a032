package certs

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"strings"
	"time"

	"github.com/xgate/xgate/xml/errcode"
)

// Errors of loading and generating; verification failures are
// *errcode.Error values instead (T000 to T010).
var (
	// ErrNoPEM is returned when a file holds no PEM block of the kind
	// wanted (no PRIVATE KEY, no CERTIFICATE, no X509 CRL).
	ErrNoPEM = errors.New("certs: no PEM block of the expected type")
	// ErrNotRSA is returned for a private or public key that is not RSA:
	// the xgate profile is RSA only.
	ErrNotRSA = errors.New("certs: key is not RSA")
	// ErrKeyMismatch is returned when a private key does not belong to the
	// certificate it is paired with.
	ErrKeyMismatch = errors.New("certs: private key does not match certificate")
)

// KeyPermissionError reports a private key file that group or others may
// read or write. The daemon refuses to start on it (security.md, "Secrets").
type KeyPermissionError struct {
	Path string      // the key file
	Mode fs.FileMode // its permission bits
}

// Error names the file, the mode and the fix.
func (e *KeyPermissionError) Error() string {
	return fmt.Sprintf("certs: private key file %s is accessible by group or others (mode %04o); fix: chmod 600 %s",
		e.Path, uint32(e.Mode.Perm()), shellQuote(e.Path))
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// opVerify is the Op of every verification error.
const opVerify = "certs.verify"

func verr(code errcode.Code, c *x509.Certificate, format string, args ...any) *errcode.Error {
	d := fmt.Sprintf(format, args...)
	if c != nil {
		d = Label(c) + ": " + d
	}
	return &errcode.Error{Code: code, Op: opVerify, Detail: d}
}

// Label identifies a certificate in error texts and logs: its subject and
// serial number. xgate's certificates name authorities, not people.
func Label(c *x509.Certificate) string {
	return fmt.Sprintf("certificate %q serial %s", SubjectString(c), SerialHex(c.SerialNumber))
}

// SerialHex formats a serial number as colon-separated hex bytes.
func SerialHex(n *big.Int) string {
	if n == nil {
		return "(none)"
	}
	b := n.Bytes()
	if len(b) == 0 {
		b = []byte{0}
	}
	return colonHex(b)
}

// Fingerprint returns the SHA-256 fingerprint of the DER certificate as
// colon-separated upper-case hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return colonHex(sum[:])
}

func colonHex(b []byte) string {
	h := strings.ToUpper(hex.EncodeToString(b))
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// stamp formats a time for error details and reports.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
