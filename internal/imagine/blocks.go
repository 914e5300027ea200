package imagine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// BlockEntry is one blocked user, as an admin's dashboard lists them.
type BlockEntry struct {
	Who    string    // the user's key, e.g. "tg:123"
	By     string    // the key of the admin who blocked them; "" when Config
	ByName string    // that admin's display name
	At     time.Time // when; zero when Config
	// Config marks a user the configuration blocks
	// (moderation.blocked_user_ids): only the configuration unblocks them.
	Config bool
}

// maxUserKey bounds the length of a user key given to Block.
const maxUserKey = 128

// platforms are the platforms a user key may name.
var platforms = []Platform{Telegram, Discord, CLI, Web}

// parseUserKey checks that who is a user key ("tg:123") and returns it
// without surrounding spaces.
func parseUserKey(who string) (string, error) {
	who = strings.TrimSpace(who)
	plat, id, ok := strings.Cut(who, ":")
	bad := !ok || id == "" || len(who) > maxUserKey || !slices.Contains(platforms, Platform(plat)) ||
		strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0
	if bad {
		return "", userErr(ErrBadUserKey, catalog.MsgBadUserKey, Shorten(who, 40))
	}
	return who, nil
}

// Block blocks the user with key who (e.g. "tg:123") at once and for good:
// the block is stored, and survives restarts until Unblock. From then on
// Submit refuses them with ErrBlocked, as it refuses the users the
// configuration blocks; their jobs, waiting and running, end now with a
// Failed status whose ErrBlocked error tells them an admin blocked them
// (their results would otherwise still be delivered). Only an admin may
// block (ErrNotAdmin), and not themselves (ErrBlockSelf); who must be a user key
// (ErrBadUserKey). Blocking a blocked user again is no error. A store
// failure is returned, and the user is not blocked.
func (s *Service) Block(who string, by Requester) error {
	if !by.Admin {
		return userErr(ErrNotAdmin, catalog.MsgNotAdmin)
	}
	who, err := parseUserKey(who)
	if err != nil {
		return err
	}
	if who == by.Key() {
		return userErr(ErrBlockSelf, catalog.MsgBlockSelf)
	}
	if err := s.Restore(context.Background()); err != nil {
		return fmt.Errorf("imagine: block %s: the store could not be read: %w", who, err)
	}
	if s.mod.configBlocked(who) {
		return nil
	}
	e := BlockEntry{Who: who, By: by.Key(), ByName: by.Name, At: time.Now()}
	if err := s.store.Block(context.Background(), e); err != nil {
		s.storeFailed("block", err)
		return fmt.Errorf("imagine: block %s: %w", who, err)
	}
	s.storeOK()
	// The block applies before the user's jobs end: Submit checks it again
	// under s.mu, so no job of theirs slips in after the loop below.
	s.mod.block(e)
	s.mu.Lock()
	waiting, running := s.endUserJobsLocked(who, userErr(ErrBlocked, catalog.MsgBlockedStopped))
	s.mu.Unlock()
	s.log.Info("user blocked", "user", who, "by", by.Key(), "waiting_ended", waiting, "running_stopped", running)
	return nil
}

// Unblock lifts a block Block set. Only an admin may unblock
// (ErrNotAdmin); a user the configuration blocks stays blocked
// (ErrBlockedInConfig), and a user who is not blocked gives ErrNotBlocked.
// A store failure is returned, and the user stays blocked.
func (s *Service) Unblock(who string, by Requester) error {
	if !by.Admin {
		return userErr(ErrNotAdmin, catalog.MsgNotAdmin)
	}
	who, err := parseUserKey(who)
	if err != nil {
		return err
	}
	if err := s.Restore(context.Background()); err != nil {
		return fmt.Errorf("imagine: unblock %s: the store could not be read: %w", who, err)
	}
	switch {
	case s.mod.configBlocked(who):
		return userErr(ErrBlockedInConfig, catalog.MsgBlockedInConfig, who)
	case !s.mod.runtimeBlocked(who):
		return userErr(ErrNotBlocked, catalog.MsgNotBlocked, who)
	}
	if err := s.store.Unblock(context.Background(), who); err != nil {
		s.storeFailed("unblock", err)
		return fmt.Errorf("imagine: unblock %s: %w", who, err)
	}
	s.storeOK()
	s.mod.unblock(who)
	s.log.Info("user unblocked", "user", who, "by", by.Key())
	return nil
}

// Blocked lists the blocked users: those admins blocked, newest first,
// then those the configuration blocks (Config set), in its order.
func (s *Service) Blocked() []BlockEntry {
	if err := s.Restore(context.Background()); err != nil {
		s.log.Error("cannot restore the stored jobs and blocks", "err", err)
	}
	return s.mod.blocks()
}

// endUserJobsLocked ends every job of user: a waiting one at once, with
// reason; a running one is stopped on its backend and its worker ends it
// with reason. s.mu is held.
func (s *Service) endUserJobsLocked(user string, reason error) (waiting, running int) {
	for _, j := range s.jobs {
		if j.req.Requester.Key() != user {
			continue
		}
		if _, ok := s.queue.Cancel(j.qid); ok || s.dropRerunLocked(j) {
			s.forgetLocked(j)
			s.saveEnd(j, JobEnd{Outcome: Failed})
			j.watch.publish(Status{Job: j.id, State: Failed, Err: reason, Params: j.params})
			logJobEnd(s.log, j, Failed, time.Since(j.submitted), 0, reason)
			waiting++
			continue
		}
		// Running, or taken by a worker that has not registered it yet:
		// the worker ends it with the reason.
		if !j.cancelled {
			j.cancelled, j.endErr = true, reason
			if j.cancel != nil {
				j.cancel()
			}
			running++
		}
	}
	if waiting > 0 {
		s.noteWaitingLocked()
		s.kick() // the next in line may have changed
	}
	return waiting, running
}

// dropRerunLocked removes j from the jobs that run again first, if it is
// there, and reports whether it was. s.mu is held.
func (s *Service) dropRerunLocked(j *job) bool {
	i := slices.IndexFunc(s.rerun, func(it queue.Item[*job]) bool { return it.Value == j })
	if i < 0 {
		return false
	}
	s.queue.Done(s.rerun[i].ID) // it had started: the queue counts it running
	s.rerun = slices.Delete(s.rerun, i, i+1)
	return true
}
