package discord

import (
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestPendingImages(t *testing.T) {
	now := time.Now()
	p := newPendingImages(3, time.Minute)
	a := p.put(now, imageSource{URL: "a"}, "u1")
	if _, ok := p.take(now, a, "u2"); ok {
		t.Error("another user took the picture")
	}
	if src, ok := p.take(now, a, "u1"); !ok || src.URL != "a" {
		t.Errorf("take = %v %v", src, ok)
	}
	if _, ok := p.take(now, a, "u1"); ok {
		t.Error("a picture was taken twice")
	}
	old := p.put(now, imageSource{URL: "old"}, "u1")
	if _, ok := p.take(now.Add(time.Minute), old, "u1"); ok {
		t.Error("an expired picture was taken")
	}
	var keys []string
	for i := range 5 {
		keys = append(keys, p.put(now, imageSource{URL: string(rune('a' + i))}, "u1"))
	}
	if n := p.len(); n != 3 {
		t.Errorf("%d pictures wait, want at most 3", n)
	}
	if _, ok := p.take(now, keys[0], "u1"); ok {
		t.Error("the oldest picture was kept beyond the bound")
	}
	if _, ok := p.take(now, keys[4], "u1"); !ok {
		t.Error("the newest picture was dropped")
	}
	for range 100 { // taken entries do not pile up behind a live one
		p.take(now, p.put(now, imageSource{}, "u1"), "u1")
	}
	if len(p.order) > 2*p.max+1 {
		t.Errorf("%d keys remembered", len(p.order))
	}
}

func TestAllowedURL(t *testing.T) {
	svc := imagine.New(imagine.Config{Settings: testSettings()}, []imagine.NamedBackend{{Name: "mem", Backend: imaginetest.New(imaginetest.Options{})}})
	a, err := New(Config{Token: "t", APIURL: "http://127.0.0.1:8080/"}, svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3", true},
		{"https://media.discordapp.net/attachments/1/2/a.png", true},
		{"https://CDN.discordapp.com/attachments/1/2/a.png", true},
		{"http://cdn.discordapp.com/attachments/1/2/a.png", false},
		{"https://cdn.discordapp.com:8443/a.png", false},
		{"https://cdn.discordapp.com.evil.example/a.png", false},
		{"https://user:pw@cdn.discordapp.com/a.png", false},
		{"http://127.0.0.1:8080/attachments/1/2/a.png", true},
		{"https://127.0.0.1:8080/attachments/1/2/a.png", false},
		{"http://127.0.0.1:8081/a.png", false},
		{"https://example.com/a.png", false},
		{"file:///etc/passwd", false},
		{"::", false},
	} {
		if got := a.allowedURL(tt.url) == nil; got != tt.ok {
			t.Errorf("allowedURL(%q) = %v, want %v", tt.url, got, tt.ok)
		}
	}
}
