package telegram

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// waitReply waits for the bot's reply to message id whose text contains want.
func (h *harness) waitReply(chat int64, id int, want string) telegramtest.Message {
	h.t.Helper()
	return h.waitStatus("a reply containing "+want, chat, id, func(m telegramtest.Message) bool {
		return strings.Contains(text(m), want)
	})
}

func TestSetMyCommands(t *testing.T) {
	h := newHarness(t, options{})
	for _, tt := range []struct{ lang, imagineDesc, settingsDesc string }{{"", "Generate an image", "Your defaults"}, {"zh", "生成图片", "你的默认设置"}} {
		cmds := h.tg.Commands(telegramtest.CommandScope{}, tt.lang)
		var names []string
		for _, c := range cmds {
			names = append(names, c.Command)
		}
		if strings.Join(names, ",") != "imagine,queue,help,settings,history,model" {
			t.Errorf("lang %q: commands %v, want imagine, queue, help, settings, history, model", tt.lang, names)
		}
		if len(cmds) == 6 && (!strings.Contains(cmds[0].Description, tt.imagineDesc) || !strings.Contains(cmds[3].Description, tt.settingsDesc) ||
			!strings.Contains(cmds[5].Description, map[string]string{"": "admins", "zh": "管理员"}[tt.lang])) {
			t.Errorf("lang %q: descriptions %+v", tt.lang, cmds)
		}
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t, options{})
	tests := []struct {
		chat telegramtest.Chat
		from telegramtest.User
		text string
		want []string
	}{
		{dm, alice, "/help", []string{"Examples", "/imagine", "--ar", "2048x2048", "Styles: anime", "/settings", "/history",
			"\n--model NAME · ", "\n--sampler \"DPM++ 2M\" · ", "\n--scheduler Karras · ", "\n--cfg 7 · CFG scale, 1 to 30\n", "\n--lora NAME:0.8 · "}},
		{dm, alice, "/start", []string{"Examples"}},
		{telegramtest.Chat{ID: carol.ID, Type: telegramtest.ChatPrivate}, carol, "/help", []string{"示例", "可用风格：anime", "/settings", "/history",
			"\n--model 名称 · ", "\n--sampler \"DPM++ 2M\" · 采样方法", "\n--scheduler Karras · 噪声调度", "\n--cfg 7 · CFG 值", "\n--lora 名称:0.8 · 添加 LoRA"}},
		{group, bob, "/help" + botTag, []string{"Examples"}},
		{telegramtest.Chat{ID: admin.ID, Type: telegramtest.ChatPrivate}, admin, "/help", []string{"Admins: /model"}},
		{dm, alice, "/whatever", []string{"Examples"}}, // unknown in a private chat
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cmd := h.tg.SendMessage(tt.chat, tt.from, tt.text)
			m := h.waitReply(tt.chat.ID, cmd.ID, tt.want[0])
			for _, w := range tt.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("help %q lacks %q", m.Text, w)
				}
			}
		})
	}
}

func TestQueueCommand(t *testing.T) {
	h := newHarness(t, options{backend: held})
	first := h.tg.SendMessage(dm, alice, "/imagine first --steps 60")
	h.running(dm.ID, first.ID)
	h.tg.SendMessage(dm, alice, "/imagine second")
	h.waitFor("two jobs", func() bool { mine, _ := h.svc.Jobs(requester(&botUser{ID: alice.ID})); return len(mine) == 2 })
	q := h.tg.SendMessage(dm, alice, "/queue")
	m := h.waitReply(dm.ID, q.ID, "Your requests")
	for _, w := range []string{"running: first", "position 1: second", "jobs waiting in all: 1"} {
		if !strings.Contains(m.Text, w) {
			t.Errorf("/queue = %q, lacks %q", m.Text, w)
		}
	}
	q2 := h.tg.SendMessage(bobDM, bob, "/queue")
	h.waitReply(bobDM.ID, q2.ID, "You have no requests")
}

