package comfysim

import (
	"bufio"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Sim is a simulated ComfyUI server as an http.Handler. It is safe for
// concurrent use. New starts its executor; Close stops it, drops every
// websocket and releases hanging requests (Close the Sim before shutting
// down the http.Server that serves it).
type Sim struct {
	opts Options

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	wg        sync.WaitGroup // the executor and the websocket writers
	wake      chan struct{}  // cap 1: the queue changed

	mu        sync.Mutex // guards every field below
	pending   []*prompt
	running   *prompt
	number    int
	history   map[string]*historyEntry
	files     map[string][]byte // "type/subfolder/filename" → image file
	fileSeq   int
	uploads   []Upload
	runs      []*Run               // what each prompt that ran was given, in order
	clients   map[string][]*wsConn // client id → its open websockets
	dials     int
	loaded    string // the checkpoint in (simulated) VRAM; "" before the first prompt
	switches  int
	fault     Fault
	faultLeft int
	records   []*Record
	busy      int           // prompts queued or running
	idle      chan struct{} // closed while busy == 0
}

// New returns a Sim configured by opts, its executor running.
func New(opts Options) *Sim {
	s := &Sim{
		opts:    opts.withDefaults(),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		history: map[string]*historyEntry{},
		files:   map[string][]byte{},
		clients: map[string][]*wsConn{},
		idle:    make(chan struct{}),
	}
	close(s.idle)
	s.wg.Add(1)
	go s.executor()
	return s
}

// Close stops the Sim: the running prompt stops at its next step, every
// websocket is closed, hanging requests return by dropping their
// connection, and later requests are dropped too. Close is idempotent and
// waits for the Sim's goroutines.
func (s *Sim) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		for _, conns := range s.clients {
			for _, c := range conns {
				c.close()
			}
		}
		s.mu.Unlock()
	})
	s.wg.Wait()
}

func (s *Sim) closed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// ServeHTTP serves ComfyUI's API.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Method == http.MethodPost {
		limit := int64(64 << 20)
		if r.URL.Path == "/upload/image" {
			limit = s.opts.MaxUploadBytes + 1
		}
		body = readBody(r, limit)
	}
	rec := s.startRecord(r, body)
	sw := &statusWriter{ResponseWriter: w}
	defer s.finishRecord(rec, sw)
	if s.closed() {
		dropConn(sw)
		return
	}
	if s.opts.Username != "" && !s.authorized(r) {
		sw.Header().Set("WWW-Authenticate", `Basic realm="comfyui"`)
		http.Error(sw, "401: Unauthorized", http.StatusUnauthorized)
		return
	}
	switch s.takeFault(r.URL.Path, FaultDown, FaultHang) {
	case FaultDown:
		dropConn(sw)
		return
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		dropConn(sw)
		return
	}
	path := r.URL.Path
	switch {
	case path == "/ws" && r.Method == http.MethodGet:
		s.serveWS(sw, r)
	case path == "/prompt" && r.Method == http.MethodPost:
		s.postPrompt(sw, body)
	case path == "/prompt" && r.Method == http.MethodGet:
		s.mu.Lock()
		n := s.queueRemainingLocked()
		s.mu.Unlock()
		writeJSON(sw, http.StatusOK, map[string]any{"exec_info": map[string]any{"queue_remaining": n}})
	case path == "/queue" && r.Method == http.MethodGet:
		s.getQueue(sw)
	case path == "/queue" && r.Method == http.MethodPost:
		s.postQueue(sw, body)
	case path == "/interrupt" && r.Method == http.MethodPost:
		s.postInterrupt(sw, body)
	case path == "/history" && r.Method == http.MethodGet:
		s.getHistory(sw, "")
	case strings.HasPrefix(path, "/history/") && r.Method == http.MethodGet:
		s.getHistory(sw, strings.TrimPrefix(path, "/history/"))
	case path == "/upload/image" && r.Method == http.MethodPost:
		s.postUpload(sw, r, body)
	case path == "/view" && r.Method == http.MethodGet:
		s.getView(sw, r)
	case path == "/object_info" && r.Method == http.MethodGet:
		s.getObjectInfo(sw, "")
	case strings.HasPrefix(path, "/object_info/") && r.Method == http.MethodGet:
		s.getObjectInfo(sw, strings.TrimPrefix(path, "/object_info/"))
	case path == "/system_stats" && r.Method == http.MethodGet:
		writeJSON(sw, http.StatusOK, map[string]any{
			"system":  map[string]any{"os": "posix", "comfyui_version": "0.3.40-sim", "python_version": "3.12", "embedded_python": false},
			"devices": []any{map[string]any{"name": "cuda:0 Simulated GPU", "type": "cuda", "index": 0, "vram_total": 8 << 30, "vram_free": 6 << 30}},
		})
	default:
		http.NotFound(sw, r)
	}
}

func (s *Sim) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password))
	return ok && u&p == 1
}

func readBody(r *http.Request, limit int64) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, limit))
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// dropConn closes the connection without an answer, like a crashed server.
func dropConn(w *statusWriter) {
	conn, _, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// statusWriter remembers the status answered; it can be hijacked (for the
// websocket).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack hands the connection over (to the websocket).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// now is the timestamp ComfyUI puts into events, in milliseconds.
func now() int64 { return time.Now().UnixMilli() }
