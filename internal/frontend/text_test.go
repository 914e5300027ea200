package frontend

import (
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

func TestQueueText(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name    string
		loc     string
		mine    []imagine.JobInfo
		waiting int
		want    string
	}{
		{"none", "en", nil, 3, "You have no requests waiting or running. Jobs waiting in all: 3."},
		{"running and waiting", "en", []imagine.JobInfo{
			{State: imagine.Running, Prompt: "a cat"},
			{State: imagine.Queued, Position: 2, Prompt: long},
		}, 4, "Your requests (jobs waiting in all: 4):\n• running: a cat\n• position 2: " + strings.Repeat("x", QueuePromptRunes-1) + "…"},
		{"chinese", "zh-CN", []imagine.JobInfo{{State: imagine.Queued, Position: 1, Prompt: "猫"}}, 1, "你的请求（队列中共有 1 个任务在等待）：\n• 第 1 位：猫"},
	}
	for _, tt := range tests {
		if got := QueueText(tt.loc, tt.mine, tt.waiting); got != tt.want {
			t.Errorf("%s: QueueText = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHelpText(t *testing.T) {
	intro := catalog.Text{EN: "Up to %dx%d, %d steps, %d images.", ZH: "最大 %dx%d，%d 步，%d 张。"}
	s := imagine.Settings{Limits: imagine.Limits{MaxWidth: 1024, MaxHeight: 768, MaxSteps: 50, MaxBatch: 4}}
	if got, want := HelpText("en", s, intro, false), "Up to 1024x768, 50 steps, 4 images."; got != want {
		t.Errorf("HelpText = %q, want %q", got, want)
	}
	admin := HelpText("zh", s, intro, true)
	if !strings.HasPrefix(admin, "最大 1024x768，50 步，4 张。\n\n") || !strings.HasSuffix(admin, catalog.T("zh", catalog.MsgHelpAdmin)) {
		t.Errorf("admin help = %q", admin)
	}
}

func TestSettingsText(t *testing.T) {
	on := true
	got := SettingsText("en", imagine.Prefs{Aspect: imagine.Ratio{W: 16, H: 9}, Steps: 30, Hires: &on, Locale: "zh"}, "HOW")
	for _, want := range []string{"Size: 16:9", "Steps: 30", "Style: default", "Negative terms: default", "Hires fix: on", "Language: 中文", "\n\nHOW"} {
		if !strings.Contains(got, want) {
			t.Errorf("SettingsText = %q, want it to contain %q", got, want)
		}
	}
	if got := SettingsText("zh", imagine.Prefs{Width: 768, Height: 512}, ""); !strings.Contains(got, "尺寸：768x512") || !strings.Contains(got, "步数：默认") {
		t.Errorf("SettingsText in Chinese = %q", got)
	}
}

func TestHistoryLine(t *testing.T) {
	rec := imagine.Record{Request: imagine.NewRequest("a  red\nkite", imagine.Requester{}), Seeds: []int64{42, 43}, Width: 512, Height: 768}
	if got, want := HistoryLine("en", 3, rec, "WHEN"), "3. a red kite (seed 42, 512x768, ?, WHEN)"; got != want {
		t.Errorf("HistoryLine = %q, want %q", got, want)
	}
}

func TestImageHelpText(t *testing.T) {
	var s imagine.Settings
	s.Defaults.Strength, s.Defaults.UpscaleBy = 0.45, 3
	for _, loc := range []string{"en", "zh-CN"} {
		got := ImageHelpText(loc, s)
		if !strings.Contains(got, "0.45") || !strings.Contains(got, "×3") || !strings.Contains(got, "--strength") {
			t.Errorf("ImageHelpText(%s) = %q; want the configured strength and factor", loc, got)
		}
	}
	if got := ImageHelpText("en", imagine.Settings{}); !strings.Contains(got, "default 0.6") || !strings.Contains(got, "×2") {
		t.Errorf("ImageHelpText without settings = %q; want the defaults 0.6 and ×2", got)
	}
}
