package bundle_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/conformance/bundle"
	"github.com/xgate/xgate/xml/catalogue"
)

var day = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

var (
	pkgOnce sync.Once
	pkgDir  string
	pkgMan  *bundle.Manifest
	pkgErr  error
)

// pkg writes the package once per test binary.
func pkg(t *testing.T) (string, *bundle.Manifest) {
	t.Helper()
	pkgOnce.Do(func() {
		pkgDir, pkgErr = os.MkdirTemp("", "xgate-bundle-*")
		if pkgErr != nil {
			return
		}
		pkgMan, pkgErr = bundle.WriteDir(context.Background(), filepath.Join(pkgDir, "pkg"), bundle.Config{Release: "1.0.0-test", Commit: "abc123", Date: day})
	})
	if pkgErr != nil {
		t.Fatal(pkgErr)
	}
	return filepath.Join(pkgDir, "pkg"), pkgMan
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkgDir != "" {
		os.RemoveAll(pkgDir)
	}
	os.Exit(code)
}

type index struct {
	Vectors []bundle.IndexEntry `json:"vectors"`
}

func readIndex(t *testing.T, dir string) index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "vectors", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ix index
	if err := json.Unmarshal(data, &ix); err != nil {
		t.Fatal(err)
	}
	return ix
}

// The package holds what the issue names: schemas, code lists, vectors
// with verdicts, the rule catalogue, a page per type, the mapping, a
// version and a change log; SHA256SUMS covers every other file.
func TestLayout(t *testing.T) {
	dir, m := pkg(t)
	for _, f := range []string{"VERSION", "CHANGELOG.md", "README.md", "schemas/xauslaender.xsd", "schemas/xgate-codetypes.xsd",
		"codelists/geschlecht.xml", "codelists/README.md", "rules/rules.md", "rules/rules.json", "mapping.md",
		"vectors/index.json", "vectors/index.csv", "vectors/090009/valid/erstmeldung-duldung.xml",
		"vectors/020105/invalid/S999-ATT-SIZE-4mib-scan.xml", "types/090009.md", "SHA256SUMS"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("package lacks %s", f)
		}
	}
	cat := catalogue.New()
	for _, ty := range cat.Types() {
		page, err := os.ReadFile(filepath.Join(dir, "types", ty.Code+".md"))
		if err != nil {
			t.Errorf("no page for %s", ty.Code)
			continue
		}
		for _, want := range []string{ty.Root(), "| legal basis | " + ty.LegalBasis, "## Fields", "`nachrichtenkopf.g2g`", "## Rules", "## Vectors", "/valid/"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("types/%s.md lacks %q", ty.Code, want)
			}
		}
	}
	version, _ := os.ReadFile(filepath.Join(dir, "VERSION"))
	for _, want := range []string{"release: 1.0.0-test\n", "commit: abc123\n", "date: 2026-12-02\n", "standard: XAuslaender-xgate\n", "standardVersion: 1.0\n"} {
		if !strings.Contains(string(version), want) {
			t.Errorf("VERSION lacks %q:\n%s", want, version)
		}
	}
	if m.Vectors != len(readIndex(t, dir).Vectors) || m.Types != len(cat.Types()) {
		t.Errorf("manifest %+v", m)
	}
	// SHA256SUMS: every file but itself, each digest right.
	sums, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(sums)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		got := sha256.Sum256(data)
		if !ok || err != nil || hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS line %q: %v", sc.Text(), err)
		}
		listed[name] = true
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			if rel = filepath.ToSlash(rel); rel != "SHA256SUMS" && !listed[rel] {
				t.Errorf("SHA256SUMS lacks %s", rel)
			}
		}
		return nil
	})
	// Links between pages point at files of the package.
	link := regexp.MustCompile(`\]\(([^)#]+)\)`)
	for _, page := range []string{"README.md", "types/090009.md", "types/900020.md", "codelists/README.md"} {
		data, _ := os.ReadFile(filepath.Join(dir, page))
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			if _, err := os.Stat(filepath.Join(dir, filepath.Dir(page), filepath.FromSlash(m[1]))); err != nil {
				t.Errorf("%s links to %s, which the package lacks", page, m[1])
			}
		}
	}
	if _, err := bundle.WriteDir(context.Background(), dir, bundle.Config{}); err == nil {
		t.Error("WriteDir wrote into a non-empty folder")
	}
}

