package comfyui

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // previews
	_ "image/png"  // previews
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/netcause"

	"github.com/gorilla/websocket"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The websocket's state, as jobs see it.
const (
	wsUp           = iota // connected
	wsReconnecting        // dropped, being redialled
	wsDown                // dropped and not back within the window, or closed
)

// evKind is what an event tells a job.
type evKind int

const (
	evProgress evKind = iota
	evPreview
	evDone        // executing with node null, or execution_success
	evError       // execution_error
	evInterrupted // execution_interrupted
)

// event is one websocket message for a job.
type event struct {
	kind       evKind
	value, max int
	preview    []byte
	exec       *ExecutionError // evError
}

// job is one prompt a Generate call follows.
type job struct {
	id      string
	events  chan event    // progress and previews; dropped when full
	wake    chan struct{} // cap 1: the websocket's state changed
	end     chan struct{} // closed when final is set
	started bool          // guarded by hub.mu: the prompt has begun to run
	final   *event        // guarded by hub.mu: the first terminal event
}

// hub is a backend's one websocket, shared by its jobs: it is dialled by
// the first job, redialled when it drops while jobs wait, and closed a
// while after the last job (or by Close).
type hub struct {
	b        *Backend
	clientID string
	window   time.Duration
	dialMu   sync.Mutex // one dial at a time

	mu        sync.Mutex // guards the fields below
	jobs      map[string]*job
	refs      int
	running   string // the prompt ComfyUI runs now, as far as we know
	sess      *session
	state     int
	gen       int // counts connections
	downErr   error
	idleTimer *time.Timer
}

// session is one run of the connection loop.
type session struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	conn   *websocket.Conn
}

func (s *session) stop() {
	s.cancel()
	s.mu.Lock()
	s.conn.Close()
	s.mu.Unlock()
	<-s.done
}

func newHub(b *Backend, window time.Duration) *hub {
	return &hub{b: b, clientID: newClientID(), window: window, jobs: map[string]*job{}, state: wsDown}
}

var errClosed = errors.New("comfyui: backend closed")

// acquire makes sure the websocket is connected (or being redialled) for
// a job; release must follow.
func (h *hub) acquire(ctx context.Context) error {
	h.mu.Lock()
	h.refs++
	if h.idleTimer != nil {
		h.idleTimer.Stop()
		h.idleTimer = nil
	}
	live := h.sess != nil
	h.mu.Unlock()
	if live {
		return nil
	}
	h.dialMu.Lock()
	defer h.dialMu.Unlock()
	h.mu.Lock()
	live = h.sess != nil
	h.mu.Unlock()
	if live {
		return nil
	}
	conn, err := h.dial(ctx)
	if err != nil {
		h.release()
		return err
	}
	sctx, cancel := context.WithCancel(context.Background())
	s := &session{cancel: cancel, done: make(chan struct{}), conn: conn}
	h.mu.Lock()
	h.sess, h.state, h.downErr = s, wsUp, nil
	h.gen++
	h.mu.Unlock()
	go h.loop(sctx, s)
	return nil
}

// release ends a job's use; the websocket closes idleLinger after the
// last one.
func (h *hub) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.refs--
	if h.refs == 0 && h.sess != nil {
		s := h.sess
		h.idleTimer = time.AfterFunc(idleLinger, func() { h.closeIdle(s) })
	}
}

func (h *hub) closeIdle(s *session) {
	h.mu.Lock()
	if h.sess != s || h.refs > 0 {
		h.mu.Unlock()
		return
	}
	h.sess, h.state = nil, wsDown
	h.mu.Unlock()
	s.stop()
}

// close stops the websocket now; waiting jobs are told it is down.
func (h *hub) close() {
	h.mu.Lock()
	s := h.sess
	h.sess = nil
	if h.idleTimer != nil {
		h.idleTimer.Stop()
		h.idleTimer = nil
	}
	h.mu.Unlock()
	if s != nil {
		s.stop()
	}
	h.mu.Lock()
	h.state, h.downErr = wsDown, errClosed
	h.wakeAllLocked()
	h.mu.Unlock()
}

