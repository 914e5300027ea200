package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
)

// maxBacklog is how many dispatches a session keeps for RESUME.
const maxBacklog = 1000

// compressOver is the payload size above which a compressing session gets zlib frames.
const compressOver = 1024

// GatewayStats counts gateway activity since the server started.
type GatewayStats struct {
	Connections     int // websocket connections accepted
	Identifies      int // successful IDENTIFYs, each answered with READY
	Resumes         int // successful RESUMEs, each answered with RESUMED
	InvalidSessions int // op 9 INVALID_SESSION payloads sent
	Heartbeats      int // op 1 heartbeats received
}

// gateway serves the websocket side of the fake.
type gateway struct {
	srv      *Server
	upgrader websocket.Upgrader
	wg       sync.WaitGroup // one per connection handler

	mu       sync.Mutex // guards sessions, conns, stats, closed and every conn's sess
	sessions map[string]*session
	conns    map[*conn]struct{}
	stats    GatewayStats
	closed   bool
}

// session is a gateway session: it outlives connections until the client closes normally or it
// is invalidated, buffering dispatches for RESUME.
type session struct {
	id       string
	seq      int64
	intents  int64
	shard    [2]int // id, count
	compress bool
	backlog  []frame // the last dispatches, in sequence order
	conn     *conn   // nil while disconnected
	invalid  bool
}

// frame is a dispatch already sent (or to be replayed) in a session.
type frame struct {
	seq  int64
	data []byte
}

// eventFilter selects the sessions a dispatch goes to.
type eventFilter struct {
	guildID string // shard routing; "" routes to shard 0, as DMs
	intent  int64  // required intent, 0 for none (INTERACTION_CREATE)
}

func newGateway(s *Server) *gateway {
	return &gateway{
		srv:      s,
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
		sessions: map[string]*session{},
		conns:    map[*conn]struct{}{},
	}
}

// close kills every connection and waits for the connection goroutines.
func (g *gateway) close() {
	g.mu.Lock()
	g.closed = true
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
	g.wg.Wait()
}

func (g *gateway) authenticated(c *conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return c.sess != nil
}

func (g *gateway) detach(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.conns, c)
	if c.sess != nil && c.sess.conn == c {
		c.sess.conn = nil
	}
	c.sess = nil
}

func (g *gateway) invalidate(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.sess != nil {
		c.sess.invalid = true
		delete(g.sessions, c.sess.id)
	}
}

// identify handles op 2; it returns false when the connection was closed.
func (g *gateway) identify(c *conn, d json.RawMessage) bool {
	var id struct {
		Token    string  `json:"token"`
		Intents  *int64  `json:"intents"`
		Shard    *[2]int `json:"shard"`
		Compress bool    `json:"compress"`
	}
	if json.Unmarshal(d, &id) != nil {
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	switch {
	case g.authenticated(c):
		c.closeWith(closeAlreadyAuthed, "Already authenticated.")
		return false
	case !g.tokenOK(id.Token):
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	case id.Intents == nil || *id.Intents < 0:
		c.closeWith(closeInvalidIntents, "Invalid intent(s).")
		return false
	case *id.Intents&intentsPrivileged&^g.srv.opts.PrivilegedIntents != 0:
		c.closeWith(closeDisallowedIntent, "Disallowed intent(s).")
		return false
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
		if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
			c.closeWith(closeInvalidShard, "Invalid shard.")
			return false
		}
	}
	sess := &session{id: newSessionID(), intents: *id.Intents, shard: shard, compress: id.Compress}
	ready, guilds := g.srv.readyPayload(c.version, sess)

	g.mu.Lock()
	defer g.mu.Unlock()
	for sid, old := range g.sessions {
		// A re-identifying client has given up its old sessions of this shard.
		if old.conn == nil && old.shard == shard {
			old.invalid = true
			delete(g.sessions, sid)
		}
	}
	g.sessions[sess.id] = sess
	sess.conn = c
	c.sess = sess
	g.stats.Identifies++
	var routed []guildCreate
	unavailable := []any{}
	for _, gc := range guilds {
		if g.routesLocked(sess, eventFilter{guildID: gc.id}) {
			routed = append(routed, gc)
			unavailable = append(unavailable, map[string]any{"id": gc.id, "unavailable": true})
		}
	}
	ready["guilds"] = unavailable
	g.pushLocked(sess, "READY", ready, true)
	if sess.intents&intentGuilds != 0 {
		for _, gc := range routed {
			g.pushLocked(sess, "GUILD_CREATE", gc.payload, false)
		}
	}
	g.srv.log.Debug("gateway identify", "session", sess.id, "intents", sess.intents)
	g.srv.changed.broadcast()
	return true
}

