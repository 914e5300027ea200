package imagine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// webAdmin is the dashboard's admin.
var webAdmin = Requester{Platform: Web, UserID: "admin", Name: "admin", Admin: true}

// TestBlockRefusals: what Block and Unblock refuse, and what they accept
// without a change.
func TestBlockRefusals(t *testing.T) {
	s := New(Config{Settings: testSettings(), Moderation: Moderation{BlockedUsers: []string{"tg:cfg"}}}, nil)
	s.Block("dc:7", webAdmin)
	for _, c := range []struct {
		name    string
		unblock bool
		who     string
		by      Requester
		want    error
	}{
		{"not an admin", false, "tg:1", user("X"), ErrNotAdmin},
		{"not an admin unblocks", true, "dc:7", user("X"), ErrNotAdmin},
		{"empty", false, "", webAdmin, ErrBadUserKey},
		{"no platform", false, "123", webAdmin, ErrBadUserKey},
		{"unknown platform", false, "xx:1", webAdmin, ErrBadUserKey},
		{"no id", false, "tg:", webAdmin, ErrBadUserKey},
		{"a space in the id", false, "tg:1 2", webAdmin, ErrBadUserKey},
		{"a control character", false, "tg:1\x00", webAdmin, ErrBadUserKey},
		{"too long", false, "tg:" + strings.Repeat("1", 200), webAdmin, ErrBadUserKey},
		{"oneself", false, "web:admin", webAdmin, ErrBlockSelf},
		{"the configuration's", true, "tg:cfg", webAdmin, ErrBlockedInConfig},
		{"not blocked", true, "tg:2", webAdmin, ErrNotBlocked},
		{"bad key unblocked", true, "tg", webAdmin, ErrBadUserKey},
		{"blocked again", false, "dc:7", webAdmin, nil},
		{"spaces around", false, " tg:3 ", webAdmin, nil},
		{"the configuration's blocked again", false, "tg:cfg", webAdmin, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.unblock {
				err = s.Unblock(c.who, c.by)
			} else {
				err = s.Block(c.who, c.by)
			}
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var ue *UserError
			if c.want != nil && (!errors.As(err, &ue) || Describe(err, "zh") == Describe(errors.New("x"), "zh")) {
				t.Errorf("%v is not worded for the admin", err)
			}
		})
	}
	blocked := s.Blocked()
	want := []string{"tg:3", "dc:7", "tg:cfg"} // newest first, then the configuration's
	if len(blocked) != len(want) {
		t.Fatalf("Blocked() = %+v, want %v", blocked, want)
	}
	for i, b := range blocked {
		if b.Who != want[i] || b.Config != (b.Who == "tg:cfg") || !b.Config && (b.By != "web:admin" || b.ByName != "admin" || b.At.IsZero()) {
			t.Errorf("Blocked()[%d] = %+v, want %s", i, b, want[i])
		}
	}
}

// TestBlock: blocking a user ends their waiting and running jobs with a
// reason they are told, refuses their requests as the configuration's
// blocks do, and lasts across a restart on the same store until Unblock.
func TestBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemoryStore()
		fb := &fakeBackend{stepTime: time.Second}
		s, stop := startService(t, Config{PerUser: 5, MaxQueue: 100, Store: store}, fb)
		running := submit(t, s, user("A"), "running", 10)
		synctest.Wait()
		waiting := submit(t, s, user("A"), "waiting", 2)
		other := submit(t, s, user("B"), "other", 2)
		time.Sleep(1500 * time.Millisecond)

		if err := s.Block("tg:A", webAdmin); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []*Ticket{waiting, running} {
			st := final(t, tk.Watch)
			if st.State != Failed || !errors.Is(st.Err, ErrBlocked) {
				t.Errorf("%s ended %v (%v), want failed: blocked", tk.Params.UserPrompt, st.State, st.Err)
			}
			if got, want := Describe(st.Err, "en"), catalog.T("en", catalog.MsgBlockedStopped); got != want {
				t.Errorf("%s: the user reads %q, want %q", tk.Params.UserPrompt, got, want)
			}
			if r, err := store.Record(context.Background(), tk.ID); err != nil || r.Outcome != Failed {
				t.Errorf("%s stored as %v, %v; want failed", tk.Params.UserPrompt, r.Outcome, err)
			}
		}
		if st := final(t, other.Watch); st.State != Done {
			t.Errorf("another user's job ended %v", st.State)
		}
		if starts := starts(fb.events()); len(starts) != 2 || starts[1] != "other" {
			t.Errorf("started %v, want the blocked user's waiting job never started", starts)
		}
		_, err := s.Submit(NewRequest("again", user("A")))
		if !errors.Is(err, ErrBlocked) || Describe(err, "en") != catalog.T("en", catalog.MsgBlocked) {
			t.Errorf("a blocked user's request: %v, want refused as blocked", err)
		}
		if o := s.Overview(); len(o.Running)+len(o.Waiting) != 0 {
			t.Errorf("jobs left after the block: %+v", o)
		}

		// A new process on the same store keeps the block.
		stop()
		s2, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, Store: store}, fb)
		if b := s2.Blocked(); len(b) != 1 || b[0].Who != "tg:A" || b[0].By != "web:admin" {
			t.Errorf("after a restart: Blocked() = %+v, want tg:A", b)
		}
		if _, err := s2.Submit(NewRequest("after restart", user("A"))); !errors.Is(err, ErrBlocked) {
			t.Errorf("after a restart: %v, want refused as blocked", err)
		}
		if err := s2.Unblock("tg:A", webAdmin); err != nil {
			t.Fatal(err)
		}
		if b := s2.Blocked(); len(b) != 0 {
			t.Errorf("after Unblock: %+v", b)
		}
		if st := final(t, submit(t, s2, user("A"), "welcome back", 1).Watch); st.State != Done {
			t.Errorf("an unblocked user's job ended %v", st.State)
		}
		if b, _ := store.Blocks(context.Background()); len(b) != 0 {
			t.Errorf("the store keeps %+v after Unblock", b)
		}
	})
}