// dial opens /ws?clientId=.
func (h *hub) dial(ctx context.Context) (*websocket.Conn, error) {
	u := strings.Replace(h.b.base, "http", "ws", 1) + "/ws?clientId=" + url.QueryEscape(h.clientID)
	hdr := http.Header{}
	if h.b.user != "" || h.b.pass != "" {
		req, _ := http.NewRequest(http.MethodGet, h.b.base, nil)
		req.SetBasicAuth(h.b.user, h.b.pass)
		hdr.Set("Authorization", req.Header.Get("Authorization"))
	}
	dctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	d := websocket.Dialer{HandshakeTimeout: callTimeout, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(dctx, u, hdr)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				return nil, fmt.Errorf("%w: comfyui: the websocket at %s/ws answered HTTP %d (check the backend's username and password)", imagine.ErrBackend, h.b.base, resp.StatusCode)
			}
			if resp.StatusCode/100 != 5 {
				return nil, fmt.Errorf("%w: comfyui: the websocket at %s/ws answered HTTP %d; is the url a ComfyUI server?", imagine.ErrBackend, h.b.base, resp.StatusCode)
			}
		}
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("comfyui: websocket: %w", context.Cause(ctx))
		}
		return nil, fmt.Errorf("%w: comfyui: cannot open the websocket of %s: %s; is ComfyUI running and is the backend's url right?", imagine.ErrBackendDown, h.b.base, netcause.Of(err))
	}
	conn.SetReadLimit(maxBody)
	return conn, nil
}

// loop reads the session's websocket and redials it when it drops while
// jobs wait.
func (h *hub) loop(ctx context.Context, s *session) {
	defer close(s.done)
	defer s.cancel()
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	for {
		h.read(conn)
		if ctx.Err() != nil {
			return
		}
		h.mu.Lock()
		if h.refs == 0 { // dropped while idle: the next job dials again
			if h.sess == s {
				h.sess, h.state = nil, wsDown
			}
			h.mu.Unlock()
			return
		}
		h.state, h.running = wsReconnecting, ""
		h.wakeAllLocked()
		h.mu.Unlock()
		h.b.log.Warn("ComfyUI websocket dropped; reconnecting")
		next, err := h.redial(ctx)
		if err != nil {
			h.mu.Lock()
			if h.sess == s {
				h.sess = nil
			}
			h.state, h.downErr = wsDown, err
			h.wakeAllLocked()
			h.mu.Unlock()
			h.b.log.Warn("ComfyUI websocket did not come back", "err", err)
			return
		}
		s.mu.Lock()
		s.conn, conn = next, next
		s.mu.Unlock()
		if ctx.Err() != nil {
			next.Close()
			return
		}
		h.b.log.Info("ComfyUI websocket reconnected")
		h.mu.Lock()
		h.state = wsUp
		h.gen++
		h.wakeAllLocked()
		h.mu.Unlock()
	}
}

