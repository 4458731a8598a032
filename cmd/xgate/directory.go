package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/xml/errcode"
	"github.com/xgate/xgate/xml/kennung"
)

func newDirectoryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "directory",
		Short: "The signed routing directory: make, sign, show and verify it",
		Long: `The routing directory lists every participant a gateway talks to: kennung,
role, name, endpoint URL, signing, encryption (current and next) and TLS
certificates, dialect, key-transport profile, and which message types it
may send to whom. The directory authority signs it (XML-DSig); a gateway
refuses an unsigned or badly signed directory, keeps the last good one
when a reload fails, and authorises every message by it: a sender not in
it, or a type it may not send to that recipient, is T070; a recipient not
in it T080.

The document is XML in the namespace urn:xgate:directory:1 with the
certificates as base64 DER (go doc ./gateway/directory).`,
	}
	cmd.AddCommand(newDirectoryInitCmd(a), newDirectorySignCmd(), newDirectoryShowCmd(a), newDirectoryVerifyCmd(a))
	return cmd
}

// --- directory init -------------------------------------------------------

type directoryInitOptions struct {
	pki       string
	endpoints []string
	validity  string
	out       string
	unsigned  bool
}

func (o *directoryInitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.pki, "pki", "", "the development PKI (xgate certs init) whose participants the directory lists: its `DIR` (required)")
	fs.StringArrayVar(&o.endpoints, "endpoint", nil, "a participant's gateway: `ID=URL`, ID a participant of the PKI (abh) or its kennung, URL its https base URL; one per participant (required)")
	fs.StringVar(&o.validity, "validity", "30d", "how long the directory is valid: a `DURATION` such as 30d, 2w, 12h")
	fs.StringVarP(&o.out, "out", "o", "", "write to `FILE` (atomically) instead of standard output")
	fs.BoolVar(&o.unsigned, "unsigned", false, "write the directory unsigned, to edit it and sign it with 'xgate directory sign'")
}

