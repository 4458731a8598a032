package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/devpki"
	"github.com/xgate/xgate/conformance/live"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/admin"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/xml/catalogue"
	"github.com/xgate/xgate/xml/kennung"
)

type conformanceRunOptions struct {
	target        string
	targetKennung string
	targetRole    string
	targetSigning []string
	targetEnc     []string
	as            string
	config        string
	pki           string
	directory     string
	listen        string
	answers       string
	adminURL      string
	types         []string
	kinds         []string
	timeout       time.Duration
	answerTimeout time.Duration
	parallel      int
	seed          int64
	reports       []string
	format        formatFlag
	verbose       bool
}

func newConformanceRunCmd(a *app) *cobra.Command {
	o := &conformanceRunOptions{}
	var kindNames []string
	for _, k := range live.Kinds() {
		kindNames = append(kindNames, k.Kind)
	}
	cmd := &cobra.Command{
		Use:   "run --target URL (--pki DIR --directory FILE | --config FILE) [--as ID|KENNUNG] [--report FILE]...",
		Short: "Test a live receiving endpoint: receipts, Rückweisungen, duplicates, business answers",
		Long: `Run tests a vendor's receiving endpoint as a black box, over the wire
protocol (POST {endpoint}/v1/transport, mutual TLS 1.3). For every message
type the target's role receives it sends, each case on its own:

  receipt                a valid message sealed for the target: a signed
                         Transportquittung (signature, the target's signing
                         certificate, the digest of the bytes sent, the UUID)
  answer                 (partner roles) a valid business answer of a type
                         the catalogue allows, within --answer-timeout
  tampered-ciphertext    one ciphertext bit flipped: Rückweisung T020
  tampered-signature     content changed after signing: T011
  wrong-key              signed with another key than the certificate's: T011
  untrusted-certificate  a self-signed signing certificate: T002
  expired-certificate    a certificate of the trusted CA, expired: T000
  wrong-recipient        leser is another participant: T080
  unauthorised           a sender the directory does not allow the type: T070
  schema-invalid         an X001 vector with a rewritten header: X001
  duplicate              the same bytes again: the original receipt again
  duplicate-resealed     the same message sealed again: the original receipt

With --admin (an xgate target's admin API) the duplicate cases also check
that the message was handed over once; without it only the receipt tells.

The runner is a participant of the target's directory: --as names it (by
default the conformance test participant "test", which may send every
type; another role sends only its own types). Its keys come from the
development PKI (--pki, which also gives the CA for the expired
certificate and the other participants for the unauthorised cases) or from
a site configuration (--config, as for xgate serve). The target's entry
(kennung, role, signing and encryption certificates) comes from the signed
directory (--directory, default the configuration's), found by --target's
URL or --target-kennung, or from --target-kennung, --target-role,
--target-signing-cert and --target-encryption-cert.

Business answers come back to the runner's own gateway, which listens where
the directory says the runner's endpoint is (--listen overrides). --answers
auto expects them from every role but abh.

Each case has its own message and nachrichtenUUID and its own time limit
(--timeout per delivery); cases run --parallel at a time in an order
shuffled by --seed (printed, so a run can be repeated). Progress goes to
standard error; --report FILE writes JUnit XML (.xml), JSON (.json) or one
HTML page (.html); --format json prints the JSON report.`,
		Example: `  # against xgate itself: an AZR simulated by xgate peer
  xgate certs init --out pki
  xgate directory init --pki pki --endpoint azr=https://127.0.0.1:8443 \
      --endpoint test=https://127.0.0.1:8444 ... --out directory.xml
  xgate conformance run --pki pki --directory directory.xml \
      --target https://127.0.0.1:8443 --report run.xml --report run.html

  # a vendor's ABH endpoint, with its admin API for the hand-over check
  xgate conformance run --config runner.yaml --target https://abh.test:8443 \
      --admin unix:///var/lib/xgate/admin.sock --answers no`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConformanceRun(cmd.Context(), cmd, a, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.target, "target", "", "the endpoint under test: its https base `URL` (the directory entry with this endpoint is the target)")
	fs.StringVar(&o.targetKennung, "target-kennung", "", "the target's `KENNUNG` (when the URL is not the directory's)")
	fs.StringVar(&o.targetRole, "target-role", "", "the target's `ROLE`, with --target-encryption-cert instead of a directory")
	fs.StringArrayVar(&o.targetSigning, "target-signing-cert", nil, "the target's signing certificate `FILE`(s), instead of a directory")
	fs.StringArrayVar(&o.targetEnc, "target-encryption-cert", nil, "the target's encryption certificate `FILE`(s), instead of a directory")
	fs.StringVar(&o.as, "as", "", "the participant the runner plays: an `ID` of the PKI (test, abh, …) or a kennung (default: test with --pki, the site with --config)")
	fs.StringVar(&o.config, "config", "", "the site configuration `FILE` (YAML; see gateway/config/examples)")
	fs.StringVar(&o.pki, "pki", "", "the development PKI `DIR` (xgate certs init): the runner's keys, trust, CA and other participants")
	fs.StringVar(&o.directory, "directory", "", "the signed routing directory `FILE` the target uses (default: the configuration's)")
	fs.StringVar(&o.listen, "listen", "", "where the runner's gateway receives business answers, host:`PORT` (default: its endpoint in the directory)")
	fs.StringVar(&o.answers, "answers", "auto", "expect business answers: auto (every role but abh), yes, no")
	fs.StringVar(&o.adminURL, "admin", "", "the target's admin API `URL` (unix:///path/admin.sock or http://127.0.0.1:PORT, token in $XGATE_ADMIN_TOKEN): check that duplicates are handed over once")
	fs.StringArrayVar(&o.types, "type", nil, "only the message type `CODE`; repeatable")
	fs.StringArrayVar(&o.kinds, "kind", nil, "only the cases of `KIND`: "+strings.Join(kindNames, ", ")+"; repeatable")
	fs.DurationVar(&o.timeout, "timeout", live.DefaultTimeout, "longest time for one delivery and its answer")
	fs.DurationVar(&o.answerTimeout, "answer-timeout", live.DefaultAnswerTimeout, "longest time a business answer may take after the receipt")
	fs.IntVar(&o.parallel, "parallel", live.DefaultParallel, "cases run at once")
	fs.Int64Var(&o.seed, "seed", 0, "shuffle the cases with this seed (0: a random one, printed)")
	fs.StringArrayVar(&o.reports, "report", nil, "write the report to `FILE` too: .xml JUnit, .json JSON, .html HTML; repeatable")
	fs.BoolVar(&o.verbose, "verbose", false, "print every case, not only the ones that did not pass")
	addFormatFlag(fs, &o.format)
	bindEnv(fs, "config", envConfig)
	return exits(cmd,
		code(exitOK, "every case passed (or did not apply)"),
		code(exitError, "the runner could not start (keys, listener), a report could not be written, interrupted"),
		codeUsage(),
		code(exitFailed, "a case failed or got no verdict: the endpoint does not conform"))
}

// runnerSetup is what the flags resolve to.
type runnerSetup struct {
	cfg      live.Config
	site     *config.Config // the runner's gateway, nil without answers
	answers  bool
	inspect  *admin.Client
	endpoint string
}

func runConformanceRun(ctx context.Context, cmd *cobra.Command, a *app, o *conformanceRunOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	formats := make([]report.Format, len(o.reports))
	for i, f := range o.reports {
		var err error
		if formats[i], err = report.FormatOf(f); err != nil {
			return usageError("--report: %v", err)
		}
	}
	setup, err := o.resolve(ctx, a)
	if err != nil {
		return err
	}
	if setup.inspect != nil {
		defer setup.inspect.Close()
	}
	cfg := setup.cfg
	stderr := cmd.ErrOrStderr()
	var stop func()
	if setup.answers {
		l, err := live.OpenListener(ctx, live.ListenerConfig{Site: setup.site})
		if err != nil {
			return withExit(exitError, err)
		}
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan error, 1)
		go func() { done <- l.Run(lctx) }()
		stop = func() { cancel(); <-done; _ = l.Close() }
		cfg.Answers = l
		fmt.Fprintf(stderr, "xgate conformance run: business answers are received on https://%s\n", l.Addr())
	}
	r, err := live.New(cfg)
	if stop != nil {
		defer stop()
	}
	if err != nil {
		return withExit(exitError, err)
	}
	defer r.Close()
	plan := r.Plan()
	if len(plan) == 0 {
		return usageError("no case to run: the target's role %s receives none of the types and kinds asked for", cfg.Target.Identity.Role)
	}
	fmt.Fprintf(stderr, "xgate conformance run: %d case(s) against %s (%s, role %s) as %s, seed %d\n",
		len(plan), setup.endpoint, cfg.Target.Identity.Kennung, cfg.Target.Identity.Role, cfg.Self.Identity.Kennung, r.Seed())
	var progress *report.Progress
	if !o.format.json() {
		progress = report.NewProgress(stderr, len(plan), isTerminal(stderr))
	}
	rep := r.Run(ctx, progress.Add)
	progress.Done()
	rep.Tool = toolName()
	for i, f := range o.reports {
		if err := writeReportFile(f, rep, formats[i]); err != nil {
			return err
		}
	}
	w := cmd.OutOrStdout()
	if o.format.json() {
		if err := report.WriteJSON(w, rep); err != nil {
			return err
		}
	} else {
		for _, x := range rep.Results {
			if o.verbose || (x.Outcome != report.Pass && x.Outcome != report.Skip) {
				report.WriteCase(w, x)
			}
		}
		report.WriteSummary(w, rep)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s := rep.Summary(); !rep.OK() {
		return failedError("%d of %d case(s) did not pass", s.Fail+s.Error, s.Total)
	}
	return nil
}

// resolve turns the flags into the runner's configuration.
func (o *conformanceRunOptions) resolve(ctx context.Context, a *app) (*runnerSetup, error) {
	switch {
	case o.target == "" && o.targetKennung == "":
		return nil, errRequired("target")
	case o.config == "" && o.pki == "":
		return nil, usageError("give --pki DIR (a development PKI) or --config FILE (a site configuration) for the runner's keys")
	case o.timeout <= 0 || o.answerTimeout <= 0 || o.parallel <= 0:
		return nil, usageError("--timeout, --answer-timeout and --parallel must be positive")
	case !slices.Contains([]string{"auto", "yes", "no"}, o.answers):
		return nil, errBadValue("answers", o.answers, "auto", "yes", "no")
	}
	for _, k := range o.kinds {
		if !slices.ContainsFunc(live.Kinds(), func(i live.KindInfo) bool { return i.Kind == k }) {
			var names []string
			for _, i := range live.Kinds() {
				names = append(names, i.Kind)
			}
			return nil, errBadValue("kind", k, names...)
		}
	}
	cat := catalogue.New()
	for _, t := range o.types {
		if _, ok := cat.Lookup(t); !ok {
			return nil, usageError("--type: %q is not a message type of the catalogue (xgate catalogue list)", t)
		}
	}
	now := a.clock()()
	s := &runnerSetup{}
	s.cfg = live.Config{Types: o.types, Kinds: o.kinds, Timeout: o.timeout, AnswerTimeout: o.answerTimeout,
		Parallel: o.parallel, Seed: o.seed, GenerateKey: a.generateKey}

	var m *devpki.Manifest
	if o.pki != "" {
		var err error
		if m, err = devpki.LoadManifest(o.pki); err != nil {
			return nil, usageError("--pki: %v", err)
		}
	}
	var site *config.Config
	if o.config != "" {
		var err error
		if site, err = config.Load(o.config, a.getenv); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, usageError("%v", err)
			}
			return nil, withExit(exitFailed, err)
		}
		if err := site.Validate(); err != nil {
			return nil, withExit(exitFailed, err)
		}
	}
	// Trust.
	var err error
	if site != nil {
		s.cfg.Verifier, err = site.Verifier(nil)
	} else {
		s.cfg.Verifier, err = m.Verifier(nil)
	}
	if err != nil {
		return nil, withExit(exitError, err)
	}
	// The directory.
	dirFile := o.directory
	if dirFile == "" && site != nil {
		dirFile = site.Directory.File
	}
	if dirFile != "" {
		signed, err := os.ReadFile(dirFile)
		if err != nil {
			return nil, usageError("--directory: %v", err)
		}
		if s.cfg.Directory, err = directory.Verify(ctx, signed, s.cfg.Verifier, now); err != nil {
			return nil, withExit(exitFailed, fmt.Errorf("--directory %s: %w", dirFile, err))
		}
	}
	// Who the runner is.
	if err := o.resolveSelf(s, m, site, dirFile); err != nil {
		return nil, err
	}
	// The target.
	if err := o.resolveTarget(s, m); err != nil {
		return nil, err
	}
	// Answers.
	switch o.answers {
	case "yes":
		s.answers = true
	case "auto":
		s.answers = s.cfg.Target.Identity.Role != kennung.RoleABH
	}
	if s.answers && s.site == nil {
		return nil, usageError("business answers need the runner's gateway: give --directory (with --pki) or --config, or --answers no")
	}
	if s.answers && o.listen != "" {
		s.site.Listen.Transport = o.listen
	}
	if o.adminURL != "" {
		token, _ := a.getenv(envAdminToken)
		if s.inspect, err = admin.Dial(ctx, o.adminURL, token); err != nil {
			return nil, withExit(exitError, fmt.Errorf("--admin: %w", err))
		}
		s.cfg.Inspector = s.inspect
	}
	return s, nil
}

