package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// imageSource is a user's picture as Discord describes it: an attachment
// from an interaction's resolved data (an /imagine image option, the
// target message of "Imagine from this image"), or the image of one of that
// message's embeds. It is what a job keeps in its references (jobRef.Input)
// to fetch the picture again for Reroll, Vary and Try again, since the
// store never keeps the picture itself. Attachment links are signed and
// expire (about a day): after that the picture is gone.
type imageSource struct {
	ID          string `json:"id,omitempty"` // the attachment id; "" for an embed's image
	URL         string `json:"url"`
	Filename    string `json:"name,omitempty"`
	ContentType string `json:"type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Width       int    `json:"w,omitempty"`
	Height      int    `json:"h,omitempty"`
}

// attachmentSource returns the source of an attachment.
func attachmentSource(at *discordgo.MessageAttachment) imageSource {
	return imageSource{ID: at.ID, URL: at.URL, Filename: at.Filename, ContentType: at.ContentType,
		Size: int64(at.Size), Width: at.Width, Height: at.Height}
}

// logID names the picture in logs without its link (the signed query).
func (s imageSource) logID() string {
	host := ""
	if u, err := url.Parse(s.URL); err == nil {
		host = u.Host
	}
	if s.ID != "" {
		return "attachment " + s.ID + " on " + host
	}
	return "embed image on " + host
}

// isImage reports whether the source may be an image: by its content
// type, or by its file name when Discord gave no content type (when
// neither says, the bytes decide).
func (s imageSource) isImage() bool {
	ct := s.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(strings.ToLower(path.Ext(s.Filename)))
	}
	return ct == "" || strings.HasPrefix(ct, "image/")
}

// firstImage returns the message's first image: its first image
// attachment, else the image (or thumbnail) of its first embed that has
// one on Discord's own hosts.
func (a *Adapter) firstImage(m *discordgo.Message) (imageSource, bool) {
	if m == nil {
		return imageSource{}, false
	}
	for _, at := range m.Attachments {
		if at == nil {
			continue
		}
		if src := attachmentSource(at); src.isImage() {
			return src, true
		}
	}
	for _, em := range m.Embeds {
		if em == nil {
			continue
		}
		var cands []imageSource
		if im := em.Image; im != nil {
			cands = append(cands, imageSource{URL: im.ProxyURL, Width: im.Width, Height: im.Height},
				imageSource{URL: im.URL, Width: im.Width, Height: im.Height})
		}
		if th := em.Thumbnail; th != nil {
			cands = append(cands, imageSource{URL: th.ProxyURL, Width: th.Width, Height: th.Height},
				imageSource{URL: th.URL, Width: th.Width, Height: th.Height})
		}
		for _, c := range cands {
			if c.URL != "" && a.allowedURL(c.URL) == nil {
				return c, true
			}
		}
	}
	return imageSource{}, false
}

// cdnHosts are Discord's hosts of attachments (url) and of their resized
// copies and proxied embed images (proxy_url).
var cdnHosts = map[string]bool{"cdn.discordapp.com": true, "media.discordapp.net": true}

// errForeignURL refuses a picture link that is not on Discord's hosts.
var errForeignURL = errors.New("discord: the picture is not on Discord's file hosts")

// allowedURL accepts a picture link only on Discord's CDN hosts over
// https, or on the host of discord.api_url with its scheme (a REST proxy
// that serves the files too, or the test fakes). Nothing else is fetched:
// never a link a user typed.
func (a *Adapter) allowedURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil, u.User != nil:
		return errForeignURL
	case cdnHosts[strings.ToLower(u.Hostname())] && u.Scheme == "https" && (u.Port() == "" || u.Port() == "443"):
		return nil
	case u.Scheme == a.target.scheme && strings.EqualFold(u.Host, a.target.host):
		return nil
	}
	return errForeignURL
}

// inputLimits are the configured limits of users' pictures, with the
// defaults for zero fields.
func (a *Adapter) inputLimits() imagine.InputLimits {
	l := a.core.Settings().Limits.Input
	if l.MaxBytes <= 0 {
		l.MaxBytes = imagine.DefaultMaxInputBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = imagine.DefaultMaxInputPixels
	}
	return l
}

// badImage is a refusal of a user's picture.
func badImage(id catalog.MsgID, args ...any) error {
	return &imagine.UserError{Kind: imagine.ErrBadImage, ID: id, Args: args}
}

// precheck refuses a picture from what Discord says of it, before
// anything is downloaded: a link off Discord's hosts, a file that is not
// an image or in a format the server cannot read, more bytes or pixels
// than the limits allow.
func (a *Adapter) precheck(src imageSource) error {
	if err := a.allowedURL(src.URL); err != nil {
		return &optionError{text: texts.ForeignImage, kind: imagine.ErrBadImage}
	}
	if !src.isImage() {
		return badImage(catalog.MsgInputNotImage)
	}
	ct, _, _ := mime.ParseMediaType(src.ContentType)
	switch ct {
	case "", "image/png", "image/jpeg", "image/jpg", "image/webp":
	default:
		return badImage(catalog.MsgInputFormat, strings.ToUpper(strings.TrimPrefix(ct, "image/")))
	}
	lim := a.inputLimits()
	if src.Size > lim.MaxBytes {
		return badImage(catalog.MsgInputTooBig, imagefile.ByteSize(src.Size), imagefile.ByteSize(lim.MaxBytes))
	}
	if int64(src.Width)*int64(src.Height) > lim.MaxPixels {
		return badImage(catalog.MsgInputTooManyPixels, src.Width, src.Height, max(lim.MaxPixels/1_000_000, 1))
	}
	return nil
}

// errPictureGone is a picture whose link no longer works (Discord's links
// expire, files are deleted): the user must send it again.
var errPictureGone = badImage(catalog.MsgInputGone)

// fetch downloads a picture and checks it with the core's checker: at
// most limits.max_input_bytes+1 bytes are read, within
// Config.DownloadTimeout. Its errors are refusals for the user
// (*imagine.UserError, *optionError) that name neither the link nor the
// bytes.
func (a *Adapter) fetch(ctx context.Context, src imageSource) (*imagine.InputImage, error) {
	if err := a.precheck(src); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.DownloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, &optionError{text: texts.ForeignImage, kind: imagine.ErrBadImage}
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/webp")
	start := time.Now()
	resp, err := a.files.Do(req)
	if err != nil {
		a.log.Warn("could not download a picture", "picture", src.logID(), "err", scrubURL(err))
		if errors.Is(err, errForeignURL) {
			return nil, &optionError{text: texts.ForeignImage, kind: imagine.ErrBadImage}
		}
		return nil, &optionError{text: texts.DownloadFailed, kind: imagine.ErrBadImage}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusForbidden, resp.StatusCode == http.StatusGone:
		a.log.Info("a picture's link no longer works", "picture", src.logID(), "status", resp.StatusCode)
		return nil, errPictureGone
	case resp.StatusCode != http.StatusOK:
		a.log.Warn("could not download a picture", "picture", src.logID(), "status", resp.StatusCode)
		return nil, &optionError{text: texts.DownloadFailed, kind: imagine.ErrBadImage}
	}
	lim := a.inputLimits()
	data, err := io.ReadAll(io.LimitReader(resp.Body, lim.MaxBytes+1))
	if err != nil {
		a.log.Warn("could not download a picture", "picture", src.logID(), "err", scrubURL(err))
		return nil, &optionError{text: texts.DownloadFailed, kind: imagine.ErrBadImage}
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, &optionError{text: texts.TooBigRead, args: []any{imagefile.ByteSize(lim.MaxBytes)}, kind: imagine.ErrBadImage}
	}
	check := a.core.Settings().CheckInput
	if check == nil {
		check = imagefile.InputChecker(lim)
	}
	in, err := check(data)
	if err != nil {
		return nil, err
	}
	a.log.Debug("picture downloaded", "picture", src.logID(), "bytes", len(data), "format", in.Format,
		"size", fmt.Sprintf("%dx%d", in.Width, in.Height), "took", time.Since(start).Round(time.Millisecond))
	return in, nil
}

// Input fetches again the picture a restored job started from, by the
// link its references keep (jobRef.Input), and checks it as fetch does:
// the core asks for it (imagine.InputSource) when the bot starts again,
// before the job queues again. A reference without a picture, or a link
// that no longer works (they expire), is a picture the user must send
// again; the errors are worded by describeError, in the job's message.
func (a *Adapter) Input(ctx context.Context, ref imagine.Ref) (*imagine.InputImage, error) {
	r, ok := decodeRef(ref.Data)
	if !ok || r.Input == nil {
		return nil, errPictureGone
	}
	return a.fetch(ctx, *r.Input)
}

var _ imagine.InputSource = (*Adapter)(nil)

// scrubURL drops the link from a net/http error: a signed link is nobody's
// business in a log.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// maxRedirects bounds the redirects of one download.
const maxRedirects = 3

// newFileClient returns the client pictures are downloaded with: the
// base client's transport without the REST rewriting (files are not API
// calls), every redirect checked against the allowed hosts again.
func (a *Adapter) newFileClient() *http.Client {
	var rt http.RoundTripper
	if a.cfg.HTTPClient != nil {
		rt = a.cfg.HTTPClient.Transport
	}
	if rt == nil {
		rt = defaultTransport()
	}
	return &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		return a.allowedURL(req.URL.String())
	}}
}
