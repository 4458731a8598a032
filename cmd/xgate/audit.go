package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
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
	"github.com/xgate/xgate/outbox/audit"
	"github.com/xgate/xgate/outbox/boltstore"
)

func newAuditCmd() *cobra.Command {
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

Both open the store read-only: stop the daemon first, or copy the file.`,
	}
	cmd.AddCommand(newAuditVerifyCmd(), newAuditExportCmd())
	return cmd
}

type auditVerifyOptions struct {
	store   string
	export  string
	certs   []string
	anchors []string
	format  string
}

func (o *auditVerifyOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", "", "the outbox store file (bbolt)")
	fs.StringVar(&o.export, "export", "", "verify an export written by 'xgate audit export' instead of a store")
	fs.StringArrayVar(&o.certs, "cert", nil, "signing certificate (PEM) whose checkpoints are trusted; repeat for a key rollover")
	fs.StringArrayVar(&o.anchors, "anchor", nil, "an earlier export whose checkpoints must still hold (catches a cut-off tail); repeatable")
	fs.StringVar(&o.format, "format", "text", "output format: text or json")
}

func newAuditVerifyCmd() *cobra.Command {
	o := &auditVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify --store PATH [--cert SIGNING_CERT.pem]",
		Short: "Verify the audit chain and its signed checkpoints",
		Long: `Verify reads every audit entry of the store in order and checks that each
one hashes to its stored hash, carries the next sequence number and links
to the hash of the entry before it. It checks each checkpoint's signature
against the given signing certificates and that the entry it names carries
the signed head.

It prints "ok: N entries, M checkpoints, head HASH", or the first problem:
the entry's sequence number, its record id and what is wrong (edited,
unlinked, missing, out-of-order, inserted, unreadable, truncated,
head-mismatch, bad-signature, unknown-key).

Without --cert the signatures are not checked (a warning says so): an
attacker who rewrites the chain and its checkpoints together would pass.
Entries after the last checkpoint are protected by the chain alone; an
--anchor export from an earlier run proves that the chain still reaches
as far as it did then.

Exit codes: 0 the chain verified, 1 tampered or the check failed,
2 usage error (bad flag, missing file).`,
		Example: `  # the daemon's store, with the gateway's signing certificate
  xgate audit verify --store /var/lib/xgate/outbox.db --cert /etc/xgate/signing.pem

  # machine-readable
  xgate audit verify --store outbox.db --cert signing.pem --format json

  # an export handed to an auditor, against last month's export
  xgate audit verify --export audit-2026-04.json --anchor audit-2026-03.json --cert signing.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditVerify(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

// verifyResult is the JSON shape of verify's output.
type verifyResult struct {
	Source string `json:"source"`
	OK     bool   `json:"ok"`
	*audit.Report
}

func runAuditVerify(ctx context.Context, stdout, stderr io.Writer, o *auditVerifyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != "text" && o.format != "json" {
		return usageError("--format must be text or json, not %q", o.format)
	}
	if (o.store == "") == (o.export == "") {
		return usageError("give exactly one of --store and --export")
	}
	var v audit.Verifier
	if len(o.certs) > 0 {
		cv, err := loadAuditVerifier(o.certs)
		if err != nil {
			return withExit(exitUsage, err)
		}
		v = cv
	}
	var anchors []audit.Checkpoint
	for _, a := range o.anchors {
		cps, err := readAnchor(a)
		if err != nil {
			return withExit(exitUsage, err)
		}
		anchors = append(anchors, cps...)
	}

	src, err := openAuditSource(o.store, o.export)
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
		fmt.Fprintln(stderr, "xgate: warning: checkpoint signatures not checked (no --cert): a chain rewritten together with its checkpoints would pass")
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(verifyResult{Source: src.name, OK: rep.OK(), Report: rep}); err != nil {
			return err
		}
	} else {
		printVerifyText(stdout, rep)
	}
	if !rep.OK() {
		return silentExit(exitError)
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
	fmt.Fprintf(w, "tampered: %s\n", strings.TrimPrefix(p.Error(), "audit: "))
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
	store  string
	format string
	out    string
}

func (o *auditExportOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.store, "store", "", "the outbox store file (bbolt)")
	fs.StringVar(&o.format, "format", "json", "export format: json")
	fs.StringVarP(&o.out, "out", "o", "", "write to this file instead of standard output")
}

func newAuditExportCmd() *cobra.Command {
	o := &auditExportOptions{}
	cmd := &cobra.Command{
		Use:   "export --store PATH [--out FILE]",
		Short: "Write the audit chain and its checkpoints as JSON",
		Long: `Export writes every audit entry and every checkpoint of the store, as
stored (tampered or not), as one JSON object: format, checkpoints, then the
entries one per line, then count and head. Entry times are UTC, exactly the
text each hash covers. Package outbox/audit's documentation describes the
hash and signature algorithm, so that an auditor can re-verify the export
without xgate; 'xgate audit verify --export FILE' does it with xgate.

Entries carry record ids, states, actors, partner kennungen and error
codes, never message content or personal data.

Exit codes: 0 written, 1 the store could not be read, 2 usage error.`,
		Example: `  xgate audit export --store /var/lib/xgate/outbox.db --out audit-2026-04.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditExport(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func runAuditExport(ctx context.Context, stdout io.Writer, o *auditExportOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.format != string(audit.FormatJSON) {
		return usageError("--format must be json, not %q", o.format)
	}
	if o.store == "" {
		return usageError("--store is required")
	}
	src, err := openAuditSource(o.store, "")
	if err != nil {
		return err
	}
	defer src.close()
	cps, err := src.checkpoints(ctx)
	if err != nil {
		return withExit(exitError, err)
	}
	if o.out == "" {
		return audit.Export(ctx, stdout, src.entries(ctx), cps, audit.FormatJSON)
	}
	// Write beside the target and rename, so that a failed export leaves
	// no half file behind.
	tmp, err := os.CreateTemp(filepath.Dir(o.out), "."+filepath.Base(o.out)+".*")
	if err != nil {
		return withExit(exitUsage, err)
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

func openAuditSource(store, export string) (*auditSource, error) {
	if export != "" {
		f, err := os.Open(export)
		if err != nil {
			return nil, withExit(exitUsage, err)
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
	// A read-only bbolt open does not create a missing file, but says so
	// less clearly than this.
	if _, err := os.Stat(store); err != nil {
		return nil, withExit(exitUsage, err)
	}
	st, err := boltstore.Open(context.Background(), store, boltstore.Config{ReadOnly: true})
	if err != nil {
		return nil, withExit(exitError, err)
	}
	return &auditSource{
		name: store,
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
			return nil, fmt.Errorf("--cert %s: %w", f, err)
		}
		leaves = append(leaves, cs[0])
	}
	v, err := audit.NewCertVerifier(leaves...)
	if err != nil {
		return nil, fmt.Errorf("--cert: %w", err)
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
