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
	used, quota := s.usage(req.Requester, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.refuseLocked(user, used, quota, 1, now); err != nil {
		return err
	}
	if waiting, running := s.queue.UserJobs(user); s.cfg.PerUser > 0 && waiting+running >= s.cfg.PerUser {
		return userErr(ErrUserLimit, catalog.MsgUserLimit, s.cfg.PerUser)
	}
	return nil
}

// usage is who's images counted against today's quota, and whether the
// quota applies: not to admins, and not when the store cannot say (the
// quota is then not checked rather than refusing everyone).
func (s *Service) usage(who Requester, now time.Time) (used int, quota bool) {
	if s.cfg.DailyImages <= 0 || who.Admin {
		return 0, false
	}
	used, err := s.store.Usage(context.Background(), who.Key(), now)
	if err != nil {
		s.storeFailed("read usage", err)
		return 0, false
	}
	return used, true
}

// refuseLocked refuses user more images when the bot is shutting down,
// when an admin blocked them since the moderation check (see Block), or
// when images more would pass the quota (used today, see usage, and the
// images of their jobs not yet ended).
func (s *Service) refuseLocked(user string, used int, quota bool, images int, now time.Time) error {
	switch {
	case s.stopping:
		return userErr(ErrShuttingDown, catalog.MsgShuttingDown)
	case s.mod.runtimeBlocked(user):
		return userErr(ErrBlocked, catalog.MsgBlocked)
	case quota && used+s.pending[user]+images > s.cfg.DailyImages:
		return quotaErr(s.cfg.DailyImages, now)
	}
	return nil
}
