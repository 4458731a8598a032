package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/internal/escape"
	"github.com/xgate/xgate/outbox/audit"
)

func newAuditCmd(g *storeFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check and export the outbox's tamper-evident audit log",
		Long: `Every state change of every record is an audit entry hashed together with
the entry before it (SHA-256); every N entries or M minutes the gateway
signs the head of the chain with its signing key (a checkpoint).

  xgate audit verify   finds any edited, deleted, inserted or reordered
                       entry, a cut-off or replaced tail and forged
                       checkpoints, and names the first bad entry
  xgate audit export   writes entries and checkpoints as JSON, for an
                       auditor to re-verify outside xgate

Both read one gateway's audit log: the store file (--store, opened
read-only) or the running daemon's admin API (--server, or the admin
socket beside a store file the daemon holds), which streams the chain.
A site on PostgreSQL keeps one chain for all its instances: --store
postgres:DSN reads it from the database (what the instances have linked:
they link new entries within a fraction of a second), --server through
any instance.`,
	}
	g.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(newAuditVerifyCmd(g), newAuditExportCmd(g))
	return cmd
}

type auditVerifyOptions struct {
	export   string
	certs    []string
	anchors  []string
	insecure bool
	format   formatFlag
}

func (o *auditVerifyOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.export, "export", "", "verify an export `FILE` written by 'xgate audit export' instead of the store")
	fs.StringArrayVar(&o.certs, "checkpoint-cert", nil, "the gateway's signing certificate (a PEM `FILE`) whose checkpoints are trusted; repeat for a key rollover (required unless --insecure)")
	bindEnv(fs, "checkpoint-cert", envCheckpointCert)
	fs.StringArrayVar(&o.anchors, "anchor", nil, "an earlier export `FILE` whose checkpoints must still hold (catches a cut-off tail); repeatable")
	fs.BoolVar(&o.insecure, "insecure", false, "verify without --checkpoint-cert: the chain only, signatures unchecked (a warning says so)")
	addFormatFlag(fs, &o.format)
}

func newAuditVerifyCmd(g *storeFlags) *cobra.Command {
	o := &auditVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [--store PATH | --export FILE] --checkpoint-cert SIGNING_CERT.pem",
		Short: "Verify the audit chain and its signed checkpoints",
		Long: `Verify reads every audit entry in order and checks that each one hashes to
its stored hash, carries the next sequence number and links to the hash
of the entry before it. It checks each checkpoint's signature against the
--checkpoint-cert certificates and that the entry it names carries the
signed head.

It prints "ok: N entries, M checkpoints, head HASH", or the first problem:
the entry's sequence number, its record id and what is wrong (edited,
unlinked, missing, out-of-order, inserted, unreadable, truncated,
head-mismatch, bad-signature, unknown-key).

Without --checkpoint-cert an attacker who rewrites the chain and its
checkpoints together would pass, so verify refuses to run without it
unless --insecure is given (and then warns). Entries after the last
checkpoint are protected by the chain alone; an --anchor export from an
earlier run proves that the chain still reaches as far as it did then.`,
		Example: `  # the gateway's store, with the gateway's signing certificate
  xgate audit verify --store /var/lib/xgate/outbox.db --checkpoint-cert /etc/xgate/signing.pem

  # machine-readable
  xgate audit verify --checkpoint-cert signing.pem --format json

  # an export handed to an auditor, against last month's export
  xgate audit verify --export audit-2026-04.json --anchor audit-2026-03.json --checkpoint-cert signing.pem`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditVerify(cmd.Context(), cmd, g, o)
		},
	}
	o.AddFlags(cmd.Flags())
	return exits(cmd,
		code(exitOK, "the chain and its checkpoints verified"),
		code(exitError, "the store or export could not be read, interrupted"),
		code(exitUsage, "usage error, including no --checkpoint-cert without --insecure"),
		code(exitFailed, "verification failed: the chain is tampered or a checkpoint does not verify"),
		codeStoreBusy())
}

// verifyResult is the JSON shape of verify's output.
type verifyResult struct {
	Source string `json:"source"`
	OK     bool   `json:"ok"`
	*audit.Report
}

