package telegramtest

import (
	"bytes"
	"image"
	"image/jpeg"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MaxDownloadBytes is the largest file a bot may download: getFile answers
// "Bad Request: file is too big" for anything larger.
const MaxDownloadBytes = 20 << 20

// thumbSides are the long sides of the thumbnails Telegram offers for a
// photo, smallest first; the photo itself is the last PhotoSize.
var thumbSides = []int{90, 320, 800, 1280}

// blob is the content behind one file_id that getFile and the file route
// serve: a photo, one of its thumbnails or a document.
type blob struct {
	id     string
	path   string // file_path, set by the first getFile
	ext    string // for file_path
	dir    string // "photos", "thumbnails" or "documents"
	data   []byte
	noSize bool // file_size is not reported (see WithoutFileSize)
}

// Download is one request of the file route ({URL}/file/bot{token}/{file_path}).
type Download struct {
	// Path is the file_path asked for (without the token).
	Path string
	// Status is the HTTP status of the answer.
	Status int
	// Size is how many bytes of the file were served.
	Size int
	// Referer is the request's Referer header, if any.
	Referer string
	Time    time.Time
}

// DownloadFault scripts the next answers of the file route, see
// Server.FailDownloads.
type DownloadFault struct {
	// Status, if set, answers with this HTTP status and a short error page
	// instead of the file.
	Status int
	// Delay holds the answer back this long (or until the client hangs up).
	Delay time.Duration
	// HTML answers 200 with an HTML page (a proxy's or captive portal's)
	// instead of the file.
	HTML bool
	// Redirect, if set, answers 302 Found with this Location instead of
	// the file.
	Redirect string
	// Times is how many downloads the fault affects; 0 means one.
	Times int
}

// FailDownloads makes the next downloads of the file route go wrong as f
// says; faults queue up behind earlier ones.
func (s *Server) FailDownloads(f DownloadFault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downloadFaults = append(s.downloadFaults, &f)
}

// LocalFiles makes getFile answer as a self-hosted Bot API server started
// with --local does: file_path is an absolute path in the server's working
// directory, dir/<token>/<photos|documents|thumbnails>/file_N.ext, where
// the server keeps the file for a bot on the same machine to read. With
// write, the fake writes the file there when getFile names it (the bot
// shares the server's disk); without, the path names a file the bot
// cannot read (it runs elsewhere). The file route does not serve such
// paths. An empty dir switches back to relative paths.
func (s *Server) LocalFiles(dir string, write bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.localDir, s.localWrite = dir, write
}

// Downloads returns every request of the file route so far, in order.
func (s *Server) Downloads() []Download {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Download(nil), s.downloads...)
}

// FileBytes returns the bytes getFile and the file route serve for
// file_id (a photo's, a thumbnail's or a document's), if the fake has it.
func (s *Server) FileBytes(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.blobLocked(fileID)
	if b == nil {
		return nil, false
	}
	return b.data, true
}

// addBlobLocked registers the content of a file_id.
func (s *Server) addBlobLocked(id, dir, ext string, data []byte, noSize bool) *blob {
	b := &blob{id: id, dir: dir, ext: ext, data: data, noSize: noSize}
	s.blobs[id] = b
	return b
}

// blobLocked finds what a file_id stands for: a registered blob, else a
// file the bot uploaded (a photo or document it sent), registered now.
// Thumbnails of the bot's photos are made on first use.
func (s *Server) blobLocked(id string) *blob {
	if b := s.blobs[id]; b != nil {
		return b
	}
	f := s.lookupFileLocked(id)
	switch {
	case f == nil:
		return nil
	case f.document != nil:
		return s.addBlobLocked(id, "documents", path.Ext(f.document.FileName), f.document.Bytes, false)
	case f.photo == nil:
		return nil
	case id == f.photo.FileID:
		return s.addBlobLocked(id, "photos", path.Ext(f.photo.FileName), f.photo.Bytes, false)
	}
	side, err := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
	if err != nil {
		return nil
	}
	thumb := thumbnail(f.photo.Bytes, side)
	if thumb == nil {
		return nil
	}
	return s.addBlobLocked(id, "thumbnails", ".jpg", thumb, false)
}

