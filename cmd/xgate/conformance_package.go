package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance/bundle"
)

type conformancePackageOptions struct {
	out string
}

func newConformancePackageCmd() *cobra.Command {
	o := &conformancePackageOptions{}
	cmd := &cobra.Command{
		Use:   "package --out DIR|FILE.zip",
		Short: "Write the vendor package: schemas, code lists, rules, type pages, vectors",
		Long: `Package writes what a vendor downloads to build and test against this
release, as a folder or one zip archive (by the name's .zip):

  VERSION             release, date, standard and version, counts
  CHANGELOG.md        what changed, per standard version
  README.md           the layout, how to check, the message types
  schemas/            the XSDs (xauslaender.xsd includes every group)
  codelists/          the code lists as genericode files, with an index
  rules/              the business rules (rules.md, rules.json)
  types/<code>.md     one page per message type: purpose, roles, legal
                      basis, answers and deadline, fields, rules, vectors
  mapping.md          xgate and the real standards, type by type and list
                      by list
  vectors/            the conformance vectors per type, with index.json and
                      index.csv stating each one's expected verdict, code
                      and rule, and what a plain XSD validator says of it
  SHA256SUMS          the digest of every file

A folder must be new or empty; a zip is written atomically and holds
everything below xgate-conformance-<release>/.`,
		Example: `  xgate conformance package --out xgate-conformance.zip
  xgate conformance package --out pkg && xmllint --noout --nonet --schema pkg/schemas/xauslaender.xsd pkg/vectors/*/valid/*.xml
  xgate conformance check pkg/vectors        # every vector draws what index.json states`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformancePackage(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the package to the folder `DIR`, or to FILE.zip")
	return exits(cmd,
		code(exitOK, "written"),
		code(exitError, "the package could not be written (a folder that is not empty, I/O), interrupted"),
		codeUsage())
}

func runConformancePackage(ctx context.Context, w io.Writer, o *conformancePackageOptions) error {
	if o.out == "" {
		return errRequired("out")
	}
	cfg := bundle.Config{Release: version, Commit: commit}
	var m *bundle.Manifest
	var err error
	if strings.HasSuffix(strings.ToLower(o.out), ".zip") {
		err = writeFileAtomic(o.out, 0o644, func(f io.Writer) error {
			m, err = bundle.WriteZip(ctx, f, cfg)
			return err
		})
	} else {
		m, err = bundle.WriteDir(ctx, o.out, cfg)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %d files (%d message types, %d vectors, %d rules) of release %s\n", o.out, len(m.Files), m.Types, m.Vectors, m.Rules, m.Release)
	return nil
}
