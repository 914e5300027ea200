package comfysim

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"
)

// Upload is an image a client sent to POST /upload/image, as stored.
type Upload struct {
	// Name, Subfolder and Type are what the upload answered: the name
	// LoadImage takes ("subfolder/name" when Subfolder is set).
	Name, Subfolder, Type string
	Data                  []byte
}

// postUpload is POST /upload/image, as ComfyUI's image_upload: a
// multipart form whose file field "image" (with a filename) is stored in
// the folder of "type" (input when absent; input, temp or output),
// under "subfolder". Without "overwrite" true (or 1), a name taken by
// other bytes becomes "name (1).ext", and the same bytes again are not
// stored twice. It answers {"name", "subfolder", "type"}; a form without
// an image file is a bare 400, a body over MaxUploadBytes a 413.
func (s *Sim) postUpload(w http.ResponseWriter, r *http.Request, body []byte) {
	if int64(len(body)) > s.opts.MaxUploadBytes {
		// aiohttp's answer to a body over client_max_size.
		http.Error(w, fmt.Sprintf("Maximum request body size %d exceeded, actual body size %d", s.opts.MaxUploadBytes, len(body)), http.StatusRequestEntityTooLarge)
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(s.opts.MaxUploadBytes)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	defer func() { _ = form.RemoveAll() }()
	value := func(name string) string {
		if v := form.Value[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	files := form.File["image"]
	if len(files) == 0 || files[0].Filename == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	typ := value("type")
	if typ == "" {
		typ = "input"
	}
	if !slices.Contains([]string{"input", "temp", "output"}, typ) {
		// ComfyUI's get_dir_by_type has no folder for it and fails.
		http.Error(w, "500 Internal Server Error\n\nServer got itself in trouble", http.StatusInternalServerError)
		return
	}
	sub := value("subfolder")
	name := files[0].Filename
	if path.Base(name) != name || strings.Contains(sub, "..") || path.IsAbs(sub) {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f, err := files[0].Open()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	overwrite := value("overwrite") == "true" || value("overwrite") == "1"
	s.mu.Lock()
	if !overwrite {
		ext := path.Ext(files[0].Filename)
		stem := strings.TrimSuffix(files[0].Filename, ext)
		for i := 1; ; i++ {
			old, taken := s.files[fileKey(typ, sub, name)]
			if !taken || bytes.Equal(old, data) {
				break
			}
			name = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
	}
	s.files[fileKey(typ, sub, name)] = data
	s.uploads = append(s.uploads, Upload{Name: name, Subfolder: sub, Type: typ, Data: data})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"name": name, "subfolder": sub, "type": typ})
}

// fileKey is where the Sim keeps a file of a folder type.
func fileKey(typ, sub, name string) string { return typ + "/" + sub + "/" + name }

// inputFile splits a LoadImage value ("name", "sub/name", with an optional
// " [input]"-style annotation) and returns the stored file.
func (s *Sim) inputFile(v string) ([]byte, bool) {
	typ := "input"
	for _, t := range []string{"input", "output", "temp"} {
		if base, ok := strings.CutSuffix(v, " ["+t+"]"); ok {
			v, typ = base, t
		}
	}
	sub, name := path.Split(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.files[fileKey(typ, strings.Trim(sub, "/"), name)]
	return data, ok
}

// inputImages lists the input folder's top-level files, as LoadImage's
// list does.
func (s *Sim) inputImages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []string{}
	for key := range s.files {
		if name, ok := strings.CutPrefix(key, "input//"); ok {
			list = append(list, name)
		}
	}
	slices.Sort(list)
	return list
}

// validateImage is LoadImage's VALIDATE_INPUTS: the file must exist.
func (s *Sim) validateImage(in inputSpec, v any) *apiError {
	name, _ := v.(string)
	if _, ok := s.inputFile(name); ok && name != "" {
		return nil
	}
	return &apiError{Type: "custom_validation_failed", Message: "Custom validation failed for node",
		Details: fmt.Sprintf("%s - Invalid image file: %v", in.name, v), ExtraInfo: map[string]any{"input_name": in.name}}
}

// Uploads returns the images received by POST /upload/image, in order.
func (s *Sim) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uploads)
}
