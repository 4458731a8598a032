package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

type openOptions struct {
	encryption      keyPairFlags
	trust           trustFlags
	expectSender    string
	expectRecipient string
	maxBytes        int
}

func (o *openOptions) AddFlags(fs *pflag.FlagSet) {
	o.encryption.addEncryptionFlags(fs)
	o.trust.AddFlags(fs, "the sender's signing certificate (required)")
	fs.StringVar(&o.expectSender, "expect-sender", "", "refuse (T070) unless the header's autor is this `KENNUNG` (autor must always be the signer's kennung)")
	fs.StringVar(&o.expectRecipient, "expect-recipient", "", "refuse (T080) unless the header's leser is this `KENNUNG` (this gateway)")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest decrypted message accepted, in `BYTES` (the limits: go doc ./xml/secure, # Limits)")
}

func newOpenCmd() *cobra.Command {
	o := &openOptions{}
	cmd := &cobra.Command{
		Use:   "open --encryption-key KEY [--encryption-cert CERT] --trust CA --crl CRL [flags] FILE|-",
		Short: "Decrypt a sealed message and verify its signature and sender",
		Long: `Open decrypts a sealed message with this gateway's encryption key and checks
its signature: only AES-256-GCM with RSA-OAEP is accepted (CBC, 3DES,
RSA-1.5 and shorter AES keys are refused before anything is decrypted), the
message must carry exactly one enveloped rsa-sha256/exc-c14n signature over
the whole message, and the signer's certificate must chain to --trust
(through --intermediate sub-CAs if needed), be valid now, be a signing
certificate, name its owner's kennung exactly once, and have an RSA key of
at least 3072 bits. There is no way to skip the signature check.

Revocation is checked for every certificate of the chain against the
--crl files. By default (--crl-policy require) a chain with a CA for which
no current CRL is given is refused (T002): without CRLs, a revoked signer
would look valid. --crl-policy if-present checks only where a CRL is
given and names the CAs it does not check on standard error.

The header must name the signer as autor (T070 otherwise);
--expect-sender and --expect-recipient check autor and leser against the
kennungen you expect (T070, T080).

On success the verified message — exactly the canonical bytes the
signature covers — goes to standard output; the signer's certificate
subject and kennung, autor and leser (kennung and name), the message type,
the nachrichtenUUID and the key-transport profile go to standard error,
every value from the message escaped (a line break shows as \n). On
refusal the XÖV code (T000–T080, X000, …) and a plain-language reason go
to standard error, and nothing to standard output.`,
		Example: `  # open a message addressed to this gateway (the AZR) from the ABH
  xgate open --encryption-key pki/azr/encryption-key.pem --encryption-cert pki/azr/encryption.pem \
    --trust pki/ca/root.pem --crl pki/ca/root.crl \
    --expect-sender azr:999901 --expect-recipient dbs:499990020000 in.sealed.xml > in.xml

  # a two-tier PKI: the sub-CA completes the chain, both CAs' CRLs are checked
  xgate open --encryption-key k.pem --trust root.pem --intermediate sub-ca.pem \
    --crl root.crl --crl sub-ca.crl in.xml

  # during a key rollover: try the old and the new key
  xgate open --encryption-key enc-2026-key.pem --encryption-key enc-2027-key.pem \
    --trust ca.pem --crl ca.crl in.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOpen(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin(), o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "opened; the verified message is on standard output"),
		code(exitError, "a key file that group or others can read (chmod 600), an I/O error, interrupted"),
		codeUsage(),
		code(exitFailed, "refused: not decryptable with these keys, bad or untrusted signature, a revoked signer or (--crl-policy require) a CA of its chain without a current --crl, "+
			"no --encryption-key with a certificate valid now, an autor that is not the signer or not --expect-sender, a leser that is not --expect-recipient, "+
			"a hostile message (the XÖV code and the reason are on standard error)"))
}

func runOpen(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, o *openOptions, in string) error {
	switch {
	case len(o.encryption.keys) == 0:
		return errRequired("encryption-key")
	case o.trust.trust == "":
		return errRequired("trust")
	}
	var sender, recipient kennung.Kennung
	var err error
	if o.expectSender != "" {
		if sender, err = kennung.Parse(o.expectSender); err != nil {
			return usageError("--expect-sender: %v", err)
		}
	}
	if o.expectRecipient != "" {
		if recipient, err = kennung.Parse(o.expectRecipient); err != nil {
			return usageError("--expect-recipient: %v", err)
		}
	}
	now := time.Now()
	keys, err := loadDecryptionKeys(o.encryption.keys, o.encryption.certs, now, stderr)
	if err != nil {
		return err
	}
	v, err := o.trust.verifier(stderr)
	if err != nil {
		return err
	}
	data, err := readLimited(in, stdin, secure.EnvelopeMaxBytes(o.maxBytes))
	if err != nil {
		return readError(err)
	}
	op, err := secure.Open(ctx, data, secure.OpenOptions{
		DecryptionKeys: keys,
		Verifier:       v,
		Clock:          clock.Fixed(now),
		Limits:         secure.Limits{Message: message.Limits{MaxBytes: o.maxBytes}},
	})
	if err != nil {
		return refused(ctx, "open", err)
	}
	if err := secure.CheckParties(op, sender, recipient); err != nil {
		return refused(ctx, "open", err)
	}
	if _, err := stdout.Write(op.Canonical); err != nil {
		return err
	}
	printOpened(stderr, op)
	return nil
}

// printOpened writes the report of an opened message: every value that
// comes from the message or the sender's certificate escaped, so that a
// line break or a control character in it cannot forge a line.
func printOpened(w io.Writer, op *secure.Opened) {
	k := escape.Line(op.Sender.Kennung.String())
	if k == "" {
		k = "(none in the certificate)"
	}
	party := func(p message.Party) string {
		return strings.TrimSpace(escape.Line(p.Kennung) + " " + escape.Line(p.Name))
	}
	fmt.Fprintf(w, "sender: %s\nkennung: %s\nautor: %s\nleser: %s\ntype: %s (%s)\nnachrichtenUUID: %s\nprofile: %s\n",
		escape.Line(op.Sender.Subject), k, party(op.Header.Autor), party(op.Header.Leser),
		escape.Line(op.Type), escape.Line(op.Header.Root), escape.Line(op.Header.UUID), op.Profile)
}

// loadDecryptionKeys reads the keys. With certificates given, each key
// must match one of them, and a key whose certificate is not valid at now
// is left out (with a note on stderr).
func loadDecryptionKeys(keyFiles, certFiles []string, now time.Time, stderr io.Writer) ([]crypto.Decrypter, error) {
	var cs []*x509.Certificate
	for _, f := range certFiles {
		c, err := certs.LoadCertificates(f)
		if err != nil {
			return nil, errInput(err)
		}
		cs = append(cs, c...)
	}
	var keys []crypto.Decrypter
	for _, f := range keyFiles {
		k, err := loadKey(f)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			keys = append(keys, k)
			continue
		}
		c := certOf(k, cs)
		switch {
		case c == nil:
			return nil, usageError("%s matches none of the --encryption-cert certificates", f)
		case now.Before(c.NotBefore) || now.After(c.NotAfter):
			fmt.Fprintf(stderr, "xgate: not using %s: its certificate %q is valid only from %s to %s\n",
				escape.Line(f), certs.SubjectString(c), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		default:
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, failedError("open refused: %s %s: no --encryption-key has a certificate valid now", errcode.CertExpired, errcode.CertExpired.Text())
	}
	return keys, nil
}

func certOf(k *rsa.PrivateKey, cs []*x509.Certificate) *x509.Certificate {
	for _, c := range cs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&k.PublicKey) {
			return c
		}
	}
	return nil
}
