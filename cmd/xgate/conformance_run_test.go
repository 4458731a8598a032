package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/conformance/defective"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/gateway/config"
	"github.com/xgate/xgate/gateway/devnet"
	"github.com/xgate/xgate/gateway/site"
)

// startSite runs `xgate serve` (role "") or `xgate peer --as role` for a
// site of n as a process until the test ends, and waits until it is ready.
// It returns an error when the process stops before (a port of the
// network taken meanwhile by someone else: devnet picks free ports, but
// cannot hold them).
func startSite(t *testing.T, bin string, n *devnet.Net, id, role string) error {
	t.Helper()
	s := n.Sites[id]
	args := []string{"serve", "--config", s.Config}
	if role != "" {
		args = []string{"peer", "--as", role, "--config", s.Config}
	}
	logf, err := os.Create(s.Log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "XGATE_CONFIG=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.Intake + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			log, _ := os.ReadFile(s.Log)
			return fmt.Errorf("%s stopped before it was ready:\n%s", id, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.Log)
			t.Fatalf("%s not ready after 30s:\n%s", id, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readReport reads a JSON report file.
func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// CI runs the whole suite against xgate itself, as processes on loopback:
// an ABH gateway (xgate serve, local software pulls the inbox) and a
// simulated AZR (xgate peer) that answers. Every case passes, within the
// 60 s of issue 13 for the two runs together.
func TestConformanceRunAgainstXgate(t *testing.T) {
	bin := (*gatewayFiles)(nil).binary(t)
	dir := t.TempDir()
	n, err := devnet.Create(context.Background(), filepath.Join(dir, "net"), devnet.Spec{
		GenerateKey: certstest.KeyGenerator(), Sites: []devnet.SiteSpec{{ID: "abh"}, {ID: "azr"}, {ID: "test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	for _, s := range []struct{ id, role string }{{"abh", ""}, {"azr", "azr"}} {
		if err := startSite(t, bin, n, s.id, s.role); err != nil {
			t.Fatal(err)
		}
	}
	var total time.Duration
	for _, target := range []string{"abh", "azr"} {
		s := n.Sites[target]
		out := filepath.Join(dir, target)
		args := []string{"conformance", "run", "--pki", filepath.Join(n.Dir, "pki"), "--directory", n.Directory,
			"--target", "https://" + s.Transport, "--admin", "unix://" + s.Admin,
			"--report", out + ".xml", "--report", out + ".json", "--report", out + ".html"}
		start := time.Now()
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Env = append(os.Environ(), "XGATE_CONFIG=")
		err := cmd.Run()
		took := time.Since(start)
		total += took
		if err != nil {
			t.Fatalf("conformance run against %s: %v\n%s%s", target, err, stdout.String(), stderr.String())
		}
		rep := readReport(t, out+".json")
		sum := rep.Summary()
		t.Logf("against xgate %s: %d cases (%d pass, %d skip) in %s", target, sum.Total, sum.Pass, sum.Skip, took.Round(time.Millisecond))
		if !rep.OK() || sum.Pass < 60 || !strings.Contains(stdout.String(), "pass") {
			t.Errorf("%s: report not ok: %+v\n%s", target, sum, stdout.String())
		}
		if target == "azr" {
			answered := 0
			for _, r := range rep.Results {
				if r.Kind == "answer" && r.Outcome == report.Pass {
					answered++
				}
			}
			if answered != 3 { // 090001, 090009, 090010
				t.Errorf("azr: %d answer cases passed, want 3", answered)
			}
		}
		for _, ext := range []string{".xml", ".html"} {
			if st, err := os.Stat(out + ext); err != nil || st.Size() == 0 {
				t.Errorf("report %s: %v", out+ext, err)
			}
		}
	}
	t.Logf("the whole suite against xgate (abh and azr): %s", total.Round(time.Millisecond))
	if total > 60*time.Second {
		t.Errorf("the whole suite took %s, more than 60s", total)
	}
}

// CI runs the suite against the defective endpoint too: without a defect
// it passes; with one it fails (exit 3) and the JUnit report names the
// cases that caught it.
func TestConformanceRunAgainstDefective(t *testing.T) {
	dir := t.TempDir()
	n, err := devnet.Create(context.Background(), filepath.Join(dir, "net"), devnet.Spec{
		GenerateKey: certstest.KeyGenerator(), Sites: []devnet.SiteSpec{{ID: "mb"}, {ID: "test"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	cfg, err := config.Load(n.Sites["mb"].Config, nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := defective.Open(context.Background(), defective.Config{Site: cfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ep.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		ep.Close()
	})
	<-ep.Site().Gateway.Ready()

	// The target's certificates from flags, without a directory: the
	// cases that need none run (the unauthorised sender and the other
	// recipient come from the PKI), and pass against the correct endpoint.
	mb, _ := n.Manifest.ByID("mb")
	a := newApp()
	a.generateKey = certstest.KeyGenerator()
	var out, errb bytes.Buffer
	code := run(context.Background(), a, []string{"conformance", "run", "--pki", filepath.Join(n.Dir, "pki"),
		"--target", "https://" + n.Sites["mb"].Transport, "--target-kennung", "mb", "--target-role", "mb",
		"--target-signing-cert", n.Manifest.Path(mb.Signing.Cert), "--target-encryption-cert", n.Manifest.Path(mb.Encryption.Cert),
		"--type", "020101", "--answers", "no", "--verbose"}, strings.NewReader(""), &out, &errb)
	if code != exitOK || strings.Count(out.String(), "(as expected)") != 11 {
		t.Fatalf("target from flags: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if code := run(context.Background(), a, []string{"conformance", "run", "--pki", filepath.Join(n.Dir, "pki"),
		"--target", "https://" + n.Sites["mb"].Transport, "--target-kennung", "mb", "--target-encryption-cert", n.Manifest.Path(mb.Encryption.Cert)},
		strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("--target-encryption-cert without the rest: exit %d", code)
	}

	for _, tc := range []struct {
		defect defective.Defect
		code   int
		failed []string
	}{
		{"", exitOK, nil},
		{defective.WrongCode, exitFailed, []string{"run/tampered-ciphertext/020101", "run/schema-invalid/020101", "run/wrong-recipient/020101"}},
		{defective.IgnoreDuplicates, exitFailed, []string{"run/duplicate/020101", "run/duplicate-resealed/020101"}},
		{defective.AcceptBadSignature, exitFailed, []string{"run/tampered-signature/020101", "run/wrong-key/020101"}},
	} {
		name := string(tc.defect)
		if name == "" {
			name = "none"
		}
		t.Run(name, func(t *testing.T) {
			if tc.defect == "" {
				_ = ep.Set()
			} else if err := ep.Set(tc.defect); err != nil {
				t.Fatal(err)
			}
			junit := filepath.Join(t.TempDir(), "run.xml")
			a := newApp()
			a.generateKey = certstest.KeyGenerator()
			var out, errb bytes.Buffer
			code := run(context.Background(), a, []string{"conformance", "run", "--pki", filepath.Join(n.Dir, "pki"),
				"--directory", n.Directory, "--target", "https://" + n.Sites["mb"].Transport, "--type", "020101",
				"--admin", "unix://" + n.Sites["mb"].Admin, "--answers", "no", "--report", junit, "--format", "json"},
				strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errb.String())
			}
			var rep report.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("--format json: %v", err)
			}
			if len(rep.Results) != 11 { // every kind but answer
				t.Errorf("%d cases, want 11", len(rep.Results))
			}
			x, _ := os.ReadFile(junit)
			for _, id := range tc.failed {
				if !bytes.Contains(x, []byte(`name="`+id)) || !caseFailed(rep, id) {
					t.Errorf("%s did not fail", id)
				}
			}
		})
	}
}

func caseFailed(rep report.Report, id string) bool {
	for _, r := range rep.Results {
		if r.ID == id {
			return r.Outcome == report.Fail || r.Outcome == report.Error
		}
	}
	return false
}

// startInProcess runs the site of a configuration file in this process
// until the test ends.
func startInProcess(t *testing.T, file string) *site.Site {
	t.Helper()
	cfg, err := config.Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := site.Open(context.Background(), cfg, site.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	<-s.Gateway.Ready()
	return s
}

// conformance serve as the test partner: a vendor's ABH (an xgate gateway
// here) submits an Anmeldung to the MB the partner plays; the partner
// receipts it, answers (900020) and the vendor receipts the answer. The
// report on demand says so, and the report file is written at exit.
func TestConformanceServePartner(t *testing.T) {
	dir := t.TempDir()
	n, err := devnet.Create(context.Background(), filepath.Join(dir, "net"), devnet.Spec{
		GenerateKey: certstest.KeyGenerator(), Sites: []devnet.SiteSpec{{ID: "abh"}, {ID: "mb"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	startInProcess(t, n.Sites["abh"].Config)
	out := filepath.Join(dir, "partner.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		code := run(ctx, newApp(), []string{"conformance", "serve", "--config", n.Sites["mb"].Config, "--listen", "127.0.0.1:0", "--report", out},
			strings.NewReader(""), pw, &errb)
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no start line; stderr %s", errb.String())
	}
	m := regexp.MustCompile(`report on http://(\S+)/report`).FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("start line %q", sc.Text())
	}
	base := "http://" + m[1]
	go func() { // the rest of the output, so that the pipe never blocks
		for sc.Scan() {
		}
	}()

	g, err := devnet.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	msg, _, _, err := g.Anmeldung(0, 1, n.Sites["abh"].Identity, n.Sites["mb"].Identity)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(n.Sites["abh"].Intake+"/v1/messages", "application/xml", bytes.NewReader(msg))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("submit: %v %v", err, resp)
	}
	resp.Body.Close()
	var rep report.Report
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/report")
		if err != nil {
			t.Fatal(err)
		}
		rep = report.Report{}
		_ = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if s := rep.Summary(); s.Pass == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s := rep.Summary(); s.Pass != 2 || !rep.OK() {
		t.Fatalf("report on demand: %+v", s)
	}
	for _, x := range rep.Results {
		if (x.Kind == "received" && x.Type != "020101") || (x.Kind == "delivery" && x.Type != "900020") {
			t.Errorf("%s: type %s", x.ID, x.Type)
		}
	}
	if resp, err := http.Post(base+"/check", "application/xml", bytes.NewReader(msg)); err != nil || resp.StatusCode != 200 {
		t.Errorf("check daemon beside the partner: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := readReport(t, out); got.Summary().Pass != 2 || got.Mode != "serve" {
		t.Errorf("report at exit: %+v", got.Summary())
	}
}