// resume handles op 6; it returns false when the connection was closed.
func (g *gateway) resume(c *conn, d json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if json.Unmarshal(d, &rs) != nil {
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	if !g.tokenOK(rs.Token) {
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.sess != nil {
		c.closeWith(closeAlreadyAuthed, "Already authenticated.")
		return false
	}
	sess := g.sessions[rs.SessionID]
	if sess == nil || sess.invalid || !sess.canReplayFrom(rs.Seq) {
		g.stats.InvalidSessions++
		c.sendOp(9, false)
		g.srv.changed.broadcast()
		return true
	}
	if old := sess.conn; old != nil && old != c {
		old.sess = nil
		old.kill()
	}
	sess.conn = c
	c.sess = sess
	for _, f := range sess.backlog {
		if f.seq > rs.Seq {
			c.send(encodeFrame(f.data, sess.compress && len(f.data) > compressOver))
		}
	}
	g.stats.Resumes++
	g.pushLocked(sess, "RESUMED", map[string]any{"_trace": []string{"[\"discordtest\"]"}}, false)
	g.srv.log.Debug("gateway resume", "session", sess.id, "from", rs.Seq)
	g.srv.changed.broadcast()
	return true
}

// canReplayFrom reports whether every dispatch after seq is still in the backlog.
func (s *session) canReplayFrom(seq int64) bool {
	if seq > s.seq || seq < 0 {
		return false
	}
	if seq == s.seq {
		return true
	}
	return len(s.backlog) > 0 && s.backlog[0].seq <= seq+1
}

// pushLocked sends a dispatch in a session (or buffers it while disconnected).
func (g *gateway) pushLocked(sess *session, t string, d any, forceCompress bool) {
	raw, err := json.Marshal(d)
	if err != nil {
		g.srv.log.Error("gateway marshal", "event", t, "err", err)
		return
	}
	sess.seq++
	data := []byte(`{"t":"` + t + `","s":` + strconv.FormatInt(sess.seq, 10) + `,"op":0,"d":` + string(raw) + `}`)
	sess.backlog = append(sess.backlog, frame{seq: sess.seq, data: data})
	if len(sess.backlog) > maxBacklog {
		sess.backlog = sess.backlog[len(sess.backlog)-maxBacklog:]
	}
	if sess.conn != nil {
		sess.conn.send(encodeFrame(data, sess.compress && (forceCompress || len(data) > compressOver)))
	}
}

// routesLocked reports whether a session receives events for the filter's guild (sharding).
func (g *gateway) routesLocked(sess *session, f eventFilter) bool {
	if sess.shard[1] <= 1 {
		return true
	}
	shard := 0
	if f.guildID != "" {
		id, _ := strconv.ParseUint(f.guildID, 10, 64)
		shard = int((id >> 22) % uint64(sess.shard[1]))
	}
	return shard == sess.shard[0]
}

// dispatch sends an event to every live or resumable session it is routed to and returns how
// many sessions got it.
func (g *gateway) dispatch(t string, d any, f eventFilter) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, sess := range g.sessions {
		if sess.invalid || (f.intent != 0 && sess.intents&f.intent == 0) || !g.routesLocked(sess, f) {
			continue
		}
		g.pushLocked(sess, t, d, false)
		n++
	}
	return n
}
