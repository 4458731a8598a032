package config

import (
	"bufio"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
)

// CheckFiles loads every file the configuration names, the way the daemon
// will: key pairs (key mode 0600, key matching its certificate), trust
// roots, intermediates and CRLs (a verifier is built from them), the token
// and DSN files (mode 0600, not empty), the directory file (readable), and
// the folders of the store and the admin socket (existing), and that the
// signing certificate names site.kennung. It returns
// every problem at once in an *Error, each a *FieldError. Call it after
// Validate.
func (c *Config) CheckFiles() error {
	p := &problems{c: c}
	pair := func(key string, kp KeyPair) {
		if kp.Cert == "" || kp.Key == "" {
			return // Validate's
		}
		if _, err := certs.LoadKeyPair(kp.Cert, kp.Key); err != nil {
			p.add(key, "%v", err)
		}
	}
	pair("keys.signing", c.Keys.Signing)
	for i, kp := range c.Keys.Encryption {
		pair(fmt.Sprintf("keys.encryption[%d]", i), kp)
	}
	pair("keys.tls", c.Keys.TLS)
	if c.Keys.Signing.Cert != "" && c.Site.Kennung != "" {
		// Receivers tie a message's autor to the kennung its signing
		// certificate names: a mismatch would make every message T070.
		if cert, err := certs.LoadCertificate(c.Keys.Signing.Cert); err == nil {
			k, err := certs.KennungFromCert(cert)
			switch {
			case err != nil:
				p.add("keys.signing.cert", "%v", err)
			case string(k) != c.Site.Kennung:
				p.add("keys.signing.cert", "the certificate names kennung %s, site.kennung is %s", k, c.Site.Kennung)
			}
		}
	}
	if _, err := c.Verifier(nil); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			p.errs = append(p.errs, fe)
		} else {
			p.add("trust", "%v", err)
		}
	}
	for i, r := range c.Intake.ClientRoots {
		if _, err := certs.LoadRoots(r); err != nil {
			p.add(fmt.Sprintf("intake.client_roots[%d]", i), "%v", err)
		}
	}
	if c.Intake.TokenFile != "" {
		if _, err := readSecret(c.Intake.TokenFile); err != nil {
			p.add("intake.token_file", "%v", err)
		}
	}
	if c.Store.DSNFile != "" {
		if _, err := readSecret(c.Store.DSNFile); err != nil {
			p.add("store.dsn_file", "%v", err)
		}
	}
	if c.Directory.File != "" {
		if f, err := os.Open(c.Directory.File); err != nil {
			p.add("directory.file", "%v", err)
		} else {
			f.Close()
		}
	}
	folder := func(key, path string) {
		if path == "" {
			return
		}
		if st, err := os.Stat(filepath.Dir(path)); err != nil {
			p.add(key, "%v", err)
		} else if !st.IsDir() {
			p.add(key, "%s is not a folder", filepath.Dir(path))
		}
	}
	if c.Store.Kind == StoreBolt {
		folder("store.path", c.Store.Path)
	}
	folder("listen.admin_socket", c.Listen.AdminSocket)
	return asError(c.File, p.errs)
}

// Verifier builds the certs.Verifier of trust: roots, intermediates, CRLs
// and the CRL policy. c may be nil (the wall clock). Errors are
// *FieldErrors naming the key of the file that failed.
func (c *Config) Verifier(clk clock.Clock) (*certs.Verifier, error) {
	var roots, inter []*x509.Certificate
	var crls []*x509.RevocationList
	for i, r := range c.Trust.Roots {
		cs, err := certs.LoadRoots(r)
		if err != nil {
			return nil, c.fieldError(fmt.Sprintf("trust.roots[%d]", i), err)
		}
		roots = append(roots, cs...)
	}
	for i, r := range c.Trust.Intermediates {
		cs, err := certs.LoadIntermediates(r)
		if err != nil {
			return nil, c.fieldError(fmt.Sprintf("trust.intermediates[%d]", i), err)
		}
		inter = append(inter, cs...)
	}
	for i, r := range c.Trust.CRLs {
		cs, err := certs.LoadCRLs(r)
		if err != nil {
			return nil, c.fieldError(fmt.Sprintf("trust.crls[%d]", i), err)
		}
		crls = append(crls, cs...)
	}
	policy, err := certs.ParseCRLPolicy(c.Trust.CRLPolicy)
	if err != nil {
		return nil, c.fieldError("trust.crl_policy", err)
	}
	v, err := certs.NewVerifier(certs.Config{Roots: roots, Intermediates: inter, CRLs: crls, CRLPolicy: policy, Clock: clk})
	if err != nil {
		return nil, c.fieldError("trust", err)
	}
	return v, nil
}

func (c *Config) fieldError(key string, err error) *FieldError {
	return &FieldError{Key: key, Origin: c.Origin(key), Problem: err.Error()}
}

// SigningKeyPair loads keys.signing.
func (c *Config) SigningKeyPair() (certs.KeyPair, error) {
	kp, err := certs.LoadKeyPair(c.Keys.Signing.Cert, c.Keys.Signing.Key)
	if err != nil {
		return certs.KeyPair{}, c.fieldError("keys.signing", err)
	}
	return kp, nil
}

// EncryptionKeyPairs loads keys.encryption, in the order written.
func (c *Config) EncryptionKeyPairs() ([]certs.KeyPair, error) {
	var out []certs.KeyPair
	for i, e := range c.Keys.Encryption {
		kp, err := certs.LoadKeyPair(e.Cert, e.Key)
		if err != nil {
			return nil, c.fieldError(fmt.Sprintf("keys.encryption[%d]", i), err)
		}
		out = append(out, kp)
	}
	return out, nil
}

// TLSKeyPair loads keys.tls.
func (c *Config) TLSKeyPair() (certs.KeyPair, error) {
	kp, err := certs.LoadKeyPair(c.Keys.TLS.Cert, c.Keys.TLS.Key)
	if err != nil {
		return certs.KeyPair{}, c.fieldError("keys.tls", err)
	}
	return kp, nil
}

// IntakeToken returns the intake bearer token: intake.token (or
// $XGATE_INTAKE_TOKEN), else the first line of intake.token_file, else "".
func (c *Config) IntakeToken() (string, error) {
	if c.Intake.Token != "" || c.Intake.TokenFile == "" {
		return c.Intake.Token, nil
	}
	s, err := readSecret(c.Intake.TokenFile)
	if err != nil {
		return "", c.fieldError("intake.token_file", err)
	}
	if len(s) < MinTokenLen {
		return "", c.fieldError("intake.token_file", fmt.Errorf("the token is shorter than %d characters", MinTokenLen))
	}
	return s, nil
}

// StoreDSN returns the postgres connection string: store.dsn (or
// $XGATE_STORE_DSN), else the first line of store.dsn_file.
func (c *Config) StoreDSN() (string, error) {
	if c.Store.DSN != "" || c.Store.DSNFile == "" {
		return c.Store.DSN, nil
	}
	s, err := readSecret(c.Store.DSNFile)
	if err != nil {
		return "", c.fieldError("store.dsn_file", err)
	}
	return s, nil
}

// readSecret reads the first line of a file that only its owner may read.
func readSecret(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s holds a secret and is accessible by group or others (mode %04o); fix: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), 64<<10)
	if !sc.Scan() {
		if sc.Err() != nil {
			return "", sc.Err()
		}
		return "", fmt.Errorf("%s is empty", path)
	}
	s := strings.TrimSpace(sc.Text())
	if s == "" {
		return "", fmt.Errorf("%s: the first line is empty", path)
	}
	return s, nil
}
