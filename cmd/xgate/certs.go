package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/internal/escape"
)

func newCertsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Development PKI, certificate inspection, expiry and revocation report",
		Long: `Keys and certificates of xgate: make a development PKI for every role,
look at a certificate, and report what expires, expired or was revoked.

Every gateway has three RSA-3072 key pairs with separate usages: signing
(XML-DSig), encryption (XML-Enc key transport) and TLS (mutual TLS, both
sides). Private key files must have mode 0600; xgate refuses others.`,
	}
	cmd.AddCommand(newCertsInitCmd(a), newCertsShowCmd(), newCertsCheckCmd())
	return cmd
}

// --- certs init -----------------------------------------------------------

type certsInitOptions struct {
	dir         string
	force       bool
	workers     int
	generateKey func(bits int) (*rsa.PrivateKey, error)
}

func (o *certsInitOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.force, "force", false, "write into a non-empty folder, replacing files of the same names")
	fs.IntVar(&o.workers, "workers", 0, "keys generated in parallel (default: number of CPUs)")
}

func newCertsInitCmd(a *app) *cobra.Command {
	o := &certsInitOptions{generateKey: a.generateKey}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Write a development PKI for all roles",
		Long: `Init writes a development PKI into DIR: a root CA (RSA-3072, 10 years) with
an empty CRL, a directory authority, and for each participant (ABH, MB,
AZR, BAMF, BA, JC and the conformance test partner) a signing, an
encryption and a TLS key pair (RSA-3072, 2 years; TLS with the SANs
localhost, 127.0.0.1 and ::1). DIR/pki.json lists who is who and where
the files are. Keys are written with mode 0600, certificates 0644.

Key generation runs on all CPUs and takes a few seconds; progress goes to
standard error, and Ctrl-C stops it (nothing is written then). The PKI is
for development and tests only: its root key lies next to everything
else.`,
		Example: `  # a PKI for the demo or for local tests
  xgate certs init ./pki

  # start over in the same folder
  xgate certs init --force ./pki`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			return runCertsInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "written"),
		code(exitError, "not written: DIR is not empty (use --force), I/O error, interrupted"),
		codeUsage())
}

func runCertsInit(ctx context.Context, stdout, stderr io.Writer, o *certsInitOptions) error {
	if o.workers < 0 {
		return usageError("--workers must not be negative")
	}
	res, err := devpki.Init(ctx, o.dir, devpki.Options{
		Force:       o.force,
		Workers:     o.workers,
		GenerateKey: o.generateKey,
		Progress: func(done, total int) {
			if done == 1 || done%5 == 0 || done == total {
				fmt.Fprintf(stderr, "generated %d of %d RSA-3072 keys\n", done, total)
			}
		},
	})
	if errors.Is(err, devpki.ErrDirNotEmpty) {
		return withExit(exitError, fmt.Errorf("%s is not empty; use --force to overwrite", o.dir))
	}
	if err != nil {
		return withExit(exitError, err)
	}
	fmt.Fprintf(stdout, "Development PKI written to %s in %s (%d RSA-3072 keys generated in %s on %d workers)\n\n",
		o.dir, res.Total.Round(10*time.Millisecond), res.Keys, res.KeyGen.Round(10*time.Millisecond), res.Workers)
	printTree(stdout, o.dir, res.Files, folderNotes(res.Manifest))
	return nil
}

// folderNotes says what each top-level folder of the PKI holds.
func folderNotes(m *devpki.Manifest) map[string]string {
	notes := map[string]string{
		path.Dir(m.Root.Cert):      "root CA and its CRL",
		path.Dir(m.Directory.Cert): "directory authority",
	}
	for _, p := range m.Participants {
		notes[p.ID] = fmt.Sprintf("%-5s %-20s %s", p.Role, p.Kennung, p.Name)
	}
	return notes
}

// printTree prints slash-separated relative paths as a tree under root.
func printTree(w io.Writer, root string, files []string, notes map[string]string) {
	fmt.Fprintln(w, root)
	type node struct {
		name     string
		children []*node
	}
	top := &node{}
	for _, f := range files {
		n := top
		for _, part := range strings.Split(f, "/") {
			var next *node
			for _, c := range n.children {
				if c.name == part {
					next = c
				}
			}
			if next == nil {
				next = &node{name: part}
				n.children = append(n.children, next)
			}
			n = next
		}
	}
	var walk func(n *node, prefix string, depth int)
	walk = func(n *node, prefix string, depth int) {
		for i, c := range n.children {
			branch, indent := "├── ", "│   "
			if i == len(n.children)-1 {
				branch, indent = "└── ", "    "
			}
			name := c.name
			if len(c.children) > 0 {
				name += "/"
				if note := notes[c.name]; depth == 0 && note != "" {
					name = fmt.Sprintf("%-12s %s", name, note)
				}
			}
			fmt.Fprintf(w, "%s%s%s\n", prefix, branch, name)
			walk(c, prefix+indent, depth+1)
		}
	}
	walk(top, "", 0)
}

// --- certs show -----------------------------------------------------------

type certsShowOptions struct {
	format formatFlag
}

