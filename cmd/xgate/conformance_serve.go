package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/conformance/checkd"
	"github.com/xgate/xgate/conformance/partner"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/xml/kennung"
)

type conformanceServeOptions struct {
	checkerFlags
	checkOnly bool
	config    string
	as        string
	seed      int64
	stopAfter time.Duration
	listen    string
	timeout   time.Duration
	workers   int
	reports   []string
	verbose   bool
}

func newConformanceServeCmd(a *app) *cobra.Command {
	o := &conformanceServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve (--config FILE [--as ROLE] | --check-only) [--listen ADDR] [--report FILE]...",
		Short: "Run the test partner a vendor's sender points at, or only the check daemon",
		Long: `Serve runs the conformance suite as a service.

Without --check-only it is a test partner: a gateway as in "xgate peer"
(--config, its role or --as ROLE) that a vendor's sending software points
at. It answers like the real partner — a signed transport receipt or a
Rückweisung with its codes for every delivery, then the business answers
of the simulated partner (gateway/peer), delivered to the vendor's
endpoint — and judges everything: each message received (receipted, and
checked as "conformance check" checks a file: warnings shown; or refused,
with the codes), each message delivered again (the original receipt), and
each business answer it sent (the vendor's endpoint must receipt it with a
valid signed Transportquittung). GET /report on --listen returns the report
so far (?format=json, junit, html or text), GET /health the counts; POST
/check is the check daemon below. At exit (Ctrl-C, SIGTERM, or after --for)
the --report files are written; the exit code is 3 when a case did not
pass or nothing arrived.

With --check-only it is the
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
in flight, and then writes --report files.`,
		Example: `  # the test partner: an AZR; the vendor's sender delivers to its transport
  xgate conformance serve --config azr.yaml --listen 127.0.0.1:8091 --report partner.html
  curl -s 'http://127.0.0.1:8091/report?format=text'

  xgate conformance serve --check-only --listen 127.0.0.1:8091 &
  curl -s -o report.json -w '%{http_code}\n' -H 'Content-Type: application/xml' \
       --data-binary @anmeldung.xml http://127.0.0.1:8091/check
  curl -s http://127.0.0.1:8091/health

  # the report of a CI job's messages, at exit
  xgate conformance serve --check-only --report checks.xml --report checks.html`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformanceServe(cmd.Context(), cmd, a, o)
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.checkOnly, "check-only", false, "run only the check daemon, no test partner")
	cmd.Flags().StringVar(&o.config, "config", "", "the site configuration `FILE` (YAML; see gateway/config/examples)")
	cmd.Flags().StringVar(&o.as, "as", "", "the partner `ROLE` to play: abh, mb, azr, bamf, ba, jc, test (default: the site's role)")
	cmd.Flags().Int64Var(&o.seed, "seed", 0, "the simulated partner's seed: the same seed gives the same numbers")
	cmd.Flags().DurationVar(&o.stopAfter, "for", 0, "test partner: stop after `D` (a CI job's window) as on a signal; 0 serves until a signal")
	bindEnv(cmd.Flags(), "config", envConfig)
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:8091", "listen on `ADDR` (host:port; port 0 picks a free one, printed at start)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", checkd.DefaultTimeout, "longest time for one request: reading, waiting for a worker, checking")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "messages checked at once (default twice the CPUs)")
	cmd.Flags().StringArrayVar(&o.reports, "report", nil, "write the report of all checked messages to `FILE` at exit: .xml JUnit, .json JSON, .html HTML; repeatable")
	cmd.Flags().BoolVar(&o.verbose, "verbose", false, "log one line per request to standard error (case id, type, verdict, codes)")
	return exits(cmd,
		code(exitOK, "stopped by a signal after serving; reports written"),
		code(exitError, "cannot listen on --listen or on the transport, a report could not be written"),
		code(exitUsage, "usage error: neither --config nor --check-only"),
		code(exitFailed, "test partner: a message was refused, or a business answer was not receipted by the vendor's endpoint"))
}

func runConformanceServe(ctx context.Context, cmd *cobra.Command, a *app, o *conformanceServeOptions) error {
	if !o.checkOnly && o.config == "" {
		return usageError("give --config FILE for the test partner, or --check-only for the check daemon alone")
	}
	if o.checkOnly && (o.config != "" && source(cmd, "config") == "flag" || o.as != "") {
		return usageError("--check-only runs no test partner: --config and --as do not apply")
	}
	if o.timeout <= 0 || o.workers < 0 || o.stopAfter < 0 {
		return usageError("--timeout must be positive, --workers and --for not negative")
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
	if !o.checkOnly {
		return runTestPartner(ctx, cmd, a, o, srv, ln, formats)
	}
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

// runTestPartner runs the test partner, with the check daemon's /check on
// the same listener, until ctx ends; then it writes the reports.
func runTestPartner(ctx context.Context, cmd *cobra.Command, a *app, o *conformanceServeOptions, srv *checkd.Server, ln net.Listener, formats []report.Format) error {
	defer ln.Close()
	cfg, err := config.Load(o.config, a.getenv)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return usageError("%v", err)
		}
		return withExit(exitFailed, err)
	}
	if err := cfg.Validate(); err != nil {
		return withExit(exitFailed, err)
	}
	var role kennung.Role
	if o.as != "" {
		if role, err = kennung.ParseRole(o.as); err != nil {
			return usageError("--as: %v", err)
		}
		if role != kennung.RoleTest && string(role) != cfg.Site.Role {
			return usageError("--as %s does not match site.role %s of %s", role, cfg.Site.Role, o.config)
		}
	}
	logger := slog.New(slog.DiscardHandler)
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	}
	p, err := partner.Open(ctx, partner.Config{Site: cfg, Role: role, Seed: o.seed, Tool: toolName(), Logger: logger})
	if err != nil {
		return siteError(err)
	}
	defer p.Close()
	mux := http.NewServeMux()
	mux.Handle("/report", p.Handler())
	mux.Handle("/health", p.Handler())
	mux.Handle("/check", srv.Handler())
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "xgate conformance serve: test partner %s (%s) on https://%s; report on http://%s/report, check daemon on http://%s/check\n",
		cfg.Site.Kennung, cfg.Site.Role, p.Site().Addrs().Transport, ln.Addr(), ln.Addr())
	runCtx := ctx
	if o.stopAfter > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), o.stopAfter)
		defer cancel()
		stop := context.AfterFunc(ctx, cancel) // a signal still stops it at once
		defer stop()
	}
	errc := make(chan error, 2)
	go func() { errc <- p.Run(runCtx) }()
	go func() { errc <- srv.Run(runCtx, ln, mux) }()
	var first error
	for range 2 {
		if err := <-errc; err != nil && first == nil && !errors.Is(err, context.Canceled) {
			first = err
		}
	}
	if first != nil {
		return fmt.Errorf("serve: %w", first)
	}
	rep := p.Report(context.WithoutCancel(ctx))
	for i, f := range o.reports {
		if err := writeReportFile(f, rep, formats[i]); err != nil {
			return err
		}
	}
	report.WriteSummary(w, rep)
	if s := rep.Summary(); !rep.OK() {
		return failedError("%d of %d case(s) did not pass", s.Fail+s.Error, s.Total)
	}
	return nil
}
