package comfysim

import (
	"fmt"
	"strings"
)

// FaultKind is a failure the Sim can inject.
type FaultKind int

const (
	// FaultNone injects nothing.
	FaultNone FaultKind = iota
	// FaultDown closes matching requests' connections without an answer,
	// like a crashed server (Fault.Path "/ws" refuses the websocket).
	FaultDown
	// FaultHang never answers matching requests: they return, dropping the
	// connection, when the client gives up or the Sim is closed.
	FaultHang

	// The execution faults affect the next prompts that run (Fault.Path is
	// ignored).

	// FaultOOM fails the KSampler at its second step with
	// torch.OutOfMemoryError (an execution_error).
	FaultOOM
	// FaultExecError fails the KSampler at its second step with a
	// RuntimeError (an execution_error).
	FaultExecError
	// FaultNoImages runs the prompt to its end but saves no image: its
	// history entry has outputs without images.
	FaultNoImages
	// FaultDropWS closes the prompt's client's websockets halfway through
	// sampling; the prompt runs on to its end.
	FaultDropWS
	// FaultBadPreview sends, before each real preview, a binary frame whose
	// image does not decode and one too short to have a header.
	FaultBadPreview
)

var faultNames = map[FaultKind]string{
	FaultNone: "none", FaultDown: "down", FaultHang: "hang", FaultOOM: "oom",
	FaultExecError: "exec-error", FaultNoImages: "no-images", FaultDropWS: "ws-drop", FaultBadPreview: "bad-preview",
}

// String returns the kind's name, as ParseFaultKind accepts it.
func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "unknown"
}

// FaultKinds lists every kind, FaultNone first.
func FaultKinds() []FaultKind {
	var kinds []FaultKind
	for k := FaultNone; k <= FaultBadPreview; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

// ParseFaultKind returns the kind named s (see String).
func ParseFaultKind(s string) (FaultKind, error) {
	var names []string
	for _, k := range FaultKinds() {
		if k.String() == s {
			return k, nil
		}
		names = append(names, k.String())
	}
	return FaultNone, fmt.Errorf("comfysim: unknown fault %q (want one of %s)", s, strings.Join(names, ", "))
}

// Fault is a failure injected into matching requests or prompts.
type Fault struct {
	Kind FaultKind
	// Path is the endpoint FaultDown and FaultHang affect, e.g. "/prompt";
	// "" means every endpoint.
	Path string
	// Times is how many requests (or prompts) it affects; 0 means until
	// replaced with SetFault (SetFault(Fault{}) clears it).
	Times int
}

// SetFault replaces the current fault.
func (s *Sim) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
	s.faultLeft = f.Times
}

// takeFault returns the fault's kind if it is one of kinds and applies to
// path, counting it against Times; otherwise FaultNone.
func (s *Sim) takeFault(path string, kinds ...FaultKind) FaultKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fault
	if f.Kind == FaultNone || (path != "" && f.Path != "" && f.Path != path) {
		return FaultNone
	}
	for _, k := range kinds {
		if k == f.Kind {
			if f.Times > 0 {
				s.faultLeft--
				if s.faultLeft <= 0 {
					s.fault = Fault{}
				}
			}
			return k
		}
	}
	return FaultNone
}

// takeExecFault returns the execution fault for the prompt about to run.
func (s *Sim) takeExecFault() FaultKind {
	return s.takeFault("", FaultOOM, FaultExecError, FaultNoImages, FaultDropWS, FaultBadPreview)
}