func newDirectoryInitCmd(a *app) *cobra.Command {
	o := &directoryInitOptions{}
	cmd := &cobra.Command{
		Use:   "init --pki DIR --endpoint ID=URL... [--out FILE]",
		Short: "Make the signed development directory of a development PKI",
		Long: `Init makes the routing directory of a development PKI (xgate certs init):
every participant of DIR/pki.json with its signing, encryption and TLS
certificate and the endpoint given for it (one --endpoint per
participant), the default key-transport profile and native dialect. What
each may send comes from the message catalogue: every type its role may
send, to the roles that may receive it and to the conformance test
participant; the test participant may send every type to everyone.

The serial is the current time in Unix seconds, so that a directory made
later replaces one made earlier; it is valid from now for --validity.
Init signs it with the PKI's directory authority (DIR/directory), or
writes it unsigned with --unsigned. A summary goes to standard error.`,
		Example: `  # the demo's directory: seven gateways on loopback
  xgate directory init --pki ./pki --out directory.xml \
    --endpoint abh=https://127.0.0.1:8443 --endpoint mb=https://127.0.0.1:8444 \
    --endpoint azr=https://127.0.0.1:8445 --endpoint bamf=https://127.0.0.1:8446 \
    --endpoint ba=https://127.0.0.1:8447 --endpoint jc=https://127.0.0.1:8448 \
    --endpoint test=https://127.0.0.1:8449

  # unsigned, to edit (dialect, permissions) and sign afterwards
  xgate directory init --pki ./pki --unsigned --endpoint ... > directory.unsigned.xml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDirectoryInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o, a.clock()())
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "written"),
		code(exitError, "not written: the authority's key file is readable by others, an I/O error, interrupted"),
		codeUsage())
}

func runDirectoryInit(ctx context.Context, stdout, stderr io.Writer, o *directoryInitOptions, now time.Time) error {
	if o.pki == "" {
		return errRequired("pki")
	}
	validity, err := parseLongDuration(o.validity)
	if err != nil || validity <= 0 {
		return usageError("--validity: %q is not a positive duration (e.g. 30d, 2w, 12h)", o.validity)
	}
	m, err := devpki.LoadManifest(o.pki)
	if err != nil {
		return errInput(err)
	}
	eps := map[kennung.Kennung]string{}
	for _, e := range o.endpoints {
		id, url, ok := strings.Cut(e, "=")
		if !ok || id == "" || url == "" {
			return usageError("--endpoint %q: want ID=URL, e.g. abh=https://127.0.0.1:8443", e)
		}
		p, ok := m.ByID(id)
		if !ok {
			p, ok = m.Participant(kennung.Kennung(id))
		}
		if !ok {
			return usageError("--endpoint %q: %q is not a participant of %s (%s)", e, id, o.pki, participantIDs(m))
		}
		if _, dup := eps[p.Kennung]; dup {
			return usageError("--endpoint: two endpoints for %s (%s)", p.ID, p.Kennung)
		}
		eps[p.Kennung] = url
	}
	var missing []string
	for _, p := range m.Participants {
		if eps[p.Kennung] == "" {
			missing = append(missing, p.ID)
		}
	}
	if len(missing) > 0 {
		return usageError("--endpoint is missing for %s: every participant of the PKI needs one", strings.Join(missing, ", "))
	}
	d, err := directory.FromPKI(m, eps, validity, now)
	if errors.Is(err, directory.ErrInvalid) {
		return usageError("%v", err)
	}
	if err != nil {
		return withExit(exitError, err)
	}
	data, err := directory.Marshal(d)
	if err != nil {
		return withExit(exitError, err)
	}
	signer := "unsigned"
	if !o.unsigned {
		kp, err := m.KeyPair(m.Directory)
		if err != nil {
			var pe *certs.KeyPermissionError
			if errors.As(err, &pe) {
				return withExit(exitError, err)
			}
			return errInput(err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		if data, err = directory.Sign(ctx, data, kp); err != nil {
			return withExit(exitError, err)
		}
		signer = "signed by " + certs.SubjectString(kp.Cert)
	}
	if err := writeOut(stdout, o.out, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "directory serial %d: %d participants, valid until %s, %s\n",
		d.Serial, len(d.Participants), stampUTC(d.NotAfter), escape.Line(signer))
	return nil
}

func participantIDs(m *devpki.Manifest) string {
	ids := make([]string, len(m.Participants))
	for i, p := range m.Participants {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

// writeOut writes data to path atomically (a temporary file beside it,
// fsync'd, renamed), or to stdout when path is "".
func writeOut(stdout io.Writer, path string, data []byte, perm os.FileMode) error {
	if path == "" {
		_, err := stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return withExit(exitError, fmt.Errorf("write %s: %w", path, err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return withExit(exitError, fmt.Errorf("write %s: %w", path, err))
	}
	return nil
}

// --- directory sign -------------------------------------------------------

type directorySignOptions struct {
	key, cert string
	out       string
}

func (o *directorySignOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.key, "key", "", "the directory authority's private key: a PEM `FILE`, mode 0600 (required)")
	fs.StringVar(&o.cert, "cert", "", "the directory authority's certificate (purpose directory): a PEM `FILE` (required)")
	fs.StringVarP(&o.out, "out", "o", "", "write to `FILE` (atomically) instead of standard output")
}

func newDirectorySignCmd() *cobra.Command {
	o := &directorySignOptions{}
	cmd := &cobra.Command{
		Use:   "sign --key KEY --cert CERT [--out FILE] FILE|-",
		Short: "Sign a directory as the directory authority",
		Long: `Sign checks an unsigned directory document (every participant complete,
kennungen unique, each signing certificate naming its participant's
kennung, https endpoints, well-formed permissions) and signs it with the
directory authority's key: XML-DSig enveloped, exclusive c14n,
rsa-sha256, the certificate in KeyInfo.

Only a certificate made for the directory (purpose directory: the
directory policy OID, digital signature only) can sign: a participant's
signing key is refused, as every gateway would refuse its directory.
The key file must not be readable by group or others. Sign a new edition
with a higher serial than the one in use: gateways refuse to go back.`,
		Example: `  xgate directory sign --key pki/directory/signing-key.pem --cert pki/directory/signing.pem \
    --out directory.xml directory.unsigned.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDirectorySign(cmd.Context(), cmd, o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "signed"),
		code(exitError, "not signed: the key file is readable by others, the certificate is not a directory authority's, an I/O error"),
		codeUsage(),
		code(exitFailed, "the document is not a valid unsigned directory (the reason is on standard error)"))
}