// resolveSelf finds the runner's participant, keys and gateway
// configuration.
func (o *conformanceRunOptions) resolveSelf(s *runnerSetup, m *devpki.Manifest, site *config.Config, dirFile string) error {
	if site != nil {
		k := kennung.Kennung(site.Site.Kennung)
		if o.as != "" && o.as != string(k) && !(m != nil && idOf(m, o.as) == k) {
			return usageError("--as %s is not the site %s of %s", o.as, k, o.config)
		}
		sig, err := site.SigningKeyPair()
		if err != nil {
			return withExit(exitError, err)
		}
		tls, err := site.TLSKeyPair()
		if err != nil {
			return withExit(exitError, err)
		}
		s.cfg.Self = live.Party{Identity: kennung.Identity{Kennung: k, Role: kennung.Role(site.Site.Role), Name: site.Site.Name}, Signing: sig, TLS: tls}
		s.site = site
	} else {
		as := o.as
		if as == "" {
			as = "test"
		}
		p, ok := m.ByID(as)
		if !ok {
			p, ok = m.Participant(kennung.Kennung(as))
		}
		if !ok {
			return usageError("--as %q is neither an id nor a kennung of the PKI %s", as, o.pki)
		}
		party, err := live.PartyFromPKI(m, p)
		if err != nil {
			return withExit(exitError, err)
		}
		s.cfg.Self = party
		if dirFile != "" && s.cfg.Directory != nil {
			listen := o.listen
			if listen == "" {
				if e, ok := s.cfg.Directory.Lookup(p.Kennung); ok {
					listen, _ = live.HostPort(e.Endpoint)
				}
			}
			if listen != "" {
				if s.site, err = live.SiteConfig(m, p, dirFile, listen); err != nil {
					return withExit(exitError, err)
				}
			}
		}
	}
	if m != nil {
		others, err := live.OthersFromPKI(m, s.cfg.Self.Identity.Kennung)
		if err != nil {
			return withExit(exitError, err)
		}
		s.cfg.Others = others
		ca, err := live.CAFromPKI(m)
		if err != nil {
			return withExit(exitError, err)
		}
		s.cfg.CA = &ca
	}
	return nil
}

