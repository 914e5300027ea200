package imagine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// recentStore records the n of each Recent and may fail it.
type recentStore struct {
	*MemoryStore
	asked []int
	err   error
}

func (r *recentStore) Recent(ctx context.Context, n int) ([]Record, error) {
	r.asked = append(r.asked, n)
	if r.err != nil {
		return nil, r.err
	}
	return r.MemoryStore.Recent(ctx, n)
}

// TestRecent: the gallery lists the newest results of every user, asks
// the store for at most MaxRecent, and says when the store fails.
func TestRecent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &recentStore{MemoryStore: NewMemoryStore()}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, Store: st}, &fakeBackend{stepTime: time.Second})
		for _, who := range []string{"A", "B", "C"} {
			final(t, submit(t, s, user(who), "by "+who, 1).Watch)
		}
		for _, c := range []struct {
			n     int
			want  []string
			asked int
		}{
			{2, []string{"by C", "by B"}, 2},
			{10, []string{"by C", "by B", "by A"}, 10},
			{MaxRecent + 1, []string{"by C", "by B", "by A"}, MaxRecent},
			{0, nil, 0},
		} {
			rs, err := s.Recent(c.n)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Request.Prompt)
				if img, err := s.Image(r.ID, 0); err != nil || len(img) == 0 {
					t.Errorf("image of %s: %v", r.Request.Prompt, err)
				}
			}
			if !slices.Equal(got, c.want) || st.asked[len(st.asked)-1] != c.asked {
				t.Errorf("Recent(%d) = %v asking for %d, want %v asking for %d", c.n, got, st.asked[len(st.asked)-1], c.want, c.asked)
			}
		}
		st.err = errors.New("disk on fire")
		if _, err := s.Recent(5); !errors.Is(err, st.err) {
			t.Errorf("Recent with a failing store: %v", err)
		}
	})
}