func runDirectorySign(ctx context.Context, cmd *cobra.Command, o *directorySignOptions, in string) error {
	switch {
	case o.key == "":
		return errRequired("key")
	case o.cert == "":
		return errRequired("cert")
	}
	key, err := loadKey(o.key)
	if err != nil {
		return err
	}
	cs, err := certs.LoadCertificates(o.cert)
	if err != nil {
		return errInput(fmt.Errorf("--cert: %w", err))
	}
	kp, err := certs.NewKeyPair(cs, key)
	if err != nil {
		return usageError("--key and --cert: %v", err)
	}
	data, err := readLimited(in, cmd.InOrStdin(), directory.MaxBytes)
	if err != nil {
		return readError(err)
	}
	signed, err := directory.Sign(ctx, data, kp)
	if err != nil {
		return directoryError(ctx, "directory sign", err)
	}
	if err := writeOut(cmd.OutOrStdout(), o.out, signed, 0o644); err != nil {
		return err
	}
	if d, err := directory.Parse(data); err == nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "signed directory serial %d: %d participants, valid until %s\n", d.Serial, len(d.Participants), stampUTC(d.NotAfter))
	}
	return nil
}

// directoryError maps an error of the directory package: the document or
// its signature refused (exit 3, with the XÖV code if it has one), the
// signer not an authority (exit 1), anything else exit 1.
func directoryError(ctx context.Context, op string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, err)
	case errors.Is(err, directory.ErrNotAuthority):
		return withExit(exitError, fmt.Errorf("%s: %w", op, err))
	case errors.Is(err, directory.ErrInvalid), errors.Is(err, directory.ErrSigned),
		errors.Is(err, directory.ErrExpired), errors.Is(err, directory.ErrNotYetValid):
		return failedError("%s refused: %s", op, escape.Line(err.Error()))
	}
	if _, ok := errcode.Of(err); ok {
		return refused(ctx, op, err)
	}
	return withExit(exitError, fmt.Errorf("%s: %w", op, err))
}

// --- directory show and verify --------------------------------------------

type directoryReadOptions struct {
	trust    trustFlags
	format   formatFlag
	insecure bool
}

