package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestUserState runs the tests of what the core keeps per user and per
// interaction: dedup, /settings, /history and the daily quota (5 images;
// /history's user is an admin, who has none).
func TestUserState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{daily: 5, cfg: Config{AdminUserIDs: []string{"5900", "5201"}}})
	t.Run("dedup", func(t *testing.T) { testDedup(t, e.sub(t)) })
	t.Run("settings", func(t *testing.T) { testSettingsCommand(t, e.sub(t)) })
	t.Run("history", func(t *testing.T) { testHistory(t, e.sub(t)) })
	t.Run("quota", func(t *testing.T) { testQuota(t, e.sub(t)) })
}

// testDedup: an interaction the gateway delivers twice makes one job, and
// the second delivery is not answered.
func testDedup(t *testing.T, e *env) {
	it := e.imagine("5001", "a cat delivered twice")
	e.waitFinal(it)
	if err := e.srv.Redeliver(it); err != nil {
		t.Fatal(err)
	}
	e.logs.waitLine(t, "interaction delivered again", it.ID)
	jobs := count(e.mem.Jobs(), func(j imaginetest.Job) bool { return strings.Contains(j.Params.Prompt, "a cat delivered twice") })
	if jobs != 1 || len(it.Callbacks()) != 1 {
		t.Errorf("%d jobs and %d callbacks, want one of each", jobs, len(it.Callbacks()))
	}
}

// settings dispatches /settings for a user with options.
func (e *env) settings(user, locale string, opts ...discordtest.Option) string {
	e.t.Helper()
	return e.ephemeral(e.interact(discordtest.InteractSpec{Name: "settings", UserID: user, Locale: locale, Options: opts}))
}

func testSettingsCommand(t *testing.T, e *env) {
	const user = "5101"
	if got, want := e.settings(user, "en-US"), settingsText("en", imagine.Prefs{}); got != want {
		t.Errorf("/settings shows %q, want %q", got, want)
	}
	if !strings.Contains(settingsText("en", imagine.Prefs{}), "Steps: default") {
		t.Errorf("unset settings do not say default: %q", settingsText("en", imagine.Prefs{}))
	}
	on := true
	want := imagine.Prefs{Aspect: imagine.Ratio{W: 2, H: 1}, Steps: 30, Hires: &on, Negative: "text, people", Style: "anime"}
	got := e.settings(user, "en-US", discordtest.Option{Name: "aspect", Value: "16:9"}, discordtest.Option{Name: "steps", Value: 30},
		discordtest.Option{Name: "hires", Value: "on"}, discordtest.Option{Name: "negative", Value: "text, people"},
		discordtest.Option{Name: "style", Value: "anime"})
	want.Aspect = imagine.Ratio{W: 16, H: 9}
	if w := catalog.T("en", catalog.MsgSettingsSaved) + "\n" + settingsText("en", want); got != w {
		t.Errorf("/settings with options answered %q, want %q", got, w)
	}
	if got := e.settings(user, "en-US"); !strings.Contains(got, "Size: 16:9") || !strings.Contains(got, "Steps: 30") || !strings.Contains(got, "Hires fix: on") {
		t.Errorf("/settings shows %q after saving", got)
	}
	it := e.imagine(user, "a settled cat")
	e.waitFinal(it)
	p := e.job("a settled cat").Params
	if p.Steps != 30 || !p.EnableHR || p.Width <= p.Height || !strings.Contains(p.NegativePrompt, "text, people") || !strings.Contains(p.Prompt, "anime style") {
		t.Errorf("a request after /settings ran %+v, want 16:9, 30 steps, hires, the negative terms and the style", p)
	}
	// A request's own option wins.
	it = e.imagine(user, "an unsettled cat", discordtest.Option{Name: "steps", Value: 12})
	e.waitFinal(it)
	if p := e.job("an unsettled cat").Params; p.Steps != 12 {
		t.Errorf("steps = %d, want the request's 12 over the setting's 30", p.Steps)
	}

	t.Run("bad values", func(t *testing.T) {
		_, sizeErr := imagine.ParsePrefs("--size big", imagine.Prefs{})
		s := testSettings()
		tooLarge := s.Check(imagine.Prefs{Width: 4096, Height: 4096})
		for _, tt := range []struct {
			name string
			opt  discordtest.Option
			want string
		}{
			{"not a size", discordtest.Option{Name: "size", Value: "big"}, imagine.Describe(sizeErr, "en")},
			{"too large", discordtest.Option{Name: "size", Value: "4096x4096"}, imagine.Describe(tooLarge, "en")},
		} {
			if tt.want == "" {
				t.Fatalf("%s: no refusal to expect", tt.name)
			}
			if got := e.settings(user, "en-US", tt.opt); got != tt.want {
				t.Errorf("%s: answered %q, want %q", tt.name, got, tt.want)
			}
		}
		if got := e.settings(user, "en-US"); !strings.Contains(got, "Steps: 30") {
			t.Errorf("a refused change changed the settings: %q", got)
		}
	})
	t.Run("language", func(t *testing.T) {
		got := e.settings(user, "en-US", discordtest.Option{Name: "language", Value: "zh"})
		if !strings.HasPrefix(got, catalog.T("zh", catalog.MsgSettingsSaved)) || !strings.Contains(got, "语言：中文") {
			t.Errorf("switching to Chinese answered %q, want Chinese", got)
		}
		queue := e.ephemeral(e.interact(discordtest.InteractSpec{Name: "queue", UserID: user, Locale: "en-US"}))
		if !strings.Contains(queue, catalog.T("zh", catalog.MsgQuotaLeft, 3, 5)) {
			t.Errorf("/queue from an English client answered %q, want Chinese", queue)
		}
		got = e.settings(user, "en-US", discordtest.Option{Name: "language", Value: "auto"})
		if !strings.HasPrefix(got, "Saved.") || !strings.Contains(got, "Language: default") {
			t.Errorf("switching back to auto answered %q, want English", got)
		}
	})
	t.Run("reset", func(t *testing.T) {
		got := e.settings(user, "en-US", discordtest.Option{Name: "reset", Value: true}, discordtest.Option{Name: "steps", Value: 20})
		want := catalog.T("en", catalog.MsgSettingsSaved) + "\n" + settingsText("en", imagine.Prefs{Steps: 20})
		if got != want {
			t.Errorf("reset answered %q, want %q", got, want)
		}
		got = e.settings(user, "en-US", discordtest.Option{Name: "steps", Value: 0}, discordtest.Option{Name: "hires", Value: "default"})
		if want := catalog.T("en", catalog.MsgSettingsSaved) + "\n" + settingsText("en", imagine.Prefs{}); got != want {
			t.Errorf("clearing answered %q, want %q", got, want)
		}
	})
}

