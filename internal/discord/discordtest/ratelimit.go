package discordtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit is a fixed-window limit: Limit requests per Window. A negative Limit disables it.
type RateLimit struct {
	Limit  int
	Window time.Duration
}

// RateLimits configures the fake's rate limits. Buckets are per route (method and path template)
// and per major parameter (channel id, guild id, webhook id and token), as on Discord; each route
// of a group gets its own bucket with the group's limit. Interaction callbacks are never limited.
type RateLimits struct {
	// Global limits all bot-token requests together, except the interaction endpoints
	// (callbacks and interaction webhooks). Default 50 per second.
	Global RateLimit
	// ChannelMessages limits the /channels/{id}/messages routes per channel. Default 5 per 5s.
	ChannelMessages RateLimit
	// Webhooks limits the /webhooks/{application_id}/{token} routes (original-response edits)
	// per token. Default 5 per 5s.
	Webhooks RateLimit
	// Commands limits the application command routes. Default 10 per 10s.
	Commands RateLimit
	// Other limits every other bot-token route. Default 50 per second.
	Other RateLimit
}

func (r RateLimits) withDefaults() RateLimits {
	def := func(l *RateLimit, limit int, window time.Duration) {
		if l.Limit == 0 {
			l.Limit = limit
		}
		if l.Window <= 0 {
			l.Window = window
		}
	}
	def(&r.Global, 50, time.Second)
	def(&r.ChannelMessages, 5, 5*time.Second)
	def(&r.Webhooks, 5, 5*time.Second)
	def(&r.Commands, 10, 10*time.Second)
	def(&r.Other, 50, time.Second)
	return r
}

// limiter counts requests per bucket in fixed windows. It uses the real clock: the client library
// sleeps in real time before retrying.
type limiter struct {
	mu      sync.Mutex // guards buckets
	buckets map[string]*window
}

// window is one bucket's current fixed window.
type window struct {
	used    int
	resetAt time.Time
}

// verdict is the outcome of taking from a bucket.
type verdict struct {
	ok        bool
	limit     int
	remaining int
	resetAt   time.Time
	after     time.Duration // until resetAt
}

// take counts one request in bucket key at now, unless the bucket is exhausted.
func (l *limiter) take(key string, rl RateLimit, now time.Time) verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.buckets[key]
	if w == nil || !now.Before(w.resetAt) {
		w = &window{resetAt: now.Add(rl.Window)}
		l.buckets[key] = w
	}
	v := verdict{limit: rl.Limit, resetAt: w.resetAt, after: w.resetAt.Sub(now)}
	if w.used >= rl.Limit {
		return v
	}
	w.used++
	v.ok = true
	v.remaining = rl.Limit - w.used
	return v
}

// bucketHash is the opaque X-RateLimit-Bucket value of a route, shared by all its major
// parameter values as on Discord.
func bucketHash(routeName string) string {
	sum := sha1.Sum([]byte(routeName))
	return hex.EncodeToString(sum[:16])
}

// secondsCeil formats d as seconds with three decimals, rounded up so that a client sleeping
// exactly that long never retries early.
func secondsCeil(d time.Duration) float64 {
	return math.Ceil(d.Seconds()*1000) / 1000
}

// setLimitHeaders writes the X-RateLimit headers of a bucket verdict.
func setLimitHeaders(h http.Header, v verdict, bucket string) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(v.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(v.resetAt.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", secondsCeil(v.after)))
	h.Set("X-RateLimit-Bucket", bucket)
}

// rateLimited returns the 429 body and sets the headers Discord sends with it.
func rateLimited(h http.Header, after time.Duration, global bool) map[string]any {
	retry := secondsCeil(after)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry))))
	if global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
	}
	return map[string]any{"message": "You are being rate limited.", "retry_after": retry, "global": global}
}
