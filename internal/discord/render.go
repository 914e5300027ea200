package discord

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Discord's message limits the renderer keeps to.
const (
	maxContent     = 2000
	maxRowButtons  = 5
	promptRunes    = 300 // of the prompt shown while a job waits or runs
	captionRunes   = 200 // of the prompt in the final caption
	maxButtonLabel = 80
)

// Embed colours by state.
const (
	colorQueued  = 0x99aab5
	colorRunning = 0x5865f2
	colorDone    = 0x57f287
	colorFailed  = 0xed4245
)

// view is a job message as Discord should show it. The keys identify its
// parts, so that an unchanged view is not sent again and an edit sends
// only the parts that changed.
type view struct {
	content    string
	embeds     []*discordgo.MessageEmbed
	components []discordgo.MessageComponent
	files      []file

	filesKey, embedsKey, componentsKey string
	key                                string
	final                              bool // the view of a terminal status
}

func newView(content string, embeds []*discordgo.MessageEmbed, components []discordgo.MessageComponent, files []file, filesKey string) *view {
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	v := &view{content: imagine.Shorten(content, maxContent), embeds: embeds, components: components, files: files, filesKey: filesKey}
	eb, _ := json.Marshal(embeds)
	cb, _ := json.Marshal(components)
	v.embedsKey, v.componentsKey = string(eb), string(cb)
	v.key = v.content + "\x00" + v.embedsKey + "\x00" + v.componentsKey + "\x00" + filesKey
	return v
}

// renderer turns a job's statuses into views for one message.
type renderer struct {
	job       imagine.JobID
	locale    string
	mention   string // who asked, as a mention
	stamp     string // the job's button stamp (jobRef.stamp)
	note      string // a line added while the job waits or runs, or ""
	fileLimit int64
	noPreview bool // previews were refused here: progress goes on as text

	final   *view // the rendered Done status: its images are re-encoded once
	preview struct {
		seq  int
		file *file // nil if the preview could not be made small enough
	}
}

func (r *renderer) t(id catalog.MsgID, args ...any) string { return catalog.T(r.locale, id, args...) }

func (r *renderer) render(st imagine.Status) *view {
	v := r.renderState(st)
	v.final = st.State.Terminal()
	return v
}

// textOnly returns v without its files: the text given, v's embeds
// without images and v's buttons.
func textOnly(v *view, text string) *view {
	embeds := make([]*discordgo.MessageEmbed, len(v.embeds))
	for i, em := range v.embeds {
		c := *em
		c.Image = nil
		embeds[i] = &c
	}
	out := newView(text, embeds, v.components, nil, "text")
	out.final = v.final
	return out
}

func (r *renderer) renderState(st imagine.Status) *view {
	switch st.State {
	case imagine.Queued:
		return newView(r.withNote(r.restarted(st)+kindPrefix(r.locale, st)+imagine.QueueLine(r.locale, st)), r.promptEmbed(st, colorQueued), r.cancelRow(), nil, "")
	case imagine.Running:
		embeds := r.promptEmbed(st, colorRunning)
		var files []file
		key := ""
		if f := r.previewFile(st); f != nil && !r.noPreview {
			files = []file{*f}
			embeds[0].Image = &discordgo.MessageEmbedImage{URL: "attachment://" + f.Name}
			key = "preview:" + strconv.Itoa(st.PreviewSeq)
		}
		return newView(r.withNote(r.restarted(st)+kindPrefix(r.locale, st)+imagine.ProgressLine(r.locale, st)), embeds, r.cancelRow(), files, key)
	case imagine.Done:
		if r.final == nil {
			r.final = r.done(st)
		}
		return r.final
	case imagine.Restarting:
		// The job goes on after the restart, with the same id: Cancel
		// keeps working then.
		text := r.t(catalog.MsgRestarting)
		if st.Rerun {
			text = r.t(catalog.MsgRestartingRerun)
		}
		return newView(text, r.promptEmbed(st, colorQueued), r.cancelRow(), nil, "")
	case imagine.Cancelled:
		return newView(r.t(catalog.MsgCancelled), r.promptEmbed(st, colorQueued), nil, nil, "")
	default: // Failed
		text := r.t(catalog.MsgFailed, describeError(st.Err, r.locale))
		return newView(text, r.promptEmbed(st, colorFailed), r.row(r.button(actRetry, 0, r.t(catalog.MsgBtnTryAgain), discordgo.PrimaryButton)), nil, "")
	}
}

// previewFile returns the status's preview as a file within the size
// limit, re-encoding each preview at most once.
func (r *renderer) previewFile(st imagine.Status) *file {
	if st.Preview == nil {
		return nil
	}
	if r.preview.seq != st.PreviewSeq || r.preview.seq == 0 {
		r.preview.seq, r.preview.file = st.PreviewSeq, nil
		if data, ext, err := imagefile.Fit(st.Preview, fileBudget(r.fileLimit, 1)); err == nil {
			_, ctype := imagefile.Ext(data)
			r.preview.file = &file{Name: "preview." + ext, ContentType: ctype, Data: data}
		}
	}
	return r.preview.file
}

