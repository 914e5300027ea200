package telegram

import (
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// press is a decoded button's callback data; the table of kinds is in
// callbacks.go.
type press struct {
	kind string        // "c", "r", "t", "p", "m" or "mp"
	job  imagine.JobID // c, r, t, p
	list int           // m, mp: the stored model list
	n    int           // p: image index; m: model index; mp: page
}

// maxCallbackData is Telegram's limit on callback data, in bytes.
const maxCallbackData = 64

// data encodes the press as callback data.
func (p press) data() string {
	switch p.kind {
	case "c", "r", "t":
		return p.kind + ":" + p.job.String()
	case "p":
		return "p:" + p.job.String() + ":" + strconv.Itoa(p.n)
	default: // m, mp
		return p.kind + ":" + strconv.Itoa(p.list) + ":" + strconv.Itoa(p.n)
	}
}

// parsePress decodes callback data written by press.data. Anything else,
// including data from an older version of the bot, is not ok.
func parsePress(data string) (press, bool) {
	if len(data) > maxCallbackData {
		return press{}, false
	}
	kind, rest, _ := strings.Cut(data, ":")
	p := press{kind: kind}
	var err error
	switch kind {
	case "c", "r", "t":
		p.job, err = parseJob(rest)
	case "p":
		job, n, _ := strings.Cut(rest, ":")
		if p.job, err = parseJob(job); err == nil {
			p.n, err = parseIndex(n)
		}
	case "m", "mp":
		list, n, _ := strings.Cut(rest, ":")
		if p.list, err = parseIndex(list); err == nil {
			p.n, err = parseIndex(n)
		}
	default:
		return press{}, false
	}
	return p, err == nil
}

func parseJob(s string) (imagine.JobID, error) {
	if s == "" || strings.ContainsAny(s, "+-") {
		return 0, strconv.ErrSyntax
	}
	return imagine.ParseJobID(s)
}

// parseIndex reads a small non-negative decimal number.
func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.ContainsAny(s, "+-") {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}
