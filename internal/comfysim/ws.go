package comfysim

import (
	"encoding/binary"
	"encoding/json"
	"net/http"
	"slices"
	"sync"

	"github.com/gorilla/websocket"
)

// wsConn is one open websocket. Frames go through send to its writer
// goroutine; a client too slow to take them is disconnected.
type wsConn struct {
	sid       string
	conn      *websocket.Conn
	send      chan frame
	closeOnce sync.Once
	closed    chan struct{}
}

type frame struct {
	binary bool
	data   []byte
}

func (c *wsConn) close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.conn.Close()
	})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveWS is GET /ws?clientId=ID: events for the prompts that client
// queued, and the status everybody gets. Like ComfyUI, a client that
// (re)connects gets the status and, if its prompt runs, the node executing
// now.
func (s *Sim) serveWS(w http.ResponseWriter, r *http.Request) {
	sid := r.URL.Query().Get("clientId")
	if sid == "" {
		sid = newID()
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade answered the client
	}
	c := &wsConn{sid: sid, conn: conn, send: make(chan frame, 256), closed: make(chan struct{})}
	s.mu.Lock()
	if s.closed() {
		s.mu.Unlock()
		conn.Close()
		return
	}
	s.clients[sid] = append(s.clients[sid], c)
	s.dials++
	remaining := s.queueRemainingLocked()
	var running *prompt
	var runningNode string
	if s.running != nil && s.running.clientID == sid {
		running, runningNode = s.running, s.running.node
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()
	c.push(jsonFrame("status", map[string]any{"status": map[string]any{"exec_info": map[string]any{"queue_remaining": remaining}}, "sid": sid}))
	if running != nil && runningNode != "" {
		c.push(jsonFrame("executing", map[string]any{"node": runningNode, "display_node": runningNode, "prompt_id": running.id}))
	}
	for { // read until the client or the Sim closes the connection
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	c.close()
	s.mu.Lock()
	s.clients[sid] = slices.DeleteFunc(s.clients[sid], func(x *wsConn) bool { return x == c })
	if len(s.clients[sid]) == 0 {
		delete(s.clients, sid)
	}
	s.mu.Unlock()
}

func (c *wsConn) writeLoop() {
	for {
		select {
		case <-c.closed:
			return
		case f := <-c.send:
			typ := websocket.TextMessage
			if f.binary {
				typ = websocket.BinaryMessage
			}
			if err := c.conn.WriteMessage(typ, f.data); err != nil {
				c.close()
				return
			}
		}
	}
}

// push queues f, or drops the client when it does not keep up.
func (c *wsConn) push(f frame) {
	select {
	case <-c.closed:
	case c.send <- f:
	default:
		c.close()
	}
}

func jsonFrame(typ string, data any) frame {
	b, _ := json.Marshal(map[string]any{"type": typ, "data": data})
	return frame{data: b}
}

// previewFrame is ComfyUI's binary preview: event type 1 (PREVIEW_IMAGE),
// the image format (1 JPEG, 2 PNG), then the image.
func previewFrame(format uint32, img []byte) frame {
	b := make([]byte, 8, 8+len(img))
	binary.BigEndian.PutUint32(b[0:4], 1)
	binary.BigEndian.PutUint32(b[4:8], format)
	return frame{binary: true, data: append(b, img...)}
}

// sendTo sends f to every websocket of client sid ("" = everybody).
func (s *Sim) sendTo(sid string, f frame) {
	s.mu.Lock()
	var conns []*wsConn
	if sid == "" {
		for _, cs := range s.clients {
			conns = append(conns, cs...)
		}
	} else {
		conns = slices.Clone(s.clients[sid])
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.push(f)
	}
}

// dropClient closes every websocket of client sid (FaultDropWS).
func (s *Sim) dropClient(sid string) {
	s.mu.Lock()
	conns := slices.Clone(s.clients[sid])
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

func (s *Sim) broadcastStatus() {
	s.mu.Lock()
	n := s.queueRemainingLocked()
	s.mu.Unlock()
	s.sendTo("", jsonFrame("status", map[string]any{"status": map[string]any{"exec_info": map[string]any{"queue_remaining": n}}}))
}
