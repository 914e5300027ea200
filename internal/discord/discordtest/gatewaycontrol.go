package discordtest

import "context"

// Connected reports whether some gateway session is identified or resumed on a live connection.
func (s *Server) Connected() bool {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	for _, sess := range s.gw.sessions {
		if sess.conn != nil {
			return true
		}
	}
	return false
}

// WaitConnected waits until Connected is true or ctx ends.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.WaitFor(ctx, s.Connected)
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.stats
}

// DropGateway closes every gateway connection abruptly, without a close frame, as a network
// failure would. Sessions stay resumable; dispatches until the client resumes are replayed.
func (s *Server) DropGateway() {
	s.gw.mu.Lock()
	conns := make([]*conn, 0, len(s.gw.conns))
	for c := range s.gw.conns {
		conns = append(conns, c)
	}
	s.gw.mu.Unlock()
	for _, c := range conns {
		c.kill()
	}
}

// InvalidateSessions ends every session: connected clients get op 9 INVALID_SESSION (d=false)
// and must identify again on the same connection, and a later RESUME of any of these sessions is
// answered with op 9 too.
func (s *Server) InvalidateSessions() {
	defer s.changed.broadcast()
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	for id, sess := range s.gw.sessions {
		sess.invalid = true
		delete(s.gw.sessions, id)
		if c := sess.conn; c != nil {
			c.sess = nil
			sess.conn = nil
			s.gw.stats.InvalidSessions++
			c.sendOp(9, false)
		}
	}
}

// RequestReconnect sends op 7 RECONNECT on every connection; clients should reconnect and resume.
func (s *Server) RequestReconnect() {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	for c := range s.gw.conns {
		c.sendOp(7, nil)
	}
}