func TestBadInput(t *testing.T) {
	// No step runs until the test ends: the first job keeps the queue busy.
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}, svc: imagine.Config{PerUser: 1, MaxQueue: 3}})
	busy := h.tg.SendMessage(bobDM, bob, "/imagine a long one --steps 80")
	h.waitStatus("the busy job", bobDM.ID, busy.ID, func(telegramtest.Message) bool { return true })
	tests := []struct {
		name string
		from telegramtest.User
		text string
		want string
	}{
		{"empty prompt", alice, "/imagine", "Examples"},
		{"only options", alice, "/imagine --ar 16:9", "Examples"},
		{"too long", alice, "/imagine " + strings.Repeat("x", 301), "the limit is 300"},
		{"bad option value", alice, "/imagine a cat --steps many", `--steps needs a whole number, got "many"`},
		{"steps out of range", alice, "/imagine a cat --steps 500", "--steps must be between 1 and 80"},
		{"unknown option", alice, "/imagine a cat --wat", "Unknown option --wat"},
		{"unknown style", alice, "/imagine a cat --style opera", `There is no style called "opera". Styles: anime.`},
		{"per-user cap", bob, "/imagine another one", "You already have 1 requests"},
		{"chinese", carol, "/imagine 猫 --steps 很多", "需要一个整数"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := telegramtest.Chat{ID: tt.from.ID, Type: telegramtest.ChatPrivate}
			cmd := h.tg.SendMessage(chat, tt.from, tt.text)
			m := h.waitReply(chat.ID, cmd.ID, tt.want)
			if len(m.Keyboard) != 0 || len(m.History) != 0 {
				t.Errorf("refusal %q has a keyboard or edits", m.Text)
			}
		})
	}
	t.Run("full queue", func(t *testing.T) {
		// One job runs; the queue holds three more.
		for _, id := range []int64{2001, 2002, 2003} {
			u := telegramtest.User{ID: id, FirstName: "U"}
			c := telegramtest.Chat{ID: id, Type: telegramtest.ChatPrivate}
			cmd := h.tg.SendMessage(c, u, "/imagine waiting")
			h.waitReply(c.ID, cmd.ID, "Queued")
		}
		u := telegramtest.User{ID: 2004, FirstName: "Late"}
		c := telegramtest.Chat{ID: u.ID, Type: telegramtest.ChatPrivate}
		cmd := h.tg.SendMessage(c, u, "/imagine too late")
		h.waitReply(c.ID, cmd.ID, "The queue is full")
	})
	if _, waiting := h.svc.Jobs(imagine.Requester{}); waiting != 3 {
		t.Errorf("%d jobs waiting, want 3: refused requests must not be queued", waiting)
	}
}

