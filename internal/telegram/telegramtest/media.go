package telegramtest

import (
	"bytes"
	"image"
	_ "image/gif" // photo formats the fake can measure
	_ "image/jpeg"
	_ "image/png"
	"mime"
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

// storedFile is a file the fake holds, addressable by file_id.
type storedFile struct {
	id       string
	kind     string // "photo" or "document"
	photo    *Photo
	document *Document
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
	f := s.storeFileLocked("photo")
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
	f := s.storeFileLocked("document")
	f.document = &Document{FileID: f.id, FileName: up.filename, MIMEType: mt, Bytes: up.data}
	return f.document, nil
}

func (s *Server) storeFileLocked(kind string) *storedFile {
	s.nextFile++
	f := &storedFile{id: "AgACAgQ-" + kind + "-" + strconv.Itoa(s.nextFile), kind: kind}
	s.files[f.id] = f
	return f
}
