package main

import (
	"github.com/spf13/cobra"

	"github.com/xgate/xgate/xml/message"
)

// newDemoCmd is the demo of this stage: the conformance check with a
// title. The daemon's demo replaces it; "xgate conformance check" stays.
func newDemoCmd() *cobra.Command {
	o := &conformanceCheckOptions{format: "table", checkerFlags: checkerFlags{maxBytes: message.DefaultMaxBytes}}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the main job on the embedded default and report",
		Long: `Demo runs xgate's main job on what ships in the binary. At this stage it
is "xgate conformance check": it validates every sample message of the
catalogue; each valid sample must pass the hardened parse, the XSD and
the business rules, and each invalid sample must be refused with the XÖV
code its name states. It prints one line per message type.`,
		Example: `  xgate demo
  xgate demo --verbose   # one line per sample`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformanceCheck(cmd.Context(), cmd, o, nil, "xgate demo: validating the shipped samples of every message type")
		},
	}
	cmd.Flags().BoolVar(&o.verbose, "verbose", false, "print every sample")
	return exits(cmd,
		code(exitOK, "every sample behaved as expected"),
		code(exitError, "the validator could not start, interrupted"),
		codeUsage(),
		code(exitFailed, "a sample misbehaved, or a message type has no samples"))
}
