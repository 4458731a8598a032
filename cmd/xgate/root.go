package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// app is what the commands share besides their flags: the process's
// environment and the admin-API seam. cmd/xgate has no package-level
// variables besides version and commit.
type app struct {
	// getenv looks up an environment variable (os.LookupEnv).
	getenv func(string) (string, bool)
	// remote opens the daemon's admin API for --server and for the admin
	// socket beside a locked store (dialAdmin; tests put their own).
	remote remoteOpener
	// generateKey makes the RSA keys of certs init; nil means
	// crypto/rand (tests hand out pre-generated keys).
	generateKey func(bits int) (*rsa.PrivateKey, error)
	// now tells the time of verbs that judge dates (directory); nil means
	// time.Now (tests fix it for goldens).
	now func() time.Time
}

// clock returns a.now, or time.Now.
func (a *app) clock() func() time.Time {
	if a.now == nil {
		return time.Now
	}
	return a.now
}

func newApp() *app {
	a := &app{getenv: os.LookupEnv}
	a.remote = a.dialAdmin
	return a
}

// run executes the command line under ctx and returns the exit code. A
// command whose standard output could not be written fails (exit 1).
func run(ctx context.Context, a *app, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	root := newRootCmd(a, out, stderr)
	root.SetIn(stdin)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil && out.err != nil {
		err = withExit(exitError, fmt.Errorf("write output: %w", out.err))
	}
	return exitCode(ctx, err, stderr)
}

// checkedWriter remembers the first write error, so that no verb can
// print half its output and exit 0.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

func newRootCmd(a *app, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "xgate",
		Short: "Interagency XML message gateway for foreign nationals offices",
		Long: `xgate carries signed and encrypted XÖV-style XML messages (XAusländer/XAsyl)
between an Ausländerbehörde and its partners: Meldebehörde, AZR, BAMF,
Bundesagentur für Arbeit and Jobcenter. It validates every message against
its schema, signs and encrypts it for the recipient, keeps it in a durable
outbox and delivers it with retries and signed receipts.

Every verb uses the same flags for the same things, takes settings from
the environment where a flag is not given (flag, then environment
variable, then default), stops cleanly on Ctrl-C (SIGINT) or SIGTERM, and
exits with the same codes.

` + settingsHelp() + "\n\n" + exitHelp(),
		Example: `  xgate validate message.xml
  xgate outbox list --state failed
  XGATE_STORE=/var/lib/xgate/outbox.db xgate audit verify --checkpoint-cert signing.pem
  xgate seal --help`,
		Version:       fmt.Sprintf("%s (%s)", version, commit),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Flags().Bool("version", false, "print the version and exit") // no -v: it means nothing anywhere
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExit(exitUsage, err) })
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		newValidateCmd(),
		newConformanceCmd(a),
		newCatalogueCmd(),
		newDemoCmd(a),
		newCertsCmd(a),
		newDirectoryCmd(a),
		newSealCmd(), newOpenCmd(),
		newAdaptersCmd(), newTranslateCmd(),
		newOutboxCmd(&storeFlags{remote: a.remote, getenv: a.getenv}),
		newAuditCmd(&storeFlags{remote: a.remote, getenv: a.getenv}),
		newStoreCmd(a),
		newServeCmd(a), newPeerCmd(a), newSendCmd(a), newBenchCmd(a),
	)
	prepare(root, a)
	return root
}

// prepare makes every command of the tree behave alike: argument errors
// are usage errors (exit 2), a noun without a verb or with an unknown one
// is a usage error, and flags not given take their environment variables
// before the command runs.
func prepare(c *cobra.Command, a *app) {
	if c.HasSubCommands() {
		if c.RunE == nil && c.Run == nil {
			c.RunE = nounRunE
		}
		if c.Args == nil {
			c.Args = cobra.ArbitraryArgs // nounRunE reports unknown verbs
		}
	} else if c.Args == nil {
		c.Args = noArgs
	}
	args := c.Args
	c.Args = func(cmd *cobra.Command, as []string) error {
		if err := args(cmd, as); err != nil {
			return withExit(exitUsage, err)
		}
		return nil
	}
	if c.RunE != nil {
		runE := c.RunE
		c.RunE = func(cmd *cobra.Command, as []string) error {
			if err := applyEnv(cmd, a.getenv); err != nil {
				return err
			}
			return runE(cmd, as)
		}
	}
	for _, sub := range c.Commands() {
		prepare(sub, a)
	}
}

// noArgs is cobra.NoArgs in our words.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// nounRunE runs for a noun (xgate, xgate outbox) given no verb or an
// unknown one.
func nounRunE(cmd *cobra.Command, args []string) error {
	var verbs []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			verbs = append(verbs, c.Name())
		}
	}
	cmd.SuggestionsMinimumDistance = max(cmd.SuggestionsMinimumDistance, 2)
	if len(args) == 0 {
		return usageError("%s needs a verb: %s (see %s --help)", cmd.CommandPath(), strings.Join(verbs, ", "), cmd.CommandPath())
	}
	msg := fmt.Sprintf("unknown verb %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + orList(s) + "?"
	}
	return usageError("%s (verbs: %s)", msg, strings.Join(verbs, ", "))
}

// exits appends a verb's exit codes to its help and records them for the
// tests (every listed code must be produced by a test of the verb).
func exits(cmd *cobra.Command, codes ...exitCodeDoc) *cobra.Command {
	var b strings.Builder
	b.WriteString("\n\nExit codes:\n")
	var list []string
	for _, c := range codes {
		fmt.Fprintf(&b, "  %d  %s\n", c.code, c.text)
		list = append(list, strconv.Itoa(c.code))
	}
	cmd.Long = strings.TrimRight(cmd.Long, "\n") + strings.TrimRight(b.String(), "\n")
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations["exit_codes"] = strings.Join(list, " ")
	return cmd
}

// code is a row of a verb's exit codes.
func code(c int, text string) exitCodeDoc { return exitCodeDoc{c, text} }

// Rows that read the same on every verb.
func codeUsage() exitCodeDoc {
	return code(exitUsage, "usage error (unknown flag, bad value, missing argument, unreadable input file)")
}

func codeStoreBusy() exitCodeDoc {
	return code(exitUnavailable, "the store is locked by a running daemon (use --server), or the daemon does not answer")
}

// exitHelp is the exit-code table for xgate --help.
func exitHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes (every verb; each verb's --help says what they mean for it):\n")
	for _, e := range exitTable() {
		fmt.Fprintf(&b, "  %d  %s\n", e.code, e.text)
	}
	return strings.TrimRight(b.String(), "\n")
}

// settingsHelp is the vocabulary's table for xgate --help.
func settingsHelp() string {
	var b strings.Builder
	b.WriteString("Flags that mean the same on every verb that has them:\n")
	w1, w2 := 0, 0
	for _, t := range vocabulary() {
		w1, w2 = max(w1, len(t.flag)), max(w2, len(envName(t.env)))
	}
	for _, t := range vocabulary() {
		line := fmt.Sprintf("  %-*s  %-*s  %s", w1, t.flag, w2, envName(t.env), defaultText(t.def))
		fmt.Fprintf(&b, "%s\n      %s\n", strings.TrimRight(line, " "), t.meaning)
	}
	return strings.TrimRight(b.String(), "\n")
}

func envName(env string) string {
	if env == "" {
		return ""
	}
	return "$" + env
}

func defaultText(def string) string {
	if def == "" {
		return ""
	}
	return "default " + def
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
