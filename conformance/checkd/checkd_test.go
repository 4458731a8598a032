package checkd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/conformance/checkd"
	"github.com/xgate/xgate/conformance/report"
	"github.com/xgate/xgate/internal/clock"
	"github.com/xgate/xgate/xml/validate"
)

var fixedNow = clock.Fixed(time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC))

var (
	setupOnce sync.Once
	checker   *conformance.Checker
	vectors   []conformance.Vector
	setupErr  error
)

// setup builds one validator and checker for the test binary (the schemas
// are parsed once).
func setup(tb testing.TB) (*conformance.Checker, []conformance.Vector) {
	tb.Helper()
	setupOnce.Do(func() {
		var v *validate.Validator
		if v, setupErr = validate.New(validate.Config{Clock: fixedNow}); setupErr != nil {
			return
		}
		if checker, setupErr = conformance.NewChecker(conformance.CheckerConfig{Validator: v}); setupErr != nil {
			return
		}
		vectors, setupErr = conformance.Vectors()
	})
	if setupErr != nil {
		tb.Fatal(setupErr)
	}
	return checker, vectors
}

func newServer(tb testing.TB, cfg checkd.Config) (*checkd.Server, *httptest.Server) {
	tb.Helper()
	cfg.Checker, _ = setup(tb)
	cfg.Clock = fixedNow
	s, err := checkd.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(ts.Close)
	return s, ts
}

func vector(tb testing.TB, path string) conformance.Vector {
	tb.Helper()
	_, vs := setup(tb)
	for _, v := range vs {
		if v.Path == path {
			return v
		}
	}
	tb.Fatalf("no vector %s", path)
	return conformance.Vector{}
}

func post(tb testing.TB, url, ctype string, body []byte, hdr ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, data
}

func TestStatusCodes(t *testing.T) {
	_, ts := newServer(t, checkd.Config{MaxBytes: 64 << 10})
	valid := vector(t, "900020/valid/quittung.xml").Data
	warn := vector(t, "900020/valid/WARN-HDR-UUID-version-0.xml").Data
	invalid := vector(t, "900020/invalid/S999-HDR-TIME-no-millis.xml").Data
	role := vector(t, "090009/invalid/T070-sender-role-mb.xml").Data
	hostile := vector(t, "900001/invalid/X000-doctype-entity.xml").Data
	tests := []struct {
		name    string
		path    string
		ctype   string
		body    []byte
		status  int
		verdict report.Verdict
		codes   string
	}{
		{"valid", "/check", "application/xml", valid, 200, report.Accept, ""},
		{"valid at the root", "/", "application/xml", valid, 200, report.Accept, ""},
		{"warning", "/check", "text/xml; charset=utf-8", warn, 200, report.AcceptWithWarnings, ""},
		{"header rule", "/check", "application/xml", invalid, 406, report.Reject, "S999"},
		{"wrong role", "/check", "", role, 406, report.Reject, "T070"},
		{"doctype", "/check", "application/xml", hostile, 406, report.Reject, "X000"},
		{"not xml at all", "/check", "application/xml", []byte("hello"), 406, report.Reject, "X000"},
		{"empty", "/check", "application/xml", nil, 422, report.NoVerdict, ""},
		{"too large", "/check", "application/xml", bytes.Repeat([]byte("<a/>"), 20<<10), 422, report.NoVerdict, ""},
		{"not xml by type", "/check", "application/json", valid, 422, report.NoVerdict, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, ts.URL+tc.path, tc.ctype, tc.body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d\n%s", resp.StatusCode, tc.status, body)
			}
			if got := report.Verdict(resp.Header.Get("X-Xgate-Verdict")); got != tc.verdict {
				t.Errorf("verdict %q, want %q", got, tc.verdict)
			}
			if got := resp.Header.Get("X-Xgate-Codes"); got != tc.codes {
				t.Errorf("codes %q, want %q", got, tc.codes)
			}
			rep, err := report.ReadJSON(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("body is no JSON report: %v\n%s", err, body)
			}
			if len(rep.Results) != 1 || rep.Results[0].Verdict != tc.verdict {
				t.Fatalf("report %+v", rep.Results)
			}
			if tc.status == 406 && (len(rep.Results[0].Reasons) == 0 || rep.Results[0].Reasons[0].Text == "") {
				t.Errorf("a rejection without reasons: %s", body)
			}
			if tc.status == 422 && rep.Results[0].Problem == "" {
				t.Errorf("422 without a problem: %s", body)
			}
		})
	}
}

func TestMethodsAndRoutes(t *testing.T) {
	_, ts := newServer(t, checkd.Config{})
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/check", 405}, {"PUT", "/", 405}, {"POST", "/health", 405}, {"POST", "/report", 405}, {"GET", "/nope", 404},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
}

