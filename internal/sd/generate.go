package sd

import (
	"context"
	"crypto/rand"
	"time"
)

// Generate runs one txt2img and follows its progress. Unless req carries a
// task id it gets a fresh unique one, sent as both task_id (the seed server)
// and force_task_id (stock A1111); if req carries only one of them, the
// other gets the same value.
//
// While txt2img runs, Generate polls progress every Config.PollInterval and
// calls onProgress (may be nil) with each sample, from one goroutine at a
// time and never after Generate has returned; onProgress should return
// quickly, since the next poll waits for it. Fraction never goes backwards
// within one call (a WebUI reports 0 again as it finishes). A failed poll
// never fails the job: it is logged at debug level and polling goes on.
//
// Like Txt2Img, Generate is bounded by Config.Timeout; when that or ctx ends
// first it asks the server to interrupt and returns an error that says so
// (ErrTimeout for the former).
func (c *Client) Generate(ctx context.Context, req Txt2ImgRequest, onProgress func(Progress)) (*Txt2ImgResponse, error) {
	req.TaskID, req.ForceTaskID = taskIDs(req.TaskID, req.ForceTaskID)
	var poll func(context.Context)
	if onProgress != nil {
		tr := newTracker(req.TaskID, req.ForceTaskID)
		poll = func(ctx context.Context) { c.pollLoop(ctx, tr, onProgress) }
	}
	return c.run(ctx, req, poll)
}

// taskIDs returns the task ids to send: the given ones, one for the
// other when only one is given, a fresh one when none is.
func taskIDs(taskID, forceTaskID string) (string, string) {
	id := forceTaskID
	if id == "" {
		id = taskID
	}
	if id == "" {
		id = newTaskID()
	}
	if taskID == "" {
		taskID = id
	}
	if forceTaskID == "" {
		forceTaskID = id
	}
	return taskID, forceTaskID
}

// newTaskID returns a task id no other client will choose.
func newTaskID() string { return "imaginebot-" + rand.Text() }

// pollLoop samples tr's progress every poll interval until ctx ends.
func (c *Client) pollLoop(ctx context.Context, tr *tracker, onProgress func(Progress)) {
	timer := time.NewTimer(c.pollInterval)
	defer timer.Stop()
	var best float64
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		p, err := c.poll(ctx, tr)
		if ctx.Err() != nil {
			return // txt2img has returned; this sample is stale
		}
		if err != nil {
			c.log.DebugContext(ctx, "sd progress poll failed", "task", tr.forceTaskID, "err", err)
		} else {
			best = max(best, p.Fraction)
			p.Fraction = best
			onProgress(p)
		}
		timer.Reset(c.pollInterval)
	}
}
