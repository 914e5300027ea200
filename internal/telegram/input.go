package telegram

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxGetFile is the largest file a bot may download from Telegram: getFile
// refuses anything larger ("file is too big").
const maxGetFile = 20 << 20

// downloadTimeout bounds getFile and the download of one picture.
const downloadTimeout = 60 * time.Second

// maxDownloads bounds the pictures downloaded at once: each holds up to
// limits.max_input_bytes in memory.
const maxDownloads = 4

// picture names a user's picture on Telegram: a photo's largest size or a
// document. A file_id stays valid for the bot, so the adapter keeps it in
// the job's reference (jobRef.Input) and fetches the picture again when a
// button under an img2img result (Reroll, Vary, Try again, /history) needs
// it: the picture itself is never stored.
type picture struct {
	FileID string `json:"file_id"`
	Size   int64  `json:"size,omitempty"` // file_size; 0 when Telegram did not say
	MIME   string `json:"mime,omitempty"` // a document's mime_type
}

// pictureOf returns the picture m carries: the largest size of its photo
// (by pixels, never a thumbnail), or its document.
func pictureOf(m *message) (picture, bool) {
	if m == nil {
		return picture{}, false
	}
	if len(m.Photo) > 0 {
		best := m.Photo[0]
		for _, ps := range m.Photo[1:] {
			px, bestPx := ps.Width*ps.Height, best.Width*best.Height
			if px > bestPx || (px == bestPx && ps.FileSize > best.FileSize) {
				best = ps
			}
		}
		return picture{FileID: best.FileID, Size: best.FileSize}, best.FileID != ""
	}
	if d := m.Document; d != nil && d.FileID != "" {
		return picture{FileID: d.FileID, Size: d.FileSize, MIME: d.MIMEType}, true
	}
	return picture{}, false
}

// commandPicture returns the picture an /imagine command starts from: the
// one it was sent with (as a caption), else the one of the message it
// replies to.
func commandPicture(m *message) (picture, bool) {
	if p, ok := pictureOf(m); ok {
		return p, true
	}
	return pictureOf(m.ReplyToMessage)
}

// inputError refuses a picture for a reason only Telegram has (its 20 MB
// download limit) or because it could not be fetched; describe words it.
type inputError struct {
	msg   catalog.Text
	cause error // for the log; never contains the token
}

func (e *inputError) Error() string {
	if e.cause != nil {
		return e.msg.EN + " (" + e.cause.Error() + ")"
	}
	return e.msg.EN
}

func (e *inputError) Unwrap() error { return e.cause }

// describe words err for the user: a refused picture, or any core error.
func describe(err error, loc string) string {
	if ie, ok := errors.AsType[*inputError](err); ok {
		return ie.msg.In(loc)
	}
	return imagine.Describe(err, loc)
}

// inputLimit is limits.max_input_bytes.
func (a *Adapter) inputLimit() int64 {
	return cmp.Or(a.core.Settings().Limits.Input.MaxBytes, imagine.DefaultMaxInputBytes)
}

// refuseEarly refuses a picture from what Telegram says of it, before any
// download: a document that is not an image, a file over the input limit
// or over Telegram's 20 MB.
func refuseEarly(p picture, maxBytes int64) error {
	if p.MIME != "" {
		if mt, _, err := mime.ParseMediaType(p.MIME); err != nil || !strings.HasPrefix(mt, "image/") {
			return &imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputNotImage}
		}
	}
	return refuseSize(p.Size, maxBytes)
}

// refuseSize refuses n bytes over the input limit or Telegram's 20 MB,
// whichever is smaller; n 0 is unknown.
func refuseSize(n, maxBytes int64) error {
	switch {
	case n > maxBytes && maxBytes < maxGetFile:
		return tooBig(n, maxBytes)
	case n > maxGetFile:
		return &inputError{msg: texts.inputTelegramLimit}
	}
	return nil
}

func tooBig(n, maxBytes int64) error {
	return &imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputTooBig,
		Args: []any{imagefile.ByteSize(n), imagefile.ByteSize(maxBytes)}}
}

