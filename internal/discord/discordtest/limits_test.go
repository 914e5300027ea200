package discordtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// multipartBody builds a payload_json + files[n] body as Discord clients send it.
func multipartBody(t *testing.T, payload any, files ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if payload != nil {
		raw, _ := json.Marshal(payload)
		part, _ := w.CreateFormField("payload_json")
		part.Write(raw)
	}
	for i, name := range files {
		part, _ := w.CreateFormFile(fmt.Sprintf("files[%d]", i), name)
		part.Write(pngFile(t, 4, 4))
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestMessageLimits(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{RateLimits: discordtest.RateLimits{ChannelMessages: discordtest.RateLimit{Limit: -1}}})
	button := func(id string) map[string]any {
		return map[string]any{"type": 2, "style": 1, "label": "b", "custom_id": id}
	}
	row := func(c ...any) map[string]any { return map[string]any{"type": 1, "components": c} }
	n := func(k int, f func(i int) any) []any {
		out := make([]any, k)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name     string
		payload  map[string]any
		files    int
		wantCode int
		wantPath string
	}{
		{"plain", map[string]any{"content": "hello"}, 0, 0, ""},
		{"2000 runes", map[string]any{"content": strings.Repeat("ü", 2000)}, 0, 0, ""},
		{"2001 runes", map[string]any{"content": strings.Repeat("ü", 2001)}, 0, 50035, "content"},
		{"empty", map[string]any{"content": ""}, 0, 50006, ""},
		{"only a file", map[string]any{}, 1, 0, ""},
		{"10 files", map[string]any{}, 10, 0, ""},
		{"11 files", map[string]any{}, 11, 50035, "files"},
		{"11 embeds", map[string]any{"embeds": n(11, func(int) any { return map[string]any{"title": "t"} })}, 0, 50035, "embeds"},
		{"long embed title", map[string]any{"embeds": []any{map[string]any{"title": strings.Repeat("t", 257)}}}, 0, 50035, "embeds.0.title"},
		{"embed total over 6000", map[string]any{"embeds": n(2, func(int) any { return map[string]any{"description": strings.Repeat("d", 3001)} })}, 0, 50035, "embeds"},
		{"embed field without value", map[string]any{"embeds": []any{map[string]any{"fields": []any{map[string]any{"name": "n"}}}}}, 0, 50035, "embeds.0.fields.0.value"},
		{"ftp image", map[string]any{"embeds": []any{map[string]any{"image": map[string]any{"url": "ftp://x/y.png"}}}}, 0, 50035, "embeds.0.image.url"},
		{"attachment url on embed url", map[string]any{"embeds": []any{map[string]any{"url": "attachment://a.png"}}}, 0, 50035, "embeds.0.url"},
		{"5 rows of 5 buttons", map[string]any{"components": n(5, func(r int) any {
			return row(n(5, func(i int) any { return button(fmt.Sprintf("b%d-%d", r, i)) })...)
		})}, 0, 0, ""},
		{"6 rows", map[string]any{"components": n(6, func(r int) any { return row(button(fmt.Sprint(r))) })}, 0, 50035, "components"},
		{"6 buttons", map[string]any{"components": []any{row(n(6, func(i int) any { return button(fmt.Sprint(i)) })...)}}, 0, 50035, "components.0.components"},
		{"custom_id of 101", map[string]any{"components": []any{row(button(strings.Repeat("c", 101)))}}, 0, 50035, "components.0.components.0.custom_id"},
		{"duplicate custom_id", map[string]any{"components": []any{row(button("a"), button("a"))}}, 0, 50035, "components.0.components.1.custom_id"},
		{"button outside a row", map[string]any{"components": []any{button("a")}}, 0, 50035, "components.0.type"},
		{"link button with custom_id", map[string]any{"components": []any{row(map[string]any{"type": 2, "style": 5, "label": "l", "url": "https://x", "custom_id": "c"})}}, 0, 50035, "components.0.components.0.custom_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r apiResponse
			path := "/api/v9/channels/" + ch.ID + "/messages"
			if tt.files > 0 {
				names := make([]string, tt.files)
				for i := range names {
					names[i] = fmt.Sprintf("f%d.png", i)
				}
				body, ctype := multipartBody(t, tt.payload, names...)
				r = call(t, srv, "POST", path, body, ctype)
			} else {
				r = call(t, srv, "POST", path, tt.payload, "")
			}
			if tt.wantCode == 0 {
				if r.status != http.StatusOK {
					t.Errorf("got %d %s, want 200", r.status, r.body)
				}
				return
			}
			if r.code() != tt.wantCode || (tt.wantPath != "" && !r.errorAt(tt.wantPath)) {
				t.Errorf("got %d %s, want code %d at %q", r.status, r.body, tt.wantCode, tt.wantPath)
			}
		})
	}
}

