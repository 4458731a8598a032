package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/message"
	"github.com/xgate/xgate/xml/secure"
)

type openOptions struct {
	encryption keyPairFlags
	trust      trustFlags
	maxBytes   int
}

func (o *openOptions) AddFlags(fs *pflag.FlagSet) {
	o.encryption.addEncryptionFlags(fs)
	o.trust.AddFlags(fs, "the sender's signing certificate (required)")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest decrypted message accepted, in `BYTES`")
}

func newOpenCmd() *cobra.Command {
	o := &openOptions{}
	cmd := &cobra.Command{
		Use:   "open --encryption-key KEY [--encryption-cert CERT] --trust CA [--crl CRL] FILE|-",
		Short: "Decrypt a sealed message and verify its signature",
		Long: `Open decrypts a sealed message with this gateway's encryption key and checks
its signature: only AES-GCM with RSA-OAEP is accepted (CBC, 3DES and
RSA-1.5 are refused before anything is decrypted), the message must carry
exactly one enveloped rsa-sha256/exc-c14n signature over the whole
message, and the signer's certificate must chain to --trust (with
--intermediate certificates if needed), be valid now, be a signing
certificate, not be revoked (--crl) and have an RSA key of at least 3072
bits. There is no way to skip the signature check.

On success the verified message — exactly the canonical bytes the
signature covers — goes to standard output, and the sender's certificate
subject, its directory key (kennung) and the message type go to standard
error. On refusal the XÖV code (T000–T020, X000, …) and a plain-language
reason go to standard error.`,
		Example: `  # open a message addressed to this gateway
  xgate open --encryption-key pki/azr/encryption-key.pem --encryption-cert pki/azr/encryption.pem \
    --trust pki/ca/root.pem --crl pki/ca/root.crl in.sealed.xml > in.xml

  # during a key rollover: try the old and the new key
  xgate open --encryption-key enc-2026-key.pem --encryption-key enc-2027-key.pem --trust ca.pem in.xml`,
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
		code(exitFailed, "refused: not decryptable with these keys, bad or untrusted signature, no --encryption-key with a certificate valid now, a hostile message (the XÖV code and the reason are on standard error)"))
}

func runOpen(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, o *openOptions, in string) error {
	switch {
	case len(o.encryption.keys) == 0:
		return errRequired("encryption-key")
	case o.trust.trust == "":
		return errRequired("trust")
	}
	now := time.Now()
	keys, err := loadDecryptionKeys(o.encryption.keys, o.encryption.certs, now, stderr)
	if err != nil {
		return err
	}
	v, err := o.trust.verifier()
	if err != nil {
		return err
	}
	// The envelope is base64: allow for it when reading.
	data, err := readLimited(in, stdin, o.maxBytes/2*3+256<<10)
	if err != nil {
		return readError(err)
	}
	op, err := secure.Open(ctx, data, secure.OpenOptions{
		DecryptionKeys: keys,
		Verifier:       certVerifier(v),
		Clock:          clock.Fixed(now),
		Limits:         secure.Limits{Message: message.Limits{MaxBytes: o.maxBytes}},
	})
	if err != nil {
		return refused(ctx, "open", err)
	}
	if _, err := stdout.Write(op.Canonical); err != nil {
		return err
	}
	kennung := op.Sender.Kennung
	if kennung == "" {
		kennung = "(none in the certificate)"
	}
	fmt.Fprintf(stderr, "sender: %s\nkennung: %s\ntype: %s (%s)\nnachrichtenUUID: %s\nprofile: %s\n",
		op.Sender.Subject, kennung, op.Type, op.Header.Root, op.Header.UUID, op.Profile)
	return nil
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
				f, c.Subject.String(), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
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
