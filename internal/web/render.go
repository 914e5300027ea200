package web

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// jobView is what the page shows of a job: the same struct renders the
// server's HTML (html/template) and the live-update events (JSON), which
// the page's script applies to the same elements.
type jobView struct {
	id       imagine.JobID
	ID       string      `json:"id"`
	State    string      `json:"state"`  // queued, running, done, failed, cancelled, restarting
	Prompt   string      `json:"prompt"` // as the user typed it
	Line     string      `json:"line"`   // the queue or progress line, or why it ended
	Progress float64     `json:"progress"`
	Preview  string      `json:"preview,omitempty"` // URL of the newest preview, while running
	Images   []imageView `json:"images,omitempty"`  // the result, when done
	Caption  string      `json:"caption,omitempty"`
	Failed   bool        `json:"failed,omitempty"` // Line is an error
	Actions  []action    `json:"actions,omitempty"`
}

// imageView is one image of a result.
type imageView struct {
	URL    string `json:"url"`
	Alt    string `json:"alt"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// action is a button under a job: a POST to URL (with the CSRF token),
// or a link to download.
type action struct {
	Label    string `json:"label"`
	URL      string `json:"url"`
	Download bool   `json:"download,omitempty"` // a link, not a POST
	Name     string `json:"name,omitempty"`     // the download's file name
	Kind     string `json:"kind"`               // cancel, reroll, retry, upscale, vary, png
}

// json encodes the view for a live-update event.
func (v jobView) json() []byte {
	b, _ := json.Marshal(v) // only strings, numbers and slices of them
	return b
}

// captionRunes is how much of the prompt a caption shows.
const captionRunes = 300

func jobURL(id imagine.JobID, rest string) string { return "/job/" + id.String() + "/" + rest }

// renderStatus is the view of a job's status, in language l; params are
// the ticket's (a status carries them too, but a restored one may not
// have the negative prompt).
func renderStatus(l lang, st imagine.Status, params imagine.Params) jobView {
	loc := string(l)
	p := st.Params
	if p.UserPrompt == "" {
		p = params
	}
	v := jobView{id: st.Job, ID: st.Job.String(), State: st.State.String(), Prompt: p.UserPrompt}
	kind := imagine.KindLine(loc, p)
	withKind := func(s string) string {
		if kind == "" {
			return s
		}
		return kind + "\n" + s
	}
	switch st.State {
	case imagine.Queued:
		line := imagine.QueueLine(loc, st)
		switch {
		case st.Restarted && st.Rerun:
			line = catalog.T(loc, catalog.MsgRestartedRerun) + "\n" + line
		case st.Restarted:
			line = catalog.T(loc, catalog.MsgRestarted) + "\n" + line
		}
		v.Line = withKind(line)
		v.Actions = []action{cancelAction(l, st.Job)}
	case imagine.Running:
		v.Line = withKind(imagine.ProgressLine(loc, st))
		v.Progress = st.Progress
		if st.Preview != nil {
			v.Preview = jobURL(st.Job, "preview?v="+strconv.Itoa(st.PreviewSeq))
		}
		v.Actions = []action{cancelAction(l, st.Job)}
	case imagine.Done:
		v.Progress = 1
		n, w, h := 0, p.Width, p.Height
		if st.Result != nil {
			n = len(st.Result.Images)
		}
		if p.EnableHR {
			w, h = int(float64(w)*p.HRScale), int(float64(h)*p.HRScale)
		}
		if p.Kind == imagine.KindUpscale && p.Init != nil {
			w, h = int(float64(p.Init.Width)*p.UpscaleBy), int(float64(p.Init.Height)*p.UpscaleBy)
		}
		v.Caption = imagine.Caption(loc, st, captionRunes, l.T("You"))
		v.Images, v.Actions = resultViews(l, st.Job, n, w, h, p.UserPrompt, p.Kind != imagine.KindUpscale)
	case imagine.Failed:
		v.Line, v.Failed = catalog.T(loc, catalog.MsgFailed, imagine.Describe(st.Err, loc)), true
		v.Actions = []action{{Label: catalog.T(loc, catalog.MsgBtnTryAgain), URL: jobURL(st.Job, "retry"), Kind: "retry"}}
	case imagine.Cancelled:
		v.Line = catalog.T(loc, catalog.MsgCancelled)
		v.Actions = []action{{Label: catalog.T(loc, catalog.MsgBtnTryAgain), URL: jobURL(st.Job, "retry"), Kind: "retry"}}
	case imagine.Restarting:
		v.Line = catalog.T(loc, catalog.MsgRestarting)
		if st.Rerun {
			v.Line = catalog.T(loc, catalog.MsgRestartingRerun)
		}
	}
	return v
}

func cancelAction(l lang, id imagine.JobID) action {
	return action{Label: catalog.T(string(l), catalog.MsgBtnCancel), URL: jobURL(id, "cancel"), Kind: "cancel"}
}

// resultViews are the images of a finished job and the buttons under
// them: Reroll, then per image the PNG download and, when again is set
// (not for an upscale, which needs its image), Upscale and Vary.
func resultViews(l lang, id imagine.JobID, n, w, h int, prompt string, again bool) ([]imageView, []action) {
	loc := string(l)
	var imgs []imageView
	var acts []action
	if again {
		acts = append(acts, action{Label: catalog.T(loc, catalog.MsgBtnReroll), URL: jobURL(id, "reroll"), Kind: "reroll"})
	}
	for i := range n {
		num := strconv.Itoa(i)
		imgs = append(imgs, imageView{URL: jobURL(id, "image/"+num+".png"), Alt: l.T("Result", imagine.Shorten(prompt, 100)), Width: w, Height: h})
		name := "imagine-" + id.String() + ".png"
		dl, up, vary := l.T("Download"), l.T("Upscale"), l.T("Vary")
		if n > 1 {
			name = "imagine-" + id.String() + "-" + strconv.Itoa(i+1) + ".png"
			dl, up, vary = l.T("DownloadN", i+1), l.T("UpscaleN", i+1), l.T("VaryN", i+1)
		}
		acts = append(acts, action{Label: dl, URL: jobURL(id, "image/"+num+".png?download=1"), Download: true, Name: name, Kind: "png"})
		if again {
			acts = append(acts,
				action{Label: up, URL: jobURL(id, "upscale?i="+num), Kind: "upscale"},
				action{Label: vary, URL: jobURL(id, "vary?i="+num), Kind: "vary"})
		}
	}
	return imgs, acts
}

// renderRecord is the view of a finished job from the core's store (the
// page's history: jobs from before a restart, or older than the hub
// keeps).
// upscaleBy is the configured upscale factor, which the record does not
// keep.
func renderRecord(l lang, rec imagine.Record, upscaleBy float64) jobView {
	loc := string(l)
	v := jobView{id: rec.ID, ID: rec.ID.String(), State: imagine.Done.String(), Prompt: rec.Request.Prompt, Progress: 1}
	seeds := make([]string, len(rec.Seeds))
	for i, s := range rec.Seeds {
		seeds[i] = strconv.FormatInt(s, 10)
	}
	model := rec.Model
	if model == "" {
		model = "?"
	}
	v.Caption = l.T("HistoryCaption", imagine.Shorten(rec.Request.Prompt, captionRunes), strings.Join(seeds, ", "), rec.Width, rec.Height, model)
	if k := kindOfRecord(loc, rec, upscaleBy); k != "" {
		v.Caption = k + "\n" + v.Caption
	}
	v.Images, v.Actions = resultViews(l, rec.ID, rec.Images, rec.Width, rec.Height, rec.Request.Prompt, !rec.NeedsInput())
	return v
}

func kindOfRecord(loc string, rec imagine.Record, upscaleBy float64) string {
	switch {
	case rec.Request.Kind == imagine.KindUpscale:
		return catalog.T(loc, catalog.MsgKindUpscale, upscaleBy)
	case rec.Request.Variation:
		return catalog.T(loc, catalog.MsgKindVary, rec.Request.Seed)
	}
	return ""
}