// fetchPicture fetches a user's picture through Telegram's own file API
// (getFile, then the file route of telegram.api_url) and checks it with
// the core's input checker, reading at most limits.max_input_bytes+1
// bytes. Refusals are for the user (see describe); none contains the token.
func (a *Adapter) fetchPicture(ctx context.Context, p picture) (*imagine.InputImage, error) {
	maxBytes := a.inputLimit()
	if err := refuseEarly(p, maxBytes); err != nil {
		return nil, err
	}
	select {
	case a.downloads <- struct{}{}:
		defer func() { <-a.downloads }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.DownloadTimeout)
	defer cancel()
	raw, err := a.files.call(ctx, "getFile", tgbotapi.Params{"file_id": p.FileID}, nil)
	if err != nil {
		switch ae := asAPIError(err); {
		case descHas(err, "file is too big"):
			return nil, &inputError{msg: texts.inputTelegramLimit, cause: err}
		case ae != nil && ae.Code == http.StatusBadRequest:
			// "invalid file_id": Telegram no longer has it for the bot.
			return nil, &imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputGone}
		}
		return nil, fetchFailed(err)
	}
	var f struct {
		FilePath string `json:"file_path"`
		FileSize int64  `json:"file_size"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.FilePath == "" {
		// Not the answer itself in the error: a file_path can hold the
		// token (see download).
		return nil, fetchFailed(errors.New("telegram: getFile: the answer has no file_path"))
	}
	if err := refuseSize(f.FileSize, maxBytes); err != nil {
		return nil, err
	}
	data, err := a.download(ctx, f.FilePath, maxBytes)
	if err != nil {
		return nil, err
	}
	s := a.core.Settings()
	if s.CheckInput != nil {
		return s.CheckInput(data)
	}
	return imagefile.CheckInput(data, s.Limits.Input)
}

// Input fetches again the picture a restored img2img job started from, by
// the file_id its reference keeps (jobRef.Input), and checks it as
// fetchPicture does: the core asks for it (imagine.InputSource) when the
// bot starts again, before the job queues again. A reference without a
// picture, or a file_id Telegram no longer knows, is a picture the user
// must send again; the errors are worded by describe, in the job's status
// message.
func (a *Adapter) Input(ctx context.Context, ref imagine.Ref) (*imagine.InputImage, error) {
	r, err := decodeRef(ref.Data)
	if err != nil || r.Input == nil {
		return nil, &imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputGone}
	}
	return a.fetchPicture(ctx, *r.Input)
}

var _ imagine.InputSource = (*Adapter)(nil)

// download reads file_path from {api_url}/file/bot{token}/, at most
// maxBytes+1 bytes of it; an absolute file_path is read from the local
// disk (see readLocal). The URL holds the token, and so may an absolute
// file_path: neither is ever put in an error or logged, nor is the
// picture.
func (a *Adapter) download(ctx context.Context, filePath string, maxBytes int64) ([]byte, error) {
	if filepath.IsAbs(filePath) || strings.HasPrefix(filePath, "/") {
		return a.readLocal(filePath, maxBytes)
	}
	if filePath == "" || strings.Contains(filePath, "..") || strings.ContainsAny(filePath, "?#%\\ ") {
		return nil, fetchFailed(errors.New("telegram: getFile: an unusable file_path"))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.APIURL+"/file/bot"+a.cfg.Token+"/"+filePath, nil)
	if err != nil {
		return nil, fetchFailed(a.scrub(err))
	}
	resp, err := a.fileHTTP.Do(req)
	if err != nil {
		return nil, fetchFailed(a.scrub(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fetchFailed(fmt.Errorf("telegram: file download: HTTP %d", resp.StatusCode))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		// A proxy's or captive portal's page, not the file.
		return nil, fetchFailed(errors.New("telegram: file download: an HTML page instead of the file"))
	}
	if resp.ContentLength > maxBytes {
		return nil, refuseSize(resp.ContentLength, maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fetchFailed(a.scrub(err))
	}
	if int64(len(data)) > maxBytes {
		return nil, tooBig(max(resp.ContentLength, int64(len(data))), maxBytes)
	}
	return data, nil
}

// readLocal reads at most maxBytes+1 bytes of a file a self-hosted Bot
// API server started with --local named by its absolute path (in its
// working directory, under a folder named by the token). The path comes
// from the operator's own server, so the file is read as it is; a bot
// that cannot read it (it runs on another machine or in another
// container) tells the operator in the log and the user
// that pictures cannot be fetched. The path is in no error.
func (a *Adapter) readLocal(path string, maxBytes int64) ([]byte, error) {
	data, err := readLimited(path, maxBytes)
	if err != nil {
		cause := a.localError(err, path)
		a.log.Error("the Bot API server runs with --local and named a picture by a local path this bot cannot read; "+
			"run the bot where it can read telegram-bot-api's --dir, or run telegram-bot-api without --local", "err", cause)
		return nil, &inputError{msg: texts.inputLocalUnreadable, cause: cause}
	}
	if int64(len(data)) > maxBytes {
		return nil, tooBig(int64(len(data)), maxBytes)
	}
	return data, nil
}

// readLimited reads at most maxBytes+1 bytes of the file at path.
func readLimited(path string, maxBytes int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxBytes+1))
}

// localError is err of reading path without the path, nor the token.
func (a *Adapter) localError(err error, path string) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("telegram: local file of the Bot API server: %s: %w", pe.Op, pe.Err)
	}
	msg := redact(strings.ReplaceAll(err.Error(), path, "<path>"), a.cfg.Token)
	return fmt.Errorf("telegram: local file of the Bot API server: %s", msg)
}

// maxRedirects is how many redirects a download follows, as net/http's
// default policy.
const maxRedirects = 10

// downloadClient is the client of the file route: hc's transport, jar and
// timeout, but redirects are followed only on api_url's own host, and
// without a Referer. The request URL holds the token: a redirect to
// another host (a misconfigured proxy, or one that is not the operator's)
// must not carry it there.
func downloadClient(apiURL string, hc *http.Client) *http.Client {
	host := ""
	if u, err := url.Parse(apiURL); err == nil {
		host = u.Host
	}
	return &http.Client{
		Transport: hc.Transport,
		Jar:       hc.Jar,
		Timeout:   hc.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			req.Header.Del("Referer")
			switch {
			case !strings.EqualFold(req.URL.Host, host):
				return fmt.Errorf("telegram: file download: redirected to another host, %s", req.URL.Host)
			case len(via) >= maxRedirects:
				return fmt.Errorf("telegram: file download: stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// fetchFailed is a picture that could not be fetched from Telegram.
func fetchFailed(cause error) error { return &inputError{msg: texts.inputFetchFailed, cause: cause} }

// scrub removes the token from a transport error, whose text holds the
// request URL.
func (a *Adapter) scrub(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		ue.URL = redact(ue.URL, a.cfg.Token)
	}
	return &redactedError{msg: redact(err.Error(), a.cfg.Token), err: err}
}
