package imagine

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// ProgressLine renders a running status as one line, e.g.
// "▰▰▰▰▱▱▱▱▱▱ 42% · step 13/30 · ETA 9s".
func ProgressLine(locale string, st Status) string {
	if st.Step == 0 && st.Progress == 0 {
		return catalog.T(locale, catalog.MsgStarting)
	}
	pct := int(st.Progress*100 + 0.5)
	pct = min(max(pct, 0), 100)
	return catalog.T(locale, catalog.MsgProgress, Bar(st.Progress, 10), pct, st.Step, st.Steps, FormatDuration(locale, st.ETA))
}

// QueueLine renders a queued status, with a second line while every
// backend is down.
func QueueLine(locale string, st Status) string {
	line := catalog.T(locale, catalog.MsgQueuedNext)
	if st.Position > 1 {
		line = catalog.T(locale, catalog.MsgQueued, st.Position, max(st.QueueLen, st.Position))
	}
	if st.NoBackend {
		line += "\n" + catalog.T(locale, catalog.MsgNoBackend)
	}
	return line
}

// Caption renders a finished job's description: the prompt shortened to
// promptRunes characters, then seed, size, steps, model, time and who asked.
func Caption(locale string, st Status, promptRunes int, who string) string {
	p := st.Params
	seeds := "?"
	model := "?"
	w, h := p.Width, p.Height
	if st.Result != nil {
		seeds = joinSeeds(st.Result.Seeds)
		if st.Result.Model != "" {
			model = st.Result.Model
		}
	}
	if p.EnableHR {
		w, h = int(float64(w)*p.HRScale), int(float64(h)*p.HRScale)
	}
	c := catalog.T(locale, catalog.MsgCaption, Shorten(p.UserPrompt, promptRunes), seeds, w, h, p.Steps, model,
		FormatDuration(locale, st.Duration), who)
	if k := KindLine(locale, p); k != "" {
		c = k + "\n" + c
	}
	return c
}

// KindLine says what a job started from, for its status and caption:
// "🖼 Started from your image · strength 0.6", "⬆ Upscaled ×2",
// "🎨 Variation of seed 42"; "" for a plain txt2img.
func KindLine(locale string, p Params) string {
	switch p.Kind {
	case KindImg2Img:
		return catalog.T(locale, catalog.MsgKindImg2Img, p.Strength)
	case KindUpscale:
		return catalog.T(locale, catalog.MsgKindUpscale, p.UpscaleBy)
	case KindVary:
		return catalog.T(locale, catalog.MsgKindVary, p.Seed)
	}
	return ""
}

// Bar draws a progress bar of n cells.
func Bar(fraction float64, n int) string {
	full := int(fraction*float64(n) + 0.5)
	full = min(max(full, 0), n)
	return strings.Repeat("▰", full) + strings.Repeat("▱", n-full)
}

// Shorten cuts s to at most n characters, marking the cut with "…".
func Shorten(s string, n int) string {
	r := []rune(s)
	if n <= 0 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// FormatDuration renders d for people: "9s", "1m05s", "2h03m"; Chinese
// uses 秒/分/时.
func FormatDuration(locale string, d time.Duration) string {
	zh := catalog.LangOf(locale) == catalog.Chinese
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0 && zh:
		return fmt.Sprintf("%d时%02d分", h, m)
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0 && zh:
		return fmt.Sprintf("%d分%02d秒", m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	case zh:
		return fmt.Sprintf("%d秒", s)
	default:
		return fmt.Sprintf("%ds", s)
	}
}

func joinSeeds(seeds []int64) string {
	parts := make([]string, len(seeds))
	for i, s := range seeds {
		parts[i] = strconv.FormatInt(s, 10)
	}
	if len(parts) == 0 {
		return "?"
	}
	return strings.Join(parts, ", ")
}

func sizeString(w, h int) string { return strconv.Itoa(w) + "x" + strconv.Itoa(h) }
