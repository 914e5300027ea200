package imagine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// ErrExpired is a button of a result the store no longer keeps, and
// ErrImageGone an image whose file it no longer keeps; ErrQuota refuses a
// job over the user's daily quota.
var (
	ErrExpired   = errors.New("imagine: result expired")
	ErrImageGone = errors.New("imagine: image no longer kept")
	ErrQuota     = errors.New("imagine: daily quota used")
)

// HistoryLen is how many results /history lists.
const HistoryLen = 10

// Record returns a job's record, for its buttons: while it waits or runs,
// and after it ended for store.retention. Later it is a *UserError of kind
// ErrExpired.
func (s *Service) Record(id JobID) (Record, error) {
	r, err := s.store.Record(context.Background(), id)
	if errors.Is(err, ErrNotFound) {
		return Record{}, userErr(ErrExpired, catalog.MsgResultExpired, int(s.cfg.Retention.Hours()/24))
	}
	return r, err
}

// Image returns the i-th image of a finished job, for the PNG button; a
// *UserError of kind ErrImageGone once the store dropped it.
func (s *Service) Image(id JobID, i int) ([]byte, error) {
	img, err := s.store.Image(context.Background(), id, i)
	if errors.Is(err, ErrNotFound) {
		return nil, userErr(ErrImageGone, catalog.MsgImageGone)
	}
	return img, err
}

// History returns who's last HistoryLen results, newest first.
func (s *Service) History(who Requester) ([]Record, error) {
	return s.store.History(context.Background(), who.Key(), HistoryLen)
}

// MaxRecent bounds the n of Recent: a gallery page's worth.
const MaxRecent = 200

// Recent returns the n most recent results of all users (n at most
// MaxRecent), the last to finish first, for the admins' moderation
// gallery: each Record has the prompt, seed, user and platform, and Image
// reads its images while the store keeps them. Results stay listed for
// store.retention, like /history's.
func (s *Service) Recent(n int) ([]Record, error) {
	rs, err := s.store.Recent(context.Background(), min(n, MaxRecent))
	if err != nil {
		return nil, fmt.Errorf("imagine: recent results: %w", err)
	}
	return rs, nil
}

// Prefs returns who's settings (/settings); the zero Prefs when they set
// none or the store cannot be read (that is logged).
func (s *Service) Prefs(who Requester) Prefs {
	key := who.Key()
	s.mu.Lock()
	p, ok := s.prefs[key]
	s.mu.Unlock()
	if ok {
		return p
	}
	p, err := s.store.Prefs(context.Background(), key)
	if err != nil {
		s.log.Error("cannot read a user's settings", "user", key, "err", err)
		return Prefs{}
	}
	s.mu.Lock()
	s.prefs[key] = p
	s.mu.Unlock()
	return p
}

// SetPrefs validates and saves who's settings. Refusals are *UserError
// values worded like those of inline options.
func (s *Service) SetPrefs(who Requester, p Prefs) error {
	if err := s.settings.Check(p); err != nil {
		return err
	}
	key := who.Key()
	if err := s.store.SetPrefs(context.Background(), key, p); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	s.mu.Lock()
	s.prefs[key] = p
	s.mu.Unlock()
	return nil
}

// Quota is what is left of a user's daily images.
type Quota struct {
	Limit  int // 0: no limit
	Used   int // images made today and asked for by jobs not yet ended
	Left   int
	Resets time.Time // the next midnight UTC
}

// Quota returns who's daily quota; Limit 0 for admins and when there is
// none.
func (s *Service) Quota(who Requester) Quota {
	if s.cfg.DailyImages <= 0 || who.Admin {
		return Quota{}
	}
	now := time.Now()
	used, err := s.store.Usage(context.Background(), who.Key(), now)
	if err != nil {
		s.log.Error("cannot read a user's usage", "user", who.Key(), "err", err)
	}
	s.mu.Lock()
	used += s.pending[who.Key()]
	s.mu.Unlock()
	return Quota{Limit: s.cfg.DailyImages, Used: used, Left: max(s.cfg.DailyImages-used, 0), Resets: nextMidnight(now)}
}

// nextMidnight is the first UTC midnight after t.
func nextMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// quotaErr refuses a job over the daily limit, saying when it resets.
func quotaErr(limit int, now time.Time) error {
	reset := nextMidnight(now)
	left := reset.Sub(now).Round(time.Minute)
	return userErr(ErrQuota, catalog.MsgQuota, limit, reset.Format("15:04"), fmt.Sprintf("%dh%02dm", int(left.Hours()), int(left.Minutes())%60))
}
