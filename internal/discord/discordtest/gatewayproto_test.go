package discordtest_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// dialGateway connects a raw websocket client and reads HELLO.
func dialGateway(t *testing.T, srv *discordtest.Server, query string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(srv.GatewayURL()+"/"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	return c
}

// readPayload reads one gateway payload, inflating zlib frames.
func readPayload(t *testing.T, c *websocket.Conn) (op int, typ string, d json.RawMessage, err error) {
	t.Helper()
	mt, data, err := c.ReadMessage()
	if err != nil {
		return 0, "", nil, err
	}
	if mt == websocket.BinaryMessage {
		zr, zerr := zlib.NewReader(bytes.NewReader(data))
		if zerr != nil {
			t.Fatal(zerr)
		}
		if data, zerr = io.ReadAll(zr); zerr != nil {
			t.Fatal(zerr)
		}
	}
	var p struct {
		Op int             `json:"op"`
		T  string          `json:"t"`
		D  json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("bad payload %q: %v", data, err)
	}
	return p.Op, p.T, p.D, nil
}

func TestGatewayProtocolErrors(t *testing.T) {
	t.Parallel()
	srv := discordtest.NewServer(discordtest.Options{})
	defer srv.Close()
	identify := func(token string, intents any) map[string]any {
		return map[string]any{"op": 2, "d": map[string]any{"token": token, "intents": intents, "properties": map[string]string{"os": "linux"}}}
	}
	tests := []struct {
		name      string
		query     string
		send      []any
		wantClose int
	}{
		{"wrong token", "?v=9&encoding=json", []any{identify("Bot nope", 513)}, 4004},
		{"privileged intent", "?v=9&encoding=json", []any{identify("Bot test-bot-token", 1<<15)}, 4014},
		{"no intents", "?v=9&encoding=json", []any{identify("Bot test-bot-token", nil)}, 4013},
		{"unknown opcode", "?v=9&encoding=json", []any{map[string]any{"op": 42, "d": nil}}, 4001},
		{"presence before identify", "?v=9&encoding=json", []any{map[string]any{"op": 3, "d": map[string]any{}}}, 4003},
		{"identify twice", "?v=9&encoding=json", []any{identify("test-bot-token", 513), identify("test-bot-token", 513)}, 4005},
		{"old version", "?v=6&encoding=json", nil, 4012},
		{"not json", "?v=9&encoding=json", []any{"{"}, 4002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialGateway(t, srv, tt.query)
			for _, m := range tt.send {
				var err error
				if s, ok := m.(string); ok {
					err = c.WriteMessage(websocket.TextMessage, []byte(s))
				} else {
					err = c.WriteJSON(m)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			for {
				_, _, _, err := readPayload(t, c)
				if err == nil {
					continue
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != tt.wantClose {
					t.Errorf("connection ended with %v, want close code %d", err, tt.wantClose)
				}
				return
			}
		})
	}
}

func TestGatewayRawSession(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{HeartbeatInterval: 200 * time.Millisecond})
	c := dialGateway(t, srv, "?v=10&encoding=json")
	if op, _, d, err := readPayload(t, c); err != nil || op != 10 || !bytes.Contains(d, []byte(`"heartbeat_interval":200`)) {
		t.Fatalf("first payload op %d %s %v, want HELLO", op, d, err)
	}
	if err := c.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "test-bot-token", "intents": 1 | 1<<9, "compress": true}}); err != nil {
		t.Fatal(err)
	}
	var ready struct {
		V         int    `json:"v"`
		SessionID string `json:"session_id"`
		Guilds    []struct {
			ID          string `json:"id"`
			Unavailable bool   `json:"unavailable"`
		} `json:"guilds"`
	}
	op, typ, d, err := readPayload(t, c)
	if err != nil || op != 0 || typ != "READY" || json.Unmarshal(d, &ready) != nil {
		t.Fatalf("got op %d %s %v, want READY", op, typ, err)
	}
	if ready.V != 10 || ready.SessionID == "" || len(ready.Guilds) != 1 || ready.Guilds[0].ID != guild.ID || !ready.Guilds[0].Unavailable {
		t.Errorf("READY = %+v", ready)
	}
	if _, typ, _, _ := readPayload(t, c); typ != "GUILD_CREATE" {
		t.Errorf("after READY got %q, want GUILD_CREATE", typ)
	}
	if err := c.WriteJSON(map[string]any{"op": 1, "d": 2}); err != nil {
		t.Fatal(err)
	}
	if op, _, _, _ := readPayload(t, c); op != 11 {
		t.Errorf("heartbeat answered with op %d, want 11", op)
	}
	// A dispatch while we are gone is replayed on RESUME, then RESUMED.
	if r := call(t, srv, "PUT", "/api/v10/applications/"+srv.AppID()+"/commands",
		[]any{map[string]any{"name": "imagine", "description": "Generate"}}, ""); r.status != http.StatusOK {
		t.Fatalf("register a command: %d %s", r.status, r.body)
	}
	srv.DropGateway()
	if _, err := srv.Interact(discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine"}); err != nil {
		t.Fatal(err)
	}
	c2 := dialGateway(t, srv, "?v=10&encoding=json")
	readPayload(t, c2) // HELLO
	if err := c2.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "Bot test-bot-token", "session_id": ready.SessionID, "seq": 2}}); err != nil {
		t.Fatal(err)
	}
	var types []string
	for range 2 {
		_, typ, _, err := readPayload(t, c2)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, typ)
	}
	if types[0] != "INTERACTION_CREATE" || types[1] != "RESUMED" {
		t.Errorf("after RESUME got %v, want INTERACTION_CREATE, RESUMED", types)
	}
	// An unknown session cannot resume.
	c3 := dialGateway(t, srv, "?v=10&encoding=json")
	readPayload(t, c3)
	if err := c3.WriteJSON(map[string]any{"op": 6, "d": map[string]any{"token": "test-bot-token", "session_id": "nope", "seq": 1}}); err != nil {
		t.Fatal(err)
	}
	if op, _, d, _ := readPayload(t, c3); op != 9 || string(d) != "false" {
		t.Errorf("resume of an unknown session: op %d d %s, want 9 false", op, d)
	}
	// Silence for two heartbeat intervals ends the connection.
	if _, _, _, err := readPayload(t, c3); err == nil {
		t.Error("a silent connection stayed open")
	}
}
