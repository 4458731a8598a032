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
	keys     []string
	certs    []string
	trust    string
	crls     []string
	maxBytes int
}

func (o *openOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.keys, "key", nil, "this gateway's encryption key, PEM, mode 0600; repeat during a rollover: each is tried (required)")
	fs.StringArrayVar(&o.certs, "cert", nil, "this gateway's encryption certificate(s) of --key; keys whose certificate is not valid now are not used")
	fs.StringVar(&o.trust, "trust", "", "trust roots for the sender's signing certificate, PEM file or folder (required)")
	fs.StringArrayVar(&o.crls, "crl", nil, "CRL file(s) of the trusted CAs (repeatable)")
	fs.IntVar(&o.maxBytes, "max-bytes", message.DefaultMaxBytes, "largest decrypted message accepted, in bytes")
}

func newOpenCmd() *cobra.Command {
	o := &openOptions{}
	cmd := &cobra.Command{
		Use:   "open --key KEY [--key KEY2] [--cert CERT] --trust CA.pem [--crl CRL] FILE|-",
		Short: "Decrypt a sealed message and verify its signature",
		Long: `Open decrypts a sealed message with this gateway's encryption key and checks
its signature: only AES-GCM with RSA-OAEP is accepted (CBC, 3DES and
RSA-1.5 are refused before anything is decrypted), the message must carry
exactly one enveloped rsa-sha256/exc-c14n signature over the whole
message, and the signer's certificate must chain to --trust, be valid now,
be a signing certificate, not be revoked (--crl) and have an RSA key of at
least 3072 bits.

On success the verified message — exactly the canonical bytes the
signature covers — goes to standard output, and the sender's certificate
subject, its directory key (kennung) and the message type go to standard
error. On refusal the XÖV code (T000–T020, X000, …) and a plain-language
reason go to standard error.

Exit codes: 0 opened, 1 refused, 2 usage error (bad flag, unreadable file).`,
		Example: `  # open a message addressed to this gateway
  xgate open --key pki/azr/encryption-key.pem --cert pki/azr/encryption.pem \
    --trust pki/ca/root.pem --crl pki/ca/root.crl in.sealed.xml > in.xml

  # during a key rollover: try the old and the new key
  xgate open --key enc-2026-key.pem --key enc-2027-key.pem --trust ca.pem in.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOpen(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.InOrStdin(), o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func runOpen(ctx context.Context, stdout, stderr io.Writer, stdin io.Reader, o *openOptions, in string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	switch {
	case len(o.keys) == 0:
		return usageError("--key is required")
	case o.trust == "":
		return usageError("--trust is required")
	}
	now := time.Now()
	keys, err := loadDecryptionKeys(o.keys, o.certs, now, stderr)
	if err != nil {
		return err
	}
	v, err := loadVerifier(o.trust, o.crls)
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
		Verifier:       v,
		Clock:          clock.Fixed(now),
		Limits:         secure.Limits{Message: message.Limits{MaxBytes: o.maxBytes}},
	})
	if err != nil {
		return refused("open", err)
	}
	if _, err := stdout.Write(op.Canonical); err != nil {
		return withExit(exitError, err)
	}
	kennung := op.Sender.Kennung.String()
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
			return nil, withExit(exitUsage, err)
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
			return nil, usageError("%s matches none of the --cert certificates", f)
		case now.Before(c.NotBefore) || now.After(c.NotAfter):
			fmt.Fprintf(stderr, "xgate: not using %s: its certificate %q is valid only from %s to %s\n",
				f, c.Subject.String(), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		default:
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, withExit(exitError, fmt.Errorf("open refused: %s %s: no --key has a certificate valid now", errcode.CertExpired, errcode.CertExpired.Text()))
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
