package comfysim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
)

// prompt is one queued or running graph.
type prompt struct {
	id       string
	number   int
	clientID string
	raw      json.RawMessage
	extra    json.RawMessage
	nodes    map[string]*node
	outputs  []string

	interruptOnce sync.Once
	interrupted   chan struct{} // closed by POST /interrupt naming it (or none)
	node          string        // the node executing now; guarded by Sim.mu
}

func (p *prompt) interrupt() { p.interruptOnce.Do(func() { close(p.interrupted) }) }

// historyEntry is what GET /history/{prompt_id} tells about a finished
// prompt.
type historyEntry struct {
	Prompt  []any                     `json:"prompt"`
	Outputs map[string]map[string]any `json:"outputs"`
	Status  historyStatus             `json:"status"`
	Meta    map[string]any            `json:"meta"`
}

type historyStatus struct {
	StatusStr string  `json:"status_str"`
	Completed bool    `json:"completed"`
	Messages  [][]any `json:"messages"`
}

// imageRef names a file /view serves.
type imageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// postPrompt is POST /prompt: validate the graph and queue it.
func (s *Sim) postPrompt(w http.ResponseWriter, body []byte) {
	var req struct {
		Prompt    json.RawMessage `json:"prompt"`
		ClientID  string          `json:"client_id"`
		PromptID  string          `json:"prompt_id"`
		ExtraData json.RawMessage `json:"extra_data"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, invalidPrompt("The request body is not JSON: "+err.Error(), ""))
		return
	}
	if len(req.Prompt) == 0 || string(req.Prompt) == "null" {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error":       apiError{Type: "no_prompt", Message: "No prompt provided", Details: "No prompt provided", ExtraInfo: map[string]any{}},
			"node_errors": []any{},
		})
		return
	}
	nodes, rej := parseGraph(req.Prompt)
	var outputs []string
	if rej == nil {
		outputs, rej = s.validate(nodes)
	}
	if rej != nil {
		writeJSON(w, http.StatusBadRequest, rej)
		return
	}
	p := &prompt{
		id: req.PromptID, clientID: req.ClientID, raw: req.Prompt, extra: req.ExtraData,
		nodes: nodes, outputs: outputs, interrupted: make(chan struct{}),
	}
	if p.id == "" {
		p.id = newID()
	}
	if len(p.extra) == 0 {
		p.extra = json.RawMessage(`{}`)
	}
	s.mu.Lock()
	p.number = s.number
	s.number++
	s.pending = append(s.pending, p)
	if s.busy == 0 {
		s.idle = make(chan struct{})
	}
	s.busy++
	s.mu.Unlock()
	s.broadcastStatus()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	writeJSON(w, http.StatusOK, map[string]any{"prompt_id": p.id, "number": p.number, "node_errors": map[string]any{}})
}

func (p *prompt) queueItem() []any {
	return []any{p.number, p.id, p.raw, p.extra, p.outputs}
}

func (s *Sim) getQueue(w http.ResponseWriter) {
	s.mu.Lock()
	running, pending := []any{}, []any{}
	if s.running != nil {
		running = append(running, s.running.queueItem())
	}
	for _, p := range s.pending {
		pending = append(pending, p.queueItem())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"queue_running": running, "queue_pending": pending})
}

// postQueue is POST /queue: {"delete": [ids]} removes queued prompts,
// {"clear": true} all of them. A running prompt is not touched.
func (s *Sim) postQueue(w http.ResponseWriter, body []byte) {
	var req struct {
		Delete []string `json:"delete"`
		Clear  bool     `json:"clear"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	before := len(s.pending)
	s.pending = slices.DeleteFunc(s.pending, func(p *prompt) bool { return req.Clear || slices.Contains(req.Delete, p.id) })
	s.leaveBusyLocked(before - len(s.pending))
	s.mu.Unlock()
	s.broadcastStatus()
	w.WriteHeader(http.StatusOK)
}

// postInterrupt is POST /interrupt: with {"prompt_id": id} it stops that
// prompt only if it is the one running; without, whatever runs.
func (s *Sim) postInterrupt(w http.ResponseWriter, body []byte) {
	var req struct {
		PromptID string `json:"prompt_id"`
	}
	_ = json.Unmarshal(body, &req)
	s.mu.Lock()
	if p := s.running; p != nil && (req.PromptID == "" || req.PromptID == p.id) {
		p.interrupt()
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Sim) getHistory(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]*historyEntry{}
	for hid, e := range s.history {
		if id == "" || hid == id {
			out[hid] = e
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) getView(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	typ := q.Get("type")
	if typ == "" {
		typ = "output"
	}
	name, sub := q.Get("filename"), q.Get("subfolder")
	if name == "" || path.Base(name) != name || strings.Contains(sub, "..") || path.IsAbs(sub) {
		http.Error(w, "400: Bad Request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	data, ok := s.files[typ+"/"+sub+"/"+name]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `filename="`+name+`"`)
	_, _ = w.Write(data)
}

func (s *Sim) getObjectInfo(w http.ResponseWriter, class string) {
	out := map[string]any{}
	for name, spec := range nodeSpecs {
		if class == "" || class == name {
			out[name] = spec.objectInfo(s)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) queueRemainingLocked() int {
	n := len(s.pending)
	if s.running != nil {
		n++
	}
	return n
}

func (s *Sim) leaveBusyLocked(n int) {
	if n <= 0 {
		return
	}
	s.busy -= n
	if s.busy == 0 {
		close(s.idle)
	}
}