// component is a button as the tests read it.
type component struct {
	Label    string `json:"label"`
	CustomID string `json:"custom_id"`
}

// buttons lists a revision's buttons, row by row.
func buttons(r discordtest.Revision) [][]component {
	var out [][]component
	for _, raw := range r.Components {
		var row struct {
			Components []component `json:"components"`
		}
		_ = json.Unmarshal(raw, &row)
		out = append(out, row.Components)
	}
	return out
}

func testHistory(t *testing.T, e *env) {
	const user = "5201"
	hist := e.interact(discordtest.InteractSpec{Name: "history", UserID: user})
	if got := e.ephemeral(hist); got != catalog.T("en", catalog.MsgHistoryEmpty) {
		t.Errorf("empty history answered %q", got)
	}
	var prompts []string
	for i := range 6 {
		p := "history cat number " + string(rune('A'+i))
		prompts = append(prompts, p)
		e.waitFinal(e.imagine(user, p))
	}
	hist = e.interact(discordtest.InteractSpec{Name: "history", UserID: user})
	text := e.ephemeral(hist)
	lines := strings.Split(text, "\n")
	if len(lines) != 7 || lines[0] != catalog.T("en", catalog.MsgHistoryTitle, 6) {
		t.Fatalf("history:\n%s\nwant a title and 6 lines", text)
	}
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, string(rune('1'+i))+". "+prompts[5-i]+" (seed ") || !strings.Contains(l, "64x64") || !strings.Contains(l, "<t:") {
			t.Errorf("history line %d = %q, want %q newest first with seed, size and time", i+1, l, prompts[5-i])
		}
	}
	m, ok := hist.Original()
	if !ok {
		t.Fatal("no history message")
	}
	rows := buttons(m.Revision)
	if len(rows) != 2 || len(rows[0]) != 5 || len(rows[1]) != 1 || rows[0][1].Label != "🔁 2" {
		t.Fatalf("history buttons %+v, want 🔁 1..6 in rows of five", rows)
	}
	again := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: m.ID, UserID: user,
		CustomID: rows[0][1].CustomID})
	if cb := e.ack(again); cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("run again answered with type %d, want a new deferred message (5)", cb.Type)
	}
	rm := e.waitFinal(again)
	if rm.Ephemeral || len(rm.Attachments) != 1 || !strings.Contains(embeds(rm.Revision)[0].Description, prompts[4]) {
		t.Errorf("run again:\n%s\nwant a public result of %q", describe(rm), prompts[4])
	}
	if n := count(e.mem.Jobs(), func(j imaginetest.Job) bool { return strings.Contains(j.Params.Prompt, prompts[4]) }); n != 2 {
		t.Errorf("%q ran %d times, want twice", prompts[4], n)
	}
}

