package telegram

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdbackend"
	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// photo5MB is a 2560×1920 JPEG of noise (the largest photo size Telegram
// keeps), padded after its end to 5 MB.
func photo5MB(b testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2560, 1920))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 93}); err != nil {
		b.Fatal(err)
	}
	return append(buf.Bytes(), make([]byte, max(5<<20-buf.Len(), 0))...)
}

// BenchmarkImg2ImgCommandToSD measures the time from a photo command
// arriving (the update queued for getUpdates) to the SD server receiving
// its img2img request, for a 5 MB photo: getFile, the download, the input
// check, the core's Submit and the A1111 client's base64 JSON encoding,
// all on loopback (the fake Bot API, sdsim). ms/command is that time; the
// fake's own thumbnailing of the photo is not in it.
func BenchmarkImg2ImgCommandToSD(b *testing.B) {
	photo := photo5MB(b)
	sim := sdsim.NewServer(sdsim.Options{StepDelay: time.Millisecond})
	defer sim.Close()
	client, err := sd.New(sd.Config{URL: sim.URL, PollInterval: 20 * time.Millisecond, HTTPClient: sim.Client()})
	if err != nil {
		b.Fatal(err)
	}
	settings := testSettings()
	settings.CheckInput = imagefile.InputChecker(settings.Limits.Input)
	svc := imagine.New(imagine.Config{Settings: settings, Store: imagine.NewMemoryStore(), PerUser: 3, MaxQueue: 50},
		[]imagine.NamedBackend{{Name: "sd", Backend: sdbackend.New(client)}})
	tg := telegramtest.NewServer(telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	defer tg.Close()
	a, err := New(Config{Token: tg.Token(), APIURL: tg.URL, AllowPrivate: true,
		Limits: Limits{ChatInterval: time.Nanosecond, GroupMax: 1 << 20, GroupWindow: time.Nanosecond, GlobalMax: 1 << 20, GlobalWindow: time.Nanosecond, RetryAfterUnit: time.Millisecond}}, svc)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svcDone, botDone := make(chan struct{}), make(chan error, 1)
	go func() { svc.Run(ctx); close(svcDone) }()
	go func() { botDone <- a.Run(ctx) }()
	defer func() { cancel(); <-botDone; <-svcDone }()

	img2img := func() []sdsim.Record {
		return slices.DeleteFunc(sim.Sim.Records(), func(r sdsim.Record) bool { return r.Path != "/sdapi/v1/img2img" })
	}
	wait := func(cond func() bool) {
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		defer wcancel()
		if err := tg.WaitFor(wctx, cond); err != nil {
			b.Fatal(err)
		}
	}
	wait(func() bool { return len(tg.CallsTo("setMyCommands")) > 0 })
	var total time.Duration
	n := 0
	b.SetBytes(int64(len(photo)))
	for b.Loop() {
		b.StopTimer()
		before := len(img2img())
		cmd := tg.SendMessage(dm, alice, "/imagine a red fox", telegramtest.WithPhoto("fox.jpg", photo))
		arrived := time.Now()
		b.StartTimer()
		var got sdsim.Record
		for {
			if recs := img2img(); len(recs) > before {
				got = recs[before]
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		b.StopTimer()
		total += got.Start.Sub(arrived)
		n++
		wait(func() bool {
			for _, m := range tg.Messages(dm.ID) {
				if m.ReplyTo == cmd.ID && isResult(m) {
					return true
				}
			}
			return false
		})
		if got = img2img()[before]; !bytes.Equal(got.InitImage, photo) {
			b.Fatal("the SD server did not get the photo")
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/command")
}