func (o *certsShowOptions) AddFlags(fs *pflag.FlagSet) {
	addFormatFlag(fs, &o.format)
}

func newCertsShowCmd() *cobra.Command {
	o := &certsShowOptions{}
	cmd := &cobra.Command{
		Use:   "show FILE...",
		Short: "Describe the certificates and CRLs in PEM or DER files",
		Long: `Show prints, for every certificate in each FILE: subject, issuer, serial,
validity (and whether it holds now), key type and size, signature
algorithm, KeyUsage and ExtKeyUsage, SANs, the SHA-256 fingerprint, the
purposes its usage allows, and the participant (kennung, role, name) when
the subject follows the development PKI's scheme. For a CRL: issuer,
number, this and next update, and the revoked serial numbers. Show only
describes: "xgate certs check" judges.`,
		Example: `  xgate certs show pki/abh/signing.pem

  # machine-readable, e.g. the fingerprint
  xgate certs show --format json pki/abh/tls.pem | jq -r '.[0].certificates[0].fingerprintSHA256'

  xgate certs show pki/ca/root.crl`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCertsShow(cmd.OutOrStdout(), o, args, time.Now())
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "shown"),
		code(exitError, "a file holds no certificate or CRL, or the output could not be written"),
		codeUsage())
}

func runCertsShow(stdout io.Writer, o *certsShowOptions, files []string, now time.Time) error {
	var out []*certs.FileDescription
	for _, f := range files {
		fd, err := certs.DescribeFile(f, now)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return errInput(err)
		}
		if err != nil {
			return withExit(exitError, err)
		}
		out = append(out, fd)
	}
	if o.format.json() {
		return writeJSON(stdout, out)
	}
	for i, fd := range out {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		for j, d := range fd.Certificates {
			if j > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s: certificate %d of %d\n", escape.Line(fd.File), j+1, len(fd.Certificates))
			printDescription(stdout, d)
		}
		for j, c := range fd.CRLs {
			if j > 0 || len(fd.Certificates) > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s: CRL %d of %d\n", escape.Line(fd.File), j+1, len(fd.CRLs))
			printCRL(stdout, c)
		}
	}
	return nil
}

func printDescription(w io.Writer, d certs.Description) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Values come from the certificate: escaped, so that a line break in a
	// name cannot forge a row.
	row := func(k, v string) { fmt.Fprintf(tw, "  %s:\t%s\n", k, escape.Line(v)) }
	row("Subject", d.Subject)
	row("Issuer", d.Issuer)
	row("Serial", d.Serial)
	state := d.Status
	switch d.Status {
	case certs.StatusValid:
		state = fmt.Sprintf("valid, %d days left", d.DaysLeft)
	case certs.StatusExpired:
		state = fmt.Sprintf("EXPIRED %d days ago", -d.DaysLeft)
	case certs.StatusNotYetValid:
		state = "NOT YET VALID"
	}
	row("Validity", fmt.Sprintf("%s to %s (%s)", stampUTC(d.NotBefore), stampUTC(d.NotAfter), state))
	key := d.KeyType
	if d.KeyBits > 0 {
		key = fmt.Sprintf("%s %d bits", d.KeyType, d.KeyBits)
	}
	row("Key", key)
	row("Signature", d.SignatureAlgorithm)
	row("Key usage", listOrDash(d.KeyUsage))
	row("Ext. key usage", listOrDash(d.ExtKeyUsage))
	if len(d.Policies) > 0 {
		row("Policies", strings.Join(d.Policies, ", "))
	}
	row("SANs", listOrDash(d.SANs))
	ca := "no"
	if d.IsCA {
		ca = "yes"
	}
	if d.SelfSigned {
		ca += " (self-signed)"
	}
	row("CA", ca)
	row("SHA-256", d.FingerprintSHA256)
	purposes := make([]string, len(d.Purposes))
	for i, p := range d.Purposes {
		purposes[i] = p.String()
	}
	row("Purposes", listOrDash(purposes))
	if d.Role != "" {
		row("Participant", strings.TrimSpace(fmt.Sprintf("%s %s (%s)", d.Kennung, d.Participant, d.Role)))
	}
	tw.Flush()
}

func printCRL(w io.Writer, c certs.CRLDescription) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s:\t%s\n", k, escape.Line(v)) }
	row("Issuer", c.Issuer)
	row("Number", c.Number)
	next := "-"
	if !c.NextUpdate.IsZero() {
		next = stampUTC(c.NextUpdate)
	}
	row("Updates", fmt.Sprintf("%s, next %s (%s)", stampUTC(c.ThisUpdate), next, c.Status))
	row("Signature", c.SignatureAlgorithm)
	row("Revoked", strconv.Itoa(len(c.Revoked)))
	for _, r := range c.Revoked {
		row("  serial", fmt.Sprintf("%s on %s (reason %d)", r.Serial, stampUTC(r.Time), r.ReasonCode))
	}
	tw.Flush()
}

func listOrDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ", ")
}

func stampUTC(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }

// --- certs check ----------------------------------------------------------

type certsCheckOptions struct {
	within string
	format formatFlag
}

