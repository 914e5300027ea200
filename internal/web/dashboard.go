package web

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// AdminCore is what the admin dashboard asks of the core besides
// frontend.Core: the live queue and backends, the last hour's figures,
// runtime blocks and the recent results of everyone. *imagine.Service
// implements it; New enables the dashboard when its core does.
type AdminCore interface {
	// Overview is the queue and the backends now; any number of callers
	// share one reading per 100 ms.
	Overview() imagine.Overview
	// Stats is the last hour, one point per minute, oldest first.
	Stats() []imagine.StatPoint
	// Block and Unblock block and unblock a user by key (by must be an
	// admin); refusals are *imagine.UserError.
	Block(who string, by imagine.Requester) error
	Unblock(who string, by imagine.Requester) error
	// Blocked lists the blocked users.
	Blocked() []imagine.BlockEntry
	// Recent lists the newest results of all users, newest first.
	Recent(n int) ([]imagine.Record, error)
}

var _ AdminCore = (*imagine.Service)(nil)

// Dashboard sizes: how many waiting jobs and gallery results the
// dashboard lists (the rest are counted), and how long it waits for the
// backends' model lists.
const (
	dashMaxWaiting = 30
	dashGallery    = 24
	// rowRunes is how much of a prompt a queue row shows (the gallery
	// shows as much as a caption).
	rowRunes      = 200
	modelsTimeout = 5 * time.Second
)

// dashView is what the dashboard's templates render: the whole page, or
// one live section of it (see dashSections). CSRF is empty in the
// sections the live feed sends, which all viewers share: the page's
// script adds the token to the forms it posts.
type dashView struct {
	L    lang
	CSRF string
	// Updated is when the data was read, e.g. "15:04:05".
	Updated string

	Running     []queueRow
	Waiting     []queueRow
	MoreWaiting int // waiting jobs beyond those listed

	Backends     []backendRow
	DefaultModel string
	Models       []string // for the model switch (page only)
	ModelsErr    string

	Blocks []blockRow

	Gallery    []galleryItem
	GalleryErr string

	Charts []chart
}

// dashAct is a button of the dashboard: a POST to URL, with the user key
// Who when set.
type dashAct struct {
	CSRF, URL, Who, Kind, Label string
}

// queueRow is one waiting or running job.
type queueRow struct {
	ID       string
	User     string // the requester's key, e.g. tg:42
	Name     string // their display name
	ShowName bool   // the name says more than the key
	Platform string
	Prompt   string
	Detail   string // kind, size and steps, e.g. "512x512 · 20 steps"
	Position int
	Backend  string
	Progress float64
	Percent  int
	Preview  string // URL of the newest preview, when running
	Since    string // how long it has waited or run
}

// backendRow is one backend.
type backendRow struct {
	Name, Kind, Loaded, Job string
	Busy, Down              bool
}

// blockRow is one blocked user.
type blockRow struct {
	Who, By, At string
	Config      bool
}

// galleryItem is one recent result.
type galleryItem struct {
	ID       string
	Images   []imageView
	Prompt   string
	Seed     string
	User     string
	Name     string
	ShowName bool
	Platform string
	Outcome  string
	When     string
	WhenISO  string
}

// dashSnapshot is what the dashboard reads from the core at one time; it
// renders in any language.
type dashSnapshot struct {
	at         time.Time
	ov         imagine.Overview
	stats      []imagine.StatPoint
	blocked    []imagine.BlockEntry
	recent     []imagine.Record
	recentErr  error
	previewSum map[imagine.JobID]uint64 // a hash of each running job's preview
}

// readDash reads the dashboard's data from the core.
func (a *Adapter) readDash() *dashSnapshot {
	s := &dashSnapshot{at: a.cfg.Clock()}
	s.ov = a.admin.Overview()
	s.stats = a.admin.Stats()
	s.blocked = a.admin.Blocked()
	s.recent, s.recentErr = a.admin.Recent(dashGallery)
	s.previewSum = make(map[imagine.JobID]uint64, len(s.ov.Running))
	for _, j := range s.ov.Running {
		if j.Preview != nil {
			h := fnv.New64a()
			h.Write(j.Preview)
			s.previewSum[j.ID] = h.Sum64()
		}
	}
	return s
}

// preview returns the newest preview of running job id in the snapshot.
func (s *dashSnapshot) preview(id imagine.JobID) []byte {
	for _, j := range s.ov.Running {
		if j.ID == id {
			return j.Preview
		}
	}
	return nil
}

// view renders the snapshot in l, for a page with the given CSRF token
// ("" for the shared live sections).
func (s *dashSnapshot) view(l lang, csrf string) dashView {
	d := dashView{L: l, CSRF: csrf, Updated: s.at.Format("15:04:05"), DefaultModel: s.ov.DefaultModel}
	for _, j := range s.ov.Running {
		r := s.row(l, j)
		r.Backend, r.Progress, r.Percent = j.Backend, j.Progress, int(j.Progress*100+0.5)
		if sum, ok := s.previewSum[j.ID]; ok {
			r.Preview = "/admin/job/" + j.ID.String() + "/preview?v=" + strconv.FormatUint(sum, 36)
		}
		r.Since = ago(s.at, j.Started)
		d.Running = append(d.Running, r)
	}
	for i, j := range s.ov.Waiting {
		if i == dashMaxWaiting {
			d.MoreWaiting = len(s.ov.Waiting) - i
			break
		}
		r := s.row(l, j)
		r.Position, r.Since = j.Position, ago(s.at, j.Submitted)
		d.Waiting = append(d.Waiting, r)
	}
	for _, b := range s.ov.Backends {
		row := backendRow{Name: b.Name, Kind: b.Kind, Loaded: b.Loaded, Busy: b.Busy, Down: b.Down}
		if b.Busy && b.Job != 0 {
			row.Job = b.Job.String()
		}
		d.Backends = append(d.Backends, row)
	}
	for _, b := range s.blocked {
		row := blockRow{Who: b.Who, By: b.By, Config: b.Config}
		if b.ByName != "" {
			row.By = b.ByName + " (" + b.By + ")"
		}
		if !b.At.IsZero() {
			row.At = b.At.Local().Format("2006-01-02 15:04")
		}
		d.Blocks = append(d.Blocks, row)
	}
	if s.recentErr != nil {
		d.GalleryErr = l.T("GalleryError")
	}
	for _, rec := range s.recent {
		d.Gallery = append(d.Gallery, galleryOf(l, rec))
	}
	d.Charts = charts(l, s.stats)
	return d
}

func (s *dashSnapshot) row(l lang, j imagine.JobView) queueRow {
	detail := fmt.Sprintf("%dx%d · %s", j.Width, j.Height, l.T("StepsN", j.Steps))
	if j.Kind != imagine.KindTxt2Img {
		detail = j.Kind.String() + " · " + detail
	}
	if j.Model != "" {
		detail += " · " + j.Model
	}
	return queueRow{
		ID: j.ID.String(), User: j.Requester.Key(), Name: j.Requester.Name, ShowName: showName(j.Requester),
		Platform: string(j.Requester.Platform), Prompt: imagine.Shorten(j.Prompt, rowRunes), Detail: detail,
	}
}

// showName reports whether a user's display name says more than their
// key (a web user's name is the start of their key).
func showName(r imagine.Requester) bool {
	return r.Name != "" && !strings.HasPrefix(r.Key(), r.Name)
}

// galleryOf is the gallery entry of a result; its images are served to
// admins only (/admin/image/...).
func galleryOf(l lang, rec imagine.Record) galleryItem {
	g := galleryItem{
		ID: rec.ID.String(), Prompt: imagine.Shorten(rec.Request.Prompt, captionRunes),
		User: rec.Request.Requester.Key(), Name: rec.Request.Requester.Name, ShowName: showName(rec.Request.Requester),
		Platform: string(rec.Request.Requester.Platform), Outcome: rec.Outcome.String(),
	}
	seeds := make([]string, len(rec.Seeds))
	for i, s := range rec.Seeds {
		seeds[i] = strconv.FormatInt(s, 10)
	}
	g.Seed = strings.Join(seeds, ", ")
	if !rec.Ended.IsZero() {
		g.When, g.WhenISO = rec.Ended.Local().Format("2006-01-02 15:04"), rec.Ended.UTC().Format(time.RFC3339)
	}
	w, h := thumbSize(rec.Width, rec.Height)
	for i := range rec.Images {
		g.Images = append(g.Images, imageView{
			URL: "/admin/image/" + g.ID + "/" + strconv.Itoa(i) + ".png",
			Alt: l.T("Result", imagine.Shorten(rec.Request.Prompt, 100)), Width: w, Height: h,
		})
	}
	return g
}

// thumbSize is the shown size of a gallery image: at most 160 px on its
// longer side, keeping its shape.
func thumbSize(w, h int) (int, int) {
	const side = 160
	if w <= 0 || h <= 0 {
		return side, side
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}

// ago is how long from t to now, in seconds, minutes or hours.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	default:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
}

// dashPage renders the whole dashboard for s: the snapshot of the feed if
// it is fresh, else a new reading, and the models to switch to.
func (a *Adapter) dashPage(ctx context.Context, s session) *dashView {
	if a.admin == nil {
		return nil
	}
	snap := a.dash.fresh()
	if snap == nil {
		snap = a.readDash()
	}
	d := snap.view(s.lang, s.csrf)
	ctx, cancel := context.WithTimeout(ctx, modelsTimeout)
	defer cancel()
	models, err := a.core.Models(ctx)
	if err != nil {
		a.log.Warn("cannot list the models for the dashboard", "err", err)
		d.ModelsErr = imagine.Describe(err, string(s.lang))
	}
	for _, m := range models {
		d.Models = append(d.Models, m.Title)
	}
	return &d
}
