package telegramtest

import (
	"bytes"
	"image"
	_ "image/gif" // photo formats the fake can measure
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Telegram's upload limits.
const (
	maxPhotoBytes    = 10 << 20
	maxDocumentBytes = 50 << 20
	maxPhotoSides    = 10000 // width + height
	maxPhotoRatio    = 20
)

// storedFile is a file the fake holds, addressable by file_id and file_path.
type storedFile struct {
	id       string
	kind     string // "photo" or "document"
	path     string
	photo    *Photo
	document *Document
}

func (f *storedFile) bytes() []byte {
	if f.photo != nil {
		return f.photo.Bytes
	}
	return f.document.Bytes
}

// inputFile is the source of a file parameter: a new upload or a stored file.
type inputFile struct {
	upload *upload
	stored *storedFile
}

var thumbSuffix = regexp.MustCompile(`-\d+$`)

// lookupFileLocked finds a stored file by file_id; thumbnail ids resolve
// to their photo.
func (s *Server) lookupFileLocked(id string) *storedFile {
	if f := s.files[id]; f != nil {
		return f
	}
	return s.files[thumbSuffix.ReplaceAllString(id, "")]
}

// resolveFileLocked finds the file behind an InputFile parameter: a file part
// named like the parameter, "attach://<part>", or a file_id.
func (s *Server) resolveFileLocked(req *request, field, value string) (inputFile, *apiError) {
	if value == "" {
		if up := req.files[field]; up != nil {
			return inputFile{upload: up}, nil
		}
	}
	if name, ok := strings.CutPrefix(value, "attach://"); ok {
		if up := req.files[name]; up != nil {
			return inputFile{upload: up}, nil
		}
		return inputFile{}, badRequest("wrong file identifier/HTTP URL specified: no file part %q for attach://%s", name, name)
	}
	if strings.HasPrefix(value, "http://") || strings.HasPrefix(value, "https://") {
		return inputFile{}, badRequest("failed to get HTTP URL content (telegramtest does not fetch URLs)")
	}
	if f := s.lookupFileLocked(value); f != nil {
		return inputFile{stored: f}, nil
	}
	return inputFile{}, badRequest("wrong file identifier/HTTP URL specified")
}

// photoLocked validates a photo source and stores a new upload.
func (s *Server) photoLocked(in inputFile) (*Photo, *apiError) {
	if in.stored != nil {
		if in.stored.photo == nil {
			return nil, badRequest("type of file mismatch")
		}
		return in.stored.photo, nil
	}
	up := in.upload
	if len(up.data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	if len(up.data) > maxPhotoBytes {
		return nil, badRequest("PHOTO_SAVE_FILE_INVALID")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(up.data))
	if err != nil {
		return nil, badRequest("IMAGE_PROCESS_FAILED")
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 || w+h > maxPhotoSides || max(w, h) > maxPhotoRatio*min(w, h) {
		return nil, badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	f := s.storeFileLocked("photo", up.filename)
	f.photo = &Photo{FileID: f.id, FileName: up.filename, Width: w, Height: h, Bytes: up.data}
	return f.photo, nil
}

// documentLocked validates a document source and stores a new upload.
func (s *Server) documentLocked(in inputFile) (*Document, *apiError) {
	if in.stored != nil {
		if in.stored.document == nil {
			return nil, badRequest("type of file mismatch")
		}
		return in.stored.document, nil
	}
	up := in.upload
	if len(up.data) == 0 {
		return nil, badRequest("file must be non-empty")
	}
	if len(up.data) > maxDocumentBytes {
		return nil, errTooLarge
	}
	mt := mime.TypeByExtension(path.Ext(up.filename))
	if mt == "" {
		mt = up.contentType
	}
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	f := s.storeFileLocked("document", up.filename)
	f.document = &Document{FileID: f.id, FileName: up.filename, MIMEType: mt, Bytes: up.data}
	return f.document, nil
}

func (s *Server) storeFileLocked(kind, name string) *storedFile {
	s.nextFile++
	n := strconv.Itoa(s.nextFile)
	ext := path.Ext(name)
	if ext == "" && kind == "photo" {
		ext = ".jpg"
	}
	f := &storedFile{
		id:   "AgACAgQ-" + kind + "-" + n,
		kind: kind,
		path: kind + "s/file_" + n + ext,
	}
	s.files[f.id] = f
	return f
}

func (s *Server) getFileLocked(req *request) (any, *apiError) {
	f := s.lookupFileLocked(req.str("file_id"))
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	return map[string]any{
		"file_id":        req.str("file_id"),
		"file_unique_id": uniqueID(f.id),
		"file_size":      len(f.bytes()),
		"file_path":      f.path,
	}, nil
}

// serveFile serves GET /file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, filePath, _ := strings.Cut(rest, "/")
	var data []byte
	s.mu.Lock()
	if token == s.opts.Token {
		for _, f := range s.files {
			if f.path == filePath {
				data = f.bytes()
				break
			}
		}
	}
	s.mu.Unlock()
	if data == nil {
		writeError(w, errNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}
