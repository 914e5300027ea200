package discord

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestRender(t *testing.T) {
	params := imagine.Params{UserPrompt: strings.Repeat("long prompt ", 100), Width: 64, Height: 64, Steps: 20}
	preview := imaginetest.NoisePNG(8, 8)
	tests := []struct {
		name        string
		locale      string
		note        string
		st          imagine.Status
		content     string
		buttons     []action
		files       int
		embedImage  bool
		captionPart string
	}{
		{"queued", "en", "", imagine.Status{State: imagine.Queued, Position: 2, QueueLen: 3, Params: params},
			catalog.T("en", catalog.MsgQueued, 2, 3), []action{actCancel}, 0, false, ""},
		{"queued with a note", "en", "NOTE", imagine.Status{State: imagine.Queued, Position: 1, QueueLen: 1, Params: params},
			catalog.T("en", catalog.MsgQueuedNext) + "\nNOTE", []action{actCancel}, 0, false, ""},
		{"running", "en", "", imagine.Status{State: imagine.Running, Step: 5, Steps: 20, Progress: 0.25, ETA: 3 * time.Second,
			Preview: preview, PreviewSeq: 2, Params: params}, "▰▰▰▱▱▱▱▱▱▱ 25% · step 5/20 · ETA 3s", []action{actCancel}, 1, true, ""},
		{"running in Chinese", "zh-CN", "", imagine.Status{State: imagine.Running, Step: 5, Steps: 20, Progress: 0.25, ETA: 3 * time.Second, Params: params},
			"▰▰▰▱▱▱▱▱▱▱ 25% · 第 5/20 步 · 预计还需 3秒", []action{actCancel}, 0, false, ""},
		{"done", "en", "NOTE", imagine.Status{State: imagine.Done, Params: params, Duration: 2 * time.Second,
			Result: &imagine.Result{Images: [][]byte{preview}, Seeds: []int64{42}, Model: "m"}},
			"", []action{actReroll, actUpscale, actVary}, 1, true, "Seed 42 · 64x64 · 20 steps · m · 2s · by <@1>"},
		{"failed", "en", "", imagine.Status{State: imagine.Failed, Err: imagine.ErrOutOfMemory, Params: params},
			catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgFailOOM)), []action{actRetry}, 0, false, ""},
		{"failed in Chinese", "zh-CN", "", imagine.Status{State: imagine.Failed, Err: errors.New("boom"), Params: params},
			"生成失败：出了点问题，请重试。", []action{actRetry}, 0, false, ""},
		{"cancelled", "en", "", imagine.Status{State: imagine.Cancelled, Params: params}, catalog.T("en", catalog.MsgCancelled), nil, 0, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &renderer{job: 7, locale: tt.locale, mention: "<@1>", stamp: "n", note: tt.note}
			v := r.render(tt.st)
			if v.content != tt.content {
				t.Errorf("content = %q, want %q", v.content, tt.content)
			}
			var acts []action
			for _, row := range v.components {
				for _, c := range row.(discordgo.ActionsRow).Components {
					b, ok := parseButtonID(c.(discordgo.Button).CustomID)
					if !ok || b.job != 7 {
						t.Errorf("button %+v has a bad custom id", c)
					}
					acts = append(acts, b.act)
				}
			}
			if string(acts) != string(tt.buttons) {
				t.Errorf("buttons = %q, want %q", acts, tt.buttons)
			}
			if len(v.files) != tt.files || len(v.embeds) != 1 {
				t.Fatalf("%d files and %d embeds, want %d and 1", len(v.files), len(v.embeds), tt.files)
			}
			if got := v.embeds[0].Image != nil; got != tt.embedImage {
				t.Errorf("embed image = %v, want %v", got, tt.embedImage)
			} else if got && v.embeds[0].Image.URL != "attachment://"+v.files[0].Name {
				t.Errorf("embed shows %s, the file is %s", v.embeds[0].Image.URL, v.files[0].Name)
			}
			if d := v.embeds[0].Description; utf8.RuneCountInString(d) > 4096 || !strings.Contains(d, tt.captionPart) {
				t.Errorf("description %q lacks %q or is too long", d, tt.captionPart)
			}
			if again := r.render(tt.st); again.key != v.key {
				t.Errorf("rendering the same status twice gave different views")
			}
		})
	}
}

func TestRenderKeysTrackChanges(t *testing.T) {
	r := &renderer{job: 1, locale: "en", stamp: "n"}
	preview := imaginetest.NoisePNG(4, 4)
	st := imagine.Status{State: imagine.Running, Step: 1, Steps: 10, Progress: 0.1, Preview: preview, PreviewSeq: 1}
	a := r.render(st)
	st.Step, st.Progress = 2, 0.2
	b := r.render(st)
	if a.key == b.key || a.filesKey != b.filesKey || a.embedsKey != b.embedsKey {
		t.Errorf("a new progress line must change the view but not its files or embeds")
	}
	st.PreviewSeq = 2
	if c := r.render(st); c.filesKey == b.filesKey {
		t.Errorf("a new preview must change the files key")
	}
}