func runAuditVerify(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *auditVerifyOptions) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	switch {
	case o.export != "" && source(cmd, "store") == "flag":
		return errExclusive("store", "export")
	case o.export != "" && source(cmd, "server") == "flag":
		return errExclusive("server", "export")
	case o.insecure && source(cmd, "checkpoint-cert") == "flag":
		return errExclusive("checkpoint-cert", "insecure")
	case len(o.certs) == 0 && !o.insecure:
		return usageError("--checkpoint-cert is required: without it the checkpoint signatures are not checked, " +
			"and a chain rewritten together with its checkpoints would pass (--insecure checks the chain alone)")
	}
	var v audit.Verifier
	if len(o.certs) > 0 {
		cv, err := loadAuditVerifier(o.certs)
		if err != nil {
			return errInput(err)
		}
		v = cv
	}
	var anchors []audit.Checkpoint
	for _, a := range o.anchors {
		cps, err := readAnchor(a)
		if err != nil {
			return errInput(err)
		}
		anchors = append(anchors, cps...)
	}

	src, err := openAuditSource(ctx, cmd, g, o.export)
	if err != nil {
		return err
	}
	defer src.close()
	cps, err := src.checkpoints(ctx)
	if err != nil {
		return withExit(exitError, err)
	}
	rep, err := audit.Verify(ctx, src.entries(ctx), mergeCheckpoints(cps, anchors), v)
	if err != nil {
		return withExit(exitError, err)
	}

	if v == nil {
		fmt.Fprintln(stderr, "xgate: WARNING: --insecure: checkpoint signatures NOT checked (no --checkpoint-cert): a chain rewritten together with its checkpoints would pass")
	}
	if o.format.json() {
		if err := writeJSON(stdout, verifyResult{Source: src.name, OK: rep.OK(), Report: rep}); err != nil {
			return err
		}
	} else {
		printVerifyText(stdout, rep)
	}
	if !rep.OK() {
		return failedError("audit verify: %s does not verify: the first problem is at entry %d (%s)", src.name, rep.Problem.Seq, rep.Problem.Kind)
	}
	if rep.Intact > rep.Sealed {
		fmt.Fprintf(stderr, "xgate: note: entries %d..%d come after the last checkpoint and are protected by the chain alone\n", rep.Sealed+1, rep.Intact)
	}
	return nil
}

func printVerifyText(w io.Writer, rep *audit.Report) {
	if rep.OK() {
		fmt.Fprintf(w, "ok: %d entries, %d checkpoints, head %s\n", rep.Entries, rep.CheckpointsVerified, rep.Head)
		return
	}
	p := rep.Problem
	fmt.Fprintf(w, "tampered: %s\n", escape.Line(strings.TrimPrefix(p.Error(), "audit: ")))
	if p.From != p.Seq {
		fmt.Fprintf(w, "  the first bad entry is one of %d..%d\n", p.From, p.Seq)
	}
	intact := "none intact"
	if rep.Intact > 0 {
		intact = fmt.Sprintf("1..%d intact", rep.Intact)
	}
	fmt.Fprintf(w, "  %d entries read, %s; %d of %d checkpoints verified\n", rep.Entries, intact, rep.CheckpointsVerified, rep.Checkpoints)
}

type auditExportOptions struct {
	out string
}

