package discordtest

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway intents the fake looks at.
const (
	intentGuilds         int64 = 1 << 0
	intentGuildMessages  int64 = 1 << 9
	intentDirectMessages int64 = 1 << 12
	intentsPrivileged    int64 = 1<<1 | 1<<8 | 1<<15
)

// Gateway close codes the fake sends.
const (
	closeUnknownOpcode    = 4001
	closeDecodeError      = 4002
	closeNotAuthenticated = 4003
	closeAuthFailed       = 4004
	closeAlreadyAuthed    = 4005
	closeInvalidShard     = 4010
	closeInvalidVersion   = 4012
	closeInvalidIntents   = 4013
	closeDisallowedIntent = 4014
)

// conn is one gateway websocket connection. A single writer goroutine drains out, so writes are
// serialised; the reader runs in the HTTP handler goroutine.
type conn struct {
	ws      *websocket.Conn
	version int
	out     chan outMsg
	done    chan struct{} // closed by kill
	stop    sync.Once

	// Guarded by gateway.mu.
	sess *session
}

// outMsg is one frame to write; closeCode != 0 writes a close frame and ends the connection,
// last ends it after the frames queued before.
type outMsg struct {
	data      []byte
	binary    bool
	closeCode int
	closeText string
	last      bool
}

// kill closes the connection abruptly, without a close frame.
func (c *conn) kill() {
	c.stop.Do(func() {
		close(c.done)
		c.ws.Close()
	})
}

// send queues a frame; a client that does not keep up is disconnected, as Discord does.
func (c *conn) send(m outMsg) {
	select {
	case c.out <- m:
	case <-c.done:
	default:
		c.kill()
	}
}

// sendOp queues a non-dispatch payload.
func (c *conn) sendOp(op int, d any) {
	data, _ := json.Marshal(map[string]any{"op": op, "d": d, "s": nil, "t": nil})
	c.send(outMsg{data: data})
}

// closeWith queues a close frame with a Discord close code.
func (c *conn) closeWith(code int, text string) {
	c.send(outMsg{closeCode: code, closeText: text})
}

func (c *conn) writeLoop() {
	for {
		select {
		case m := <-c.out:
			if m.last {
				c.kill()
				return
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if m.closeCode != 0 {
				_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(m.closeCode, m.closeText))
				c.kill()
				return
			}
			typ := websocket.TextMessage
			if m.binary {
				typ = websocket.BinaryMessage
			}
			if err := c.ws.WriteMessage(typ, m.data); err != nil {
				c.kill()
				return
			}
		case <-c.done:
			return
		}
	}
}

// serveWS upgrades a gateway connection and serves it until it ends.
func (g *gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	ws, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	version, _ := strconv.Atoi(r.URL.Query().Get("v"))
	c := &conn{ws: ws, version: version, out: make(chan outMsg, 4096), done: make(chan struct{})}
	g.mu.Lock()
	g.conns[c] = struct{}{}
	g.stats.Connections++
	g.mu.Unlock()
	g.srv.changed.broadcast()

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	g.readLoop(c, r)
	// Let the writer flush what is queued, a close frame in particular, then end.
	c.send(outMsg{last: true})
	select {
	case <-writerDone:
	case <-time.After(time.Second):
		c.kill()
		<-writerDone
	}
	g.detach(c)
	g.srv.changed.broadcast()
}

// readLoop answers the client's payloads until the connection fails or is closed.
func (g *gateway) readLoop(c *conn, r *http.Request) {
	if c.version != 9 && c.version != 10 {
		c.closeWith(closeInvalidVersion, "Invalid API version.")
		return
	}
	if enc := r.URL.Query().Get("encoding"); enc != "" && enc != "json" {
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return
	}
	interval := g.srv.opts.HeartbeatInterval
	c.sendOp(10, map[string]any{"heartbeat_interval": interval.Milliseconds(), "_trace": []string{"[\"discordtest\"]"}})
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(2*interval + interval/2))
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				// Discord invalidates the session of a client that closes with 1000 or 1001.
				g.invalidate(c)
			}
			return
		}
		var p struct {
			Op *int            `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if typ != websocket.TextMessage || json.Unmarshal(data, &p) != nil || p.Op == nil {
			c.closeWith(closeDecodeError, "Error while decoding payload.")
			return
		}
		switch *p.Op {
		case 1:
			g.mu.Lock()
			g.stats.Heartbeats++
			g.mu.Unlock()
			c.sendOp(11, nil)
			g.srv.changed.broadcast()
		case 2:
			if !g.identify(c, p.D) {
				return
			}
		case 6:
			if !g.resume(c, p.D) {
				return
			}
		case 3, 4, 8:
			// Presence update, voice state update, request guild members: accepted and ignored.
			if !g.authenticated(c) {
				c.closeWith(closeNotAuthenticated, "Not authenticated.")
				return
			}
		default:
			c.closeWith(closeUnknownOpcode, "Unknown opcode.")
			return
		}
	}
}

// tokenOK reports whether a gateway token is the bot's, with or without the "Bot " prefix.
func (g *gateway) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == g.srv.opts.BotToken
}

// encodeFrame marshals a payload, zlib-compressing it when asked as Discord does with
// identify.compress (each binary frame is a complete zlib stream).
func encodeFrame(data []byte, compress bool) outMsg {
	if !compress {
		return outMsg{data: data}
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return outMsg{data: buf.Bytes(), binary: true}
}
