package store

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/queue"
)

func prefsWithSteps(n int) imagine.Prefs { return imagine.Prefs{Steps: n} }

// t0 is the tests' clock: a UTC afternoon, to the millisecond as the DB
// keeps times.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535e6, time.UTC)

// who is a Telegram user.
func who(id string) imagine.Requester {
	return imagine.Requester{Platform: imagine.Telegram, UserID: id, Name: "user " + id, Locale: "en-US"}
}

// saved is a queued job of user with the prompt and source.
func saved(id imagine.JobID, user, prompt, source string) imagine.SavedJob {
	req := imagine.NewRequest(prompt, who(user))
	req.Steps, req.Aspect, req.Source = 20, imagine.Ratio{W: 16, H: 9}, source
	return imagine.SavedJob{ID: id, Request: req, Source: source, State: imagine.Queued, Submitted: t0.Add(time.Duration(id) * time.Second)}
}

// mustAdd adds j with a turn, failing the test on error.
func mustAdd(t testing.TB, s imagine.Store, j imagine.SavedJob) {
	t.Helper()
	if err := s.AddJob(context.Background(), j, queue.Turn{Round: 1, Seq: uint64(j.ID)}); err != nil {
		t.Fatalf("AddJob %d: %v", j.ID, err)
	}
}

// done ends job id of user as Done with images of n bytes each, at at.
func done(id imagine.JobID, user string, at time.Time, images ...[]byte) imagine.JobEnd {
	res := &imagine.Result{Images: images, Model: "v1-5"}
	for i := range images {
		res.Seeds = append(res.Seeds, int64(id)*100+int64(i))
	}
	return imagine.JobEnd{ID: id, User: who(user).Key(), Outcome: imagine.Done, Result: res, Width: 512, Height: 288, At: at}
}

// mustEnd ends a job, failing the test on error.
func mustEnd(t testing.TB, s imagine.Store, e imagine.JobEnd) {
	t.Helper()
	if err := s.EndJob(context.Background(), e); err != nil {
		t.Fatalf("EndJob %d: %v", e.ID, err)
	}
}

// checkRecord compares records field by field: times by instant, and nil
// and empty slices alike.
func checkRecord(t *testing.T, got, want imagine.Record) {
	t.Helper()
	if got.ID != want.ID || got.Outcome != want.Outcome || got.Model != want.Model ||
		got.Width != want.Width || got.Height != want.Height || got.Images != want.Images ||
		!slices.Equal(got.Seeds, want.Seeds) || !bytes.Equal(got.Ref, want.Ref) ||
		!got.Submitted.Equal(want.Submitted) || !got.Ended.Equal(want.Ended) ||
		!reflect.DeepEqual(got.Request, want.Request) {
		t.Errorf("record\n got %+v\nwant %+v", got, want)
	}
}

// turn is a turn in round 1.
func turn(seq uint64) queue.Turn { return queue.Turn{Round: 1, Seq: seq} }
