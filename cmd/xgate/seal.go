package main

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

type sealOptions struct {
	signing        keyPairFlags
	recipients     []string
	profile        string
	trust          trustFlags
	insecureVerify bool
	maxBytes       int
}

func (o *sealOptions) AddFlags(fs *pflag.FlagSet) {
	o.signing.addSigningFlags(fs)
	fs.StringArrayVar(&o.recipients, "recipient-cert", nil, "the recipient's encryption certificate(s): a PEM `FILE`; repeat or put several in one file during a rollover: the newest valid one is used (required)")
	fs.StringVar(&o.profile, "profile", "default", "key transport `PROFILE`: default (RSA-OAEP SHA-256/MGF1-SHA256) or compat (rsa-oaep-mgf1p SHA-1, for xmlsec1 1.2)")
	o.trust.AddFlags(fs, "the recipient certificate")
	fs.BoolVar(&o.insecureVerify, "insecure-skip-verify", false, "seal to a recipient certificate that is not verified against --trust (a warning says so)")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest message accepted, in `BYTES` (the limits: go doc ./xml/secure, # Limits)")
}

func newSealCmd() *cobra.Command {
	o := &sealOptions{}
	cmd := &cobra.Command{
		Use:   "seal --signing-key KEY --signing-cert CERT --recipient-cert CERT --trust CA [flags] FILE|-",
		Short: "Sign a message and encrypt it for a verified recipient",
		Long: `Seal signs a message with XML-DSig (enveloped, exclusive c14n, rsa-sha256,
the certificate in KeyInfo) and encrypts the signed message with XML-Enc
(AES-256-GCM; the session key wrapped with RSA-OAEP for the recipient's
encryption certificate). The sealed document goes to standard output.

The recipient certificate is verified before anything is encrypted for
it: it must chain to --trust (through --intermediate sub-CAs if needed),
be valid now, allow encryption (key encipherment, no signing usage), have
an RSA key of at least 3072 bits and not be revoked: every certificate of
its chain is looked up in its issuer's --crl. By default (--crl-policy
require) a chain with a CA for which no current CRL is given is refused
(T002); --crl-policy if-present checks only where a CRL is given and names
the CAs it does not check on standard error. Seal refuses otherwise.
Sealing to a certificate nobody verified needs --insecure-skip-verify,
and a warning on standard error says so.

Profiles: "default" wraps the key with xmlenc11#rsa-oaep, SHA-256 and
MGF1-SHA256; "compat" with rsa-oaep-mgf1p and SHA-1, which xmlsec1 1.2
and older partner software understand.

The signing key must be RSA with at least 3072 bits, and its file must not
be readable by group or others. Seal does not validate the message against
its schema: run "xgate validate" first. Comments in the message are left
out (exclusive c14n does not sign them, and the receiver refuses them).`,
		Example: `  # sign for the AZR and encrypt for its current encryption certificate
  xgate seal --signing-key pki/abh/signing-key.pem --signing-cert pki/abh/signing.pem \
    --recipient-cert pki/azr/encryption.pem --trust pki/ca/root.pem --crl pki/ca/root.crl \
    erstmeldung.xml > erstmeldung.sealed.xml

  # the gateway's own keys and trust from the environment
  export XGATE_SIGNING_KEY=/etc/xgate/signing-key.pem XGATE_SIGNING_CERT=/etc/xgate/signing.pem
  export XGATE_TRUST=/etc/xgate/ca XGATE_CRL=/etc/xgate/ca/root.crl
  xgate seal --recipient-cert azr-enc.pem --profile compat msg.xml > out.xml

  # a partner with a two-tier PKI: the sub-CA completes the chain, both CAs' CRLs are checked
  xgate seal --signing-key k.pem --signing-cert c.pem --recipient-cert partner-enc.pem \
    --trust root.pem --intermediate sub-ca.pem --crl root.crl --crl sub-ca.crl msg.xml > out.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSeal(cmd.Context(), cmd, o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "sealed; the envelope is on standard output"),
		code(exitError, "a key file that group or others can read (chmod 600), an I/O error, interrupted"),
		codeUsage(),
		code(exitFailed, "refused: the recipient certificate failed verification, the signing key or certificate is unfit, or the message is hostile or too large (the XÖV code and the reason are on standard error)"))
}

func runSeal(ctx context.Context, cmd *cobra.Command, o *sealOptions, in string) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	switch {
	case o.signing.keys[0] == "":
		return errRequired("signing-key")
	case o.signing.certs[0] == "":
		return errRequired("signing-cert")
	case len(o.recipients) == 0:
		return errRequired("recipient-cert")
	case o.insecureVerify && source(cmd, "trust") == "flag":
		return errExclusive("trust", "insecure-skip-verify")
	case o.insecureVerify && source(cmd, "intermediate") == "flag":
		return errExclusive("intermediate", "insecure-skip-verify")
	case o.insecureVerify && source(cmd, "crl") == "flag":
		return errExclusive("crl", "insecure-skip-verify")
	case o.insecureVerify && source(cmd, "crl-policy") == "flag":
		return errExclusive("crl-policy", "insecure-skip-verify")
	case !o.insecureVerify && o.trust.trust == "":
		return usageError("--trust is required: seal verifies the recipient certificate against it " +
			"(--insecure-skip-verify seals to an unverified certificate)")
	}
	prof, err := secure.ParseProfile(o.profile)
	if err != nil {
		return errBadValue("profile", o.profile, "default", "compat")
	}
	key, err := loadKey(o.signing.keys[0])
	if err != nil {
		return err
	}
	cert, err := certs.LoadCertificate(o.signing.certs[0])
	if err != nil {
		return errInput(err)
	}
	var recipients []*x509.Certificate
	for _, f := range o.recipients {
		cs, err := certs.LoadCertificates(f)
		if err != nil {
			return errInput(err)
		}
		recipients = append(recipients, cs...)
	}
	var verifier secure.CertVerifier
	if o.insecureVerify {
		fmt.Fprintln(stderr, "xgate: WARNING: --insecure-skip-verify: the recipient certificate is NOT verified "+
			"(chain, usage, validity, revocation); whoever holds its key can read the message")
	} else {
		v, err := o.trust.verifier(stderr)
		if err != nil {
			return err
		}
		verifier = v
	}
	data, err := readLimited(in, cmd.InOrStdin(), o.maxBytes)
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
		return refused(ctx, "seal", err)
	}
	_, err = stdout.Write(sealed)
	return err
}
