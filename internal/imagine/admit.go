package imagine

import (
	"context"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// Admit reports whether Submit would refuse req for who asks or how often:
// the bot shutting down, a blocked user, banned words, the cooldown, the
// per-user cap or the daily quota (at least one image left). A front end
// asks it before it spends a download on a user's picture, so that a
// blocked or over-quota user cannot keep the downloads busy. Submit checks
// all of this again, and the options and the picture besides. Refusals are
// *UserError values, as Submit's.
func (s *Service) Admit(req Request) error {
	req = s.Prefs(req.Requester).Apply(req)
	now := time.Now()
	if _, err := s.mod.check(req, now); err != nil {
		return err
	}
	user := req.Requester.Key()
	used, quota := 0, s.cfg.DailyImages > 0 && !req.Requester.Admin
	if quota {
		var err error
		if used, err = s.store.Usage(context.Background(), user, now); err != nil {
			quota = false // as Submit: not checked rather than refusing everyone
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch waiting, running := s.queue.UserJobs(user); {
	case s.stopping:
		return userErr(ErrShuttingDown, catalog.MsgShuttingDown)
	case s.mod.runtimeBlocked(user):
		return userErr(ErrBlocked, catalog.MsgBlocked)
	case s.cfg.PerUser > 0 && waiting+running >= s.cfg.PerUser:
		return userErr(ErrUserLimit, catalog.MsgUserLimit, s.cfg.PerUser)
	case quota && used+s.pending[user]+1 > s.cfg.DailyImages:
		return quotaErr(s.cfg.DailyImages, now)
	}
	return nil
}