// kindPrefix is the line that says what a waiting or running job starts
// from (the user's picture, an upscale, a variation), or "".
func kindPrefix(loc string, st imagine.Status) string {
	if l := imagine.KindLine(loc, st.Params); l != "" {
		return l + "\n"
	}
	return ""
}

// restarted is the line above a resumed job's queue or progress line
// that says the bot restarted, or "".
func (r *renderer) restarted(st imagine.Status) string {
	switch {
	case st.Rerun:
		return r.t(catalog.MsgRestartedRerun) + "\n"
	case st.Restarted:
		return r.t(catalog.MsgRestarted) + "\n"
	}
	return ""
}

func (r *renderer) withNote(s string) string {
	if r.note == "" {
		return s
	}
	return s + "\n" + r.note
}

func (r *renderer) promptEmbed(st imagine.Status, color int) []*discordgo.MessageEmbed {
	return []*discordgo.MessageEmbed{{Description: imagine.Shorten(st.Params.UserPrompt, promptRunes), Color: color}}
}

// done renders the final images with their caption and buttons. Images too
// large to attach even after re-encoding are left out (and logged by the
// caller through the missing count).
func (r *renderer) done(st imagine.Status) *view {
	var images [][]byte
	var seeds []int64
	if st.Result != nil {
		images, seeds = st.Result.Images, st.Result.Seeds
	}
	images = images[:min(len(images), maxFiles)]
	budget := fileBudget(r.fileLimit, len(images))
	var files []file
	for i, img := range images {
		data, ext, err := imagefile.Fit(img, budget)
		if err != nil {
			continue
		}
		_, ctype := imagefile.Ext(data)
		name := fmt.Sprintf("imagine_%s_%d.%s", r.job, i+1, ext)
		if len(images) == 1 {
			name = fmt.Sprintf("imagine_%s.%s", r.job, ext)
		}
		files = append(files, file{Name: name, ContentType: ctype, Data: data})
	}
	embed := &discordgo.MessageEmbed{Description: imagine.Caption(r.locale, st, captionRunes, r.mention), Color: colorDone}
	if len(files) == 1 {
		embed.Image = &discordgo.MessageEmbedImage{URL: "attachment://" + files[0].Name}
	}
	return newView("", []*discordgo.MessageEmbed{embed}, r.resultButtons(st.Params.Kind, min(len(seeds), len(images))), files, "result")
}

// resultButtons are the buttons under a result of n images: 🎲 Reroll on
// a row of its own, then one ⬆ Upscale per image, then one 🎨 Vary per
// image, each kind on rows of at most five (ten images make five rows, the
// most Discord takes). An upscale's result has none: nothing is sampled
// there, and its picture is the image above.
func (r *renderer) resultButtons(kind imagine.JobKind, n int) []discordgo.MessageComponent {
	if kind == imagine.KindUpscale {
		return nil
	}
	rows := r.row(r.button(actReroll, 0, r.t(catalog.MsgBtnReroll), discordgo.PrimaryButton))
	if n == 1 {
		return append(rows, r.row(r.button(actUpscale, 0, texts.BtnUpscale.In(r.locale), discordgo.SecondaryButton),
			r.button(actVary, 0, texts.BtnVary.In(r.locale), discordgo.SecondaryButton))...)
	}
	var up, vary []discordgo.MessageComponent
	for i := range n {
		up = append(up, r.button(actUpscale, i, texts.BtnUpscaleN.In(r.locale, i+1), discordgo.SecondaryButton))
		vary = append(vary, r.button(actVary, i, texts.BtnVaryN.In(r.locale, i+1), discordgo.SecondaryButton))
	}
	return append(append(rows, r.row(up...)...), r.row(vary...)...)
}

func (r *renderer) cancelRow() []discordgo.MessageComponent {
	return r.row(r.button(actCancel, 0, r.t(catalog.MsgBtnCancel), discordgo.DangerButton))
}

func (r *renderer) button(act action, idx int, label string, style discordgo.ButtonStyle) discordgo.MessageComponent {
	return discordgo.Button{Label: imagine.Shorten(label, maxButtonLabel), Style: style,
		CustomID: buttonID(r.stamp, act, r.job, idx)}
}

// row lays buttons out in action rows of at most five.
func (r *renderer) row(buttons ...discordgo.MessageComponent) []discordgo.MessageComponent {
	return actionRows(buttons)
}

// actionRows lays buttons out in action rows of at most five.
func actionRows(buttons []discordgo.MessageComponent) []discordgo.MessageComponent {
	var rows []discordgo.MessageComponent
	for len(buttons) > 0 {
		n := min(len(buttons), maxRowButtons)
		rows = append(rows, discordgo.ActionsRow{Components: buttons[:n]})
		buttons = buttons[n:]
	}
	return rows
}
