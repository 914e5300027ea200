package sdsim

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// Sim is a simulated AUTOMATIC1111 WebUI as an http.Handler. It is safe for
// concurrent use. Close stops its work; serve it with NewServer in tests or
// with an http.Server (Close the Sim before shutting the server down, so that
// hanging handlers return).
type Sim struct {
	opts Options
	log  *slog.Logger
	cat  *catalog

	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu          sync.Mutex // guards every field below
	gen         genState
	tasks       taskBook
	lockHeld    bool            // the FIFO job lock is taken
	lockWaiters []chan struct{} // closed, in order, to hand the job lock over
	settings    map[string]any  // opts.data without sd_model_checkpoint
	selected    int             // checkpoint opts.sd_model_checkpoint names
	loaded      int             // checkpoint in (simulated) VRAM
	fault       Fault
	faultLeft   int // requests the fault still affects when fault.Times > 0
	records     []*Record
	txt2imgDone int
	img2imgDone int
	upscaleDone int
	busy        int           // requests that take the job lock, queued or running
	idle        chan struct{} // closed while busy == 0
}

// New returns a Sim configured by opts.
func New(opts Options) *Sim {
	opts = opts.withDefaults()
	s := &Sim{
		opts: opts,
		log:  opts.Logger.With("component", "sdsim"),
		cat:  newCatalog(opts.Models, opts.LoRAs),
		done: make(chan struct{}),
		idle: make(chan struct{}),
	}
	close(s.idle)
	s.gen.jobTimestamp = "0"
	s.settings = defaultSettings(opts)
	s.settings["sd_checkpoint_hash"] = s.cat.checkpoints[0].SHA256
	return s
}

// Close stops the Sim: running jobs stop at their next step, queued requests and
// hanging handlers return by dropping their connection, and later requests are
// dropped too. Close is idempotent.
func (s *Sim) Close() {
	s.closeOnce.Do(func() { close(s.done) })
}

// maxBody bounds the request bodies the Sim reads.
const maxBody = 32 << 20

// call is one request as the endpoint handlers see it.
type call struct {
	r    *http.Request
	body []byte
	rec  *Record
	oom  bool // FaultOOM applies to this txt2img
	// imageFault is the image fault (FaultNoImages...) that spoils this
	// txt2img's answer, or FaultNone.
	imageFault FaultKind
}

type handlerFunc func(s *Sim, w http.ResponseWriter, c *call)

// route is one endpoint: its handlers by method, whether --api-auth protects
// it, and whether it exists only in the A1111 flavour (UI mode).
type route struct {
	methods   map[string]handlerFunc
	auth      bool
	uiOnly    bool
	isTxt2Img bool
}

