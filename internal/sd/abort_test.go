package sd_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestGenerateTimeout(t *testing.T) {
	srv := fastSim(t, sdsim.Options{Flavor: sdsim.FlavorA1111})
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: "/sdapi/v1/txt2img", Times: 1})
	c := newClient(t, srv, func(cfg *sd.Config) { cfg.Timeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 5, Seed: 1}, func(sd.Progress) {})
	if !errors.Is(err, sd.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Generate error = %v; want ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Generate returned after %v; want about the 100ms timeout", d)
	}
	want := "sd: txt2img took longer than sd.timeout (100ms); the WebUI was asked to interrupt it"
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
	if n := len(records(srv, "POST", "/sdapi/v1/interrupt")); n != 1 {
		t.Errorf("interrupt requests = %d; want 1", n)
	}
}

func TestGenerateCanceled(t *testing.T) {
	srv := fastSim(t, sdsim.Options{StepDelay: 5 * time.Millisecond})
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Generate(ctx, sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 2000, Seed: 1}, func(p sd.Progress) {
		if p.Step > 0 {
			cancel() // from the callback: the job is surely running
		}
	})
	if !errors.Is(err, context.Canceled) || errors.Is(err, sd.ErrTimeout) {
		t.Fatalf("Generate error = %v; want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "the WebUI was asked to interrupt it") {
		t.Errorf("error = %q; want it to say the job was interrupted", err)
	}
	if n := len(records(srv, "POST", "/sdapi/v1/interrupt")); n != 1 {
		t.Errorf("interrupt requests = %d; want 1", n)
	}
	// The interrupt reached the job: the server becomes idle long before
	// 2000 steps (10s) are done.
	wctx, wcancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer wcancel()
	if err := srv.WaitIdle(wctx); err != nil {
		t.Errorf("WaitIdle: %v; want the interrupted job to end", err)
	}
}

func TestInterrupt(t *testing.T) {
	srv := fastSim(t, sdsim.Options{StepDelay: 5 * time.Millisecond})
	c := newClient(t, srv, nil)
	started := make(chan struct{})
	done := make(chan error, 1)
	var resp *sd.Txt2ImgResponse
	go func() {
		var err error
		once := false
		resp, err = c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 2000, Seed: 1}, func(p sd.Progress) {
			if p.Step > 0 && !once {
				once = true
				close(started)
			}
		})
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("Generate returned %v before it was interrupted", err)
	}
	if err := c.Interrupt(context.Background()); err != nil {
		t.Fatalf("Interrupt: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Generate after Interrupt = %v; want the images made so far", err)
		}
		if len(resp.Images) != 1 {
			t.Errorf("len(Images) = %d; want 1", len(resp.Images))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Generate still running 5s after Interrupt")
	}
}

func TestGenerateAlreadyCanceled(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Generate(ctx, sd.Txt2ImgRequest{Prompt: "x", Seed: 1}, func(sd.Progress) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Generate error = %v; want context.Canceled", err)
	}
	if n := len(srv.Records()); n != 0 {
		t.Errorf("%d requests sent with a canceled context; want none (no interrupt of another job)", n)
	}
}