// testQuota: /queue says what is left of the daily 5 images; a request
// over it is refused with when it resets (each image of a batch counts);
// admins have no quota.
func testQuota(t *testing.T, e *env) {
	const user = "5301"
	queue := func(user string) string {
		return e.ephemeral(e.interact(discordtest.InteractSpec{Name: "queue", UserID: user}))
	}
	if got := queue(user); !strings.HasSuffix(got, catalog.T("en", catalog.MsgQuotaLeft, 5, 5)) {
		t.Errorf("/queue = %q, want 5 of 5 left", got)
	}
	e.waitFinal(e.imagine(user, "four counted cats", discordtest.Option{Name: "count", Value: 4}))
	if got := queue(user); !strings.HasSuffix(got, catalog.T("en", catalog.MsgQuotaLeft, 1, 5)) {
		t.Errorf("/queue = %q, want 1 of 5 left", got)
	}
	over := e.imagine(user, "two cats too many", discordtest.Option{Name: "count", Value: 2})
	quota := catalog.T("en", catalog.MsgQuota, 5, "00:00", "X")
	if got := e.ephemeral(over); !strings.HasPrefix(got, quota[:strings.Index(quota, "00:00")]) {
		t.Errorf("a request over the quota answered %q, want %q", got, quota)
	}
	if got := queue("5900"); strings.Contains(got, "left today") {
		t.Errorf("an admin's /queue = %q, want no quota", got)
	}
	e.waitFinal(e.imagine("5900", "an admin's cats", discordtest.Option{Name: "count", Value: 4}))
	if it := e.imagine("5900", "more of an admin's cats", discordtest.Option{Name: "count", Value: 4}); !isFinal(e.waitFinal(it)) {
		t.Errorf("an admin was refused over the quota")
	}
}

// TestButtonsAfterRestart: the buttons of a result made before a restart
// work after it, with the records the store kept. With a store that keeps
// no jobs (MemoryStore, whose job ids start again at 1), a button whose id
// has come to mean another job says it expired instead of running it.
func TestButtonsAfterRestart(t *testing.T) {
	t.Parallel()
	store := imagine.NewMemoryStore() // kept across the "restart", as a file would be
	a := newEnv(t, envOptions{store: store})
	first := a.imagine("6001", "a cat from before --seed 42")
	m := a.waitFinal(first)
	a.stop()

	b := newEnv(t, envOptions{store: store, after: a})
	reroll := b.click(m, "6002", actReroll, 0)
	rm := b.waitFinal(reroll)
	if len(rm.Attachments) != 1 || !strings.Contains(embeds(rm.Revision)[0].Description, "a cat from before") {
		t.Fatalf("reroll after the restart:\n%s", describe(rm))
	}
	if p := b.job("a cat from before").Params; p.Seed != -1 {
		t.Errorf("reroll ran seed %v, want -1", p.Seed)
	}
	if got := b.ephemeral(b.click(m, "6001", actUpscale, 0)); got != catalog.T("en", catalog.MsgButtonExpired) {
		t.Errorf("a button whose job id now means another job answered %q", got)
	}
	if n := len(b.mem.Jobs()); n != 1 {
		t.Errorf("%d jobs ran after the restart, want the reroll only", n)
	}
}