// redial retries the websocket with backoff for the reconnect window.
func (h *hub) redial(ctx context.Context) (*websocket.Conn, error) {
	deadline := time.Now().Add(h.window)
	delay := 50 * time.Millisecond
	var last error
	for {
		conn, err := h.dial(ctx)
		if err == nil {
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			return nil, errClosed
		}
		if time.Now().Add(delay).After(deadline) {
			return nil, fmt.Errorf("the websocket dropped and did not come back within %v: %w", h.window, last)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errClosed
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

func (h *hub) wakeAllLocked() {
	for _, j := range h.jobs {
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
}

// read dispatches messages until the connection fails.
func (h *hub) read(conn *websocket.Conn) {
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if typ == websocket.BinaryMessage {
			h.preview(data)
		} else {
			h.dispatch(data)
		}
	}
}

// wsMessage is a JSON websocket message, with the data fields the client
// reads.
type wsMessage struct {
	Type string `json:"type"`
	Data struct {
		PromptID         string          `json:"prompt_id"`
		Node             json.RawMessage `json:"node"`
		Value            float64         `json:"value"`
		Max              float64         `json:"max"`
		NodeID           json.RawMessage `json:"node_id"`
		NodeType         string          `json:"node_type"`
		ExceptionMessage string          `json:"exception_message"`
		ExceptionType    string          `json:"exception_type"`
	} `json:"data"`
}

func (h *hub) dispatch(data []byte) {
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		h.b.log.Debug("ComfyUI websocket message is not JSON; ignored", "err", err)
		return
	}
	d := m.Data
	h.mu.Lock()
	defer h.mu.Unlock()
	j := h.jobs[d.PromptID]
	switch m.Type {
	case "execution_start":
		h.running = d.PromptID
		if j != nil {
			j.started = true
		}
	case "executing", "execution_success":
		if m.Type == "execution_success" || len(d.Node) == 0 || string(d.Node) == "null" {
			if h.running == d.PromptID {
				h.running = ""
			}
			if j != nil {
				j.finish(event{kind: evDone})
			}
			return
		}
		if d.PromptID != "" {
			h.running = d.PromptID
		}
		if j != nil {
			j.started = true
		}
	case "progress":
		if j != nil && d.Max > 0 {
			j.started = true
			j.push(event{kind: evProgress, value: int(d.Value), max: int(d.Max)})
		}
	case "execution_error":
		if j != nil {
			j.finish(event{kind: evError, exec: &ExecutionError{
				PromptID: d.PromptID, NodeID: nodeID(d.NodeID), NodeType: d.NodeType,
				ExceptionType: d.ExceptionType, Message: d.ExceptionMessage,
			}})
		}
	case "execution_interrupted":
		if j != nil {
			j.finish(event{kind: evInterrupted})
		}
	}
}

func nodeID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.Trim(string(raw), `"`)
}

// The binary event types of ComfyUI's websocket.
const (
	binPreview         = 1 // format (1 JPEG, 2 PNG), image
	binPreviewWithMeta = 4 // metadata length, JSON metadata, image
)

// preview hands a binary preview frame to the job it belongs to: the one
// its metadata names, else the prompt running now. A frame that is not a
// preview, or whose image does not decode, is dropped.
func (h *hub) preview(data []byte) {
	if len(data) < 8 {
		h.b.log.Debug("ComfyUI binary frame too short; dropped", "bytes", len(data))
		return
	}
	var promptID string
	img := data[8:]
	switch binary.BigEndian.Uint32(data[:4]) {
	case binPreview:
	case binPreviewWithMeta:
		n := binary.BigEndian.Uint32(data[4:8])
		if uint64(n) > uint64(len(data)-8) {
			return
		}
		var meta struct {
			PromptID string `json:"prompt_id"`
		}
		_ = json.Unmarshal(data[8:8+n], &meta)
		promptID, img = meta.PromptID, data[8+n:]
	default:
		return
	}
	h.mu.Lock()
	if promptID == "" {
		promptID = h.running
	}
	j := h.jobs[promptID]
	if j == nil && len(h.jobs) == 1 && h.running == "" {
		for _, only := range h.jobs {
			j = only
		}
	}
	h.mu.Unlock()
	if j == nil {
		return
	}
	if _, _, err := image.Decode(bytes.NewReader(img)); err != nil {
		h.b.log.Debug("ComfyUI preview does not decode; dropped", "err", err)
		return
	}
	h.mu.Lock()
	j.push(event{kind: evPreview, preview: bytes.Clone(img)})
	h.mu.Unlock()
}

// push delivers a progress event, dropping it when the job is behind.
func (j *job) push(ev event) {
	select {
	case j.events <- ev:
	default:
	}
}

// finish records the first terminal event.
func (j *job) finish(ev event) {
	if j.final == nil {
		j.final = &ev
		close(j.end)
	}
}

func (h *hub) register(id string) *job {
	j := &job{id: id, events: make(chan event, 64), wake: make(chan struct{}, 1), end: make(chan struct{})}
	h.mu.Lock()
	h.jobs[id] = j
	h.mu.Unlock()
	return j
}

// rekey follows a server that gave the prompt another id than ours.
func (h *hub) rekey(j *job, id string) {
	h.mu.Lock()
	delete(h.jobs, j.id)
	j.id = id
	h.jobs[id] = j
	if h.running == id {
		j.started = true
	}
	h.mu.Unlock()
}

func (h *hub) unregister(j *job) {
	h.mu.Lock()
	delete(h.jobs, j.id)
	h.mu.Unlock()
}

// jobView is what a job needs to know after a wake.
type jobView struct {
	state   int
	downErr error
	started bool
	final   *event
}

func (h *hub) snapshot(j *job) jobView {
	h.mu.Lock()
	defer h.mu.Unlock()
	return jobView{state: h.state, downErr: h.downErr, started: j.started, final: j.final}
}
