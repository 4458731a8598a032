package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

type sealOptions struct {
	key           string
	cert          string
	to            []string
	profile       string
	trust         string
	intermediates []string
	crls          []string
	crlPolicy     string
	maxBytes      int
}

func (o *sealOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.key, "key", "", "signing key, PEM (PKCS#1 or PKCS#8, mode 0600) (required)")
	fs.StringVar(&o.cert, "cert", "", "signing certificate of --key, PEM (required)")
	fs.StringArrayVar(&o.to, "to", nil, "recipient encryption certificate(s), PEM; repeat or put several in one file during a rollover: the newest valid one is used (required)")
	fs.StringVar(&o.profile, "profile", "default", "key transport: default (RSA-OAEP SHA-256/MGF1-SHA256) or compat (rsa-oaep-mgf1p SHA-1, for xmlsec1 1.2)")
	fs.StringVar(&o.trust, "trust", "", "trust roots, PEM file or folder: if given, the recipient certificate must chain to them")
	fs.StringArrayVar(&o.intermediates, "intermediate", nil, "intermediate (sub-)CA certificate(s) for --trust, PEM file or folder (repeatable)")
	fs.StringArrayVar(&o.crls, "crl", nil, "CRL file(s) for --trust and --intermediate (repeatable)")
	fs.StringVar(&o.crlPolicy, "crl-policy", certs.CRLRequired.String(), "with --trust: require (refuse a recipient certificate whose chain has a CA without a current --crl) or if-present")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest message accepted, in bytes (limits: go doc xml/secure, # Limits)")
}