var routes = map[string]route{
	"/sdapi/v1/txt2img":              {methods: map[string]handlerFunc{"POST": (*Sim).txt2img}, auth: true, isTxt2Img: true},
	"/sdapi/v1/img2img":              {methods: map[string]handlerFunc{"POST": (*Sim).img2img}, auth: true, isTxt2Img: true},
	"/sdapi/v1/extra-single-image":   {methods: map[string]handlerFunc{"POST": (*Sim).extraSingleImage}, auth: true},
	"/sdapi/v1/progress":             {methods: map[string]handlerFunc{"GET": (*Sim).globalProgress}, auth: true},
	"/sdapi/v1/options":              {methods: map[string]handlerFunc{"GET": (*Sim).getOptions, "POST": (*Sim).setOptions}, auth: true},
	"/sdapi/v1/sd-models":            {methods: map[string]handlerFunc{"GET": (*Sim).sdModels}, auth: true},
	"/sdapi/v1/samplers":             {methods: map[string]handlerFunc{"GET": (*Sim).samplers}, auth: true},
	"/sdapi/v1/schedulers":           {methods: map[string]handlerFunc{"GET": (*Sim).schedulers}, auth: true},
	"/sdapi/v1/upscalers":            {methods: map[string]handlerFunc{"GET": (*Sim).upscalers}, auth: true},
	"/sdapi/v1/latent-upscale-modes": {methods: map[string]handlerFunc{"GET": (*Sim).latentUpscaleModes}, auth: true},
	"/sdapi/v1/interrupt":            {methods: map[string]handlerFunc{"POST": (*Sim).interrupt}, auth: true},
	"/sdapi/v1/skip":                 {methods: map[string]handlerFunc{"POST": (*Sim).skip}, auth: true},
	"/sdapi/v1/refresh-checkpoints":  {methods: map[string]handlerFunc{"POST": (*Sim).refreshCheckpoints}, auth: true},
	"/sdapi/v1/loras":                {methods: map[string]handlerFunc{"GET": (*Sim).loras}},
	"/sdapi/v1/refresh-loras":        {methods: map[string]handlerFunc{"POST": (*Sim).refreshLoRAs}},
	"/internal/progress":             {methods: map[string]handlerFunc{"POST": (*Sim).taskProgress}, uiOnly: true},
	"/internal/pending-tasks":        {methods: map[string]handlerFunc{"GET": (*Sim).pendingTasks}, uiOnly: true},
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	var body []byte
	if r.Method != http.MethodGet && r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
	}
	rec := s.startRecord(r, body)
	sw.onStatus = func(code int) { s.setRecordStatus(rec, code) }
	defer s.finishRecord(rec, sw)
	s.log.Debug("request", "method", r.Method, "path", r.URL.Path)

	select {
	case <-s.done:
		s.drop(sw)
		return
	default:
	}
	switch s.takeFault(r.URL.Path, FaultDown, FaultHang) {
	case FaultDown:
		s.log.Info("fault: dropping connection", "path", r.URL.Path)
		s.drop(sw)
		return
	case FaultHang:
		s.log.Info("fault: hanging", "path", r.URL.Path)
		s.hang(sw, r)
		return
	}

	rt, ok := routes[r.URL.Path]
	if !ok || (rt.uiOnly && s.opts.Flavor != FlavorA1111) {
		writeDetail(sw, http.StatusNotFound, "Not Found")
		return
	}
	h := rt.methods[r.Method]
	if h == nil {
		writeDetail(sw, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	if rt.auth && s.opts.Username != "" && !s.authorized(sw, r) {
		return
	}
	c := &call{r: r, body: body, rec: rec}
	if rt.isTxt2Img || r.URL.Path == "/sdapi/v1/extra-single-image" {
		c.imageFault = s.takeFault(r.URL.Path, imageFaults...)
	}
	switch s.takeFault(r.URL.Path, FaultOOM, FaultValidation, FaultMalformed) {
	case FaultOOM:
		if rt.isTxt2Img || r.URL.Path == "/sdapi/v1/extra-single-image" {
			c.oom = true // the job fails after it has taken the lock and run a step or two
			break
		}
		writeException(sw, "OutOfMemoryError", oomMessage)
		return
	case FaultValidation:
		write422(sw, []validationError{{Loc: []any{"body", "steps"}, Msg: "value is not a valid integer", Type: "type_error.integer"}})
		return
	case FaultMalformed:
		tw := &truncatingWriter{w: sw}
		h(s, tw, c)
		tw.flush()
		return
	}
	h(s, sw, c)
}

// drop closes the request's connection without an answer, like a crashed
// server.
func (s *Sim) drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http resets the stream without logging
	}
	_ = conn.Close()
}

// hang waits until the client gives up or the Sim closes, then drops the
// connection.
func (s *Sim) hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
	s.drop(w)
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int // 0 until something is written
	// onStatus, if set, is told the status before the client can see it,
	// so that a record already has it when the client has the answer.
	onStatus func(int)
}

func (w *statusWriter) setStatus(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.onStatus != nil {
		w.onStatus(code)
	}
}

// WriteHeader implements http.ResponseWriter.
func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// truncatingWriter implements FaultMalformed: it answers 200 with the first
// half of whatever the handler wrote.
type truncatingWriter struct {
	w   http.ResponseWriter
	buf []byte
}

func (t *truncatingWriter) Header() http.Header         { return t.w.Header() }
func (t *truncatingWriter) WriteHeader(int)             {}
func (t *truncatingWriter) Unwrap() http.ResponseWriter { return t.w }
func (t *truncatingWriter) Write(b []byte) (int, error) {
	t.buf = append(t.buf, b...)
	return len(b), nil
}

func (t *truncatingWriter) flush() {
	body := t.buf[:len(t.buf)/2]
	if len(body) == 0 {
		body = []byte(`{"`)
	}
	t.w.Header().Del("Content-Length")
	t.w.Header().Set("Content-Type", "application/json")
	t.w.WriteHeader(http.StatusOK)
	_, _ = t.w.Write(body)
}