// xmllint, a plain XSD validator, agrees with the index wherever no
// business rule is involved: it accepts the valid vectors and those a rule
// or the directory refuses (rules run only on schema-valid messages), and
// refuses every X001 vector without a rule, with the package's schemas
// alone (--nonet).
func TestXmllint(t *testing.T) {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("XGATE_REQUIRE_TOOLS") != "" {
			t.Fatal("xmllint is missing (.ci/deps.sh installs libxml2-utils)")
		}
		t.Skip("xmllint is missing (.ci/deps.sh installs libxml2-utils)")
	}
	dir, _ := pkg(t)
	ix := readIndex(t, dir)
	want := map[string]string{}
	var valid, invalid []string
	for _, e := range ix.Vectors {
		p := filepath.Join(dir, "vectors", filepath.FromSlash(e.Path))
		switch e.Schema {
		case bundle.SchemaValid:
			valid = append(valid, p)
		case bundle.SchemaInvalid:
			invalid = append(invalid, p)
		}
		want[p] = e.Schema
	}
	if len(valid) < 200 || len(invalid) < 40 {
		t.Fatalf("%d schema-valid and %d schema-invalid vectors: too few", len(valid), len(invalid))
	}
	schema := filepath.Join(dir, "schemas", "xauslaender.xsd")
	// One xmllint for all files: it prints "<file> validates" or "<file>
	// fails to validate" per file.
	cmd := exec.Command(bin, append([]string{"--noout", "--nonet", "--schema", schema}, append(valid, invalid...)...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // exit 3 when any file fails, as some must
	got := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasSuffix(line, " validates"):
			got[strings.TrimSuffix(line, " validates")] = bundle.SchemaValid
		case strings.HasSuffix(line, " fails to validate"):
			got[strings.TrimSuffix(line, " fails to validate")] = bundle.SchemaInvalid
		}
	}
	if strings.Contains(out.String(), "failed to load") || strings.Contains(out.String(), "WXS schema") && strings.Contains(out.String(), "failed to compile") {
		t.Fatalf("xmllint could not use the package's schemas:\n%s", out.String())
	}
	for _, p := range append(valid, invalid...) {
		if got[p] != want[p] {
			t.Errorf("xmllint says %q of %s, index.json %q", got[p], strings.TrimPrefix(p, dir+"/"), want[p])
		}
	}
}

// A zip holds the same files below one folder, with fixed dates: the same
// input makes the same bytes.
func TestZip(t *testing.T) {
	dir, m := pkg(t)
	var a, b bytes.Buffer
	cfg := bundle.Config{Release: "1.0.0-test", Commit: "abc123", Date: day}
	if _, err := bundle.WriteZip(context.Background(), &a, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.WriteZip(context.Background(), &b, cfg); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two zips of the same release differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != len(m.Files) {
		t.Errorf("zip has %d files, the folder %d", len(zr.File), len(m.Files))
	}
	for _, f := range zr.File {
		name, ok := strings.CutPrefix(f.Name, "xgate-conformance-1.0.0-test/")
		if !ok || !f.Modified.Equal(day) {
			t.Errorf("zip entry %s dated %s", f.Name, f.Modified)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		got.ReadFrom(rc)
		rc.Close()
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got.Bytes(), want) {
			t.Errorf("zip entry %s differs from the folder's file (%v)", name, err)
		}
	}
	if got := bundle.Folder("1.2/../x y"); got != "xgate-conformance-1.2_.._x_y" {
		t.Errorf("Folder = %s", got)
	}
}
