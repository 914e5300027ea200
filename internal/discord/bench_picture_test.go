package discord

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdbackend"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// photo5MB is a noisy 2100×1600 JPEG of about 5 MB, like a phone photo.
func photo5MB(b testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2100, 1600))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 98}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkInteractionToImg2Img measures the time from an /imagine with a
// 5 MB photo arriving (dispatched by the fake Discord) to the start of the
// simulated SD server's img2img request: the acknowledgement, the download
// from the fake's file server, the header check, the queue, base64 and the
// JSON body, all on loopback through the real discordgo, sd client and
// sdbackend.
func BenchmarkInteractionToImg2Img(b *testing.B) {
	sim := sdsim.NewServer(sdsim.Options{StepDelay: time.Microsecond})
	defer sim.Close()
	client, err := sd.New(sd.Config{URL: sim.URL, PollInterval: 5 * time.Millisecond, Timeout: 20 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	settings := testSettings()
	settings.CheckInput = imagefile.InputChecker(imagine.InputLimits{})
	svc := imagine.New(imagine.Config{Settings: settings, PerUser: 3, MaxQueue: 1000, RetryDelays: []time.Duration{}},
		[]imagine.NamedBackend{{Name: "sim", Backend: sdbackend.New(client)}})
	unlimited := discordtest.RateLimit{Limit: 100000, Window: time.Second}
	srv := discordtest.NewServer(discordtest.Options{RateLimits: discordtest.RateLimits{Webhooks: unlimited, ChannelMessages: unlimited, Global: unlimited}})
	defer srv.Close()
	g := srv.AddGuild(discordtest.Guild{Name: "bench"})
	ch, err := srv.AddChannel(discordtest.Channel{GuildID: g.ID, Name: "general"})
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Config{Token: srv.BotToken(), APIURL: srv.URL, EditInterval: 20 * time.Millisecond}, svc)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svcDone, runDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(svcDone); _ = svc.Run(ctx) }()
	go func() { defer close(runDone); _ = a.Run(ctx) }()
	defer func() { cancel(); <-runDone; <-svcDone }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := srv.WaitFor(wctx, func() bool { return srv.Connected() && len(srv.Commands("")) > 0 }); err != nil {
		b.Fatal(err)
	}

	photo := photo5MB(b)
	b.Logf("photo: %s", imagefile.ByteSize(int64(len(photo))))
	var total time.Duration
	user := 0
	for b.Loop() {
		sim.Reset()
		user++
		start := time.Now()
		it, err := srv.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: ch.ID, UserID: fmt.Sprint(100000 + user),
			Options: []discordtest.Option{{Name: "prompt", Value: "a harbour --steps 1"},
				{Name: "image", Value: discordtest.Upload{Filename: "photo.jpg", Data: photo}}}})
		if err != nil {
			b.Fatal(err)
		}
		var rec sdsim.Record
		if err := srv.WaitFor(wctxFor(b), func() bool {
			if m, ok := it.Original(); ok && len(m.Attachments) == 1 && len(m.History) > 1 {
				for _, r := range sim.Records() {
					if r.Path == "/sdapi/v1/img2img" && r.Status == 200 {
						rec = r
						return true
					}
				}
			}
			return false
		}); err != nil {
			b.Fatalf("no img2img result: %v", err)
		}
		total += rec.Start.Sub(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/interaction-to-img2img")
}

func wctxFor(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	b.Cleanup(cancel)
	return ctx
}