// thumbnail scales an image down to side pixels on its long side (nearest
// neighbour) and encodes it as a JPEG, as Telegram's smaller PhotoSizes
// are; nil if the image cannot be decoded.
func thumbnail(data []byte, side int) []byte {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	return scaledJPEG(src, side)
}

// scaledJPEG is src scaled to side pixels on its long side, as a JPEG.
func scaledJPEG(src image.Image, side int) []byte {
	sb := src.Bounds()
	long := max(sb.Dx(), sb.Dy())
	if long <= side {
		side = long
	}
	w, h := max(1, sb.Dx()*side/long), max(1, sb.Dy()*side/long)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := sb.Min.Y + y*sb.Dy()/h
		for x := range w {
			dst.Set(x, y, src.At(sb.Min.X+x*sb.Dx()/w, sy))
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil
	}
	return out.Bytes()
}

// wireFile is a File object of the Bot API.
type wireFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

// getFileLocked answers getFile: the file's size and a file_path for the
// file route, or "file is too big" over MaxDownloadBytes, as Telegram does.
func (s *Server) getFileLocked(req *request) (any, *apiError) {
	b := s.blobLocked(req.str("file_id"))
	if b == nil {
		return nil, badRequest("invalid file_id")
	}
	if len(b.data) > MaxDownloadBytes {
		return nil, badRequest("file is too big")
	}
	if b.path == "" {
		s.nextFile++
		b.path = b.dir + "/file_" + strconv.Itoa(s.nextFile) + b.ext
		s.paths[b.path] = b
	}
	f := wireFile{FileID: b.id, FileUniqueID: uniqueID(b.id), FilePath: b.path}
	if s.localDir != "" {
		f.FilePath = filepath.Join(s.localDir, s.opts.Token, filepath.FromSlash(b.path))
		if s.localWrite {
			if err := os.MkdirAll(filepath.Dir(f.FilePath), 0o700); err != nil {
				return nil, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error: " + err.Error()}
			}
			if err := os.WriteFile(f.FilePath, b.data, 0o600); err != nil {
				return nil, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error: " + err.Error()}
			}
		}
	}
	if !b.noSize {
		f.FileSize = len(b.data)
	}
	return f, nil
}

// serveFile answers the file route, {URL}/file/bot{token}/{file_path}:
// the file's bytes, 404 for an unknown path or token (as Telegram answers),
// or what a scripted DownloadFault says.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, filePath, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	b := s.paths[filePath]
	if token != s.opts.Token {
		b = nil
	}
	var fault *DownloadFault
	if len(s.downloadFaults) > 0 {
		fault = s.downloadFaults[0]
		if fault.Times--; fault.Times <= 0 {
			s.downloadFaults = s.downloadFaults[1:]
		}
	}
	s.mu.Unlock()
	d := Download{Path: filePath, Status: http.StatusOK, Referer: r.Referer(), Time: s.opts.Now()}
	if fault != nil && fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.done:
		}
		t.Stop()
	}
	switch {
	case b == nil:
		d.Status = http.StatusNotFound
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		d.Status = http.StatusMethodNotAllowed
	case fault != nil && fault.Status != 0:
		d.Status = fault.Status
	case fault != nil && fault.Redirect != "":
		d.Status = http.StatusFound
		http.Redirect(w, r, fault.Redirect, http.StatusFound)
	case fault != nil && fault.HTML:
		page := "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in to the network.</body></html>"
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		_, _ = w.Write([]byte(page))
		d.Size = len(page)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(b.data)))
		if r.Method == http.MethodGet {
			n, _ := w.Write(b.data)
			d.Size = n
		}
	}
	if d.Status != http.StatusOK && d.Status != http.StatusFound {
		writeError(w, &apiError{code: d.Status, desc: http.StatusText(d.Status)})
	}
	s.mu.Lock()
	s.downloads = append(s.downloads, d)
	s.notifyLocked()
	s.mu.Unlock()
}