func (o *certsCheckOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.within, "within", "30d", "warning window: certificates expiring within it are reported (e.g. 30d, 2w, 12h, 1d12h)")
	addFormatFlag(fs, &o.format)
}

func newCertsCheckCmd() *cobra.Command {
	o := &certsCheckOptions{}
	cmd := &cobra.Command{
		Use:   "check DIR",
		Short: "Report expiring, expired and revoked certificates under a folder",
		Long: `Check reads every certificate (*.pem, *.crt, *.cer, *.der) and CRL (*.crl,
or PEM "X509 CRL") below DIR and reports:

  expiring       NotAfter within --within
  expired        NotAfter passed
  revoked        listed in a CRL of DIR whose issuer certificate, also
                 in DIR, verifies the CRL's signature
  not-yet-valid  informational (the next certificate of a key rollover)

It also reports CRLs past their next update (stale) or without a
verifying issuer in DIR (unverified), and private key files that group or
others can read (too-open, fix with chmod 600).`,
		Example: `  # the monthly look at a gateway's certificates
  xgate certs check /etc/xgate/pki

  # in a monitoring script: a week's notice, JSON for the alert text
  xgate certs check --within 7d --format json /etc/xgate/pki || alert`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCertsCheck(cmd.OutOrStdout(), o, args[0], time.Now())
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "nothing to report"),
		code(exitError, "the folder could not be read, or the output could not be written"),
		codeUsage(),
		code(exitFailed, "the check failed: something expiring, expired, revoked, stale, unverified or too open"))
}

func runCertsCheck(stdout io.Writer, o *certsCheckOptions, dir string, now time.Time) error {
	within, err := parseLongDuration(o.within)
	if err != nil {
		return usageError("--within: %v", err)
	}
	if st, err := os.Stat(dir); err != nil {
		return errInput(err)
	} else if !st.IsDir() {
		return usageError("%s is not a directory", dir)
	}
	rep, err := certs.Check(dir, certs.CheckOptions{At: now, Within: within})
	if err != nil {
		return withExit(exitError, err)
	}
	if o.format.json() {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else if err := printReport(stdout, rep); err != nil {
		return err
	}
	if !rep.OK() {
		return failedError("certs check: %d problem(s) under %s", rep.Problems, dir)
	}
	return nil
}

func printReport(w io.Writer, rep *certs.Report) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tNOT AFTER\tFILE\tNAME\tDETAIL")
	for _, c := range rep.Certificates {
		file := c.File
		if c.Index > 1 {
			file = fmt.Sprintf("%s[%d]", c.File, c.Index)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Status, stampUTC(c.NotAfter), escape.Line(file), escape.Line(c.Name), escape.Line(c.Detail))
	}
	for _, c := range rep.CRLs {
		next := "-"
		if !c.NextUpdate.IsZero() {
			next = stampUTC(c.NextUpdate)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\tCRL of %s, %d revoked\t%s\n", c.Status, next, escape.Line(c.File), escape.Line(c.IssuerName), c.Revoked, escape.Line(c.Detail))
	}
	openKeys := 0
	for _, k := range rep.Keys {
		if k.Status != certs.CheckOK {
			openKeys++
			fmt.Fprintf(tw, "%s\t-\t%s\tprivate key, mode %s\t%s\n", k.Status, escape.Line(k.File), k.Mode, escape.Line(k.Detail))
		}
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		io.WriteString(w, strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			io.WriteString(w, "\n")
		}
	}
	_, err := fmt.Fprintf(w, "\n%d certificate(s), %d CRL(s), %d private key file(s) (%d too open) checked at %s with a window of %s: %d problem(s)\n",
		len(rep.Certificates), len(rep.CRLs), len(rep.Keys), openKeys, stampUTC(rep.At), humanWindow(rep.Within), rep.Problems)
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// durationPart is one number and unit of a long duration.
var durationPart = regexp.MustCompile(`^(\d+(?:\.\d+)?)(y|w|d|h|ms|m|s)`)

// parseLongDuration parses durations with days and weeks, which
// time.ParseDuration lacks: "30d", "2w", "12h", "1d12h", "90m", "1y"
// (365 days). A bare "0" is zero.
func parseLongDuration(s string) (time.Duration, error) {
	switch s {
	case "":
		return 0, errors.New("empty duration")
	case "0":
		return 0, nil
	}
	units := map[string]time.Duration{
		"y": 365 * 24 * time.Hour, "w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour,
		"m": time.Minute, "s": time.Second, "ms": time.Millisecond,
	}
	rest := s
	var total time.Duration
	for rest != "" {
		m := durationPart.FindStringSubmatch(rest)
		if m == nil {
			return 0, fmt.Errorf("invalid duration %q (use e.g. 30d, 2w, 12h, 1d12h)", s)
		}
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %w", s, err)
		}
		part := n * float64(units[m[2]])
		if part > float64(1<<62) || float64(total)+part > float64(1<<62) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(part)
		rest = rest[len(m[0]):]
	}
	return total, nil
}

// humanWindow prints a window in the largest whole unit ("30d", "36h").
func humanWindow(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