func TestEditAttachmentSemantics(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{RateLimits: discordtest.RateLimits{ChannelMessages: discordtest.RateLimit{Limit: -1}}})
	tests := []struct {
		name    string
		version string
		edit    func(oldID string) map[string]any // nil: no payload_json at all
		files   []string
		want    []string // filenames after the edit, in order
		wantErr bool
	}{
		{"v9 no attachments key appends", "v9", func(string) map[string]any { return map[string]any{"content": "x"} }, []string{"new.png"}, []string{"old.png", "new.png"}, false},
		{"v9 file only appends", "v9", nil, []string{"new.png"}, []string{"old.png", "new.png"}, false},
		{"v9 empty array replaces", "v9", func(string) map[string]any { return map[string]any{"attachments": []any{}} }, []string{"new.png"}, []string{"new.png"}, false},
		{"v9 keep listed and add", "v9", func(id string) map[string]any { return map[string]any{"attachments": []any{map[string]any{"id": id}}} }, []string{"new.png"}, []string{"old.png", "new.png"}, false},
		{"v9 empty array, no file", "v9", func(string) map[string]any { return map[string]any{"attachments": []any{}} }, nil, nil, false},
		{"v9 rename an upload", "v9", func(string) map[string]any {
			return map[string]any{"attachments": []any{map[string]any{"id": 0, "filename": "renamed.png"}}}
		}, []string{"new.png"}, []string{"renamed.png"}, false},
		{"v10 unlisted upload dropped", "v10", func(string) map[string]any { return map[string]any{"attachments": []any{}} }, []string{"new.png"}, nil, false},
		{"v10 list the upload", "v10", func(string) map[string]any { return map[string]any{"attachments": []any{map[string]any{"id": "0"}}} }, []string{"new.png"}, []string{"new.png"}, false},
		{"v10 keep and add", "v10", func(id string) map[string]any {
			return map[string]any{"attachments": []any{map[string]any{"id": "0"}, map[string]any{"id": id}}}
		}, []string{"new.png"}, []string{"new.png", "old.png"}, false},
		{"unknown attachment id", "v9", func(string) map[string]any { return map[string]any{"attachments": []any{map[string]any{"id": "99"}}} }, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ctype := multipartBody(t, map[string]any{"content": "first"}, "old.png")
			r := call(t, srv, "POST", "/api/v9/channels/"+ch.ID+"/messages", body, ctype)
			var m struct {
				ID          string `json:"id"`
				Attachments []struct {
					ID string `json:"id"`
				} `json:"attachments"`
			}
			if err := json.Unmarshal(r.body, &m); err != nil || len(m.Attachments) != 1 {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			var payload any
			if tt.edit != nil {
				payload = tt.edit(m.Attachments[0].ID)
			}
			body, ctype = multipartBody(t, payload, tt.files...)
			r = call(t, srv, "PATCH", "/api/"+tt.version+"/channels/"+ch.ID+"/messages/"+m.ID, body, ctype)
			if tt.wantErr {
				if r.status != http.StatusBadRequest {
					t.Errorf("got %d %s, want 400", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Fatalf("edit: %d %s", r.status, r.body)
			}
			got, _ := srv.Message(ch.ID, m.ID)
			var names []string
			for _, a := range got.Attachments {
				names = append(names, a.Filename)
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.want) {
				t.Errorf("attachments after edit = %v, want %v", names, tt.want)
			}
		})
	}
}