func newDirectoryShowCmd(a *app) *cobra.Command {
	o := &directoryReadOptions{}
	cmd := &cobra.Command{
		Use:   "show --trust CA [--crl CRL] [--format table|json] FILE|-",
		Short: "Verify a signed directory and print its participants and permissions",
		Long: `Show verifies a signed directory as a gateway does (see "xgate directory
verify") and prints it: serial, validity, the authority that signed it,
one row per participant (kennung, role, name, endpoint, dialect, profile,
number of signing/encryption/TLS certificates and when the first of them
expires) and what each may send to whom. --format json prints everything,
with each certificate's subject, serial, validity and SHA-256 fingerprint.

--insecure shows a directory without verifying it, signed or unsigned (to
review an edition before signing it, or one a gateway refused); a warning
on standard error says so.`,
		Example: `  xgate directory show --trust pki/ca/root.pem --crl pki/ca/root.crl directory.xml

  # the endpoint of the AZR
  xgate directory show --trust ca.pem --crl ca.crl --format json directory.xml |
    jq -r '.participants[] | select(.role == "azr") | .endpoint'

  # review an unsigned edition
  xgate directory show --insecure directory.unsigned.xml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDirectoryShow(cmd.Context(), cmd, o, args[0], a.clock()())
		},
	}
	o.trust.AddFlags(cmd.Flags(), "the directory authority")
	addFormatFlag(cmd.Flags(), &o.format)
	cmd.Flags().BoolVar(&o.insecure, "insecure", false, "show the directory without verifying its signature, signer or dates (a warning says so)")
	return exits(cmd,
		code(exitOK, "shown"),
		code(exitError, "the output could not be written, interrupted"),
		codeUsage(),
		code(exitFailed, "refused: unsigned, badly signed, not signed by a trusted directory authority, expired or invalid (the reason is on standard error)"))
}

func newDirectoryVerifyCmd(a *app) *cobra.Command {
	o := &directoryReadOptions{}
	cmd := &cobra.Command{
		Use:   "verify --trust CA [--crl CRL] FILE|-",
		Short: "Check a signed directory as a gateway does before using it",
		Long: `Verify checks a signed directory exactly as a gateway does when it loads
one: the XML-DSig signature (T010 if missing, T011 if the document was
changed), the signer's certificate for the purpose directory (T002 for a
participant's signing certificate or one that does not chain to --trust,
T001 revoked, T000 expired; every CA of the chain needs a current --crl
unless --crl-policy if-present), then the content as signed (participants
complete, kennungen unique, signing certificates naming their
participants, https endpoints) and the dates (refused past its not_after
or issued in the future). It prints one line: serial, participants,
validity and signer.`,
		Example: `  xgate directory verify --trust pki/ca/root.pem --crl pki/ca/root.crl directory.xml

  # before putting a new edition in place
  xgate directory verify --trust /etc/xgate/ca --crl /etc/xgate/ca/root.crl new.xml &&
    mv new.xml /etc/xgate/directory.xml && systemctl reload xgate`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDirectoryVerify(cmd.Context(), cmd, o, args[0], a.clock()())
		},
	}
	o.trust.AddFlags(cmd.Flags(), "the directory authority")
	return exits(cmd,
		code(exitOK, "valid: a gateway would load it"),
		code(exitError, "the output could not be written, interrupted"),
		codeUsage(),
		code(exitFailed, "refused: unsigned, badly signed, not signed by a trusted directory authority, expired or invalid (the reason is on standard error)"))
}

// readDirectory reads FILE and verifies it (or, with insecure, only
// parses it).
func readDirectory(ctx context.Context, cmd *cobra.Command, o *directoryReadOptions, in string, now time.Time, op string) (*directory.Directory, error) {
	stderr := cmd.ErrOrStderr()
	switch {
	case o.insecure && source(cmd, "trust") == "flag":
		return nil, errExclusive("trust", "insecure")
	case !o.insecure && o.trust.trust == "":
		return nil, usageError("--trust is required: %s verifies the directory authority against it", op)
	}
	var v *certs.Verifier
	if !o.insecure {
		var err error
		if v, err = o.trust.verifier(stderr); err != nil {
			return nil, err
		}
	}
	data, err := readLimited(in, cmd.InOrStdin(), directory.MaxBytes)
	if err != nil {
		return nil, readError(err)
	}
	if o.insecure {
		fmt.Fprintln(stderr, "xgate: WARNING: --insecure: the directory is NOT verified (signature, signer, dates); a gateway may refuse it")
		d, err := directory.ParseUnverified(data)
		if err != nil {
			return nil, directoryError(ctx, op, err)
		}
		return d, nil
	}
	d, err := directory.Verify(ctx, data, v, now)
	if err != nil {
		return nil, directoryError(ctx, op, err)
	}
	return d, nil
}

func runDirectoryVerify(ctx context.Context, cmd *cobra.Command, o *directoryReadOptions, in string, now time.Time) error {
	d, err := readDirectory(ctx, cmd, o, in, now, "directory verify")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "ok: %s: serial %d, %d participants, issued %s, valid until %s (%s left), signed by %s\n",
		escape.Line(in), d.Serial, len(d.Participants), stampUTC(d.Issued), stampUTC(d.NotAfter),
		humanLeft(d.NotAfter.Sub(now)), escape.Line(certs.Label(d.Authority)))
	return err
}

// humanLeft prints a remaining time in days, or hours under two days.
func humanLeft(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.Round(time.Minute).String()
}

func runDirectoryShow(ctx context.Context, cmd *cobra.Command, o *directoryReadOptions, in string, now time.Time) error {
	d, err := readDirectory(ctx, cmd, o, in, now, "directory show")
	if err != nil {
		return err
	}
	if o.format.json() {
		return writeJSON(cmd.OutOrStdout(), directoryView(d))
	}
	return printDirectory(cmd.OutOrStdout(), d, now)
}

// certView is a certificate in show's JSON.
type certView struct {
	Subject     string    `json:"subject"`
	Serial      string    `json:"serial"`
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	Fingerprint string    `json:"fingerprintSHA256"`
}

type participantView struct {
	Kennung    string                 `json:"kennung"`
	Role       string                 `json:"role"`
	Name       string                 `json:"name"`
	Endpoint   string                 `json:"endpoint"`
	Dialect    string                 `json:"dialect"`
	Profile    string                 `json:"profile"`
	Signing    []certView             `json:"signing"`
	Encryption []certView             `json:"encryption"`
	TLS        []certView             `json:"tls"`
	Sends      []directory.Permission `json:"sends"`
}

type directoryJSON struct {
	Serial       uint64            `json:"serial"`
	Issued       time.Time         `json:"issued"`
	NotAfter     time.Time         `json:"notAfter"`
	Verified     bool              `json:"verified"`
	Authority    *certView         `json:"authority"`
	Participants []participantView `json:"participants"`
}

func directoryView(d *directory.Directory) directoryJSON {
	views := func(cs []*x509.Certificate) []certView {
		out := make([]certView, len(cs))
		for i, c := range cs {
			out[i] = viewCert(c)
		}
		return out
	}
	j := directoryJSON{Serial: d.Serial, Issued: d.Issued, NotAfter: d.NotAfter, Verified: d.Authority != nil}
	if d.Authority != nil {
		a := viewCert(d.Authority)
		j.Authority = &a
	}
	for _, p := range d.Participants {
		j.Participants = append(j.Participants, participantView{
			Kennung: string(p.Kennung), Role: string(p.Role), Name: p.Name, Endpoint: p.Endpoint,
			Dialect: p.Dialect, Profile: p.Profile.String(),
			Signing: views(p.Signing), Encryption: views(p.Encryption), TLS: views(p.TLS), Sends: p.Sends,
		})
	}
	return j
}

func viewCert(c *x509.Certificate) certView {
	return certView{Subject: certs.SubjectString(c), Serial: certs.SerialHex(c.SerialNumber),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Fingerprint: certs.Fingerprint(c)}
}

func printDirectory(w io.Writer, d *directory.Directory, now time.Time) error {
	signer := "NOT VERIFIED (--insecure)"
	if d.Authority != nil {
		signer = certs.Label(d.Authority)
	}
	fmt.Fprintf(w, "Directory serial %d\n", d.Serial)
	fmt.Fprintf(w, "  Issued:       %s\n", stampUTC(d.Issued))
	state := humanLeft(d.NotAfter.Sub(now)) + " left"
	if !now.Before(d.NotAfter) {
		state = "EXPIRED"
	}
	fmt.Fprintf(w, "  Valid until:  %s (%s)\n", stampUTC(d.NotAfter), state)
	fmt.Fprintf(w, "  Signed by:    %s\n\n", escape.Line(signer))
	rows := [][]string{{"KENNUNG", "ROLE", "NAME", "ENDPOINT", "DIALECT", "PROFILE", "CERTS S/E/T", "FIRST EXPIRY"}}
	for _, p := range d.Participants {
		first := time.Time{}
		for _, cs := range [][]*x509.Certificate{p.Signing, p.Encryption, p.TLS} {
			for _, c := range cs {
				if first.IsZero() || c.NotAfter.Before(first) {
					first = c.NotAfter
				}
			}
		}
		rows = append(rows, []string{string(p.Kennung), string(p.Role), p.Name, p.Endpoint, dash(p.Dialect), p.Profile.String(),
			fmt.Sprintf("%d/%d/%d", len(p.Signing), len(p.Encryption), len(p.TLS)), first.UTC().Format("2006-01-02")})
	}
	printRows(w, rows)
	fmt.Fprintln(w, "\nMay send:")
	for _, p := range d.Participants {
		fmt.Fprintf(w, "  %s (%s)\n", escape.Line(string(p.Kennung)), escape.Line(string(p.Role)))
		for _, perm := range p.Sends {
			types := append([]string(nil), perm.Types...)
			sort.Strings(types)
			_, err := fmt.Fprintf(w, "    %s → %s\n", escape.Line(strings.Join(types, " ")), escape.Line(strings.Join(perm.To, " ")))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// printRows prints an aligned table of escaped cells, without trailing
// spaces.
func printRows(w io.Writer, rows [][]string) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(escape.Line(c))))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			c = escape.Line(c)
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
