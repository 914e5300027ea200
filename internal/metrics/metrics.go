// Package metrics exports imaginebot's Prometheus metrics: the queue, jobs
// by outcome, generation and queue-wait times, backend load and model, and
// what the chat adapters send.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// QueueStats is what the metrics read from the core's queue.
type QueueStats interface {
	QueueStats() (waiting, maxPerUser int)
}

// Metrics holds the collectors. It implements imagine.Observer, and the
// adapters call PreviewEdited and RateLimited. Safe for concurrent use.
type Metrics struct {
	reg         *prometheus.Registry
	jobs        *prometheus.CounterVec
	images      *prometheus.CounterVec
	generation  *prometheus.HistogramVec
	wait        prometheus.Histogram
	previews    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	backendUp   *prometheus.GaugeVec
	busySeconds *prometheus.CounterVec
	model       *prometheus.GaugeVec
	start       time.Time

	mu      sync.Mutex           // guards queue, running, busy and models
	queue   QueueStats           // nil until WatchQueue
	running map[string]time.Time // backend -> start of its running job
	busy    map[string]float64   // backend -> seconds spent on finished jobs
	models  map[string]string    // backend -> current model label
}

var _ imagine.Observer = (*Metrics)(nil)

// New registers the collectors. The queue gauges read 0 until WatchQueue.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_jobs_total", Help: "Jobs that reached a backend, by outcome (done, failed, cancelled) and platform.",
		}, []string{"outcome", "platform"}),
		images: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_images_total", Help: "Images of jobs that finished, by platform.",
		}, []string{"platform"}),
		generation: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "imaginebot_generation_seconds", Help: "Time a backend spent on one job.",
			Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
		}, []string{"backend"}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "imaginebot_queue_wait_seconds", Help: "Time a job waited in the queue before it started.",
			Buckets: []float64{0.1, 1, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		previews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_preview_edits_total", Help: "Chat message edits that showed a new preview or progress.",
		}, []string{"platform"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_rate_limited_total", Help: "HTTP 429 answers received from a chat platform.",
		}, []string{"platform"}),
		backendUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "imaginebot_backend_up", Help: "1 while a backend takes jobs, 0 while it is down and probed.",
		}, []string{"backend"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_store_errors_total", Help: "Store operations that failed, by operation; the jobs went on.",
		}, []string{"op"}),
		busySeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "imaginebot_backend_busy_seconds_total", Help: "Time each backend spent running jobs; rate() of it is the busy fraction.",
		}, []string{"backend"}),
		model: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "imaginebot_backend_model", Help: "The checkpoint each backend runs (value 1).",
		}, []string{"backend", "model"}),
		start:   time.Now(),
		running: map[string]time.Time{},
		busy:    map[string]float64{},
		models:  map[string]string{},
	}
	m.reg.MustRegister(m.jobs, m.images, m.generation, m.wait, m.previews, m.rateLimited, m.storeErrors, m.backendUp, m.busySeconds, m.model,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "imaginebot_queue_length", Help: "Jobs waiting in the queue.",
		}, func() float64 { w, _ := m.queueStats(); return float64(w) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "imaginebot_queue_user_max", Help: "The most jobs (waiting plus running) one user has.",
		}, func() float64 { _, u := m.queueStats(); return float64(u) }),
		busyFraction{m},
	)
	for _, p := range []string{string(imagine.Telegram), string(imagine.Discord)} {
		m.previews.WithLabelValues(p)
		m.rateLimited.WithLabelValues(p)
	}
	return m
}

// outcomes are the outcomes a job that reached a backend can have, as
// imaginebot_jobs_total labels them.
var outcomes = []imagine.State{imagine.Done, imagine.Failed, imagine.Cancelled}

