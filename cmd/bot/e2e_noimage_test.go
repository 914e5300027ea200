package main

import (
	"fmt"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// failNoImage is what a user sees when SD finished a job without a usable
// image.
const failNoImage = "Failed: The image server returned no image. Please try again."

// noImageFaults are the ways an SD answer can come without a usable image.
var noImageFaults = []sdsim.FaultKind{
	sdsim.FaultNoImages, sdsim.FaultEmptyImage, sdsim.FaultNullImage, sdsim.FaultBadBase64, sdsim.FaultNotImage,
}

// testNoImageTelegram answers one job with each kind of missing image: the
// user is told each time, and the next job gets its image. Each request is
// sent once SD has answered the one before, so that each fault strikes the
// request meant for it; the chats are awaited together at the end.
func testNoImageTelegram(t *testing.T, b *e2eBot) {
	var lost, next []tgRequest
	for i, k := range noImageFaults {
		b.sd.Sim().SetFault(sdsim.Fault{Kind: k, Path: txt2imgPath, Times: 1})
		lost = append(lost, b.tgImagine("a cat that gets lost as "+k.String()))
		b.waitTxt2ImgDone(2*i + 1)
		next = append(next, b.tgImagine("a cat after "+k.String()))
		b.waitTxt2ImgDone(2*i + 2)
	}
	for i := range lost {
		b.tgWaitFailure(lost[i], failNoImage)
		b.tgWaitImage(next[i])
	}
}

// testNoImageDiscord is testNoImageTelegram on Discord.
func testNoImageDiscord(t *testing.T, b *e2eBot) {
	var lost, next []*discordtest.Interaction
	for i, k := range noImageFaults {
		b.sd.Sim().SetFault(sdsim.Fault{Kind: k, Path: txt2imgPath, Times: 1})
		lost = append(lost, b.dcImagine("a cat that gets lost as "+k.String()))
		b.waitTxt2ImgDone(2*i + 1)
		next = append(next, b.dcImagine("a cat after "+k.String()))
		b.waitTxt2ImgDone(2*i + 2)
	}
	for i := range lost {
		if m := b.dcWaitEnd(lost[i]); m.Content != failNoImage {
			t.Errorf("%s: the message says %q, want %q", noImageFaults[i], m.Content, failNoImage)
		}
		b.dcWaitImage(next[i])
	}
}

// waitTxt2ImgDone waits until the SD server has answered n txt2img
// requests.
func (b *e2eBot) waitTxt2ImgDone(n int) {
	b.t.Helper()
	b.eventually(fmt.Sprintf("%d txt2img answers", n), func() bool {
		done := 0
		for _, r := range b.sd.Sim().Records() {
			if r.Path == txt2imgPath && !r.End.IsZero() {
				done++
			}
		}
		return done >= n
	})
}