func newSealCmd() *cobra.Command {
	o := &sealOptions{}
	cmd := &cobra.Command{
		Use:   "seal --key KEY --cert CERT --to RECIPIENT_CERT [--profile default|compat] FILE|-",
		Short: "Sign a message and encrypt it for a recipient",
		Long: `Seal signs a message with XML-DSig (enveloped, exclusive c14n, rsa-sha256,
the certificate in KeyInfo) and encrypts the signed message with XML-Enc
(AES-256-GCM; the session key wrapped with RSA-OAEP for the recipient's
encryption certificate). The sealed document goes to standard output.

Profiles: "default" wraps the key with xmlenc11#rsa-oaep, SHA-256 and
MGF1-SHA256; "compat" with rsa-oaep-mgf1p and SHA-1, which xmlsec1 1.2
and older partner software understand.

The signing key must be RSA with at least 3072 bits, and its file must not
be readable by group or others. Seal does not validate the message against
its schema: run "xgate validate" first. Comments in the message are left
out (exclusive c14n does not sign them, and the receiver refuses them).

With --trust, the recipient's certificate must chain to it (through
--intermediate sub-CAs) and, by default (--crl-policy require), every CA
of its chain needs a current --crl.

Exit codes: 0 sealed, 1 refused (the XÖV code and the reason go to
standard error), 2 usage error (bad flag, unreadable file).`,
		Example: `  # sign for the AZR and encrypt for its current encryption certificate
  xgate seal --key pki/abh/signing-key.pem --cert pki/abh/signing.pem \
    --to pki/azr/encryption.pem erstmeldung.xml > erstmeldung.sealed.xml

  # for a partner whose software is built on xmlsec1 1.2
  xgate seal --key k.pem --cert c.pem --to partner-enc.pem --profile compat msg.xml > out.xml

  # check the recipient's certificate against the partner PKI first
  xgate seal --key k.pem --cert c.pem --to partner-enc.pem --trust root.pem \
    --intermediate sub-ca.pem --crl root.crl --crl sub-ca.crl msg.xml > out.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSeal(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin(), o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func runSeal(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, o *sealOptions, in string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case o.key == "":
		return usageError("--key is required")
	case o.cert == "":
		return usageError("--cert is required")
	case len(o.to) == 0:
		return usageError("--to is required")
	case len(o.crls) > 0 && o.trust == "":
		return usageError("--crl needs --trust")
	case len(o.intermediates) > 0 && o.trust == "":
		return usageError("--intermediate needs --trust")
	}
	policy, err := certs.ParseCRLPolicy(o.crlPolicy)
	if err != nil {
		return usageError("--crl-policy must be require or if-present, not %q", o.crlPolicy)
	}
	prof, err := secure.ParseProfile(o.profile)
	if err != nil {
		return usageError("--profile must be default or compat, not %q", o.profile)
	}
	key, err := loadKey(o.key)
	if err != nil {
		return err
	}
	cert, err := certs.LoadCertificate(o.cert)
	if err != nil {
		return withExit(exitUsage, err)
	}
	var recipients []*x509.Certificate
	for _, f := range o.to {
		cs, err := certs.LoadCertificates(f)
		if err != nil {
			return withExit(exitUsage, err)
		}
		recipients = append(recipients, cs...)
	}
	var verifier secure.CertVerifier
	if o.trust != "" {
		v, err := loadVerifier(o.trust, o.intermediates, o.crls, policy, stderr)
		if err != nil {
			return err
		}
		verifier = v
	}
	data, err := readLimited(in, stdin, o.maxBytes)
	if err != nil {
		return readError(err)
	}
	sealed, err := secure.Seal(ctx, data, secure.SealOptions{
		SigningKey:     key,
		SigningCert:    cert,
		RecipientCerts: recipients,
		Verifier:       verifier,
		Profile:        prof,
		Limits:         message.Limits{MaxBytes: o.maxBytes},
	})
	if err != nil {
		return refused("seal", err)
	}
	if _, err := stdout.Write(sealed); err != nil {
		return withExit(exitError, err)
	}
	return nil
}

// loadKey reads a private key; a file that group or others may read is
// refused (exit 1), with the fix in the message.
func loadKey(path string) (*rsa.PrivateKey, error) {
	k, err := certs.LoadPrivateKey(path)
	if err != nil {
		var pe *certs.KeyPermissionError
		if errors.As(err, &pe) {
			return nil, withExit(exitError, err)
		}
		return nil, withExit(exitUsage, err)
	}
	return k, nil
}

// loadVerifier builds a certs.Verifier from a trust-root file or folder,
// intermediate CA files or folders and CRL files. Under CRLIfPresent it
// warns on stderr that revocation is not checked everywhere.
func loadVerifier(trust string, interFiles, crlFiles []string, policy certs.CRLPolicy, stderr io.Writer) (*certs.Verifier, error) {
	roots, err := certs.LoadRoots(trust)
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	var inter []*x509.Certificate
	for _, f := range interFiles {
		cs, err := certs.LoadIntermediates(f)
		if err != nil {
			return nil, withExit(exitUsage, err)
		}
		inter = append(inter, cs...)
	}
	var crls []*x509.RevocationList
	for _, f := range crlFiles {
		cs, err := certs.LoadCRLs(f)
		if err != nil {
			return nil, withExit(exitUsage, err)
		}
		crls = append(crls, cs...)
	}
	v, err := certs.NewVerifier(certs.Config{Roots: roots, Intermediates: inter, CRLs: crls, CRLPolicy: policy})
	if err != nil {
		return nil, withExit(exitUsage, err)
	}
	if policy == certs.CRLIfPresent {
		var without []string
		for _, ca := range append(roots, inter...) {
			if !slices.ContainsFunc(crls, func(c *x509.RevocationList) bool { return bytes.Equal(c.RawIssuer, ca.RawSubject) }) {
				without = append(without, strconv.Quote(certs.SubjectString(ca)))
			}
		}
		if len(without) > 0 {
			fmt.Fprintf(stderr, "xgate: warning: --crl-policy if-present: no --crl for %s; certificates issued there are not checked for revocation\n",
				strings.Join(without, ", "))
		}
	}
	return v, nil
}

// refused reports a refusal: the XÖV code, its short text, the specific
// reason and the general explanation, exit 1.
func refused(op string, err error) error {
	var e *errcode.Error
	if !errors.As(err, &e) {
		return withExit(exitError, fmt.Errorf("%s failed: %w", op, err))
	}
	reason := e.Detail
	if reason == "" && e.Err != nil {
		reason = e.Err.Error()
	}
	// The reason may quote what the message or a certificate says.
	return withExit(exitError, fmt.Errorf("%s refused: %s %s: %s\n  (%s)", op, e.Code, e.Code.Text(), escape.Line(reason), e.Code.Reason()))
}

// readError maps a read failure: over the size limit is a refusal (X000),
// anything else a usage error.
func readError(err error) error {
	var e *errcode.Error
	if errors.As(err, &e) {
		return refused("read", e)
	}
	return withExit(exitUsage, err)
}