// InitSeries creates at 0 every series the platforms and backends will
// have, so that dashboards and alerts (rate(), absent()) see them before the
// first job: jobs_total for each outcome and platform, images_total for
// each platform, and the generation
// histogram, busy seconds and busy fraction of each backend. Series of
// platforms or backends it was not told about appear with their first job.
func (m *Metrics) InitSeries(platforms []imagine.Platform, backends []string) {
	for _, p := range platforms {
		for _, o := range outcomes {
			m.jobs.WithLabelValues(o.String(), string(p))
		}
		m.images.WithLabelValues(string(p))
		m.previews.WithLabelValues(string(p))
		m.rateLimited.WithLabelValues(string(p))
	}
	for _, b := range backends {
		m.generation.WithLabelValues(b)
		m.busySeconds.WithLabelValues(b)
		m.backendUp.WithLabelValues(b).Set(1)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range backends {
		if _, ok := m.busy[b]; !ok {
			m.busy[b] = 0 // busyFraction reports every backend in busy
		}
	}
}

// WatchQueue makes the queue gauges report q.
func (m *Metrics) WatchQueue(q QueueStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.queue = q
}

func (m *Metrics) queueStats() (waiting, maxPerUser int) {
	m.mu.Lock()
	q := m.queue
	m.mu.Unlock()
	if q == nil {
		return 0, 0
	}
	return q.QueueStats()
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// JobStarted implements imagine.Observer.
func (m *Metrics) JobStarted(backend string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running[backend] = time.Now()
}

// JobEnded implements imagine.Observer.
func (m *Metrics) JobEnded(r imagine.JobReport) {
	m.mu.Lock()
	delete(m.running, r.Backend)
	m.busy[r.Backend] += r.Run.Seconds()
	m.mu.Unlock()
	m.jobs.WithLabelValues(r.Outcome.String(), string(r.Platform)).Inc()
	if r.Images > 0 {
		m.images.WithLabelValues(string(r.Platform)).Add(float64(r.Images))
	}
	m.generation.WithLabelValues(r.Backend).Observe(r.Run.Seconds())
	m.wait.Observe(r.Wait.Seconds())
	m.busySeconds.WithLabelValues(r.Backend).Add(r.Run.Seconds())
}

// ModelLoaded implements imagine.Observer.
func (m *Metrics) ModelLoaded(backend, model string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.models[backend]; ok {
		m.model.DeleteLabelValues(backend, old)
	}
	m.models[backend] = model
	m.model.WithLabelValues(backend, model).Set(1)
}

// BackendUp implements imagine.Observer.
func (m *Metrics) BackendUp(backend string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.backendUp.WithLabelValues(backend).Set(v)
}

// StoreFailed implements imagine.Observer.
func (m *Metrics) StoreFailed(op string) {
	m.storeErrors.WithLabelValues(op).Inc()
}

// PreviewEdited counts one preview or progress edit sent on platform.
func (m *Metrics) PreviewEdited(platform imagine.Platform) {
	m.previews.WithLabelValues(string(platform)).Inc()
}

// RateLimited counts one 429 received from platform.
func (m *Metrics) RateLimited(platform imagine.Platform) {
	m.rateLimited.WithLabelValues(string(platform)).Inc()
}

// busyFraction exports, per backend, the share of time since start that it
// spent running jobs, counting the job running now.
type busyFraction struct{ m *Metrics }

var busyDesc = prometheus.NewDesc("imaginebot_backend_busy_fraction",
	"Share of the time since start each backend spent running jobs (0-1).", []string{"backend"}, nil)

func (b busyFraction) Describe(ch chan<- *prometheus.Desc) { ch <- busyDesc }

func (b busyFraction) Collect(ch chan<- prometheus.Metric) {
	m := b.m
	up := time.Since(m.start).Seconds()
	if up <= 0 {
		return
	}
	m.mu.Lock()
	busy := make(map[string]float64, len(m.busy)+len(m.models))
	for backend := range m.models {
		busy[backend] = 0
	}
	for backend, secs := range m.busy {
		busy[backend] = secs
	}
	for backend, t := range m.running {
		busy[backend] += time.Since(t).Seconds()
	}
	m.mu.Unlock()
	for backend, secs := range busy {
		ch <- prometheus.MustNewConstMetric(busyDesc, prometheus.GaugeValue, min(secs/up, 1), backend)
	}
}
