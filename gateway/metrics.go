package gateway

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/xgate/xgate/gateway/directory"
	"github.com/xgate/xgate/internal/keycpu"
	"github.com/xgate/xgate/outbox"
)

// metrics are the gateway's Prometheus series. Labels carry kennungen,
// states, results and codes only.
type metrics struct {
	enqueued      *prometheus.CounterVec // partner
	intakeRefused *prometheus.CounterVec // code
	deliveries    *prometheus.CounterVec // partner, result
	inbound       *prometheus.CounterVec // partner, result
	rejections    *prometheus.CounterVec // direction (sent|received), code
	latency       prometheus.Histogram   // intake → verified receipt
	answered      prometheus.Counter
	reminders     prometheus.Counter
	acknowledged  prometheus.Counter
	poisoned      prometheus.Counter
	webhook       *prometheus.CounterVec // result
	dirAge        prometheus.Gauge
	dirSerial     prometheus.Gauge
	dirExpires    prometheus.Gauge
	keys          keyMetrics
}

// keyMetrics count the private-key operations of the message keys
// (signing, decryption) and the CPU time of the thread that ran each: a
// keycpu.Recorder.
type keyMetrics struct {
	cpu *prometheus.CounterVec // op
	ops *prometheus.CounterVec // op
}

func (k keyMetrics) RecordKeyOp(op keycpu.Op, cpu time.Duration) {
	k.cpu.WithLabelValues(string(op)).Add(cpu.Seconds())
	k.ops.WithLabelValues(string(op)).Inc()
}

func newMetrics(reg *prometheus.Registry, g *Gateway) *metrics {
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{
		enqueued:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_enqueued_total", Help: "Outbound messages accepted into the outbox, by recipient."}, []string{"partner"}),
		intakeRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_intake_refused_total", Help: "Messages refused at intake, by first XÖV code."}, []string{"code"}),
		deliveries:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_deliveries_total", Help: "Delivery attempts by partner and result."}, []string{"partner", "result"}),
		inbound:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_inbound_total", Help: "Inbound deliveries by sender and result."}, []string{"partner", "result"}),
		rejections:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_rejections_total", Help: "Rückweisungen sent and received, by XÖV code."}, []string{"direction", "code"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "xgate_delivery_latency_seconds", Help: "From intake to the verified transport receipt.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 18)}),
		answered:     prometheus.NewCounter(prometheus.CounterOpts{Name: "xgate_answered_total", Help: "Outbound records whose business answer arrived."}),
		reminders:    prometheus.NewCounter(prometheus.CounterOpts{Name: "xgate_reminders_total", Help: "Erinnerungen (900021) sent for overdue answers."}),
		acknowledged: prometheus.NewCounter(prometheus.CounterOpts{Name: "xgate_acknowledged_total", Help: "Inbound messages acknowledged by local software."}),
		poisoned:     prometheus.NewCounter(prometheus.CounterOpts{Name: "xgate_poisoned_total", Help: "Stage events that exhausted their retries (the sweep retries the record)."}),
		webhook:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_webhook_total", Help: "Webhook hand-over attempts by result."}, []string{"result"}),
		dirAge:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "xgate_directory_age_seconds", Help: "Age of the routing directory in use (since it was issued)."}),
		dirSerial:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "xgate_directory_serial", Help: "Serial of the routing directory in use."}),
		dirExpires:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "xgate_directory_expires_in_seconds", Help: "Time until the directory in use expires."}),
		keys: keyMetrics{
			cpu: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_private_key_cpu_seconds_total",
				Help: "CPU time of the private-key operations of the message keys (signatures of messages and receipts, key decryption; not TLS), by operation (sign, decrypt)."}, []string{"op"}),
			ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "xgate_private_key_operations_total",
				Help: "Private-key operations of the message keys, failed ones included, by operation (sign, decrypt)."}, []string{"op"}),
		},
	}
	for _, op := range []keycpu.Op{keycpu.OpSign, keycpu.OpDecrypt} {
		m.keys.cpu.WithLabelValues(string(op))
		m.keys.ops.WithLabelValues(string(op))
	}
	for _, c := range []prometheus.Collector{m.enqueued, m.intakeRefused, m.deliveries, m.inbound, m.rejections, m.latency,
		m.answered, m.reminders, m.acknowledged, m.poisoned, m.webhook, m.dirAge, m.dirSerial, m.dirExpires, m.keys.cpu, m.keys.ops} {
		f(c)
	}
	f(&stateCollector{g: g})
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeDirectory(d *directory.Directory, now time.Time) {
	if d == nil {
		return
	}
	m.dirSerial.Set(float64(d.Serial))
	if !d.Issued.IsZero() {
		m.dirAge.Set(now.Sub(d.Issued).Seconds())
	}
	if !d.NotAfter.IsZero() {
		m.dirExpires.Set(d.NotAfter.Sub(now).Seconds())
	}
}

