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
