package web

import (
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The web front end keeps no reference of its own with a job
// (imagine.Ref): a job's requester is the browser (imagine.Web, and the
// hash of its session cookie as the user id), and the browser finds its
// jobs again by that id. Nothing about a page needs to be found again
// after a restart: a reload, or the EventSource reconnecting by itself,
// shows the job.

// resume takes back the web jobs the last process left (see
// imagine.Service.Resumed): each gets an editor again, so that its
// browser sees it from its next load or reconnect on, up to the result.
func (a *Adapter) resume() {
	jobs := a.core.Resumed(imagine.Web)
	for _, r := range jobs {
		a.startEditor(r.Ticket, r.Request.Requester, "")
	}
	if len(jobs) > 0 {
		a.log.Info("resumed the jobs of the last run", "jobs", len(jobs))
	}
}
