package sdsim

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// FaultKind is a failure the Sim can inject.
type FaultKind int

const (
	// FaultNone injects nothing.
	FaultNone FaultKind = iota
	// FaultDown closes the connection without a response (hijack and close),
	// like a crashed server.
	FaultDown
	// FaultOOM answers 500 {"error":"OutOfMemoryError",...,"errors":"CUDA out of
	// memory. ..."}. A txt2img fails this way after it has taken the job lock
	// and run a step or two, so its id stays "active" in /internal/progress.
	FaultOOM
	// FaultValidation answers 422 with a FastAPI detail list (pydantic v1),
	// e.g. {"detail":[{"loc":["body","steps"],"msg":"value is not a valid integer","type":"type_error.integer"}]}.
	FaultValidation
	// FaultHang never answers the request: it returns, dropping the connection,
	// when the client gives up or the Sim is closed.
	FaultHang
	// FaultMalformed answers 200 with the first half of the real JSON body.
	FaultMalformed
	// FaultLoadFails makes a checkpoint switch through POST /sdapi/v1/options
	// answer 200 null after the load delay without changing the model, as
	// A1111 does when loading fails. It affects only such switches.
	FaultLoadFails

	// The image faults let a txt2img run its job as usual and spoil the
	// images of its 200 answer; they affect only txt2img.

	// FaultNoImages answers "images": [].
	FaultNoImages
	// FaultEmptyImage sends every image as "".
	FaultEmptyImage
	// FaultNullImage sends every image as null.
	FaultNullImage
	// FaultBadBase64 sends every image as a string that is not base64.
	FaultBadBase64
	// FaultNotImage sends every image as valid base64 of bytes that are not
	// an image file (a text, as a broken proxy or extension might).
	FaultNotImage
)

// faultNames are the kinds' names, as String returns them and
// ParseFaultKind accepts them.
var faultNames = map[FaultKind]string{
	FaultNone: "none", FaultDown: "down", FaultOOM: "oom", FaultValidation: "validation",
	FaultHang: "hang", FaultMalformed: "malformed", FaultLoadFails: "load-fails",
	FaultNoImages: "no-images", FaultEmptyImage: "empty-image", FaultNullImage: "null-image",
	FaultBadBase64: "bad-base64", FaultNotImage: "not-image",
}

// imageFaults are the kinds that spoil a txt2img answer's images.
var imageFaults = []FaultKind{FaultNoImages, FaultEmptyImage, FaultNullImage, FaultBadBase64, FaultNotImage}

// String returns the kind's name, as ParseFaultKind accepts it.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "unknown"
}

// FaultKinds lists every kind, FaultNone first.
func FaultKinds() []FaultKind {
	kinds := make([]FaultKind, 0, len(faultNames))
	for k := FaultNone; k <= FaultNotImage; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

// ParseFaultKind returns the kind named s (see String), e.g. "oom" or
// "empty-image".
func ParseFaultKind(s string) (FaultKind, error) {
	var names []string
	for _, k := range FaultKinds() {
		if k.String() == s {
			return k, nil
		}
		names = append(names, k.String())
	}
	return FaultNone, fmt.Errorf("sdsim: unknown fault %q (want one of %s)", s, strings.Join(names, ", "))
}

// Fault is a failure injected into matching requests.
type Fault struct {
	Kind FaultKind
	// Path is the endpoint it affects, e.g. "/sdapi/v1/txt2img"; "" means every
	// endpoint.
	Path string
	// Times is how many requests it affects; 0 means until replaced with
	// SetFault (SetFault(Fault{}) clears it).
	Times int
}

// SetFault replaces the current fault.
func (s *Sim) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
	s.faultLeft = f.Times
}

// takeFault returns the current fault's kind if it is one of kinds and applies
// to path, counting the request against Times; otherwise FaultNone.
func (s *Sim) takeFault(path string, kinds ...FaultKind) FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	if f.Kind == FaultNone || (f.Path != "" && f.Path != path) {
		return FaultNone
	}
	for _, k := range kinds {
		if k != f.Kind {
			continue
		}
		if f.Times > 0 {
			s.faultLeft--
			if s.faultLeft <= 0 {
				s.fault = Fault{}
			}
		}
		return k
	}
	return FaultNone
}

// spoilImages returns what an image fault sends instead of images (the
// base64 PNGs the job made).
func spoilImages(k FaultKind, images []string) []any {
	out := make([]any, 0, len(images))
	if k == FaultNoImages {
		return out
	}
	for _, img := range images {
		switch k {
		case FaultEmptyImage:
			out = append(out, "")
		case FaultNullImage:
			out = append(out, nil)
		case FaultBadBase64:
			out = append(out, "iVBORw0KGgo!!not*base64!!")
		case FaultNotImage:
			out = append(out, base64.StdEncoding.EncodeToString([]byte("Internal Server Error\n")))
		default:
			out = append(out, img)
		}
	}
	return out
}
