package adapters_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/xgate/xgate/adapters"
	"github.com/xgate/xgate/adapters/all"
	"github.com/xgate/xgate/certs"
	"github.com/xgate/xgate/certs/certstest"
	"github.com/xgate/xgate/conformance"
	"github.com/xgate/xgate/xml/secure"
)

// BenchmarkAdapters measures each adapter in each direction on a sample
// message and reports messages per second and the cost as a share of one
// secure.Seal of the same message of ours (RSA-3072, the default
// profile), measured in the same process. Each runs as the gateway
// configures it (check-ours=false: the gateway validates our side itself)
// and standalone (the default: our side validated too, as `xgate
// translate` does). Run
//
//	go test ./adapters -run '^$' -bench Adapters -benchtime 2s
//
// The table in doc.go (# Throughput) is from such a run.
func BenchmarkAdapters(b *testing.B) {
	for _, mode := range []string{"gateway", "standalone"} {
		b.Run(mode, func(b *testing.B) { benchAdapters(b, mode == "gateway") })
	}
}

func benchAdapters(b *testing.B, gateway bool) {
	r, err := all.New(adapters.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if gateway {
		for _, name := range []string{"xmeld", "jobcenter-json", "ba-json", "azr-fixed"} {
			if err := r.Configure(name, adapters.Config{"check-ours": "false"}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := r.Configure("fachverfahren-csv", adapters.Config{
		"autor.kennung": "azr:999901", "autor.name": "Ausländerbehörde Musterstadt", "autor.erreichbarkeit": "abh@musterstadt.example",
		"autor.strasse": "Rathausplatz", "autor.postleitzahl": "12345", "autor.ort": "Musterstadt",
	}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct{ adapter, vector string }{
		{"xmeld", "020101/valid/anmeldung-serbien.xml"},
		{"jobcenter-json", "920001/valid/rechtskreiswechsel-fluechtling.xml"},
		{"ba-json", "910001/valid/westbalkan-baecker.xml"},
		{"azr-fixed", "090010/valid/folgemeldung-ba-entscheidung.xml"},
	}
	for _, c := range cases {
		a, err := r.Lookup(c.adapter)
		if err != nil {
			b.Fatal(err)
		}
		ours := vector(b, c.vector)
		theirs, err := a.Forward().Translate(ctx, ours)
		if err != nil {
			b.Fatal(err)
		}
		run(b, c.adapter+"/forward", a.Forward(), ours, ours)
		run(b, c.adapter+"/reverse", a.Reverse(), theirs, ours)
	}
	a, err := r.Lookup("fachverfahren-csv")
	if err != nil {
		b.Fatal(err)
	}
	row := []byte("nachrichtentyp,empfaenger_kennung,empfaenger_name,azr_nummer,anlass,familienname,vornamen,geschlecht,geburtsdatum,geburtsort,staatsangehoerigkeit,titel,gueltig_ab,gueltig_bis,erwerbstaetigkeit\n" +
		"920001,opt:99901,Jobcenter Musterstadt,250814612345,01,Haddad,Reem,w,1991-03-27,Homs,475,AE.25.2.1,2026-12-07,2029-12-06,erwerb-erlaubt\n")
	msg, err := a.Reverse().Translate(ctx, row)
	if err != nil {
		b.Fatal(err)
	}
	run(b, "fachverfahren-csv/reverse", a.Reverse(), row, msg)
}

// run benchmarks tr on in. Every sealEvery translations it seals ours
// once with the timer stopped, so that both are measured under the same
// load (the machine is shared); %seal is the mean translation over the
// mean Seal of those interleaved runs.
func run(b *testing.B, name string, tr adapters.Translator, in, ours []byte) {
	b.Run(name, func(b *testing.B) {
		ctx := context.Background()
		opts := sealOptions(b)
		const sealEvery = 16
		var trNs, sealNs time.Duration
		seals := 0
		b.SetBytes(int64(len(in)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if _, err := tr.Translate(ctx, in); err != nil {
				b.Fatal(err)
			}
			trNs += time.Since(t0)
			if i%sealEvery == 0 {
				b.StopTimer()
				t1 := time.Now()
				if _, err := secure.Seal(ctx, ours, opts); err != nil {
					b.Fatal(err)
				}
				sealNs += time.Since(t1)
				seals++
				b.StartTimer()
			}
		}
		per := float64(trNs.Nanoseconds()) / float64(b.N)
		b.ReportMetric(1e9/per, "msg/s")
		b.ReportMetric(100*per/(float64(sealNs.Nanoseconds())/float64(seals)), "%seal")
		b.ReportMetric(float64(sealNs.Microseconds())/float64(seals), "µs/seal")
	})
}

var (
	sealOnce sync.Once
	sealOpts secure.SealOptions
)

// sealOptions are the options of one Seal (RSA-3072, default profile).
func sealOptions(b *testing.B) secure.SealOptions {
	sealOnce.Do(func() {
		ca := certstest.NewCA(b, "xgate bench root")
		sign := ca.Good(b, certs.Signing)
		enc := ca.Good(b, certs.Encryption)
		sealOpts = secure.SealOptions{SigningKey: sign.Key, SigningCert: sign.Cert, RecipientCerts: []*x509.Certificate{enc.Cert}}
	})
	return sealOpts
}

func vector(b *testing.B, path string) []byte {
	vs, err := conformance.Vectors()
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range vs {
		if v.Path == path {
			return bytes.Clone(v.Data)
		}
	}
	b.Fatalf("no vector %s", path)
	return nil
}
