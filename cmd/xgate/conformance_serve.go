package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance/checkd"
	"github.com/xgate/xgate/conformance/report"
)

type conformanceServeOptions struct {
	checkerFlags
	checkOnly bool
	listen    string
	timeout   time.Duration
	workers   int
	reports   []string
	verbose   bool
}

func newConformanceServeCmd() *cobra.Command {
	o := &conformanceServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --check-only [--listen ADDR] [--report FILE]...",
		Short: "Run the check daemon: POST a message, get the verdict and the report",
		Long: `Serve runs the conformance suite as a service. With --check-only it is the
check daemon (the KoSIT validator's daemon mode): each message POSTed to
/check (or /) is judged as "xgate conformance check" judges a file, and
the answer says the verdict by its status:

  200  acceptable: accepted, with or without warnings
  406  not acceptable: rejected
  422  could not process: empty body, larger than --max-bytes, a
       Content-Type that is not XML, not read or checked within --timeout

The body is the report of the case: JSON by default, JUnit XML (Accept:
application/xml or ?format=junit), HTML (text/html, ?format=html) or the
terminal lines (text/plain, ?format=text); the headers X-Xgate-Verdict and
X-Xgate-Codes repeat the verdict and the XÖV codes. ?name=NAME (or the
header X-Xgate-Case) names the case in the report. GET /health answers
200 with a JSON status while the daemon runs; GET /report returns the
report of the messages checked so far (the newest 10,000). Requests are
checked concurrently by --workers goroutines.

The daemon has no authentication and no TLS: keep it on loopback or in a
CI job's network. It stops on Ctrl-C or SIGTERM, finishing the requests
in flight, and then writes --report files. Without --check-only, serve
will be the test partner a vendor's sender points at (not built yet).`,
		Example: `  xgate conformance serve --check-only --listen 127.0.0.1:8091 &
  curl -s -o report.json -w '%{http_code}\n' -H 'Content-Type: application/xml' \
       --data-binary @anmeldung.xml http://127.0.0.1:8091/check
  curl -s http://127.0.0.1:8091/health

  # the report of a CI job's messages, at exit
  xgate conformance serve --check-only --report checks.xml --report checks.html`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformanceServe(cmd.Context(), cmd, o)
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.checkOnly, "check-only", false, "run only the check daemon (required until the test partner exists)")
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8091", "listen on `ADDR` (host:port; port 0 picks a free one, printed at start)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", checkd.DefaultTimeout, "longest time for one request: reading, waiting for a worker, checking")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "messages checked at once (default twice the CPUs)")
	cmd.Flags().StringArrayVar(&o.reports, "report", nil, "write the report of all checked messages to `FILE` at exit: .xml JUnit, .json JSON, .html HTML; repeatable")
	cmd.Flags().BoolVar(&o.verbose, "verbose", false, "log one line per request to standard error (case id, type, verdict, codes)")
	return exits(cmd,
		code(exitOK, "stopped by a signal after serving; reports written"),
		code(exitError, "cannot listen on --listen, a report could not be written"),
		code(exitUsage, "usage error, or --check-only missing"))
}

func runConformanceServe(ctx context.Context, cmd *cobra.Command, o *conformanceServeOptions) error {
	if !o.checkOnly {
		return usageError("the test partner of \"conformance serve\" is not built yet; give --check-only for the check daemon")
	}
	if o.timeout <= 0 || o.workers < 0 {
		return usageError("--timeout must be positive and --workers not negative")
	}
	formats := make([]report.Format, len(o.reports))
	for i, f := range o.reports {
		var err error
		if formats[i], err = report.FormatOf(f); err != nil {
			return usageError("--report: %v", err)
		}
	}
	checker, v, err := o.checker()
	if err != nil {
		return err
	}
	defer v.Close()
	logger := slog.New(slog.DiscardHandler)
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	}
	srv, err := checkd.New(checkd.Config{Checker: checker, MaxBytes: o.maxBytes, Timeout: o.timeout, Workers: o.workers,
		Tool: toolName(), Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// One mux: the test partner's routes join the daemon's here.
	mux := http.NewServeMux()
	srv.Mount(mux)
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "xgate conformance serve: check daemon on http://%s (POST /check, GET /health, GET /report)\n", ln.Addr())
	if err := srv.Run(ctx, ln, mux); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	rep := srv.Report()
	for i, f := range o.reports {
		if err := writeReportFile(f, rep, formats[i]); err != nil {
			return err
		}
	}
	s := rep.Summary()
	fmt.Fprintf(w, "xgate conformance serve: stopped after %d message(s): %d accepted, %d accepted with warnings, %d rejected, %d not processed\n",
		s.Total, s.Verdict[report.Accept], s.Verdict[report.AcceptWithWarnings], s.Verdict[report.Reject], s.Verdict[report.NoVerdict])
	return nil
}