// idOf returns the kennung of the PKI participant id, or "".
func idOf(m *devpki.Manifest, id string) kennung.Kennung {
	if p, ok := m.ByID(id); ok {
		return p.Kennung
	}
	return ""
}

// resolveTarget finds the target's entry: flags, else the directory.
func (o *conformanceRunOptions) resolveTarget(s *runnerSetup, m *devpki.Manifest) error {
	tk := kennung.Kennung(o.targetKennung)
	if tk != "" && !tk.Valid() {
		if m != nil && idOf(m, o.targetKennung) != "" {
			tk = idOf(m, o.targetKennung)
		} else {
			return usageError("--target-kennung %q is not a kennung (prefix:key)", o.targetKennung)
		}
	}
	if len(o.targetEnc) > 0 {
		if tk == "" || o.targetRole == "" || len(o.targetSigning) == 0 || o.target == "" {
			return usageError("--target-encryption-cert needs --target, --target-kennung, --target-role and --target-signing-cert")
		}
		role, err := kennung.ParseRole(o.targetRole)
		if err != nil {
			return usageError("--target-role: %v", err)
		}
		load := func(files []string) ([]*x509.Certificate, error) {
			var out []*x509.Certificate
			for _, f := range files {
				cs, err := certs.LoadCertificates(f)
				if err != nil {
					return nil, usageError("%v", err)
				}
				out = append(out, cs...)
			}
			return out, nil
		}
		sig, err := load(o.targetSigning)
		if err != nil {
			return err
		}
		enc, err := load(o.targetEnc)
		if err != nil {
			return err
		}
		s.cfg.Target = live.Target{Identity: kennung.Identity{Kennung: tk, Role: role}, Endpoint: o.target, Signing: sig, Encryption: enc}
		s.endpoint = o.target
		return nil
	}
	d := s.cfg.Directory
	if d == nil {
		return usageError("the target's certificates come from --directory (or --config's), or from --target-encryption-cert and --target-signing-cert")
	}
	var entry *directory.Participant
	for i := range d.Participants {
		p := &d.Participants[i]
		if tk != "" && p.Kennung == tk || tk == "" && sameEndpoint(p.Endpoint, o.target) {
			entry = p
			break
		}
	}
	if entry == nil {
		if tk != "" {
			return usageError("--target-kennung %s is not in the directory", tk)
		}
		return usageError("no participant of the directory has the endpoint %s; name it with --target-kennung", o.target)
	}
	s.cfg.Target = live.TargetFrom(entry)
	if o.target != "" {
		s.cfg.Target.Endpoint = o.target
	}
	s.endpoint = s.cfg.Target.Endpoint
	return nil
}

// sameEndpoint compares two base URLs, ignoring a trailing slash.
func sameEndpoint(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }
