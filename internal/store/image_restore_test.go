package store

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"path/filepath"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestRestoreImageJobs: after a restart a waiting upscale reads its image
// again from the results the store keeps, an img2img (whose picture is
// never stored) fails saying the picture must be sent again, and so does
// an upscale of an image the store no longer has.
func TestRestoreImageJobs(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	pic := buf.Bytes()
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	mustAdd(t, d, saved(1, "a", "a cat", ""))
	mustEnd(t, d, done(1, "a", t0, pic))

	img2img := saved(2, "a", "from my photo", "")
	img2img.Request.Kind, img2img.Request.Aspect = imagine.KindImg2Img, imagine.Ratio{}
	mustAdd(t, d, img2img)
	up := saved(3, "b", "a cat", "")
	up.Request.Kind, up.Request.From, up.Request.Aspect = imagine.KindUpscale, &imagine.ImageRef{Job: 1, Index: 0}, imagine.Ratio{}
	mustAdd(t, d, up)
	gone := up
	gone.ID, gone.Request.From = 4, &imagine.ImageRef{Job: 1, Index: 5}
	mustAdd(t, d, gone)

	st := settings
	st.CheckInput = imagefile.InputChecker(imagine.InputLimits{})
	st.Defaults.UpscaleBy = 2
	b := imaginetest.New(imaginetest.Options{Manual: true})
	svc := imagine.New(imagine.Config{PerUser: 5, MaxQueue: 100, Settings: st, Store: d}, []imagine.NamedBackend{{Name: "sd", Backend: b}})
	if err := svc.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[imagine.JobID]imagine.Status{}
	for _, r := range svc.Resumed(imagine.Telegram) {
		got[r.Ticket.ID] = r.Ticket.Watch.Latest()
	}
	if len(got) != 3 {
		t.Fatalf("%d jobs resumed, want 3", len(got))
	}
	for _, id := range []imagine.JobID{2, 4} {
		var ue *imagine.UserError
		if s := got[id]; s.State != imagine.Failed || !errors.As(s.Err, &ue) || ue.ID != catalog.MsgInputGone {
			t.Errorf("job %d: %v %v; want failed with MsgInputGone", id, s.State, s.Err)
		}
	}
	s := got[3]
	if s.State != imagine.Queued || s.Params.Kind != imagine.KindUpscale || s.Params.Init == nil || !bytes.Equal(s.Params.Init.Data, pic) || s.Params.Width != 80 || s.Params.Height != 60 {
		t.Errorf("the upscale resumed as %v, %+v; want queued with the stored image, 80x60", s.State, s.Params)
	}
	rec, err := d.Record(context.Background(), 3)
	if err != nil || rec.Request.From == nil || *rec.Request.From != (imagine.ImageRef{Job: 1, Index: 0}) || rec.Request.Kind != imagine.KindUpscale {
		t.Errorf("the stored upscale: %+v, %v", rec.Request, err)
	}
}