func newAuditExportCmd(g *storeFlags) *cobra.Command {
	o := &auditExportOptions{}
	cmd := &cobra.Command{
		Use:   "export [--store PATH] [--out FILE]",
		Short: "Write the audit chain and its checkpoints as JSON",
		Long: `Export writes every audit entry and every checkpoint of the store, as
stored (tampered or not), as one JSON object: format, checkpoints, then the
entries one per line, then count and head. Entry times are UTC, exactly the
text each hash covers. Package outbox/audit's documentation describes the
hash and signature algorithm, so that an auditor can re-verify the export
without xgate; 'xgate audit verify --export FILE' does it with xgate.

With --out the export is written to a file beside FILE, fsync'd and
renamed to FILE (mode 0640), so a failed or interrupted export leaves no
half file behind.

Entries carry record ids, states, actors, partner kennungen and error
codes, never message content or personal data.`,
		Example: `  xgate audit export --store /var/lib/xgate/outbox.db --out audit-2026-04.json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditExport(cmd.Context(), cmd, g, o)
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write to `FILE` (atomically) instead of standard output")
	return exits(cmd,
		code(exitOK, "written"),
		code(exitError, "the store could not be read or the file not written, interrupted"),
		codeUsage(),
		codeStoreBusy())
}

func runAuditExport(ctx context.Context, cmd *cobra.Command, g *storeFlags, o *auditExportOptions) error {
	src, err := openAuditSource(ctx, cmd, g, "")
	if err != nil {
		return err
	}
	defer src.close()
	cps, err := src.checkpoints(ctx)
	if err != nil {
		return err
	}
	if o.out == "" {
		return audit.Export(ctx, cmd.OutOrStdout(), src.entries(ctx), cps, audit.FormatJSON)
	}
	// Write beside the target and rename, so that a failed export leaves
	// no half file behind.
	tmp, err := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".*")
	if err != nil {
		return errInput(err)
	}
	defer os.Remove(tmp.Name())
	if err := audit.Export(ctx, tmp, src.entries(ctx), cps, audit.FormatJSON); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), o.out)
}

// auditSource is a store opened read-only or an export file.
type auditSource struct {
	name        string
	entries     func(ctx context.Context) iter.Seq2[audit.Entry, error]
	checkpoints func(ctx context.Context) ([]audit.Checkpoint, error)
	close       func() error
}

// openAuditSource opens the export file, if given, else the outbox the
// store flags name (read-only).
func openAuditSource(ctx context.Context, cmd *cobra.Command, g *storeFlags, export string) (*auditSource, error) {
	if export != "" {
		f, err := os.Open(export)
		if err != nil {
			return nil, errInput(err)
		}
		x, err := audit.ReadExport(f)
		if err != nil {
			f.Close()
			return nil, withExit(exitError, fmt.Errorf("%s: %w", export, err))
		}
		return &auditSource{
			name:        export,
			entries:     func(context.Context) iter.Seq2[audit.Entry, error] { return x.Entries() },
			checkpoints: func(context.Context) ([]audit.Checkpoint, error) { return x.Checkpoints(), nil },
			close:       f.Close,
		}, nil
	}
	st, err := g.open(ctx, cmd, readOnly)
	if err != nil {
		return nil, err
	}
	name := g.sourceName(cmd)
	return &auditSource{
		name: name,
		entries: func(ctx context.Context) iter.Seq2[audit.Entry, error] {
			return audit.Walk(ctx, func(ctx context.Context, fn func(audit.Entry) error) error {
				return st.AuditEntries(ctx, 1, fn)
			})
		},
		checkpoints: st.Checkpoints,
		close:       st.Close,
	}, nil
}

// loadAuditVerifier trusts the first certificate of each file: the
// gateway's signing certificate, with its chain (if any) after it.
func loadAuditVerifier(files []string) (*audit.CertVerifier, error) {
	var leaves []*x509.Certificate
	for _, f := range files {
		cs, err := certs.LoadCertificates(f)
		if err != nil {
			return nil, fmt.Errorf("--checkpoint-cert %s: %w", f, err)
		}
		leaves = append(leaves, cs[0])
	}
	v, err := audit.NewCertVerifier(leaves...)
	if err != nil {
		return nil, fmt.Errorf("--checkpoint-cert: %w", err)
	}
	return v, nil
}

// readAnchor returns the checkpoints of an earlier export.
func readAnchor(name string) ([]audit.Checkpoint, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--anchor: %w", err)
	}
	defer f.Close()
	x, err := audit.ReadExport(f)
	if err != nil {
		return nil, fmt.Errorf("--anchor %s: %w", name, err)
	}
	if len(x.Checkpoints()) == 0 {
		return nil, errors.New("--anchor " + name + ": the export holds no checkpoints")
	}
	return x.Checkpoints(), nil
}

// mergeCheckpoints adds the anchors that are not already among cps.
func mergeCheckpoints(cps, anchors []audit.Checkpoint) []audit.Checkpoint {
	seen := make(map[string]bool, len(cps))
	key := func(c audit.Checkpoint) string { d := c.Digest(); return string(d[:]) + string(c.Signature) }
	for _, c := range cps {
		seen[key(c)] = true
	}
	for _, a := range anchors {
		if !seen[key(a)] {
			seen[key(a)] = true
			cps = append(cps, a)
		}
	}
	return cps
}
