package discordtest

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"
)

// discordEpochMS is the first millisecond of 2015, the epoch of Discord snowflakes.
const discordEpochMS = 1420070400000

// snowflakes mints unique, increasing snowflake ids whose timestamp is the time passed in, so
// that a client reading the creation time of an interaction id (discordgo.SnowflakeTimestamp)
// sees the fake's clock.
type snowflakes struct {
	mu     sync.Mutex // guards lastMS and seq
	lastMS int64
	seq    int64
}

// next returns a new id for the time now.
func (g *snowflakes) next(now time.Time) string {
	ms := now.UnixMilli() - discordEpochMS
	if ms < 0 {
		ms = 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if ms <= g.lastMS {
		// Same or earlier millisecond (frozen test clock): count up, and borrow the next
		// millisecond when the 12-bit sequence is exhausted.
		ms = g.lastMS
		g.seq++
		if g.seq > 0xfff {
			ms++
			g.seq = 0
		}
	} else {
		g.seq = 0
	}
	g.lastMS = ms
	const worker = 1 << 17
	return strconv.FormatInt(ms<<22|worker|g.seq, 10)
}

// SnowflakeTime returns the creation time encoded in a snowflake id, or the zero time if id is
// not a snowflake.
func SnowflakeTime(id string) time.Time {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}
	}
	return time.UnixMilli(n>>22 + discordEpochMS)
}

// newInteractionToken returns an opaque token shaped like Discord's ("aW50ZXJhY3Rpb246" is
// base64 for "interaction:").
func newInteractionToken(id string) string {
	return "aW50ZXJhY3Rpb246" + base64.RawURLEncoding.EncodeToString([]byte(id+":")) +
		rand.Text() + rand.Text() + rand.Text()
}

// newSessionID returns a random gateway session id.
func newSessionID() string {
	return strings.ToLower(rand.Text())
}
