package azrfixed_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/adaptertest"
	"github.com/xgate/xgate/adapters/azrfixed"
	"github.com/xgate/xgate/conformance"
)

func newAdapter(t testing.TB) *azrfixed.Adapter {
	t.Helper()
	a, err := azrfixed.New(nil, adapters.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a.(*azrfixed.Adapter)
}

// latin9 are letters Latin-9 has, with the XML special characters.
var latin9 = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßÄÖÜéèçñšžŠŽœŒŸ€0123456789.-'&<>\"")

// checkRecords: every record is 512 Latin-9 characters and CR LF.
func checkRecords(_ string, out []byte) error {
	if len(out)%514 != 0 {
		return fmt.Errorf("length %d is not a multiple of 514", len(out))
	}
	for i := 0; i < len(out); i += 514 {
		if out[i+512] != '\r' || out[i+513] != '\n' {
			return fmt.Errorf("record %d not ended by CR LF", i/514+1)
		}
	}
	return nil
}

func TestSuite(t *testing.T) {
	a := newAdapter(t)
	adaptertest.Suite{
		Adapter: a, Ours: a.Ours().Schema, Seed: 90009, N: 1000, Ext: ".dat",
		CheckPartner: checkRecords,
		// Samples with letters Latin-9 lacks (Aydın) are refused by name.
		VectorRefused: func(v conformance.Vector) []string {
			if bytes.Contains(v.Data, []byte("ı")) {
				return []string{"U+0131", "Latin-9"}
			}
			return nil
		},
		Tune: func(g *adaptertest.Generator) {
			g.Text = func(r *rand.Rand, _ string, min, max int) string {
				return latinText(r, min, max)
			}
		},
	}.Run(t)
}

func latinText(r *rand.Rand, min, max int) string {
	hi := 30
	if max >= 0 && max < hi {
		hi = max
	}
	if r.IntN(10) == 0 && max > 489 {
		hi = min + 1200 // a value over several records
	}
	if hi < min {
		hi = min
	}
	n := min + r.IntN(hi-min+1)
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 && i < n-1 && r.IntN(7) == 0 {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(latin9[r.IntN(len(latin9))])
	}
	return b.String()
}

func sample(t *testing.T, code string) []byte {
	t.Helper()
	vs, err := conformance.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Valid && v.Type == code && !strings.HasPrefix(v.Name, "WARN-") {
			return v.Data
		}
	}
	t.Fatalf("no vector of %s", code)
	return nil
}

// Nothing silent: a character Latin-9 lacks, or a control character, is
// refused with its field.
func TestRefusals(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	in := sample(t, "090009")
	fam := bytes.Index(in, []byte("<familienname>"))
	if fam < 0 {
		t.Fatal("sample has no familienname")
	}
	end := bytes.Index(in[fam:], []byte("</familienname>"))
	withName := func(name string) []byte {
		return append(append(append([]byte{}, in[:fam]...), []byte("<familienname>"+name)...), in[fam+end:]...)
	}
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"not in Latin-9", withName("Petrović"), []string{"090009", "person/name/familienname", `"Petrović"`, "U+0107", "Latin-9"}},
		{"line feed", withName("Petro\nvic"), []string{"person/name/familienname", "control character U+000A"}},
		{"other type", sample(t, "020101"), []string{"not a message this adapter translates"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Forward().Translate(ctx, c.in)
			adaptertest.Refused(t, err, c.want...)
		})
	}
}

// Hostile record files: wrong encodings, shifted records, huge fields,
// forged counts — refused with the record and the reason.
func TestHostile(t *testing.T) {
	a := newAdapter(t)
	ctx := context.Background()
	good, err := a.Forward().Translate(ctx, sample(t, "090098"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(good) / 514
	set := func(i, pos int, s string) []byte {
		out := append([]byte{}, good...)
		copy(out[i*514+pos-1:], s)
		return out
	}
	utf8 := bytes.Replace(good, []byte("Musterstadt"), []byte("Müsterstadt"), 1) // UTF-8 ü: one character, two bytes
	// A text (fehlertext, at most 4,000 characters) continued over 20
	// records: 9,780 characters.
	var huge bytes.Buffer
	record := func(s string) {
		huge.WriteString(s + strings.Repeat(" ", 512-len(s)) + "\r\n")
	}
	record("00XGAZRFIX01090099" + "0001")
	for i := 0; i < 20; i++ {
		cont := "+"
		if i == 19 {
			cont = " "
		}
		record("10" + number(t, "fehler/fehlertext") + "000100000000" + "0489" + cont + strings.Repeat("x", 489))
	}
	record(fmt.Sprintf("99%07d%07d", 22, 20))
	for _, c := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"empty", nil, []string{"X000", "no records"}},
		{"UTF-8 instead of Latin-9", utf8, []string{"S001", "UTF-8"}},
		{"UTF-16", append([]byte{0xFF, 0xFE}, good...), []string{"S001"}},
		{"LF only", bytes.ReplaceAll(good, []byte("\r\n"), []byte("\n")), []string{"S001"}},
		{"control byte", set(1, 30, "\x1b"), []string{"S001", "control character"}},
		{"unknown record type", set(1, 1, "42"), []string{"record 2", "unknown record type"}},
		{"unknown field number", set(1, 3, "9999"), []string{"record 2", "unknown field number"}},
		{"data after the value", set(1, 511, "ZZ"), []string{"record 2", "after the value"}},
		{"length beyond the record", set(1, 19, "0500"), []string{"record 2", "value length"}},
		{"record count", set(n-1, 3, "0000001"), []string{"record count"}},
		{"other layout version", set(0, 11, "02"), []string{"V000"}},
		{"other field table", set(0, 19, "0002"), []string{"V000", "field table"}},
		{"huge field", huge.Bytes(), []string{"characters, at most"}},
		{"too large", bytes.Repeat(good, 20000), []string{"X000", "limit"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Reverse().Translate(ctx, c.in)
			adaptertest.Refused(t, err, c.want...)
		})
	}
}

// number is the field number of path in layout/felder.csv.
func number(t *testing.T, path string) string {
	table, _ := azrfixed.Layout()
	for _, l := range strings.Split(string(table), "\n") {
		if n, p, ok := strings.Cut(l, ","); ok && p == path {
			return n
		}
	}
	t.Fatalf("no field number for %s", path)
	return ""
}
