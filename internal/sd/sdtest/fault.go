package sdtest

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
)

// String returns the kind's name.
func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultDown:
		return "down"
	case FaultOOM:
		return "oom"
	case FaultValidation:
		return "validation"
	case FaultHang:
		return "hang"
	case FaultMalformed:
		return "malformed"
	case FaultLoadFails:
		return "load-fails"
	}
	return "unknown"
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
