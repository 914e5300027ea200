package discordtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestCommandsBulkOverwrite(t *testing.T) {
	t.Parallel()
	srv, guild, _ := newFake(t, discordtest.Options{})
	b := openBot(t, srv)

	created, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "",
		[]*discordgo.ApplicationCommand{imagineCommand(), modelCommand()})
	if err != nil {
		t.Fatalf("global overwrite: %v", err)
	}
	if len(created) != 2 || created[0].ID == "" || created[0].ApplicationID != srv.AppID() || created[0].Version == "" {
		t.Fatalf("created = %+v, want 2 commands with ids", created)
	}
	if p := created[1].DefaultMemberPermissions; p == nil || *p != 0 {
		t.Errorf("model default_member_permissions = %v, want 0", p)
	}

	got := srv.Commands("")
	if len(got) != 2 || got[0].NameLocalizations["zh-CN"] != "画图" {
		t.Errorf("global commands = %+v, want imagine with its zh-CN name", got)
	}
	if opts := got[0].Options; len(opts) != 3 || opts[2].Choices[1].Value != "768x768" {
		t.Errorf("imagine options = %+v, want prompt, steps, size with choices", opts)
	}

	// Overwriting again keeps the ids of commands with the same name.
	again, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{imagineCommand()})
	if err != nil {
		t.Fatalf("second overwrite: %v", err)
	}
	if len(again) != 1 || again[0].ID != created[0].ID {
		t.Errorf("second overwrite = %+v, want imagine with id %s", again, created[0].ID)
	}
	if n := len(srv.Commands("")); n != 1 {
		t.Errorf("Commands(\"\") has %d commands, want 1 (overwrite replaces all)", n)
	}

	if _, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), guild.ID, []*discordgo.ApplicationCommand{modelCommand()}); err != nil {
		t.Fatalf("guild overwrite: %v", err)
	}
	if gc := srv.Commands(guild.ID); len(gc) != 1 || gc[0].Name != "model" || gc[0].GuildID != guild.ID {
		t.Errorf("Commands(guild) = %+v, want model", gc)
	}

	bad := imagineCommand()
	bad.Name = "Imagine"
	_, err = b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "", []*discordgo.ApplicationCommand{bad})
	if status, code := restCode(err); status != http.StatusBadRequest || code != discordtest.CodeInvalidFormBody {
		t.Errorf("upper-case name: status %d code %d (%v), want 400 50035", status, code, err)
	}
	if n := len(srv.Commands("")); n != 1 {
		t.Errorf("a rejected overwrite changed the commands: %d", n)
	}
}

func TestCommandValidation(t *testing.T) {
	t.Parallel()
	srv := discordtest.NewServer(discordtest.Options{RateLimits: discordtest.RateLimits{Commands: discordtest.RateLimit{Limit: -1}}})
	defer srv.Close()
	opt := func(name string, required bool) map[string]any {
		return map[string]any{"type": 3, "name": name, "description": "d", "required": required}
	}
	cmd := func(mod func(c map[string]any)) []any {
		c := map[string]any{"name": "imagine", "description": "Generate", "options": []any{opt("prompt", true)}}
		mod(c)
		return []any{c}
	}
	many := func(n int, f func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name     string
		body     []any
		wantPath string // "" = accepted
	}{
		{"valid", cmd(func(map[string]any) {}), ""},
		{"hyphen and digits", cmd(func(c map[string]any) { c["name"] = "sd-2_x" }), ""},
		{"chinese localization", cmd(func(c map[string]any) { c["name_localizations"] = map[string]string{"zh-CN": "画图"} }), ""},
		{"permissions as number", cmd(func(c map[string]any) { c["default_member_permissions"] = 32 }), ""},
		{"upper case", cmd(func(c map[string]any) { c["name"] = "Imagine" }), "0.name"},
		{"space", cmd(func(c map[string]any) { c["name"] = "my cmd" }), "0.name"},
		{"33 runes", cmd(func(c map[string]any) { c["name"] = strings.Repeat("a", 33) }), "0.name"},
		{"empty description", cmd(func(c map[string]any) { c["description"] = "" }), "0.description"},
		{"long description", cmd(func(c map[string]any) { c["description"] = strings.Repeat("x", 101) }), "0.description"},
		{"unknown locale", cmd(func(c map[string]any) { c["name_localizations"] = map[string]string{"zh": "画图"} }), "0.name_localizations.zh"},
		{"bad localized name", cmd(func(c map[string]any) { c["name_localizations"] = map[string]string{"de": "Bild Malen"} }), "0.name_localizations.de"},
		{"bad permissions", cmd(func(c map[string]any) { c["default_member_permissions"] = "admin" }), "0.default_member_permissions"},
		{"26 options", cmd(func(c map[string]any) {
			c["options"] = many(26, func(i int) any { return opt(fmt.Sprintf("o%d", i), false) })
		}), "0.options"},
		{"required after optional", cmd(func(c map[string]any) { c["options"] = []any{opt("a", false), opt("b", true)} }), "0.options.1.required"},
		{"option upper case", cmd(func(c map[string]any) { c["options"] = []any{opt("Prompt", true)} }), "0.options.0.name"},
		{"26 choices", cmd(func(c map[string]any) {
			o := opt("size", false)
			o["choices"] = many(26, func(i int) any { return map[string]any{"name": fmt.Sprint(i), "value": fmt.Sprint(i)} })
			c["options"] = []any{o}
		}), "0.options.0.choices"},
		{"choice of wrong type", cmd(func(c map[string]any) {
			o := opt("size", false)
			o["choices"] = []any{map[string]any{"name": "one", "value": 1}}
			c["options"] = []any{o}
		}), "0.options.0.choices.0.value"},
		{"autocomplete with choices", cmd(func(c map[string]any) {
			o := opt("size", false)
			o["autocomplete"] = true
			o["choices"] = []any{map[string]any{"name": "one", "value": "1"}}
			c["options"] = []any{o}
		}), "0.options.0.autocomplete"},
		{"subcommand mixed with option", cmd(func(c map[string]any) {
			c["options"] = []any{map[string]any{"type": 1, "name": "run", "description": "d"}, opt("x", false)}
		}), "0.options"},
		{"duplicate names", append(cmd(func(map[string]any) {}), cmd(func(map[string]any) {})...), "1.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, "PUT", "/api/v9/applications/"+srv.AppID()+"/commands", tt.body, "")
			if tt.wantPath == "" {
				if r.status != http.StatusOK {
					t.Fatalf("status %d %s, want 200", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest || r.code() != discordtest.CodeInvalidFormBody || !r.errorAt(tt.wantPath) {
				t.Errorf("got %d %s, want 400 50035 with an error at %s", r.status, r.body, tt.wantPath)
			}
		})
	}
}