func TestModelCommand(t *testing.T) {
	models := []imagine.Model{
		{Title: "alpha.safetensors [0a0a0a0a0a]", Name: "alpha"},
		{Title: "beta.safetensors [0b0b0b0b0b]", Name: "beta"},
		{Title: "gamma.safetensors [0c0c0c0c0c]", Name: "gamma"},
	}
	h := newHarness(t, options{backend: imaginetest.Options{Models: models}})
	var titles []string
	for _, m := range models {
		titles = append(titles, m.Title)
	}
	current := func() string {
		title, err := h.be.CurrentModel(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return title
	}
	adminDM := telegramtest.Chat{ID: admin.ID, Type: telegramtest.ChatPrivate}

	t.Run("keyboard", func(t *testing.T) {
		cmd := h.tg.SendMessage(adminDM, admin, "/model")
		m := h.waitReply(adminDM.ID, cmd.ID, "Current model: "+titles[0])
		if len(m.Keyboard) != 3 || !strings.HasPrefix(m.Keyboard[0][0].Text, "✓ alpha") || m.Keyboard[1][0].Text != "beta" {
			t.Fatalf("keyboard = %v, want three models with alpha ticked", m.Keyboard)
		}
		q := h.tg.Click(adminDM, admin, m.ID, m.Keyboard[1][0].CallbackData)
		h.answered(q)
		h.waitStatus("the switch", adminDM.ID, cmd.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Model switched to "+titles[1]) })
		if got := current(); got != titles[1] {
			t.Errorf("backend model = %q, want %q", got, titles[1])
		}
	})
	t.Run("by name", func(t *testing.T) {
		cmd := h.tg.SendMessage(adminDM, admin, "/model gamma")
		h.waitReply(adminDM.ID, cmd.ID, "Model switched to "+titles[2])
		if got := current(); got != titles[2] {
			t.Errorf("backend model = %q, want %q", got, titles[2])
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		cmd := h.tg.SendMessage(adminDM, admin, "/model delta")
		h.waitReply(adminDM.ID, cmd.ID, `There is no model called "delta"`)
	})
	t.Run("not an admin", func(t *testing.T) {
		before := current()
		cmd := h.tg.SendMessage(dm, alice, "/model alpha")
		h.waitReply(dm.ID, cmd.ID, "only bot admins")
		// A stranger pressing an admin's model keyboard in a group.
		list := h.tg.SendMessage(group, admin, "/model")
		m := h.waitReply(group.ID, list.ID, "Current model")
		q := h.tg.Click(group, alice, m.ID, m.Keyboard[0][0].CallbackData)
		if ans := h.answered(q); !strings.Contains(ans.Text, "only bot admins") || !ans.ShowAlert {
			t.Errorf("answer = %q (alert %v), want a refusal alert", ans.Text, ans.ShowAlert)
		}
		if got := current(); got != before {
			t.Errorf("backend model = %q, want it unchanged (%q)", got, before)
		}
	})
}

func TestModelPages(t *testing.T) {
	var list []modelChoice
	for i := range 19 {
		list = append(list, modelChoice{Model: imagine.Model{Title: "m" + string(rune('a'+i)) + " [hash]", Name: "m" + string(rune('a'+i))}, current: i == 9})
	}
	tests := []struct {
		page      int
		first     string
		rows      int
		nav       []string
		wantTitle string
	}{
		{0, "ma", 9, []string{"mp:7:1"}, "page 1 of 3"},
		{1, "mi", 9, []string{"mp:7:0", "mp:7:2"}, "page 2 of 3"},
		{2, "mq", 4, []string{"mp:7:1"}, "page 3 of 3"},
		{9, "mq", 4, []string{"mp:7:1"}, "page 3 of 3"},
	}
	for _, tt := range tests {
		text, kb := modelPage("en", list, 7, tt.page)
		if len(kb) != tt.rows || kb[0][0].Text != tt.first {
			t.Errorf("page %d: %d rows starting %q, want %d starting %q", tt.page, len(kb), kb[0][0].Text, tt.rows, tt.first)
			continue
		}
		var nav []string
		for _, b := range kb[len(kb)-1] {
			nav = append(nav, b.Data)
		}
		if strings.Join(nav, " ") != strings.Join(tt.nav, " ") {
			t.Errorf("page %d: nav %v, want %v", tt.page, nav, tt.nav)
		}
		if !strings.Contains(text, tt.wantTitle) || !strings.Contains(text, "Current model: mj [hash]") {
			t.Errorf("page %d: text %q", tt.page, text)
		}
		for _, row := range kb {
			for _, b := range row {
				if len(b.Data) > 64 {
					t.Errorf("callback data %q over 64 bytes", b.Data)
				}
			}
		}
	}
}

func TestSetMyCommandsFailureIsNotFatal(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	defer tg.Close()
	tg.FailNext("setMyCommands", 500, "", 2)
	svc := imagine.New(imagine.Config{Settings: testSettings(), PerUser: 1, MaxQueue: 1}, nil)
	a, err := New(Config{Token: tg.Token(), APIURL: tg.URL, AllowPrivate: true}, svc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	cmd := tg.SendMessage(dm, alice, "/help")
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	err = tg.WaitFor(wctx, func() bool {
		for _, m := range tg.Messages(dm.ID) {
			if m.ReplyTo == cmd.ID {
				return true
			}
		}
		return false
	})
	cancel()
	if err != nil {
		t.Errorf("no help after a failed setMyCommands: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

func TestCommandFloodInOneChat(t *testing.T) {
	// Telegram's real per-chat limit: each reply in bob's chat takes a second.
	h := newHarness(t, options{cfg: Config{Limits: Limits{ChatInterval: time.Second, GroupMax: 20, GroupWindow: time.Minute,
		GlobalMax: 30, GlobalWindow: unit, RetryAfterUnit: unit}, ShutdownGrace: 200 * time.Millisecond}})
	for range 100 {
		h.tg.SendMessage(bobDM, bob, "/help")
	}
	cmd := h.tg.SendMessage(dm, alice, "/imagine a calm lake")
	first := h.waitStatus("alice's first reply", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	if d := first.Date.Sub(cmd.Date); d > 500*time.Millisecond {
		t.Errorf("alice's first reply took %v behind bob's flood, want it at once", d)
	}
	h.waitDone(dm.ID, cmd.ID)
	if n := len(h.tg.Messages(bobDM.ID)); n > 100+2*maxPendingPerChat {
		t.Errorf("%d messages in bob's chat: the flood was answered in full", n)
	}
}