// The report comes in the form the client asks for.
func TestReportFormats(t *testing.T) {
	_, ts := newServer(t, checkd.Config{})
	invalid := vector(t, "900020/invalid/S999-HDR-TIME-no-millis.xml").Data
	resp, body := post(t, ts.URL+"/check?name=my-quittung", "application/xml", invalid, "Accept", "application/xml")
	var suites struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(body, &suites); err != nil || resp.Header.Get("Content-Type") != "application/xml; charset=utf-8" {
		t.Fatalf("JUnit: %v %s\n%s", err, resp.Header.Get("Content-Type"), body)
	}
	// The daemon expects nothing of a posted message but acceptance: a
	// rejection is a failed case.
	if suites.Failures != 1 || !strings.Contains(suites.Suites[0].Cases[0].Name, "my-quittung") {
		t.Errorf("JUnit report: %+v", suites)
	}
	_, body = post(t, ts.URL+"/check?format=html", "application/xml", invalid)
	if !strings.Contains(string(body), "<!DOCTYPE html>") || !strings.Contains(string(body), "HDR-TIME") {
		t.Errorf("HTML report:\n%s", body)
	}
	_, body = post(t, ts.URL+"/check", "application/xml", invalid, "Accept", "text/plain")
	if !strings.HasPrefix(string(body), "REJECT check/") || !strings.Contains(string(body), ":9: S999 HDR-TIME ") {
		t.Errorf("text report:\n%s", body)
	}
}

// Concurrent requests are each answered with their own verdict, the
// health and the report count them all.
func TestConcurrent(t *testing.T) {
	s, ts := newServer(t, checkd.Config{Workers: 3})
	_, vs := setup(t)
	type job struct {
		v    conformance.Vector
		want int
	}
	var jobs []job
	for _, v := range vs {
		if len(v.Data) > 64<<10 {
			continue
		}
		want := 200
		if !v.Valid {
			want = 406
		}
		jobs = append(jobs, job{v, want})
	}
	var wg sync.WaitGroup
	errs := make(chan string, len(jobs))
	for i := range 8 {
		wg.Go(func() {
			for j := i; j < len(jobs); j += 8 {
				resp, body := post(t, ts.URL+"/check", "application/xml", jobs[j].v.Data)
				if resp.StatusCode != jobs[j].want {
					errs <- fmt.Sprintf("%s: %d, want %d: %s", jobs[j].v.Path, resp.StatusCode, jobs[j].want, body)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	resp, err := http.Get(ts.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Status   string            `json:"status"`
		Checked  int               `json:"checked"`
		Verdicts map[string]int    `json:"verdicts"`
		Other    map[string]string `json:"-"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Status != "UP" || h.Checked != len(jobs) {
		t.Errorf("health %+v %v, want %d checked", h, err, len(jobs))
	}
	rep := s.Report()
	if len(rep.Results) != len(jobs) || rep.Summary().Verdict[report.Reject] != h.Verdicts["reject"] {
		t.Errorf("report holds %d results, want %d", len(rep.Results), len(jobs))
	}
	for _, r := range rep.Results {
		for _, e := range r.Evidence {
			if e.Body != "" || e.Digest == "" {
				t.Fatalf("history keeps a message body or lacks its digest: %+v", e)
			}
		}
	}
}

// The history keeps the newest results only.
func TestHistoryRing(t *testing.T) {
	s, ts := newServer(t, checkd.Config{History: 3})
	valid := vector(t, "900020/valid/quittung.xml").Data
	for i := range 5 {
		post(t, ts.URL+fmt.Sprintf("/check?name=n%d", i), "application/xml", valid)
	}
	rep := s.Report()
	if len(rep.Results) != 3 || rep.Results[0].Title != "n2" || rep.Results[2].Title != "n4" {
		t.Errorf("history: %+v", rep.Results)
	}
	resp, err := http.Get(ts.URL + "/report?format=junit")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(data), `tests="3"`) {
		t.Errorf("GET /report:\n%s", data)
	}
}

// A client that stalls while sending the body gets 422 at the timeout.
func TestTimeout(t *testing.T) {
	_, ts := newServer(t, checkd.Config{Workers: 1, Timeout: 300 * time.Millisecond})
	// A client that sends half a body and stalls is cut off.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /check HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 1000\r\n\r\n<a>")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, _ := io.ReadAtLeast(conn, buf, 12)
	if !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 422") {
		t.Errorf("stalled body: %q", buf[:n])
	}
}

func TestRunShutdown(t *testing.T) {
	c, _ := setup(t)
	s, err := checkd.New(checkd.Config{Checker: c})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln, nil) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := checkd.New(checkd.Config{}); err == nil {
		t.Error("New without a checker")
	}
}

// BenchmarkDaemon posts the shipped vectors (up to 64 KiB) over loopback
// HTTP from parallel clients and reports messages per second, with the
// terminal lines (text) and with the default JSON report as the answer.
func BenchmarkDaemon(b *testing.B) {
	_, ts := newServer(b, checkd.Config{History: -1})
	_, vs := setup(b)
	var bodies [][]byte
	for _, v := range vs {
		if len(v.Data) <= 64<<10 {
			bodies = append(bodies, v.Data)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			b.SetParallelism(4)
			start := time.Now()
			var mu sync.Mutex
			next := 0
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					body := bodies[next%len(bodies)]
					next++
					mu.Unlock()
					resp, err := client.Post(ts.URL+"/check?format="+format, "application/xml", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 && resp.StatusCode != 406 {
						b.Errorf("status %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}