// stateCollector reads what changes without an event at scrape time:
// records by state, breaker state per partner, certificate days to expiry.
type stateCollector struct{ g *Gateway }

var (
	descRecords = prometheus.NewDesc("xgate_records", "Records in the store by direction and state.", []string{"direction", "state"}, nil)
	descBreaker = prometheus.NewDesc("xgate_breaker_open", "1 while the circuit breaker of a partner is open.", []string{"partner"}, nil)
	descCert    = prometheus.NewDesc("xgate_certificate_expiry_days", "Days until this gateway's certificates expire, by purpose.", []string{"purpose", "serial"}, nil)
	descDirFail = prometheus.NewDesc("xgate_directory_reload_failures_total", "Directory reloads refused (the last good directory stays in use).", nil, nil)
	descDirBad  = prometheus.NewDesc("xgate_directory_last_reload_failed", "1 while the latest reload of the directory file was refused, by XÖV code.", []string{"code"}, nil)
	descCommits = prometheus.NewDesc("xgate_store_commits_total", "Write transactions the store committed, each with its fsync (concurrent writes share them); bolt stores only.", nil, nil)
)

// commitCounter is a store that counts its commits (outbox/boltstore).
type commitCounter interface {
	Commits() uint64
}

// directoryStatus is what a directory source reports besides its
// directory (directory.Source implements it).
type directoryStatus interface {
	Status() directory.SourceStatus
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRecords
	ch <- descBreaker
	ch <- descCert
	ch <- descDirFail
	ch <- descDirBad
	if _, ok := c.g.o.Store.(commitCounter); ok {
		ch <- descCommits
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	g := c.g
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if st, err := g.o.Store.Stats(ctx); err == nil {
		for _, s := range outbox.OutboundStates() {
			ch <- prometheus.MustNewConstMetric(descRecords, prometheus.GaugeValue, float64(st.Outbound[s]), "out", string(s))
		}
		for _, s := range outbox.InboundStates() {
			ch <- prometheus.MustNewConstMetric(descRecords, prometheus.GaugeValue, float64(st.Inbound[s]), "in", string(s))
		}
	}
	if cc, ok := g.o.Store.(commitCounter); ok {
		ch <- prometheus.MustNewConstMetric(descCommits, prometheus.CounterValue, float64(cc.Commits()))
	}
	if g.relay != nil {
		for p, open := range g.relay.Breakers() {
			v := 0.0
			if open {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descBreaker, prometheus.GaugeValue, v, p)
		}
	}
	if ds, ok := g.o.Directory.(directoryStatus); ok {
		st := ds.Status()
		ch <- prometheus.MustNewConstMetric(descDirFail, prometheus.CounterValue, float64(st.Failures))
		v := 0.0
		if st.LastError != "" {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descDirBad, prometheus.GaugeValue, v, string(st.LastCode))
	}
	now := g.o.Clock.Now()
	cert := func(purpose string, c *x509.Certificate) {
		if c != nil {
			ch <- prometheus.MustNewConstMetric(descCert, prometheus.GaugeValue, c.NotAfter.Sub(now).Hours()/24, purpose, c.SerialNumber.Text(16))
		}
	}
	cert("signing", g.o.Signing.Cert)
	cert("tls", g.o.TLS.Cert)
	for _, kp := range g.o.Decryption {
		cert("encryption", kp.Cert)
	}
}
