package report_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/report"
)

// chromium finds a headless-capable Chromium; without one the test is
// skipped, unless XGATE_REQUIRE_TOOLS is set (make test), then it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("XGATE_REQUIRE_TOOLS") != "" {
		t.Fatal("chromium is missing (.ci/deps.sh installs it)")
	}
	t.Skip("chromium is missing (.ci/deps.sh installs it)")
	return ""
}

const shotW, shotH = 1200, 1000

// screenshot renders html in headless Chromium and returns the decoded
// PNG. XGATE_SCREENSHOT_DIR keeps the PNGs for a person to look at.
func screenshot(t *testing.T, bin, name string, html []byte) image.Image {
	t.Helper()
	dir := t.TempDir()
	page := filepath.Join(dir, name+".html")
	shot := filepath.Join(dir, name+".png")
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--hide-scrollbars",
		"--window-size=1200,1000", "--screenshot="+shot, "file://"+page)
	cmd.Env = append(os.Environ(), "HOME="+dir) // nothing of the user's profile
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if keep := os.Getenv("XGATE_SCREENSHOT_DIR"); keep != "" {
		_ = os.WriteFile(filepath.Join(keep, name+".png"), data, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is no PNG: %v", err)
	}
	return img
}

// near reports whether c is within tolerance of the RGB colour want.
func near(c color.Color, want uint32, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, w uint32) int { return int(x>>8) - int(w) }
	abs := func(x int) int {
		if x < 0 {
			return -x
		}
		return x
	}
	return abs(d(r, want>>16&0xff)) <= tol && abs(d(g, want>>8&0xff)) <= tol && abs(d(b, want&0xff)) <= tol
}

const (
	colPass = 0x1a7f37 // --pass in the template
	colFail = 0xcf222e // --fail
)

// count counts the pixels of colour col in the rectangle r.
func count(img image.Image, r image.Rectangle, col uint32) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(img.At(x, y), col, 12) {
				n++
			}
		}
	}
	return n
}

// TestHTMLScreenshot renders a passing and a failing report in headless
// Chromium and reads the pictures: the page is drawn (not blank), the
// banner is green for a pass and red for a failure, and the failing
// report shows red where its failed case and counts are while the passing
// one shows none below the banner.
func TestHTMLScreenshot(t *testing.T) {
	bin := chromium(t)
	failing := sample()
	passing := sample()
	passing.Results = passing.Results[:1]
	passing.Results = append(passing.Results, failing.Results[2]) // a rejection as expected: a pass

	shots := map[string]image.Image{}
	for name, r := range map[string]*report.Report{"failing": failing, "passing": passing} {
		var b bytes.Buffer
		if err := report.WriteHTML(&b, r); err != nil {
			t.Fatal(err)
		}
		shots[name] = screenshot(t, bin, name, b.Bytes())
	}
	banner := image.Rect(0, 0, shotW, 40)
	body := image.Rect(0, 120, shotW, shotH)
	for name, img := range shots {
		if img.Bounds().Dx() != shotW || img.Bounds().Dy() != shotH {
			t.Fatalf("%s: screenshot is %v, want %dx%d", name, img.Bounds(), shotW, shotH)
		}
		// Not blank: the body has text (dark pixels) and many colours.
		dark, colours := 0, map[color.RGBA]bool{}
		for y := body.Min.Y; y < body.Max.Y; y += 2 {
			for x := 0; x < shotW; x += 2 {
				r, g, b, _ := img.At(x, y).RGBA()
				if r>>8 < 100 && g>>8 < 100 && b>>8 < 100 {
					dark++
				}
				colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}] = true
			}
		}
		if dark < 2000 || len(colours) < 20 {
			t.Errorf("%s: the page looks empty: %d dark pixels, %d colours", name, dark, len(colours))
		}
	}
	area := banner.Dx() * banner.Dy()
	if n := count(shots["failing"], banner, colFail); n < area/2 {
		t.Errorf("failing report: the banner is not red (%d of %d pixels)", n, area)
	}
	if n := count(shots["passing"], banner, colPass); n < area/2 {
		t.Errorf("passing report: the banner is not green (%d of %d pixels)", n, area)
	}
	redFail, redPass := count(shots["failing"], body, colFail), count(shots["passing"], body, colFail)
	if redFail < 200 || redPass > redFail/10 {
		t.Errorf("red below the banner: failing report %d pixels, passing report %d; want the failure to show", redFail, redPass)
	}
	if greenPass := count(shots["passing"], body, colPass); greenPass < 200 {
		t.Errorf("passing report shows no green pass badges below the banner (%d pixels)", greenPass)
	}
}
