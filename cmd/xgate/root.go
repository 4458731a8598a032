package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes every subcommand keeps to.
const (
	exitOK      = 0
	exitError   = 1 // the operation failed
	exitUsage   = 2 // bad flags or arguments
	exitInvalid = 3 // validation found problems
)

// exitErr carries an exit code through cobra's RunE.
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string { return e.err.Error() }
func (e *exitErr) Unwrap() error { return e.err }

// usageError marks err as a usage mistake (exit 2).
func usageError(format string, args ...any) error {
	return &exitErr{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// withExit wraps err so that the process exits with code.
func withExit(code int, err error) error { return &exitErr{code: code, err: err} }

// silentExit ends the command with code without printing anything more
// (the command already wrote its findings).
func silentExit(code int) error { return &exitErr{code: code} }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "xgate",
		Short: "Interagency XML message gateway for foreign nationals offices",
		Long: `xgate carries signed and encrypted XÖV-style XML messages (XAusländer/XAsyl)
between an Ausländerbehörde and its partners: Meldebehörde, AZR, BAMF,
Bundesagentur für Arbeit and Jobcenter. It validates every message against
its schema, signs and encrypts it for the recipient, keeps it in a durable
outbox and delivers it with retries and signed receipts.

Exit codes: 0 ok, 1 error, 2 usage, 3 validation failed.`,
		Version:       fmt.Sprintf("%s (%s)", version, commit),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitErr{code: exitUsage, err: err} })
	root.AddCommand(
		newValidateCmd(),
		newCatalogueCmd(),
		newDemoCmd(),
		newAuditCmd(),
		newCertsCmd(),
		newSealCmd(), newOpenCmd(),
		newOutboxCmd(),
	)
	return root
}

// run executes the command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return exitCode(root.Execute(), stderr)
}

// exitCode prints err (unless it is a silent exit) and maps it to the
// process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "xgate: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "xgate: %v\n", err)
	if isUsage(err) {
		return exitUsage
	}
	return exitError
}

// isUsage recognises cobra's own argument errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires exactly", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
